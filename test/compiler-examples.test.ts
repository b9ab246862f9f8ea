// The language's examples (examples/lang/*.ts) end to end: `tsbpf build` (buildProgramFile,
// type check included) → loadObject → a workload → the maps; and their size against their C
// twins (examples/lang/c/*.bpf.c) compiled here with clang-19 -O2.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readObject } from '../elf/index.js';
import { attachOptionsForSection, attachProgram, loadObject, RingBuffer, testRun } from '../loader/index.js';
import { buildProgramFile } from '../src/index.js';
import { e2eAvailable } from './support/e2e-kernel.js';
import { ipv4Frame } from './support/lang-frames.js';
import { requireReferences, run } from './support/references.js';

const u32 = (n: number): Uint8Array => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return b; };
const dir = mkdtempSync(join(tmpdir(), 'tsbpf-lang-examples-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An Ethernet + IPv4 frame carrying a UDP (17) or TCP (6) header to `dport` from `saddr`. */
const frame = (proto: 6 | 17, saddr: number, dport: number, ethType?: number): Uint8Array => ipv4Frame({ proto, saddr, dport, ...(ethType === undefined ? {} : { ethType }) });

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

  it('net-stats: packets and bytes per IPv4 protocol; short and non-IPv4 frames pass uncounted (BPF_PROG_TEST_RUN)', async () => {
    const c = loadObject(await buildProgramFile('examples/lang/net-stats.ts'), { name: 'net_stats' });
    try {
      const prog = c.programs.get('count_packets')!;
      const frames = [frame(17, 1, 53), frame(17, 2, 53), frame(6, 1, 80), frame(17, 1, 9, 0x86dd), frame(6, 1, 80).subarray(0, 30)];
      // Every frame passes (XDP_PASS is 2).
      expect(frames.map((f) => testRun(prog, { data: f }).retval)).toEqual([2, 2, 2, 2, 2]);
      const stats = c.maps.get('stats')!;
      const stat = (proto: number): [bigint, bigint] => { const v = Buffer.from(stats.lookup(u32(proto))!); return [v.readBigUInt64LE(0), v.readBigUInt64LE(8)]; };
      // A UDP frame is 14 + 20 + 8 + 4 bytes, a TCP one 14 + 20 + 20 + 4.
      expect([stat(17), stat(6), stat(1)]).toEqual([[2n, 2n * 46n], [1n, 58n], [0n, 0n]]);
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

/** A host program built with clang-19 into the test's folder (the workloads the probes watch). */
function hostProgram(name: string, source: string, flags: string[] = []): string {
  const c = join(dir, `${name}.c`), exe = join(dir, name);
  writeFileSync(c, source);
  run('clang-19', ['-O1', ...flags, c, '-o', exe]);
  return exe;
}
const cstr = (b: Uint8Array): string => Buffer.from(b.subarray(0, b.indexOf(0) < 0 ? b.length : b.indexOf(0))).toString();

describe.skipIf(!e2eAvailable() || !requireReferences('clang-19'))('the trial programs (examples/lang) in the kernel', () => {
  it.skipIf(process.arch !== 'x64')('syscall-count: a process that execs a static program counts exactly its 6 system calls under its new name', async () => {
    // No libc: five getppid (110) and exit_group (231), nothing else after the exec.
    const exe = hostProgram('sc-work', `static long sys(long n, long a) { long r; __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a) : "rcx", "r11", "memory"); return r; }
void _start(void) { for (int i = 0; i < 5; i++) sys(110, 0); sys(231, 0); for (;;) {} }
`, ['-static', '-nostdlib', '-ffreestanding', '-fno-stack-protector']);
    const c = loadObject(await buildProgramFile('examples/lang/syscall-count.ts'), { name: 'syscall_count' });
    const prog = c.programs.get('count_syscalls')!;
    const link = attachProgram(prog, attachOptionsForSection(prog.section, {}));
    try {
      const pids = [spawnSync(exe).pid!, spawnSync(exe).pid!];
      const counts = [...c.maps.get('syscalls')!.typedEntries()] as [{ tgid: number; comm: string }, bigint][];
      for (const pid of pids) expect(counts.filter(([k]) => k.tgid === pid && k.comm === 'sc-work').map(([, n]) => n), `pid ${pid}`).toEqual([6n]);
    } finally { link.close(); c.close(); }
  });

  it('openat-snoop: the ring buffer carries the pid, name and path of a cat that opens a unique path', async () => {
    const c = loadObject(await buildProgramFile('examples/lang/openat-snoop.ts'), { name: 'openat_snoop' });
    const prog = c.programs.get('snoop_openat')!;
    const link = attachProgram(prog, attachOptionsForSection(prog.section, {}));
    const ring = new RingBuffer(c.maps.get('events')!);
    try {
      const path = join(dir, `no-such-file-${process.pid}-${Date.now()}`);
      const pid = spawnSync('cat', [path]).pid!;
      const seen: { pid: number; flags: number; comm: string; filename: string }[] = [];
      ring.drain((r) => {
        const b = Buffer.from(r);
        seen.push({ pid: b.readUInt32LE(0), flags: b.readUInt32LE(4), comm: cstr(r.subarray(8, 24)), filename: cstr(r.subarray(24, 280)) });
      });
      // O_RDONLY (0): cat opens the file it prints read-only.
      expect(seen.filter((e) => e.filename === path)).toEqual([{ pid, flags: 0, comm: 'cat', filename: path }]);
    } finally { await ring.close(); link.close(); c.close(); }
  });

  it('call-latency: the histogram holds exactly the 25 getpid calls of one process (uprobe + uretprobe on libc, pid-filtered)', async () => {
    const exe = hostProgram('getpid-work', `#include <unistd.h>
int main(void) { char b; if (read(0, &b, 1) != 1) return 1; for (int i = 0; i < 25; i++) getpid(); return 0; }
`);
    const c = loadObject(await buildProgramFile('examples/lang/call-latency.ts'), { name: 'call_latency' });
    const child = spawn(exe, [], { stdio: ['pipe', 'ignore', 'ignore'] });
    const links = [];
    try {
      for (const name of ['call_enter', 'call_return']) {
        const prog = c.programs.get(name)!;
        links.push(attachProgram(prog, { ...attachOptionsForSection(prog.section, {}), pid: child.pid! } as Parameters<typeof attachProgram>[1]));
      }
      const exited = new Promise<number | null>((res) => child.on('exit', res));
      child.stdin!.end('x');
      expect(await exited).toBe(0);
      const hist = [...c.maps.get('latency')!.typedEntries()].map(([, n]) => n as bigint);
      expect(hist.reduce((a, b) => a + b, 0n)).toBe(25n);
      expect([...c.maps.get('starts')!.keys()]).toEqual([]);
    } finally { child.kill(); for (const l of links) l.close(); c.close(); }
  });
});

/** Instruction slots of a program as the kernel counts them (ld_imm64 is two). */
function slots(bytes: Uint8Array, name: string): number {
  const p = readObject(bytes).programs.find((x) => x.name === name);
  if (p === undefined) throw new Error(`no program ${name}`);
  return p.instructions.reduce((n, i) => n + (i.insn.kind === 'ldImm64' ? 2 : 1), 0);
}

describe.skipIf(!requireReferences('clang-19'))('examples/lang against clang-19 -O2 on their C twins', () => {
  const examples: [string, string][] = [
    ['hello-world', 'hello'], ['exec-count', 'count_exec'], ['xdp-firewall', 'firewall'], ['net-stats', 'count_packets'], ['syscall-count', 'count_syscalls'],
    ['openat-snoop', 'snoop_openat'], ['call-latency', 'call_enter'], ['call-latency', 'call_return'], ['tcp-states', 'tcp_state'],
    ['syscall-trail', 'on_sys_enter'], ['cgroup-firewall', 'egress'], ['tail-calls', 'dispatch'], ['tail-calls', 'on_tcp'], ['tail-calls', 'on_udp'],
  ];
  for (const [example, program] of examples) {
    it(`${example} ${program}: at most clang's instruction count + 10%`, async () => {
      const ours = slots(await buildProgramFile(`examples/lang/${example}.ts`), program);
      const out = join(dir, `${example}-${program}.o`);
      run('clang-19', ['-O2', '-g', '-target', 'bpf', '-I/usr/include/x86_64-linux-gnu', '-c', `examples/lang/c/${example}.bpf.c`, '-o', out]);
      const theirs = slots(new Uint8Array(readFileSync(out)), program);
      console.log(`${example} ${program}: tsbpf ${ours}, clang-19 -O2 ${theirs}`);
      expect(ours).toBeLessThanOrEqual(Math.floor(theirs * 1.1));
    });
  }
});
