// The full check of a BTF type section (decodeBtf's default): every record's framing and
// kind-specific fields, every string offset (names of types, members, parameters, enumerators) and
// every type id referenced. The name index is built in the same pass (the name word is in hand).

import { BtfError } from './errors.js';
import { forEachField, LAYOUT_BY_KIND, RECORD_LAYOUT } from './fields.js';
import { KIND_MASK, KIND_NAMES, KIND_SHIFT, VLEN_MASK } from './kinds.js';
import { NAME_HASH } from './name-index.js';
import { newTypeTables, type TypeWalk, type TypeWalkInput } from './type-walk.js';

// The fast paths' element strides (FUNC_PROTO: name, type; STRUCT/UNION: name, type, offset).
const PROTO_STRIDE = RECORD_LAYOUT.FUNC_PROTO.elemWords;
const MEMBER_STRIDE = RECORD_LAYOUT.STRUCT.elemWords;

export function walkTypesFull(input: TypeWalkInput): TypeWalk {
  const { words, typeOffset, strEnd, layout, firstId } = input;
  const typeEnd = words.length;
  const at = (word: number): number => typeOffset + 4 * word;
  const badString = (off: number, word: number): BtfError =>
    new BtfError(`string offset ${off} lies outside the string section (${strEnd} bytes)`, at(word));
  const { offsets, index } = newTypeTables(typeEnd);
  const { heads, next, shift } = index;
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
      const e = q + PROTO_STRIDE * vlen;
      if (e <= typeEnd) {
        for (let m = q; m < e; m += PROTO_STRIDE) {
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
      const e = q + MEMBER_STRIDE * vlen;
      if (e <= typeEnd) {
        for (let m = q; m < e; m += MEMBER_STRIDE) {
          const so = words[m]!;
          const t = words[m + 1]!;
          if (so >= strEnd) throw badString(so, m);
          if (t > maxRef) maxRef = t;
        }
        p = e;
        continue;
      }
    }
    // The checks of each kind's own fields; the fields' places and the string and id checks come
    // from the record layout below.
    let bad: string | undefined;
    switch (kind) {
      case 1: // INT
        if (info !== 0x01000000) bad = info >>> 31 ? 'kind_flag set' : `vlen ${vlen}`;
        else if (q + 1 <= typeEnd && (words[q]! & 0xf000ff00) >>> 0 !== 0) {
          throw new BtfError(`INT data 0x${words[q]!.toString(16)} has unused bits set`, at(q));
        }
        break;
      case 2: case 3: case 8: case 9: case 10: case 11: case 16: // PTR ARRAY TYPEDEF VOLATILE CONST RESTRICT FLOAT
        if ((info & 0x80ffffff) !== 0) bad = info >>> 31 ? 'kind_flag set' : `vlen ${vlen}`;
        break;
      case 7: case 18: // FWD TYPE_TAG
        if (vlen !== 0) bad = `vlen ${vlen}`;
        break;
      case 12: // FUNC
        if (info >>> 31) bad = 'kind_flag set';
        else if (vlen > 2) bad = `linkage ${vlen} (not static 0, global 1 or extern 2)`;
        break;
      case 13: case 15: // FUNC_PROTO DATASEC
        if (info >>> 31) bad = 'kind_flag set';
        break;
      case 14: // VAR
        if ((info & 0x80ffffff) !== 0) bad = info >>> 31 ? 'kind_flag set' : `vlen ${vlen}`;
        else if (q + 1 <= typeEnd && words[q]! > 2) {
          throw new BtfError(`VAR linkage ${words[q]!} is not static (0), global (1) or extern (2)`, at(q));
        }
        break;
      case 17: // DECL_TAG
        if (vlen !== 0) bad = `vlen ${vlen}`;
        else if (q + 1 <= typeEnd && (words[q]! | 0) < -1) {
          throw new BtfError(`DECL_TAG component_idx ${(words[q]! | 0)} is below -1`, at(q));
        }
        break;
      default: break; // STRUCT UNION ENUM ENUM64, and kinds of the layout section
    }
    if (bad !== undefined) throw new BtfError(`${KIND_NAMES[kind]} with ${bad}`, at(p + 1));
    const l = LAYOUT_BY_KIND[kind];
    let extra: number;
    if (l === undefined) {
      const u = layout?.[kind];
      if (u === undefined) throw new BtfError(`unknown kind ${kind}${layout === undefined ? '' : ' (not in the layout section)'}`, at(p + 1));
      const bytesExtra = u.infoSize + u.elemSize * vlen;
      if (bytesExtra % 4 !== 0) throw new BtfError(`layout of kind ${kind} gives a record of ${bytesExtra} bytes, not whole words`, at(p + 1));
      extra = bytesExtra / 4;
    } else {
      extra = l.infoWords + l.elemWords * vlen;
      if (extra <= typeEnd - q) {
        for (const w of l.typeWords) if (words[p + w]! > maxRef) maxRef = words[p + w]!;
        const stride = l.elemWords;
        const e = q + extra;
        if (l.elemName >= 0) {
          for (let m = q + l.infoWords + l.elemName; m < e; m += stride) if (words[m]! >= strEnd) throw badString(words[m]!, m);
        }
        if (l.elemType >= 0) {
          for (let m = q + l.infoWords + l.elemType; m < e; m += stride) if (words[m]! > maxRef) maxRef = words[m]!;
        }
      }
    }
    if (extra > typeEnd - q) {
      throw new BtfError(`${KIND_NAMES[kind] ?? `kind ${kind}`} record with vlen ${vlen} needs ${4 * extra} bytes after its header, ${4 * (typeEnd - q)} left`, at(p + 1));
    }
    p = q + extra;
  }
  const lastId = input.lastId ?? firstId + n - 1;
  if (maxRef > lastId) {
    const w = firstBadRef(words, offsets.subarray(0, n), lastId);
    throw new BtfError(`type id ${words[w]!} does not exist (last id ${lastId})`, at(w));
  }
  return { offsets: offsets.subarray(0, n), index };
}

/** Word index of the first type reference beyond lastId (the records are known to be well formed). */
function firstBadRef(words: Uint32Array, offsets: Uint32Array, lastId: number): number {
  let bad = -1;
  for (const p of offsets) {
    forEachField(words, p, 'ids', (w) => { if (bad < 0 && words[w]! > lastId) bad = w; });
    if (bad >= 0) return bad;
  }
  return 0;
}
