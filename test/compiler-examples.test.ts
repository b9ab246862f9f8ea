// The language's examples (examples/lang/*.ts) end to end: `tsbpf build` (buildProgramFile,
// type check included) → loadObject → a workload → the maps; and their size against their C
// twins (examples/lang/c/*.bpf.c) compiled here with clang-19 -O2.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readObject } from '../elf/index.js';
import { attachOptionsForSection, attachProgram, loadObject, testRun } from '../loader/index.js';
import { buildProgramFile } from '../src/index.js';
import { e2eAvailable } from './support/e2e-kernel.js';
import { requireReferences, run } from './support/references.js';

const u32 = (n: number): Uint8Array => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return b; };
const dir = mkdtempSync(join(tmpdir(), 'tsbpf-lang-examples-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An Ethernet + IPv4 frame carrying a UDP (17) or TCP (6) header to `dport` from `saddr`. */
function frame(proto: 6 | 17, saddr: number, dport: number, ethType = 0x0800): Uint8Array {
  const l4 = proto === 17 ? 8 : 20;
  const b = Buffer.alloc(14 + 20 + l4 + 4);
  b.writeUInt16BE(ethType, 12);
  b.writeUInt8(0x45, 14); b.writeUInt16BE(20 + l4 + 4, 16); b.writeUInt8(64, 22); b.writeUInt8(proto, 23);
  b.writeUInt32BE(saddr, 26); b.writeUInt32BE(0x0a000002, 30);
  b.writeUInt16BE(40000, 34); b.writeUInt16BE(dport, 36);
  return b;
}

describe.skipIf(!e2eAvailable())('examples/lang in the kernel', () => {
  it('xdp-firewall: UDP to 9999 dropped and counted per source; everything else passed (BPF_PROG_TEST_RUN)', async () => {
    const c = loadObject(await buildProgramFile('examples/lang/xdp-firewall.ts'), { name: 'firewall' });
    try {
      const prog = c.programs.get('firewall')!;
      const A = 0x0a000001, B = 0xc0a80105;
      const cases: [Uint8Array, number][] = [
        [frame(17, A, 9999), 1], [frame(17, A, 9999), 1], [frame(17, B, 9999), 1],
        [frame(17, A, 53), 2], [frame(6, A, 9999), 2], [frame(17, A, 9999, 0x86dd), 2],
        [frame(17, A, 9999).subarray(0, 14 + 20 + 4), 2], [frame(17, A, 9999).subarray(0, 20), 2],
      ];
      // XDP_DROP is 1, XDP_PASS 2 (linux/bpf.h).
      expect(cases.map(([p]) => testRun(prog, { data: p }).retval)).toEqual(cases.map(([, v]) => v));
      const drops = c.maps.get('drops')!;
      // Keys are the address as it is in the frame (network order) read as a little-endian u32.
      const key = (addr: number): Uint8Array => { const b = Buffer.alloc(4); b.writeUInt32BE(addr); return b; };
      expect(Buffer.from(drops.lookup(key(A))!).readBigUInt64LE(0)).toBe(2n);
      expect(Buffer.from(drops.lookup(key(B))!).readBigUInt64LE(0)).toBe(1n);
      expect([...drops.keys()]).toHaveLength(2);
    } finally { c.close(); }
  });

  it('exec-count: the hash map counts one execve for each /bin/true this test spawned', async () => {
    const c = loadObject(await buildProgramFile('examples/lang/exec-count.ts'), { name: 'exec_count' });
    const prog = c.programs.get('count_exec')!;
    const link = attachProgram(prog, attachOptionsForSection(prog.section, {}));
    try {
      const pids: number[] = [];
      for (let i = 0; i < 5; i++) pids.push(spawnSync('/bin/true').pid!);
      const execs = c.maps.get('execs')!;
      for (const pid of pids) expect(Buffer.from(execs.lookup(u32(pid))!).readBigUInt64LE(0), `pid ${pid}`).toBe(1n);
      expect(execs.lookup(u32(process.pid))).toBeUndefined();
    } finally { link.close(); c.close(); }
  });
});

/** Instruction slots of a program as the kernel counts them (ld_imm64 is two). */
function slots(bytes: Uint8Array, name: string): number {
  const p = readObject(bytes).programs.find((x) => x.name === name);
  if (p === undefined) throw new Error(`no program ${name}`);
  return p.instructions.reduce((n, i) => n + (i.insn.kind === 'ldImm64' ? 2 : 1), 0);
}

describe.skipIf(!requireReferences('clang-19'))('examples/lang against clang-19 -O2 on their C twins', () => {
  const examples: [string, string][] = [['hello-world', 'hello'], ['exec-count', 'count_exec'], ['xdp-firewall', 'firewall']];
  for (const [example, program] of examples) {
    it(`${example}: at most clang's instruction count + 10%`, async () => {
      const ours = slots(await buildProgramFile(`examples/lang/${example}.ts`), program);
      const out = join(dir, `${example}.o`);
      run('clang-19', ['-O2', '-g', '-target', 'bpf', '-I/usr/include/x86_64-linux-gnu', '-c', `examples/lang/c/${example}.bpf.c`, '-o', out]);
      const theirs = slots(new Uint8Array(readFileSync(out)), program);
      console.log(`${example} ${program}: tsbpf ${ours}, clang-19 -O2 ${theirs}`);
      expect(ours).toBeLessThanOrEqual(Math.floor(theirs * 1.1));
    });
  }
});
