// verifyObject (what `tsbpf verify FILE.o` runs) gives programs attached through BTF their attach
// target as the loader does, with no system call: tp_btf tracepoints and struct_ops members are
// resolved in the kernel BTF. Each verdict is compared with the live kernel's load of the same
// program by loadObject.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lastLogLine, LoadError, loadObject } from '../loader/index.js';
import { sys } from '../src/internal.js';
import { verifyObject } from '../src/verify-object.js';
import { requireRoot } from './support/references.js';

const OBJ = join(import.meta.dirname, '../fixtures/obj');
const OBJECTS = ['core_btf_direct.bpf.o', 'struct_ops_tcp_cc.bpf.o', 'map_task_storage.bpf.o', 'prog_iter.bpf.o', 'ksym_exists.bpf.o'];

function kernelVerdict(path: string, program: string): { verdict: string; errno: string | null; message: string | null } {
  try {
    loadObject(path, { programs: [program], preverify: false }).close();
    return { verdict: 'accept', errno: null, message: null };
  } catch (e) {
    if (!(e instanceof LoadError)) throw e;
    return { verdict: 'reject', errno: sys.errnoName(e.errno), message: lastLogLine(e.log) };
  }
}

describe.skipIf(!requireRoot())('verifyObject of programs attached through BTF', () => {
  for (const file of OBJECTS) {
    it(file, () => {
      const path = join(OBJ, file);
      const verdicts = verifyObject(new Uint8Array(readFileSync(path)), { objectName: file.split('.')[0]! });
      expect(verdicts.length).toBeGreaterThan(0);
      for (const v of verdicts) {
        const model = { verdict: v.accepted === true ? 'accept' : v.accepted === false ? 'reject' : `unknown: ${v.notModelled}`, errno: v.errno, message: v.error?.message ?? null };
        expect({ program: v.name, ...model }).toEqual({ program: v.name, ...kernelVerdict(path, v.name) });
      }
    });
  }
});
