// The model's kfunc table (verifier/tables/kfuncs.ts) against the live kernel: every kfunc of the
// table is in the kernel's BTF as a function with the "bpf_kfunc" decl tag, and for every probed
// program type a load calling it is refused with "calling kernel function NAME is not allowed"
// exactly where the table says the kfunc is not available.

import { describe, expect, it } from 'vitest';
import type { Instruction } from '../isa/index.js';
import { kernelBtf } from '../loader/index.js';
import { KFUNCS, kfuncAvailable, PROBED_PROG_TYPES } from '../verifier/tables/kfuncs.js';
import { requireRoot } from './support/references.js';
import { kernelVerify } from './support/verifier-live.js';

/** Program types that need an attach type: a tracing program loads as a BPF iterator over tasks (BPF_TRACE_ITER; no fentry needed), a sock_addr program as connect4. */
const PROBE_ATTACH: Readonly<Record<string, () => { expectedAttachType: number; attachBtfId?: number }>> = {
  tracing: () => ({ expectedAttachType: 28, attachBtfId: kernelBtf().findByName('bpf_iter_task', 'FUNC')[0]! }),
  cgroup_sock_addr: () => ({ expectedAttachType: 10 }),
};

const canLoad = requireRoot();

describe('kfunc table', () => {
  it('names kernel functions tagged bpf_kfunc', () => {
    const btf = kernelBtf();
    const tagged = new Set<number>();
    for (let id = 1; btf.has(id); id++) {
      const t = btf.type(id, { cache: false });
      if (t?.kind === 'DECL_TAG' && t.name === 'bpf_kfunc' && t.componentIdx === -1) tagged.add(t.type);
    }
    for (const name of Object.keys(KFUNCS)) {
      const ids = btf.findByName(name, 'FUNC');
      expect(ids.length, name).toBeGreaterThan(0);
      expect(ids.some((id) => tagged.has(id)), `${name} has the bpf_kfunc decl tag`).toBe(true);
    }
  });

  it.skipIf(!canLoad)('says where each kfunc is available, as the live kernel does', () => {
    const btf = kernelBtf();
    // Tracing programs are probed as task iterators (fentry loads are refused on some machines).
    const refused: string[] = [];
    const expected: string[] = [];
    for (const name of Object.keys(KFUNCS)) {
      const id = btf.findByName(name, 'FUNC')[0]!;
      const insns: Instruction[] = [
        { kind: 'call', callee: 'kfunc', imm: id, offset: 0 },
        { kind: 'alu', op: 'mov', width: 64, dst: 0, src: { kind: 'imm', value: 0 } } as Instruction,
        { kind: 'exit' } as Instruction,
      ];
      for (const type of PROBED_PROG_TYPES) {
        const k = kernelVerify(type, insns, PROBE_ATTACH[type]?.());
        if (k.message === `calling kernel function ${name} is not allowed`) refused.push(`${name} ${type}`);
        if (kfuncAvailable(name, type) === false) expected.push(`${name} ${type}`);
      }
    }
    expect(refused).toEqual(expected);
  });
});
