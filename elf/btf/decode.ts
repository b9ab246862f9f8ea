// decodeBtf: a .BTF section or raw BTF file → Btf. One pass validates every record before
// anything is built: lengths against the section, vlen against the bytes left, string offsets
// against the string sections, type ids against the last id. Types become objects lazily.

import type { ByteOrder } from '../../isa/index.js';
import { Btf, type BtfLayoutEntry, emptyNameIndex, NAME_HASH } from './btf.js';
import { BtfError } from './errors.js';
import {
  BTF_HEADER_LAYOUT_SIZE, BTF_HEADER_SIZE, BTF_MAGIC, BTF_TYPE_SIZE, BTF_VERSION, KIND_MASK, KIND_NAMES, KIND_SHIFT,
  VLEN_MASK,
} from './kinds.js';
import { BtfStringTable } from './strings.js';

export interface DecodeBtfOptions {
  /** The base of a split BTF (e.g. vmlinux for a module): ids and string offsets continue it. */
  readonly base?: Btf | undefined;
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
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[2] !== BTF_VERSION) throw new BtfError(`unsupported BTF version ${bytes[2]}`, 2);
  const flags = bytes[3]!;
  const hdrLen = view.getUint32(4, le);
  if (hdrLen < BTF_HEADER_SIZE) throw new BtfError(`header length ${hdrLen} is shorter than 24`, 4);
  if (hdrLen > bytes.length) throw new BtfError(`header length ${hdrLen} exceeds the blob of ${bytes.length} bytes`, 4);
  // A longer header than we know must be zero beyond the fields we read (as the kernel demands).
  const known = hdrLen >= BTF_HEADER_LAYOUT_SIZE ? BTF_HEADER_LAYOUT_SIZE : BTF_HEADER_SIZE;
  if (hdrLen !== BTF_HEADER_SIZE && hdrLen < BTF_HEADER_LAYOUT_SIZE) throw new BtfError(`header length ${hdrLen} is neither 24 nor ≥ 32`, 4);
  for (let i = known; i < hdrLen; i++) if (bytes[i] !== 0) throw new BtfError('unknown non-zero header field', i);
  const dataLen = bytes.length - hdrLen;
  const section = (offField: number, what: string): Section => {
    const off = view.getUint32(offField, le);
    const len = view.getUint32(offField + 4, le);
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
      layout.push({ infoSize: bytes[p]!, elemSize: bytes[p + 1]!, flags: view.getUint16(p + 2, le) });
    }
  }

  // The walk, over the type section as 32-bit words in host order (every field of a type record
  // is a 32-bit word): a view when the blob is host-ordered and aligned, else a converted copy.
  // The hot loop checks string offsets against the (known) end of the strings inline and keeps only
  // the largest type id referenced; where that id was is found again only when it is bad.
  const words = typeWords(bytes, typeSec.off, typeSec.len, le);
  const typeEnd = typeSec.len >>> 2;
  const at = (word: number): number => typeSec.off + 4 * word;
  const badString = (off: number, word: number): BtfError =>
    new BtfError(`string offset ${off} lies outside the string section (${strEnd} bytes)`, at(word));
  const maxTypes = Math.floor(typeSec.len / BTF_TYPE_SIZE);
  const offsets = new Uint32Array(maxTypes);
  // The name index is built in the same pass (the name word is in hand): see NameIndex in btf.ts.
  const index = emptyNameIndex(maxTypes);
  const { heads, next, shift } = index;
  const firstId = base === undefined ? 1 : base.lastId + 1;
  let n = 0;
  let maxRef = 0;
  let p = 0;
  while (p < typeEnd) {
    if (typeEnd - p < 3) throw new BtfError(`truncated type record (${4 * (typeEnd - p)} bytes left)`, at(p));
    const nameOff = words[p]!;
    if (nameOff >= strEnd) throw badString(nameOff, p);
    if (nameOff !== 0) {
      const h = Math.imul(nameOff, NAME_HASH) >>> shift;
      next[n] = heads[h]!;
      heads[h] = n + 1;
    }
    offsets[n++] = p;
    const info = words[p + 1]!;
    const kind = (info >>> KIND_SHIFT) & KIND_MASK;
    const vlen = info & VLEN_MASK;
    const st = words[p + 2]!;
    const q = p + 3;
    // The common well-formed records first, FUNC (45% of vmlinux's records), PTR, CONST, TYPEDEF
    // (17%) by one comparison of the info word, then FUNC_PROTO (23%) and STRUCT/UNION (10%). The
    // switch below (a jump table that mispredicts on every change of kind) is left for the rest and
    // for every fault: these paths make the checks of its cases and fall through to it when one fails.
    if ((info - 0x0c000000) >>> 0 <= 2 || info === 0x02000000 || info === 0x0a000000 || info === 0x08000000) {
      if (st > maxRef) maxRef = st;
      p = q;
      continue;
    }
    if ((info >>> 24) === 13) {
      const e = q + 2 * vlen;
      if (e <= typeEnd) {
        for (let m = q; m < e; m += 2) {
          const so = words[m]!;
          const t = words[m + 1]!;
          if (so >= strEnd) throw badString(so, m);
          if (t > maxRef) maxRef = t;
        }
        if (st > maxRef) maxRef = st;
        p = e;
        continue;
      }
    }
    if (kind - 4 >>> 0 <= 1) { // STRUCT, UNION
      const e = q + 3 * vlen;
      if (e <= typeEnd) {
        for (let m = q; m < e; m += 3) {
          const so = words[m]!;
          const t = words[m + 1]!;
          if (so >= strEnd) throw badString(so, m);
          if (t > maxRef) maxRef = t;
        }
        p = e;
        continue;
      }
    }
    let extra: number;
    let bad: string | undefined;
    switch (kind) {
      case 1: // INT
        extra = 1;
        if (info !== 0x01000000) bad = info >>> 31 ? 'kind_flag set' : `vlen ${vlen}`;
        else if (q + 1 <= typeEnd && (words[q]! & 0xf000ff00) >>> 0 !== 0) {
          throw new BtfError(`INT data 0x${words[q]!.toString(16)} has unused bits set`, at(q));
        }
        break;
      case 2: case 8: case 9: case 10: case 11: // PTR TYPEDEF VOLATILE CONST RESTRICT
        extra = 0;
        if ((info & 0x80ffffff) !== 0) bad = info >>> 31 ? 'kind_flag set' : `vlen ${vlen}`;
        if (st > maxRef) maxRef = st;
        break;
      case 18: // TYPE_TAG
        extra = 0;
        if (vlen !== 0) bad = `vlen ${vlen}`;
        if (st > maxRef) maxRef = st;
        break;
      case 3: // ARRAY
        extra = 3;
        if ((info & 0x80ffffff) !== 0) bad = info >>> 31 ? 'kind_flag set' : `vlen ${vlen}`;
        else if (q + 3 <= typeEnd) {
          const a = words[q]!;
          const b = words[q + 1]!;
          if (a > maxRef) maxRef = a;
          if (b > maxRef) maxRef = b;
        }
        break;
      case 4: case 5: // STRUCT UNION
        extra = 3 * vlen;
        if (extra <= typeEnd - q) {
          for (let m = q, e = q + extra; m < e; m += 3) {
            const so = words[m]!;
            const t = words[m + 1]!;
            if (so >= strEnd) throw badString(so, m);
            if (t > maxRef) maxRef = t;
          }
        }
        break;
      case 6: // ENUM
        extra = 2 * vlen;
        if (extra <= typeEnd - q) {
          for (let m = q, e = q + extra; m < e; m += 2) {
            const so = words[m]!;
            if (so >= strEnd) throw badString(so, m);
          }
        }
        break;
      case 19: // ENUM64
        extra = 3 * vlen;
        if (extra <= typeEnd - q) {
          for (let m = q, e = q + extra; m < e; m += 3) {
            const so = words[m]!;
            if (so >= strEnd) throw badString(so, m);
          }
        }
        break;
      case 7: // FWD
        extra = 0;
        if (vlen !== 0) bad = `vlen ${vlen}`;
        break;
      case 12: // FUNC
        extra = 0;
        if (info >>> 31) bad = 'kind_flag set';
        else if (vlen > 2) bad = `linkage ${vlen} (not static 0, global 1 or extern 2)`;
        if (st > maxRef) maxRef = st;
        break;
      case 13: // FUNC_PROTO
        extra = 2 * vlen;
        if (info >>> 31) bad = 'kind_flag set';
        if (st > maxRef) maxRef = st;
        if (extra <= typeEnd - q) {
          for (let m = q, e = q + extra; m < e; m += 2) {
            const so = words[m]!;
            const t = words[m + 1]!;
            if (so >= strEnd) throw badString(so, m);
            if (t > maxRef) maxRef = t;
          }
        }
        break;
      case 14: // VAR
        extra = 1;
        if ((info & 0x80ffffff) !== 0) bad = info >>> 31 ? 'kind_flag set' : `vlen ${vlen}`;
        else if (q + 1 <= typeEnd && words[q]! > 2) {
          throw new BtfError(`VAR linkage ${words[q]!} is not static (0), global (1) or extern (2)`, at(q));
        }
        if (st > maxRef) maxRef = st;
        break;
      case 15: // DATASEC
        extra = 3 * vlen;
        if (info >>> 31) bad = 'kind_flag set';
        if (extra <= typeEnd - q) {
          for (let m = q, e = q + extra; m < e; m += 3) {
            const t = words[m]!;
            if (t > maxRef) maxRef = t;
          }
        }
        break;
      case 16: // FLOAT
        extra = 0;
        if ((info & 0x80ffffff) !== 0) bad = info >>> 31 ? 'kind_flag set' : `vlen ${vlen}`;
        break;
      case 17: // DECL_TAG
        extra = 1;
        if (vlen !== 0) bad = `vlen ${vlen}`;
        else if (q + 1 <= typeEnd && (words[q]! | 0) < -1) {
          throw new BtfError(`DECL_TAG component_idx ${(words[q]! | 0)} is below -1`, at(q));
        }
        if (st > maxRef) maxRef = st;
        break;
      default: {
        const l = layout?.[kind];
        if (l === undefined) throw new BtfError(`unknown kind ${kind}${layout === undefined ? '' : ' (not in the layout section)'}`, at(p + 1));
        const bytesExtra = l.infoSize + l.elemSize * vlen;
        if (bytesExtra % 4 !== 0) throw new BtfError(`layout of kind ${kind} gives a record of ${bytesExtra} bytes, not whole words`, at(p + 1));
        extra = bytesExtra / 4;
      }
    }
    if (bad !== undefined) throw new BtfError(`${KIND_NAMES[kind]} with ${bad}`, at(p + 1));
    if (extra > typeEnd - q) {
      throw new BtfError(`${KIND_NAMES[kind] ?? `kind ${kind}`} record with vlen ${vlen} needs ${4 * extra} bytes after its header, ${4 * (typeEnd - q)} left`, at(p + 1));
    }
    p = q + extra;
  }
  const lastId = firstId + n - 1;
  if (maxRef > lastId) {
    const w = firstBadRef(words, offsets.subarray(0, n), lastId);
    throw new BtfError(`type id ${words[w]!} does not exist (last id ${lastId})`, at(w));
  }
  return Btf.fromRaw(
    { bytes, words, typeOffset: typeSec.off, le, offsets: offsets.subarray(0, n), nameIndex: index, strings, headerLength: hdrLen },
    { base, byteOrder, layout, flags },
  );
}

