// Level-2 logs of a hand-written case, the live kernel's (loaded with log_level 2) and the model's,
// for the tests that compare them line for line (test/verifier-log2.test.ts) or in part
// (test/verifier-precision-sites.test.ts). Two things are set aside on both sides, as
// docs/verifier.md says: the 6.18 stack-liveness lines, and the kernel address a map's ld_imm64
// prints (the model cannot know it).

import { encodeInstructions } from '../../isa/index.js';
import { functionsFromBtf, verifyProgram } from '../../verifier/index.js';
import { decodeBtf } from '../../elf/index.js';
import { kernelBtf } from '../../loader/index.js';
import type { ModelCase } from './verifier-cases.js';
import { assembleCase as assemble, createLiveMaps, functionsBtf, kernelVerify } from './verifier-live.js';

const stackLiveness = (l: string): boolean => /^\([\d,]+\) (frame \d+ insn \d+ \+|live stack update done)/.test(l);
/** A map's ld_imm64 prints its kernel address (the model: the fd); the `;` after it moves with the text's length. */
const mapAddress = (l: string): string => l.replace(/\(18\) (r\d+) = 0x[0-9a-f]+( +;|$)/, (_, r: string, semi: string) => `(18) ${r} = ADDR${semi === '' ? '' : ' ;'}`);

export function levelTwoLogs(c: ModelCase): { kernel: string[]; model: string[]; verdict: string } {
  const maps = createLiveMaps(c.maps ?? []);
  try {
    const insns = assemble(c.asm.map((l) => l.replace(/map_(fd|value)\((\d+)\)/, (_, k: string, i: string) => `map_${k}(${maps.fds[Number(i)]})`)));
    const attachBtfId = c.attach === undefined ? undefined : kernelBtf().findOne(c.attach.name, c.attach.kind);
    const extra = {
      ...(c.expectedAttachType === undefined ? {} : { expectedAttachType: c.expectedAttachType }), ...(c.strictAlignment === true ? { strictAlignment: true } : {}),
      ...(attachBtfId === undefined ? {} : { attachBtfId }), ...(c.sleepable === true ? { sleepable: true } : {}),
      ...(c.testStateFreq === true ? { testStateFreq: true } : {}),
    };
    const k = kernelVerify(c.type, insns, { ...extra, logLevel: 2, ...(c.functions === undefined ? {} : { functions: c.functions }) });
    const functions = c.functions === undefined ? undefined : functionsFromBtf(decodeBtf(functionsBtf(c.functions)), c.functions.map((f, i) => ({ insnOff: f.start, typeId: 4 + i })));
    const m = verifyProgram(encodeInstructions(insns), { progType: c.type, maps: maps.info, kernelBtf: kernelBtf(), logLevel: 2, ...extra, ...(functions === undefined ? {} : { functions }) });
    const kernel = k.log.replace(/\n$/, '').split('\n').filter((l) => !stackLiveness(l)).map(mapAddress);
    return { kernel, model: m.log.map(mapAddress), verdict: m.verdict };
  } finally {
    maps.close();
  }
}
