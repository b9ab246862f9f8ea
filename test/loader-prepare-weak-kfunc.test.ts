// prepareObjectPrograms (the loader's preparation without system calls, which the verifier model
// uses) resolves kfunc externs as loadObject does: a __weak kfunc the kernel lacks becomes the
// constant 0 (bpf_ksym_exists false) instead of an error, one it has gets its vmlinux BTF id.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeInstructions } from '../isa/index.js';
import { kernelBtf, prepareObjectPrograms } from '../loader/index.js';

const OBJECT = join(import.meta.dirname, '../fixtures/obj/ksym_exists.bpf.o');

describe('prepareObjectPrograms with __weak kfuncs', () => {
  it('writes 0 for a missing one and the BTF id for a present one', () => {
    // Before, the missing tsbpf_no_such_kfunc threw an ExternError here.
    const [p] = prepareObjectPrograms(new Uint8Array(readFileSync(OBJECT)), { programs: ['probe_kfuncs'] });
    const insns = decodeInstructions(p!.insns);
    const btfIds = insns.flatMap((insn) => (insn.kind === 'ldImm64' && insn.pseudo === 3 ? [insn.imm] : []));
    const kfuncCalls = insns.flatMap((insn) => (insn.kind === 'call' && insn.callee === 'kfunc' ? [insn.imm] : []));
    const fromPid = kernelBtf().findOne('bpf_task_from_pid', 'FUNC');
    expect(btfIds).toEqual([fromPid]);
    const zeroLoads = insns.filter((insn) => insn.kind === 'ldImm64' && insn.pseudo === 0 && insn.imm === 0 && insn.nextImm === 0);
    expect(zeroLoads.length).toBeGreaterThan(0);
    expect(kfuncCalls).toContain(fromPid);
  });
});