/** Word index of the first type reference beyond lastId (the records are known to be well formed). */
function firstBadRef(words: Uint32Array, offsets: Uint32Array, lastId: number): number {
  for (const p of offsets) {
    const info = words[p + 1]!;
    const kind = (info >>> KIND_SHIFT) & KIND_MASK;
    const vlen = info & VLEN_MASK;
    const q = p + 3;
    const refs: number[] = [];
    switch (kind) {
      case 2: case 8: case 9: case 10: case 11: case 12: case 14: case 17: case 18: refs.push(p + 2); break;
      case 3: refs.push(q, q + 1); break;
      case 4: case 5: for (let k = 0; k < vlen; k++) refs.push(q + 3 * k + 1); break;
      case 13: refs.push(p + 2); for (let k = 0; k < vlen; k++) refs.push(q + 2 * k + 1); break;
      case 15: for (let k = 0; k < vlen; k++) refs.push(q + 3 * k); break;
      default: break;
    }
    for (const w of refs) if (words[w]! > lastId) return w;
  }
  return 0;
}

function hex16(b: Uint8Array): string {
  return ((b[0]! << 8) | b[1]!).toString(16).padStart(4, '0');
}

const hostLE = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function typeWords(bytes: Uint8Array, off: number, len: number, le: boolean): Uint32Array {
  const count = len >>> 2;
  if (le === hostLE && (bytes.byteOffset + off) % 4 === 0) return new Uint32Array(bytes.buffer, bytes.byteOffset + off, count);
  const out = new Uint32Array(count);
  const v = new DataView(bytes.buffer, bytes.byteOffset + off, len);
  for (let i = 0; i < count; i++) out[i] = v.getUint32(4 * i, le);
  return out;
}
