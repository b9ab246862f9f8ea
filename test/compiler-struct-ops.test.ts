// struct_ops in tsbpf/lang: examples/lang/tcp-cc.ts (structOps<tcp_congestion_ops>({ … }), slots
// typed from gen-ts --lang, tcp_sock read and written through kernelCast) against clang-19's
// object for its C twin fixtures/src/struct_ops_tcp_cc.bpf.c (instruction counts, CO-RE records,
// the .struct_ops section), then in the kernel: registered by tsbpf's loader, listed in
// tcp_available_congestion_control, run by a loopback connection that selects it (acks_seen
// grows), gone once its link is closed.

import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { readObject } from '../elf/index.js';
import { loadObject } from '../loader/index.js';
import { buildProgramFile } from '../src/index.js';
import { compileSource } from '../src/compiler/index.js';
import { kernelAvailable } from './support/dsl-kernel.js';
import { transferWithCongestionControl } from './support/tcp-transfer.js';

const EXAMPLE = 'examples/lang/tcp-cc.ts';
const CLANG_OBJ = 'fixtures/obj/struct_ops_tcp_cc.bpf.o';
const PROGRAMS = ['tsbpf_cc_init', 'tsbpf_cc_ssthresh', 'tsbpf_cc_cong_avoid', 'tsbpf_cc_undo_cwnd'];
const available = (): string[] => readFileSync('/proc/sys/net/ipv4/tcp_available_congestion_control', 'utf8').trim().split(/\s+/);

/** Instruction slots of each program (ld_imm64 is two). */
function slots(bytes: Uint8Array): Record<string, number> {
  return Object.fromEntries(readObject(bytes).programs.map((p) => [p.name, p.instructions.reduce((n, i) => n + (i.insn.kind === 'ldImm64' ? 2 : 1), 0)]));
}
/** Per program, the distinct `kind type access` of its CO-RE records. */
function records(bytes: Uint8Array): Record<string, string[]> {
  const obj = readObject(bytes);
  const btf = obj.btf!;
  return Object.fromEntries(obj.programs.map((p) => [p.name, [...new Set(p.instructions.flatMap((i) => (i.coreRelocations ?? [])
    .map((r) => `${r.kind} ${btf.nameOf(r.typeId)} ${btf.string(r.accessStringOffset)}`)))].sort()]));
}

describe('examples/lang/tcp-cc.ts against clang-19 on struct_ops_tcp_cc.bpf.c', () => {
  it('has the four struct_ops programs, the CO-RE records and the .struct_ops map of the C twin; sizes near clang\'s', async () => {
    const ours = await buildProgramFile(EXAMPLE);
    const theirs = new Uint8Array(readFileSync(CLANG_OBJ));
    const [a, b] = [slots(ours), slots(theirs)];
    for (const p of PROGRAMS) console.log(`tcp-cc ${p}: tsbpf ${a[p]}, clang-19 -O2 ${b[p]}`);
    expect(Object.keys(a).sort()).toEqual([...PROGRAMS].sort());
    for (const p of PROGRAMS) expect(a[p]!, p).toBeLessThanOrEqual(Math.floor(b[p]! * 1.1));
    expect(records(ours)).toEqual(records(theirs));
    const [m, n] = [readObject(ours).structOps![0]!, readObject(theirs).structOps![0]!];
    expect(m.name).toBe(n.name);
    expect(Buffer.from(m.maps[0]!.data).equals(Buffer.from(n.maps[0]!.data))).toBe(true);
    expect(m.maps[0]!.pointers).toEqual(n.maps[0]!.pointers);
  });
});

describe.skipIf(!kernelAvailable('python3'))('examples/lang/tcp-cc.ts in the kernel', () => {
  it('registered by tsbpf\'s loader it is listed, runs for a connection that selects it (acks_seen grows) and is gone once closed', () => {
    // A name of this run: congestion controls are global to the machine.
    const name = `tsl${process.pid}`.slice(0, 15);
    const source = readFileSync(EXAMPLE, 'utf8').replace("name: 'tsbpf_cc'", `name: '${name}'`);
    const c = loadObject(compileSource(ts, source, EXAMPLE).build(), { name: 'tcp_cc' });
    try {
      expect(available()).not.toContain(name);
      const link = c.registerStructOps('tsbpf_cc');
      try {
        expect(available()).toContain(name);
        const before = c.globals.acks_seen as number;
        expect(transferWithCongestionControl(name)).toBe(name);
        expect(c.globals.acks_seen as number).toBeGreaterThan(before);
      } finally { link.close(); }
      expect(available()).not.toContain(name);
    } finally { c.close(); }
  });
});
