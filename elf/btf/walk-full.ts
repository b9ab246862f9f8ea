// The full check of a BTF type section (decodeBtf's default): every record's framing and
// kind-specific fields, every string offset (names of types, members, parameters, enumerators) and
// every type id referenced. The name index is built in the same pass (the name word is in hand).

import { BtfError } from './errors.js';
import { KIND_MASK, KIND_NAMES, KIND_SHIFT, VLEN_MASK } from './kinds.js';
import { NAME_HASH } from './name-index.js';
import { newTypeTables, type TypeWalk, type TypeWalkInput } from './type-walk.js';

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
  const lastId = input.lastId ?? firstId + n - 1;
  if (maxRef > lastId) {
    const w = firstBadRef(words, offsets.subarray(0, n), lastId);
    throw new BtfError(`type id ${words[w]!} does not exist (last id ${lastId})`, at(w));
  }
  return { offsets: offsets.subarray(0, n), index };
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
