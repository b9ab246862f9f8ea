// Decoder of the .BTF.ext section.
//
// Acceptance follows libbpf's btf_ext__new (checked against libbpf 1.1 in the
// tests): magic 0xeB9F in the object's byte order, version 1, flags 0,
// hdr_len >= 24 and within the section, the CO-RE sub-section only when
// hdr_len >= 32; a non-empty sub-section is 4-byte aligned, lies inside the
// section, starts with a rec_size that is a multiple of 4 and at least the
// known record size, and holds at least one block, each with num_info >= 1
// records that fit. Records larger than known are read by their known prefix.
// Every count is checked against the bytes that remain before anything is
// allocated, so a lying header gives a BtfExtError, never a huge allocation.
//
// Stricter than libbpf: a CO-RE kind outside 0 … 12 is an error here (libbpf
// fails on it only when it applies the relocation).

import { type ByteOrder, ByteReader } from '../../isa/index.js';
import { BtfExtError } from './errors.js';
import {
  BTF_EXT_HEADER_SIZE, BTF_EXT_HEADER_SIZE_V1, BTF_EXT_MAGIC, BTF_EXT_VERSION, type BtfExt, CORE_RELOCATION_SIZE,
  type BtfExtRecordSizes, type CoreRelocation, coreRelocationKindFromNumber, FUNC_INFO_SIZE, type FuncInfo, LINE_INFO_COLUMN_BITS,
  LINE_INFO_MAX_COLUMN, LINE_INFO_SIZE, type LineInfo,
} from './types.js';

interface SubSection<T> {
  readonly name: string;
  readonly minRecordSize: number;
  readonly read: (r: ByteReader, at: number) => T;
}

const funcInfoSub: SubSection<FuncInfo> = {
  name: 'func_info',
  minRecordSize: FUNC_INFO_SIZE,
  read: (r, at) => ({ insnOffset: r.u32(at), typeId: r.u32(at + 4) }),
};

const lineInfoSub: SubSection<LineInfo> = {
  name: 'line_info',
  minRecordSize: LINE_INFO_SIZE,
  read: (r, at) => {
    const lineCol = r.u32(at + 12);
    return {
      insnOffset: r.u32(at),
      fileNameOffset: r.u32(at + 4),
      lineOffset: r.u32(at + 8),
      line: lineCol >>> LINE_INFO_COLUMN_BITS,
      column: lineCol & LINE_INFO_MAX_COLUMN,
    };
  },
};

const coreSub: SubSection<CoreRelocation> = {
  name: 'core_relo',
  minRecordSize: CORE_RELOCATION_SIZE,
  read: (r, at) => {
    const value = r.u32(at + 12);
    const kind = coreRelocationKindFromNumber(value);
    if (kind === undefined) throw new BtfExtError(`CO-RE relocation kind ${value} is not one of the 13 kinds (0 … 12)`, at + 12);
    return {
      insnOffset: r.u32(at),
      typeId: r.u32(at + 4),
      accessStringOffset: r.u32(at + 8),
      kind,
    };
  },
};

/** Byte offsets in the section of every record decodeBtfExt returns, in the same maps and order. */
export interface BtfExtRecordOffsets {
  readonly funcInfo: Map<number, number[]>;
  readonly lineInfo: Map<number, number[]>;
  readonly coreRelocations: Map<number, number[]>;
}

const at = (_r: ByteReader, p: number): number => p;

/** Where each record of a .BTF.ext section lies (for errors that name a record); same checks as decodeBtfExt. */
export function btfExtRecordOffsets(bytes: Uint8Array, byteOrder: ByteOrder): BtfExtRecordOffsets {
  const r = walk(bytes, byteOrder, { ...funcInfoSub, read: at }, { ...lineInfoSub, read: at }, { ...coreSub, read: at });
  return { funcInfo: r.funcInfo, lineInfo: r.lineInfo, coreRelocations: r.coreRelocations };
}

/** Decodes a .BTF.ext section. byteOrder is the ELF object's (EI_DATA). */
export function decodeBtfExt(bytes: Uint8Array, byteOrder: ByteOrder): BtfExt {
  return walk(bytes, byteOrder, funcInfoSub, lineInfoSub, coreSub);
}

