// Liveness in pruning (verifier/model/liveness.ts) against the live kernel: on the cases of
// test/support/verifier-cases-liveness.ts the model gives the kernel's verdict and processes as
// many instructions (it prunes where the kernel prunes, and never where the kernel goes on).

import { describe, expect, it } from 'vitest';
import { encodeInstructions } from '../isa/index.js';
import { verifyProgram } from '../verifier/index.js';
import { kernelBtf } from '../loader/index.js';
import { requireRoot } from './support/references.js';
import { livenessCases } from './support/verifier-cases-liveness.js';
import { assembleCase as assemble, createLiveMaps, kernelVerify } from './support/verifier-live.js';

const canLoad = requireRoot();

describe.skipIf(!canLoad)('liveness in pruning against the live kernel', () => {
  for (const c of livenessCases) {
    it(c.name, () => {
      const maps = createLiveMaps(c.maps ?? []);
      try {
        const insns = assemble(c.asm.map((l) => l.replace(/map_fd\((\d+)\)/, (_, i: string) => `map_fd(${maps.fds[Number(i)]})`)));
        const k = kernelVerify(c.type, insns, { testStateFreq: c.testStateFreq === true });
        const m = verifyProgram(encodeInstructions(insns), { progType: c.type, maps: maps.info, kernelBtf: kernelBtf(), testStateFreq: c.testStateFreq === true });
        expect({ verdict: m.verdict, message: m.verdict === 'reject' ? m.message : undefined, processed: m.insnsProcessed })
          .toEqual({ verdict: k.accepted ? 'accept' : 'reject', message: k.accepted ? undefined : k.message, processed: k.insnsProcessed });
      } finally {
        maps.close();
      }
    });
  }
});
