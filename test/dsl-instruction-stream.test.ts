// The builder's encoded instruction stream gives back exactly the items emitted.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AsmItem } from '../src/dsl/asm/items.js';
import { InstructionStream } from '../src/dsl/program/instruction-stream.js';
import { instruction } from './support/arbitraries.js';

const loc = fc.record({ file: fc.constantFrom('/a.ts', '/b.ts'), line: fc.integer({ min: 1, max: 9 }), column: fc.integer({ min: 1, max: 9 }) });
const item: fc.Arbitrary<AsmItem> = fc.oneof(
  { weight: 1, arbitrary: fc.stringMatching(/^L[0-9]$/).map((name): AsmItem => ({ kind: 'label', name })) },
  {
    weight: 4,
    arbitrary: fc.record({
      insn: instruction,
      target: fc.option(fc.constantFrom('L1', 'L2'), { nil: undefined }),
      ref: fc.option(fc.constant({ kind: 'map' as const, map: 'm' }), { nil: undefined }),
      loc: fc.option(loc, { nil: undefined }),
    }).map(({ insn, target, ref, loc: at }): AsmItem => ({
      kind: 'insn', insn,
      ...(target === undefined ? {} : { target }), ...(ref === undefined ? {} : { ref }), ...(at === undefined ? {} : { loc: at }),
    })),
  },
);

describe('InstructionStream', () => {
  it('items() returns the emitted items, labels in place', () => {
    fc.assert(fc.property(fc.array(item, { maxLength: 300 }), (items) => {
      const s = new InstructionStream();
      for (const it of items) if (it.kind === 'label') s.label(it.name); else s.push(it);
      expect(s.items()).toEqual(items);
    }), { numRuns: 300 });
  });
});