function walk<F, L, C>(
  bytes: Uint8Array, byteOrder: ByteOrder, funcInfoSub: SubSection<F>, lineInfoSub: SubSection<L>, coreSub: SubSection<C>,
): { funcInfo: Map<number, F[]>; lineInfo: Map<number, L[]>; coreRelocations: Map<number, C[]>; headerLength: number;
  recordSizes: BtfExtRecordSizes } {
  const view = new ByteReader(bytes, byteOrder);
  const size = bytes.length;
  if (size < 8) throw new BtfExtError(`section of ${size} bytes is too short for the .BTF.ext header`, 0);
  const magic = view.u16(0);
  if (magic !== BTF_EXT_MAGIC) {
    const swapped = ((magic & 0xff) << 8) | (magic >>> 8);
    throw new BtfExtError(
      swapped === BTF_EXT_MAGIC
        ? `magic reads 0x${magic.toString(16)}: the section is in the other byte order than ${byteOrder === 'le' ? 'little' : 'big'}-endian`
        : `bad magic 0x${magic.toString(16)}, expected 0xeb9f`,
      0,
    );
  }
  const version = view.u8(2);
  if (version !== BTF_EXT_VERSION) throw new BtfExtError(`unsupported version ${version}`, 2);
  const flags = view.u8(3);
  if (flags !== 0) throw new BtfExtError(`unsupported flags 0x${flags.toString(16)}`, 3);
  const headerLength = view.u32(4);
  if (headerLength < BTF_EXT_HEADER_SIZE_V1) throw new BtfExtError(`hdr_len ${headerLength} is below ${BTF_EXT_HEADER_SIZE_V1}`, 4);
  if (headerLength > size) throw new BtfExtError(`hdr_len ${headerLength} exceeds the section size ${size}`, 4);
  const dataSize = size - headerLength;

  const recordSizes = { funcInfo: FUNC_INFO_SIZE, lineInfo: LINE_INFO_SIZE, coreRelocation: CORE_RELOCATION_SIZE };

  function subSection<T>(sub: SubSection<T>, fieldAt: number, setRecordSize: (n: number) => void): Map<number, T[]> {
    const out = new Map<number, T[]>();
    const off = view.u32(fieldAt);
    const len = view.u32(fieldAt + 4);
    if (len === 0) return out;
    if (off % 4 !== 0) throw new BtfExtError(`${sub.name} offset ${off} is not aligned to 4 bytes`, fieldAt);
    if (off + len > dataSize) {
      throw new BtfExtError(`${sub.name} (offset ${off}, length ${len}) extends past the ${dataSize} bytes after the header`, fieldAt);
    }
    const start = headerLength + off;
    const end = start + len;
    if (len < 4) throw new BtfExtError(`${sub.name} of ${len} bytes has no record size`, start);
    const recordSize = view.u32(start);
    if (recordSize < sub.minRecordSize || recordSize % 4 !== 0) {
      throw new BtfExtError(`${sub.name} record size ${recordSize} is not a multiple of 4 that is at least ${sub.minRecordSize}`, start);
    }
    setRecordSize(recordSize);
    let at = start + 4;
    if (at === end) throw new BtfExtError(`${sub.name} has a record size but no blocks`, at);
    while (at < end) {
      if (end - at < 8) throw new BtfExtError(`${sub.name} block header needs 8 bytes, ${end - at} remain`, at);
      const sectionNameOffset = view.u32(at);
      const count = view.u32(at + 4);
      if (count === 0) throw new BtfExtError(`${sub.name} block has num_info 0`, at + 4);
      const room = end - at - 8;
      if (count > room / recordSize) {
        throw new BtfExtError(`${sub.name} block claims ${count} records of ${recordSize} bytes, only ${room} bytes remain`, at + 4);
      }
      at += 8;
      let list = out.get(sectionNameOffset);
      if (list === undefined) {
        list = [];
        out.set(sectionNameOffset, list);
      }
      for (let i = 0; i < count; i++, at += recordSize) list.push(sub.read(view, at));
    }
    return out;
  }

  const funcInfo = subSection(funcInfoSub, 8, (n) => { recordSizes.funcInfo = n; });
  const lineInfo = subSection(lineInfoSub, 16, (n) => { recordSizes.lineInfo = n; });
  const coreRelocations = headerLength >= BTF_EXT_HEADER_SIZE
    ? subSection(coreSub, 24, (n) => { recordSizes.coreRelocation = n; })
    : new Map<number, C[]>();
  return { funcInfo, lineInfo, coreRelocations, headerLength, recordSizes };
}
