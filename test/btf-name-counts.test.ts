// NameCounts (the C writer's count of each name's uses, for name___N) against the obvious model: a
// Map from the decoded string to its count, over string sections with repeated and colliding names.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NameCounts } from '../elf/btf/name-counts.js';

describe('NameCounts', () => {
  it('counts each name by its bytes, as a Map of strings does, across offsets holding the same name', () => {
    fc.assert(fc.property(
      // Short names over a small alphabet, so that the same name stands at several offsets, and longer
      // ones; the table starts with 4 slots, so that it grows (at 2 names, again at 4, …).
      fc.array(fc.oneof(fc.stringMatching(/^[ab_]{0,3}$/), fc.stringMatching(/^[a-z_]{4,8}$/)), { minLength: 1, maxLength: 6000 }),
      fc.array(fc.nat(), { maxLength: 12000 }),
      (names, picks) => {
        const bytes = Buffer.from(`${names.join('\0')}\0`, 'latin1');
        const offsets: number[] = [];
        for (let i = 0, off = 0; i < names.length; off += names[i]!.length + 1, i++) offsets.push(off);
        const counts = new NameCounts(bytes, 4);
        const model = new Map<string, number>();
        for (const p of picks) {
          const i = p % names.length;
          const expected = (model.get(names[i]!) ?? 0) + 1;
          model.set(names[i]!, expected);
          expect(counts.add(offsets[i]!)).toBe(expected);
        }
      },
    ), { numRuns: 200 });
  });
});
