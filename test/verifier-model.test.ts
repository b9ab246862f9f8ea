// The verifier model (verifyProgram) against the live kernel: hand-written
// programs for each rule (test/support/verifier-cases.ts) are loaded with
// BPF_PROG_LOAD and labelled by the kernel at run time; the model must give
// the same verdict, and for rejections the same final message, errno and
// failing instruction. A model accept of a program the kernel rejects (an
// unsound accept) fails the test whatever else agrees.

import { describe, expect, it } from 'vitest';
import { encodeInstructions } from '../isa/index.js';
import { functionsFromBtf, verifyProgram } from '../verifier/index.js';
import { decodeBtf } from '../elf/index.js';
import { kernelBtf } from '../loader/index.js';

import { liveHelperAvailable } from './support/kernel-features.js';
import { requireRoot } from './support/references.js';
import { seededRng } from './support/seeded-rng.js';
import { modelCases } from './support/verifier-cases.js';
import { randomProgram } from './support/verifier-random.js';
import { assembleCase as assemble, createLiveMaps, functionsBtf, kernelVerify, type KernelVerdict } from './support/verifier-live.js';

const canLoad = requireRoot();
/** Helpers this kernel build refuses although 6.18 offers them, probed live. */
const LIVE = { helperAvailable: liveHelperAvailable };

/** What both must agree on. The kernel prints no instruction for the complexity limit; a truncated log (ENOSPC) hides its errno. */
function comparable(k: KernelVerdict): Record<string, unknown> {
  if (k.accepted) return { verdict: 'accept' };
  return {
    verdict: 'reject',
    message: k.message,
    ...(k.errno === 'ENOSPC' ? {} : { errno: k.errno }),
    ...(k.insnIndex === undefined || /^BPF program is too large/.test(k.message ?? '') ? {} : { insnIndex: k.insnIndex }),
  };
}

describe.skipIf(!canLoad)('verifier model against the live kernel', () => {
  for (const c of modelCases) {
    it(`${c.type}: ${c.name}`, () => {
      const maps = createLiveMaps(c.maps ?? []);
      try {
        const insns = assemble(c.asm.map((l) => l.replace(/map_(fd|value)\((\d+)\)/, (_, k: string, i: string) => `map_${k}(${maps.fds[Number(i)]})`)));
        const attachBtfId = c.attach === undefined ? undefined : kernelBtf().findOne(c.attach.name, c.attach.kind);
        if (c.attach !== undefined && attachBtfId === undefined) throw new Error(`kernel BTF has no ${c.attach.kind} ${c.attach.name}`);
        const extra = {
          ...(c.expectedAttachType === undefined ? {} : { expectedAttachType: c.expectedAttachType }), ...(c.strictAlignment === true ? { strictAlignment: true } : {}),
          ...(attachBtfId === undefined ? {} : { attachBtfId }), ...(c.sleepable === true ? { sleepable: true } : {}),
        };
        const k = kernelVerify(c.type, insns, { ...extra, ...(c.functions === undefined ? {} : { functions: c.functions }) });
        const functions = c.functions === undefined ? undefined : functionsFromBtf(decodeBtf(functionsBtf(c.functions)), c.functions.map((f, i) => ({ insnOff: f.start, typeId: 4 + i })));
        const m = verifyProgram(encodeInstructions(insns), { progType: c.type, maps: maps.info, kernelBtf: kernelBtf(), environment: LIVE, ...extra, ...(functions === undefined ? {} : { functions }) });
        expect(m.verdict === 'accept' && !k.accepted, `unsound accept; kernel: ${k.message}`).toBe(false);
        const want = comparable(k);
        const got: Record<string, unknown> = { verdict: m.verdict };
        if (m.verdict === 'reject') {
          got.message = m.message;
          if ('errno' in want) got.errno = m.errno;
          if ('insnIndex' in want) got.insnIndex = m.insnIndex;
        }
        if (m.verdict === 'unknown') got.notModelled = m.notModelled;
        expect(got).toEqual(want);
      } finally {
        maps.close();
      }
    });
  }
});

describe.skipIf(!canLoad)('verifier model on random programs against the live kernel', () => {
  it('agrees on verdict, message and instruction, and never accepts what the kernel rejects', () => {
    const runs = Number(process.env.TSBPF_MODEL_RUNS ?? 300);
    const base = Number(process.env.TSBPF_MODEL_SEED ?? 1);
    const tally = { accepted: 0, rejected: 0, unknown: 0, processedClose: 0 };
    for (let seed = base; seed < base + runs; seed++) {
      const p = randomProgram(seededRng(seed));
      const maps = createLiveMaps(p.maps);
      try {
        const insns = assemble(p.asm.map((l) => l.replace(/map_(fd|value)\((\d+)\)/, (_, k: string, i: string) => `map_${k}(${maps.fds[Number(i)]})`)));
        const k = kernelVerify(p.type, insns);
        const m = verifyProgram(encodeInstructions(insns), { progType: p.type, maps: maps.info, environment: LIVE });
        const where = `seed ${seed}:\n${p.asm.join('\n')}\nkernel: ${k.message ?? 'accept'}`;
        expect(m.verdict === 'accept' && !k.accepted, `unsound accept, ${where}`).toBe(false);
        if (m.verdict === 'unknown') { tally.unknown++; continue; }
        const got: Record<string, unknown> = { verdict: m.verdict };
        const want = comparable(k);
        if (m.verdict === 'reject') {
          got.message = m.message;
          if ('errno' in want) got.errno = m.errno;
          if ('insnIndex' in want) got.insnIndex = m.insnIndex;
        }
        expect(got, where).toEqual(want);
        if (k.accepted) {
          tally.accepted++;
          if (Math.abs(m.insnsProcessed! - k.insnsProcessed!) <= k.insnsProcessed! / 10) tally.processedClose++;
        } else tally.rejected++;
      } finally {
        maps.close();
      }
    }
    // The generator reaches both outcomes, and the model decides nearly all of them.
    expect(tally.accepted).toBeGreaterThan(runs / 20);
    expect(tally.rejected).toBeGreaterThan(runs / 2);
    expect(tally.unknown).toBeLessThan(runs / 10);
    // `processed N insns` within 10% of the kernel's for 90% of the accepted programs.
    expect(tally.processedClose).toBeGreaterThanOrEqual(Math.floor(tally.accepted * 0.9));
  });
});
