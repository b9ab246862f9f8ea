// Run inside a child whose only capability is CAP_BPF (test/support/cap-bpf-live.ts starts it):
// loads each case of the JSON array on stdin and prints the kernel's verdicts as a JSON array.

import { readFileSync } from 'node:fs';
import type { ModelCase } from './verifier-cases.js';
import { assembleCase, createLiveMaps, kernelVerify, type KernelVerdict } from './verifier-live.js';

const cases = JSON.parse(readFileSync(0, 'utf8')) as ModelCase[];
const verdicts: KernelVerdict[] = cases.map((c) => {
  const maps = createLiveMaps(c.maps ?? []);
  try {
    const insns = assembleCase(c.asm.map((l) => l.replace(/map_(fd|value)\((\d+)\)/, (_, k: string, i: string) => `map_${k}(${maps.fds[Number(i)]})`)));
    return kernelVerify(c.type, insns, c.expectedAttachType === undefined ? {} : { expectedAttachType: c.expectedAttachType });
  } finally {
    maps.close();
  }
});
process.stdout.write(JSON.stringify(verdicts));
