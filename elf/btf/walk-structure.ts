// The structural check of a BTF type section, for BTF the kernel has already validated (the files
// of /sys/kernel/btf: the kernel checks vmlinux's BTF at boot and a module's when it loads it). It
// checks what libbpf 1.1's btf__parse checks (every record has a known kind and lies inside the
// section, the records tile it exactly) plus every record's name offset, which the name index needs.
// Member, parameter and enumerator names and the type ids records refer to are not looked at: that is
// what keeps the walk to one look at each record header (members are skipped by their count).
// On any fault the full walk runs, so that the error is the same one the full check gives.

import { BtfError } from './errors.js';
import { RECORD_WORDS, recordWords } from './fields.js';
import { KIND_MASK, KIND_SHIFT, VLEN_MASK } from './kinds.js';
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
  while (p < typeEnd) {
    const nameOff = words[p]!;
    if (nameOff >= strEnd || typeEnd - p < 3) break;
    if (nameOff !== 0) {
      const h = Math.imul(nameOff, NAME_HASH) >>> shift;
      next[n] = heads[h]!;
      heads[h] = n + 1;
    }
    offsets[n++] = p;
    const info = words[p + 1]!;
    const w = RECORD_WORDS[(info >>> KIND_SHIFT) & KIND_MASK]!;
    if (w !== 0) { p += (w & 0xff) + (w >>> 8) * (info & VLEN_MASK); continue; }
    const len = recordWords(info, layout); // a kind of the layout section
    if (len < 0) break;
    p += len;
  }
  if (p !== typeEnd) {
    walkTypesFull(input); // throws the precise error
    throw new BtfError('type section is malformed', input.typeOffset);
  }
  return { offsets: offsets.subarray(0, n), index };
}
