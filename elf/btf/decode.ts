// decodeBtf: a .BTF section or raw BTF file → Btf. The header, sections and strings are checked
// here; one pass over the type records (walk-full.ts, or walk-structure.ts for BTF the kernel has
// validated) checks them and builds the offset table and the name index before anything is built.
// Types become objects lazily.

import { type ByteOrder, ByteReader } from '../../isa/index.js';
import { Btf, type BtfLayoutEntry } from './btf.js';
import { BtfError } from './errors.js';
import { BTF_HEADER_LAYOUT_SIZE, BTF_HEADER_SIZE, BTF_MAGIC, BTF_VERSION } from './kinds.js';
import { checkResolveLoops } from './resolve-check.js';
import { BtfStringTable } from './strings.js';
import type { TypeWalkInput } from './type-walk.js';
import { walkTypesFull } from './walk-full.js';
import { walkTypesStructure } from './walk-structure.js';

/**
 * How much decodeBtf checks before it returns.
 * - 'full' (the default): every record's fields, every string offset and every type id referenced,
 *   and the reference loops the kernel refuses (resolve-check.ts).
 * - 'structure': what libbpf's btf__parse checks — the header and sections, that every record has a
 *   known kind and lies inside the type section — plus every type's name offset. For BTF that the
 *   kernel has already validated (/sys/kernel/btf/*). A fault beyond that is found when the faulty
 *   type is built (type(), get(), types() check its record first and throw the BtfError a full decode
 *   gives); validateBtf() makes the full check of the whole graph later.
 */
export type BtfValidation = 'full' | 'structure';

export interface DecodeBtfOptions {
  /** The base of a split BTF (e.g. vmlinux for a module): ids and string offsets continue it. */
  readonly base?: Btf | undefined;
  readonly validation?: BtfValidation | undefined;
}

/** Byte order of a BTF blob from its magic; undefined when it is not BTF. */
export function btfByteOrder(bytes: Uint8Array): ByteOrder | undefined {
  if (bytes.length < 2) return undefined;
  if (bytes[0] === (BTF_MAGIC & 0xff) && bytes[1] === BTF_MAGIC >> 8) return 'le';
  if (bytes[0] === BTF_MAGIC >> 8 && bytes[1] === (BTF_MAGIC & 0xff)) return 'be';
  return undefined;
}

interface Section { readonly off: number; readonly len: number; readonly what: string }

