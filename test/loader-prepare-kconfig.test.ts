// prepareObjectPrograms with the target kernel's configuration: the .kconfig map it describes holds
// the bytes loadObject writes into the kernel's map (read back here), frozen, so that the verifier
// model folds loads from it as the kernel does; without the configuration the values stay unknown.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kernelBtf, loadObject, prepareObjectPrograms, readKernelConfig } from '../loader/index.js';
import { verifyProgram } from '../verifier/index.js';
import { requireRoot } from './support/references.js';

const OBJECT = join(import.meta.dirname, '../fixtures/obj/kconfig.bpf.o');
const bytes = (): Uint8Array => new Uint8Array(readFileSync(OBJECT));
const kconfigMap = (withConfig: boolean) => {
  const [p] = prepareObjectPrograms(bytes(), { programs: ['read_kconfig'], objectName: 'kconfig', ...(withConfig ? { kconfig: readKernelConfig } : {}) });
  return { program: p!, map: [...p!.maps.values()].find((m) => m.name.endsWith('.kconfig'))! };
};

describe.skipIf(!requireRoot())('prepareObjectPrograms: .kconfig values', () => {
  it('are the bytes loadObject writes, and the model then processes what the kernel does', () => {
    const c = loadObject(OBJECT, { programs: ['read_kconfig'], logLevel: 1, preverify: false });
    try {
      const written = c.maps.get('.kconfig')!.lookup(new Uint8Array(4))!;
      const { program, map } = kconfigMap(true);
      expect(Buffer.from(map.frozenValue!).toString('hex')).toEqual(Buffer.from(written).toString('hex'));
      const m = verifyProgram(program.insns, { progType: program.type!, maps: (fd) => program.maps.get(fd), kernelBtf: kernelBtf() });
      const kernelProcessed = Number(/processed (\d+) insns/.exec(c.programs.get('read_kconfig')!.log)![1]);
      expect({ verdict: m.verdict, processed: m.insnsProcessed }).toEqual({ verdict: 'accept', processed: kernelProcessed });
    } finally {
      c.close();
    }
  });

  it('are unknown without the configuration', () => {
    expect(kconfigMap(false).map.frozenValue).toBeUndefined();
  });
});
