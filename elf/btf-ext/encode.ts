// Encoder of the .BTF.ext section, in the layout clang-19 writes: the header,
// then func_info, line_info and core_relo back to back (offsets relative to the
// header end, the first at 0). An empty sub-section has length 0 and the
// running offset, with no rec_size word. Blocks are written in the maps'
// insertion order; a section whose record list is empty is left out (a block
// with num_info 0 is invalid). Records larger than the known size get a zero
// tail (the kernel requires unknown trailing bytes to be zero).

import { type ByteOrder, ByteWriter } from '../../isa/index.js';
import { BtfExtError } from './errors.js';
import {
  BTF_EXT_HEADER_SIZE, BTF_EXT_HEADER_SIZE_V1, BTF_EXT_MAGIC, BTF_EXT_VERSION, type BtfExt, CORE_RELOCATION_SIZE,
  type CoreRelocation, coreRelocationKindNumber, FUNC_INFO_SIZE, type FuncInfo, LINE_INFO_COLUMN_BITS,
  LINE_INFO_MAX_COLUMN, LINE_INFO_MAX_LINE, LINE_INFO_SIZE, type LineInfo,
} from './types.js';

type Put = (at: number, value: number, what: string) => void;

interface SubSection<T> {
  readonly name: string;
  readonly minRecordSize: number;
  readonly write: (put: Put, at: number, record: T) => void;
}

const funcInfoSub: SubSection<FuncInfo> = {
  name: 'func_info',
  minRecordSize: FUNC_INFO_SIZE,
  write: (put, at, r) => {
    put(at, r.insnOffset, 'insnOffset');
    put(at + 4, r.typeId, 'typeId');
  },
};

const lineInfoSub: SubSection<LineInfo> = {
  name: 'line_info',
  minRecordSize: LINE_INFO_SIZE,
  write: (put, at, r) => {
    if (!Number.isInteger(r.line) || r.line < 0 || r.line > LINE_INFO_MAX_LINE) {
      throw new BtfExtError(`line ${r.line} does not fit in 22 bits`, at + 12);
    }
    if (!Number.isInteger(r.column) || r.column < 0 || r.column > LINE_INFO_MAX_COLUMN) {
      throw new BtfExtError(`column ${r.column} does not fit in 10 bits`, at + 12);
    }
    put(at, r.insnOffset, 'insnOffset');
    put(at + 4, r.fileNameOffset, 'fileNameOffset');
    put(at + 8, r.lineOffset, 'lineOffset');
    put(at + 12, ((r.line << LINE_INFO_COLUMN_BITS) | r.column) >>> 0, 'line_col');
  },
};

const coreSub: SubSection<CoreRelocation> = {
  name: 'core_relo',
  minRecordSize: CORE_RELOCATION_SIZE,
  write: (put, at, r) => {
    let kind: number;
    try {
      kind = coreRelocationKindNumber(r.kind);
    } catch {
      throw new BtfExtError(`unknown CO-RE relocation kind ${String(r.kind)}`, at + 12);
    }
    put(at, r.insnOffset, 'insnOffset');
    put(at + 4, r.typeId, 'typeId');
    put(at + 8, r.accessStringOffset, 'accessStringOffset');
    put(at + 12, kind, 'kind');
  },
};

function subSectionLength<T>(map: ReadonlyMap<number, readonly T[]>, recordSize: number): number {
  let len = 0;
  for (const records of map.values()) if (records.length > 0) len += 8 + records.length * recordSize;
  return len === 0 ? 0 : len + 4;
}

function checkRecordSize(name: string, size: number, min: number): void {
  if (!Number.isInteger(size) || size < min || size % 4 !== 0 || size > 0xffffffff) {
    throw new BtfExtError(`${name} record size ${size} is not a multiple of 4 that is at least ${min}`, 0);
  }
}

/** Encodes a .BTF.ext section in the given byte order. */
export function encodeBtfExt(ext: BtfExt, byteOrder: ByteOrder): Uint8Array {
  const headerLength = ext.headerLength ?? BTF_EXT_HEADER_SIZE;
  if (!Number.isInteger(headerLength) || headerLength < BTF_EXT_HEADER_SIZE_V1 || headerLength > 0xffffffff) {
    throw new BtfExtError(`header length ${headerLength} is not a 32-bit integer of at least ${BTF_EXT_HEADER_SIZE_V1}`, 4);
  }
  const funcSize = ext.recordSizes?.funcInfo ?? FUNC_INFO_SIZE;
  const lineSize = ext.recordSizes?.lineInfo ?? LINE_INFO_SIZE;
  const coreSize = ext.recordSizes?.coreRelocation ?? CORE_RELOCATION_SIZE;
  checkRecordSize('func_info', funcSize, FUNC_INFO_SIZE);
  checkRecordSize('line_info', lineSize, LINE_INFO_SIZE);
  checkRecordSize('core_relo', coreSize, CORE_RELOCATION_SIZE);

  const funcLen = subSectionLength(ext.funcInfo, funcSize);
  const lineLen = subSectionLength(ext.lineInfo, lineSize);
  const coreLen = subSectionLength(ext.coreRelocations, coreSize);
  if (coreLen > 0 && headerLength < BTF_EXT_HEADER_SIZE) {
    throw new BtfExtError(`CO-RE relocations need a header of at least ${BTF_EXT_HEADER_SIZE} bytes, not ${headerLength}`, 4);
  }
  const total = headerLength + funcLen + lineLen + coreLen;
  if (total > 0xffffffff) throw new BtfExtError(`section of ${total} bytes exceeds 4 GiB`, 0);

  // Laid out first (zeros: the tails of records longer than known stay zero), then filled in.
  const bytes = new Uint8Array(total);
  const w = ByteWriter.over(bytes, byteOrder);
  const put: Put = (at, value, what) => {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
      throw new BtfExtError(`${what} ${value} is not an unsigned 32-bit integer`, at);
    }
    w.setU32(at, value);
  };

  w.setU16(0, BTF_EXT_MAGIC).setU8(2, BTF_EXT_VERSION).setU8(3, 0);
  put(4, headerLength, 'hdr_len');
  put(8, 0, 'func_info_off');
  put(12, funcLen, 'func_info_len');
  put(16, funcLen, 'line_info_off');
  put(20, lineLen, 'line_info_len');
  if (headerLength >= BTF_EXT_HEADER_SIZE) {
    put(24, funcLen + lineLen, 'core_relo_off');
    put(28, coreLen, 'core_relo_len');
  }

  function writeSub<T>(sub: SubSection<T>, map: ReadonlyMap<number, readonly T[]>, recordSize: number, start: number, len: number): void {
    if (len === 0) return;
    put(start, recordSize, `${sub.name} rec_size`);
    let at = start + 4;
    for (const [sectionNameOffset, records] of map) {
      if (records.length === 0) continue;
      put(at, sectionNameOffset, `${sub.name} sec_name_off`);
      put(at + 4, records.length, `${sub.name} num_info`);
      at += 8;
      for (const r of records) {
        sub.write(put, at, r);
        at += recordSize;
      }
    }
  }

  writeSub(funcInfoSub, ext.funcInfo, funcSize, headerLength, funcLen);
  writeSub(lineInfoSub, ext.lineInfo, lineSize, headerLength + funcLen, lineLen);
  writeSub(coreSub, ext.coreRelocations, coreSize, headerLength + funcLen + lineLen, coreLen);
  return bytes;
}
