// The structural check of a BTF type section, for BTF the kernel has already validated (the files
// of /sys/kernel/btf: the kernel checks vmlinux's BTF at boot and a module's when it loads it). It
// checks what libbpf 1.1's btf__parse checks (every record has a known kind and lies inside the
// section, the records tile it exactly) plus every record's name offset, which the name index needs.
// Member, parameter and enumerator names and the type ids records refer to are not looked at: that is
// what keeps the walk to one look at each record header (members are skipped by their count).
// On any fault the full walk runs, so that the error is the same one the full check gives.

import { BtfError } from './errors.js';
import { NAME_HASH } from './name-index.js';
import { newTypeTables, type TypeWalk, type TypeWalkInput } from './type-walk.js';
import { walkTypesFull } from './walk-full.js';

export function walkTypesStructure(input: TypeWalkInput): TypeWalk {
  const { words, strEnd, layout } = input;
  const typeEnd = words.length;
  const { offsets, index } = newTypeTables(typeEnd);
  const { heads, next, shift } = index;
  let n = 0;
  let p = 0;
  // A `switch` on the kind: its branches predict well enough that the next record's offset is known
  // speculatively, which a table lookup (a second dependent load per record) measured slower.
  walk: while (p < typeEnd) {
    const nameOff = words[p]!;
    if (nameOff >= strEnd || typeEnd - p < 3) break;
    if (nameOff !== 0) {
      const h = Math.imul(nameOff, NAME_HASH) >>> shift;
      next[n] = heads[h]!;
      heads[h] = n + 1;
    }
    offsets[n++] = p;
    const info = words[p + 1]!;
    const vlen = info & 0xffffff;
    switch ((info >>> 24) & 0x7f) {
      case 2: case 7: case 8: case 9: case 10: case 11: case 12: case 16: case 18: p += 3; break;
      case 1: case 14: case 17: p += 4; break;
      case 3: p += 6; break;
      case 4: case 5: case 15: case 19: p += 3 + 3 * vlen; break;
      case 6: case 13: p += 3 + 2 * vlen; break;
      default: {
        const l = layout?.[(info >>> 24) & 0x7f];
        const bytesExtra = l === undefined ? -1 : l.infoSize + l.elemSize * vlen;
        if (bytesExtra < 0 || bytesExtra % 4 !== 0) break walk;
        p += 3 + bytesExtra / 4;
      }
    }
  }
  if (p !== typeEnd) {
    walkTypesFull(input); // throws the precise error
    throw new BtfError('type section is malformed', input.typeOffset);
  }
  return { offsets: offsets.subarray(0, n), index };
}
