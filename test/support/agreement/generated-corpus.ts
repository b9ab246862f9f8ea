// The generated part of the agreement corpus: near-miss programs of each kind
// (test/support/verifier-near-miss.ts), well-formed ones, and the model test's random programs
// (test/support/verifier-random.ts), each named `generated/<kind>/<seed>` so that a seed
// reproduces it. Labels come from the live kernel when the harness runs, like every other part.

import { encodeInstructions } from '../../../isa/index.js';
import type { MapInfo } from '../../../verifier/index.js';
import { seededRng } from '../seeded-rng.js';
import { mixedProgram, NEAR_MISS_KINDS, nearMissProgram, wellFormedProgram } from '../verifier-near-miss.js';
import { randomProgram } from '../verifier-random.js';
import { assembleCase, PROG_TYPE_NUMBER } from '../verifier-live.js';
import type { CorpusMap, CorpusProgram } from './corpus.js';

/** Every generated kind: its area and the program a seed gives. */
export const GENERATED_KINDS: readonly { readonly kind: string; readonly area: string; readonly make: (seed: number) => { type: string; maps: readonly MapInfo[]; asm: readonly string[] } }[] = [
  ...Object.entries(NEAR_MISS_KINDS).map(([kind, k]) => ({ kind, area: k.area, make: (seed: number) => nearMissProgram(kind, seededRng(seed)) })),
  { kind: 'well-formed', area: 'generated: well-formed', make: (seed: number) => wellFormedProgram(seededRng(seed)) },
  { kind: 'mixed', area: 'generated: mixed near misses', make: (seed: number) => mixedProgram(seededRng(seed)) },
  { kind: 'random', area: 'generated: random', make: (seed: number) => randomProgram(seededRng(seed)) },
];

/** Seeds first..first+perKind-1 of every kind. */
export function generatedCorpus(perKind: number, first = 1): CorpusProgram[] {
  return GENERATED_KINDS.flatMap((k) => Array.from({ length: perKind }, (_, i) => toCorpusProgram(`generated/${k.kind}/${first + i}`, k.area, k.make(first + i))));
}

/** Assembles a generated program; its `map_fd(N)` slots become the Nth map's slots. */
export function toCorpusProgram(name: string, area: string, p: { type: string; maps: readonly MapInfo[]; asm: readonly string[] }): CorpusProgram {
  const insns = assembleCase(p.asm);
  const slots: number[][] = p.maps.map(() => []);
  let slot = 0;
  for (const insn of insns) {
    if (insn.kind === 'ldImm64' && insn.pseudo === 1) slots[insn.imm]!.push(slot);
    slot += insn.kind === 'ldImm64' ? 2 : 1;
  }
  const maps: CorpusMap[] = p.maps.map((m, i) => ({ name: 'tsbpf_t', type: m.type, keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries, flags: m.flags ?? 0, slots: slots[i]! }));
  const progType = PROG_TYPE_NUMBER[p.type];
  if (progType === undefined) throw new Error(`${name}: no program type ${p.type}`);
  return { name, suite: 'generated', area, progType, expectedAttachType: 0, progFlags: 0, license: 'GPL', insns: encodeInstructions(insns), maps, kfuncs: [] };
}