export function decodeBtf(bytes: Uint8Array, options: DecodeBtfOptions = {}): Btf {
  const base = options.base;
  if (bytes.length < BTF_HEADER_SIZE) throw new BtfError(`blob of ${bytes.length} bytes is shorter than the 24-byte BTF header`, 0);
  const byteOrder = btfByteOrder(bytes);
  if (byteOrder === undefined) throw new BtfError(`bad magic 0x${hex16(bytes)} (expected 0xeb9f)`, 0);
  if (base !== undefined && base.byteOrder !== byteOrder) throw new BtfError(`split BTF is ${byteOrder} but its base is ${base.byteOrder}`, 0);
  const le = byteOrder === 'le';
  // The header's fields lie in its first 24 (or 32) bytes, checked above or before each read.
  const r = new ByteReader(bytes, byteOrder);
  if (bytes[2] !== BTF_VERSION) throw new BtfError(`unsupported BTF version ${bytes[2]}`, 2);
  const flags = bytes[3]!;
  const hdrLen = r.u32(4);
  if (hdrLen < BTF_HEADER_SIZE) throw new BtfError(`header length ${hdrLen} is shorter than 24`, 4);
  if (hdrLen > bytes.length) throw new BtfError(`header length ${hdrLen} exceeds the blob of ${bytes.length} bytes`, 4);
  // A longer header than we know must be zero beyond the fields we read (as the kernel demands).
  const known = hdrLen >= BTF_HEADER_LAYOUT_SIZE ? BTF_HEADER_LAYOUT_SIZE : BTF_HEADER_SIZE;
  if (hdrLen !== BTF_HEADER_SIZE && hdrLen < BTF_HEADER_LAYOUT_SIZE) throw new BtfError(`header length ${hdrLen} is neither 24 nor ≥ 32`, 4);
  for (let i = known; i < hdrLen; i++) if (bytes[i] !== 0) throw new BtfError('unknown non-zero header field', i);
  const dataLen = bytes.length - hdrLen;
  const section = (offField: number, what: string): Section => {
    const off = r.u32(offField);
    const len = r.u32(offField + 4);
    if (off > dataLen || len > dataLen - off) {
      throw new BtfError(`${what} section (${len} bytes at ${off} after the header) lies outside the ${dataLen} bytes after the header`, offField);
    }
    return { off: hdrLen + off, len, what };
  };
  const typeSec = section(8, 'type');
  const strSec = section(16, 'string');
  const layoutSec = known === BTF_HEADER_LAYOUT_SIZE ? section(24, 'layout') : undefined;
  const secs = [typeSec, strSec, ...(layoutSec === undefined ? [] : [layoutSec])].filter((s) => s.len > 0).sort((a, b) => a.off - b.off);
  for (let i = 1; i < secs.length; i++) {
    const a = secs[i - 1]!;
    const b = secs[i]!;
    if (a.off + a.len > b.off) throw new BtfError(`${a.what} and ${b.what} sections overlap`, b.off);
  }
  if (typeSec.off % 4 !== 0 && typeSec.len > 0) throw new BtfError(`type section at ${typeSec.off} is not 4-byte aligned`, 8);
  if (typeSec.len % 4 !== 0) throw new BtfError(`type section length ${typeSec.len} is not a multiple of 4`, 12);

  // Strings: NUL-terminated; a base table starts with the empty string.
  const strBytes = bytes.subarray(strSec.off, strSec.off + strSec.len);
  if (strSec.len > 0 && strBytes[strSec.len - 1] !== 0) throw new BtfError('string section does not end with NUL', strSec.off + strSec.len - 1);
  if (base === undefined && strSec.len > 0 && strBytes[0] !== 0) throw new BtfError('string section does not start with the empty string', strSec.off);
  if (base === undefined && strSec.len === 0) throw new BtfError('string section is empty', 16);
  const strStart = base === undefined ? 0 : base.stringsEnd;
  const strings = new BtfStringTable(strBytes, strStart, strSec.off);
  const strEnd = strings.end;

  let layout: BtfLayoutEntry[] | undefined;
  if (layoutSec !== undefined) {
    if (layoutSec.len % 4 !== 0) throw new BtfError(`layout section length ${layoutSec.len} is not a multiple of 4`, 28);
    layout = [];
    for (let p = layoutSec.off; p < layoutSec.off + layoutSec.len; p += 4) {
      layout.push({ infoSize: r.u8(p), elemSize: r.u8(p + 1), flags: r.u16(p + 2) });
    }
  }

  // The walk, over the type section as 32-bit words in host order (every field of a type record
  // is a 32-bit word): a view when the blob is host-ordered and aligned, else a converted copy.
  const words = typeWords(bytes, typeSec.off, typeSec.len, le);
  const input: TypeWalkInput = { words, typeOffset: typeSec.off, strEnd, layout, firstId: base === undefined ? 1 : base.lastId + 1 };
  const validation = options.validation ?? 'full';
  const { offsets, index } = validation === 'full' ? walkTypesFull(input) : walkTypesStructure(input);
  const btf = Btf.fromRaw(
    { bytes, words, typeOffset: typeSec.off, le, offsets, nameIndex: index, strings, headerLength: hdrLen, validation },
    { base, byteOrder, layout, flags },
  );
  if (validation === 'full') checkResolveLoops({ words, offsets, typeOffset: typeSec.off, firstId: btf.firstId, nameOf: (id) => btf.nameOf(id) });
  return btf;
}

/**
 * The full check of a graph decoded with validation 'structure' (a no-op for one decoded with the
 * full check or built in memory): throws the BtfError a full decode would have thrown.
 */
export function validateBtf(btf: Btf): void {
  const raw = btf.raw;
  if (raw === undefined || raw.validation === 'full') return;
  if (btf.base !== undefined) validateBtf(btf.base);
  decodeBtf(raw.bytes, { base: btf.base, validation: 'full' });
}

function hex16(b: Uint8Array): string {
  return ((b[0]! << 8) | b[1]!).toString(16).padStart(4, '0');
}

const hostLE = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function typeWords(bytes: Uint8Array, off: number, len: number, le: boolean): Uint32Array {
  const count = len >>> 2;
  if (le === hostLE && (bytes.byteOffset + off) % 4 === 0) return new Uint32Array(bytes.buffer, bytes.byteOffset + off, count);
  const out = new Uint32Array(count);
  const r = new ByteReader(bytes, le ? 'le' : 'be');
  for (let i = 0; i < count; i++) out[i] = r.u32(off + 4 * i);
  return out;
}
