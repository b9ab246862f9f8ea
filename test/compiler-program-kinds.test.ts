// tsbpf/lang raw tracepoints and cgroup_skb programs, and the examples of the queue, tail call
// and program kinds (examples/lang/syscall-trail.ts, cgroup-firewall.ts, tail-calls.ts) in the
// kernel: BPF_PROG_TEST_RUN where the type has one (exact return values and map contents), then
// attached with a workload; their section names and expected attach types as libbpf reads them
// (bpftool prog loadall); the compile errors of the new constructs at their line.

import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { readObject } from '../elf/index.js';
import { attachOptionsForSection, attachProgram, loadObject, testRun } from '../loader/index.js';
import { compileSource } from '../src/compiler/index.js';
import { buildProgramFile } from '../src/index.js';
import { compileError, tscError } from './support/lang-errors.js';
import { ipv4Frame } from './support/lang-frames.js';
import { requireKernelBtf, requireReferences, requireRoot, run } from './support/references.js';

const kernel = requireRoot();
const dir = mkdtempSync(join(tmpdir(), 'tsbpf-kinds-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const u32 = (n: number): Uint8Array => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return b; };
const frame = (proto: 6 | 17, daddr: number, dport: number, ethType?: number): Uint8Array => ipv4Frame({ proto, daddr, dport, ...(ethType === undefined ? {} : { ethType }) });
const be32 = (n: number): Uint8Array => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };
const args = (...v: bigint[]): Uint8Array => { const b = Buffer.alloc(8 * v.length); v.forEach((x, i) => b.writeBigUInt64LE(BigInt.asUintN(64, x), 8 * i)); return b; };


describe.skipIf(!kernel)('raw tracepoints', () => {
  it('ctx.arg(n) reads the n-th u64 of the context (BPF_PROG_TEST_RUN with the arguments as ctx)', () => {
    const src = `import { rawTracepoint, type s32, type u64 } from 'tsbpf/lang';
export let first: u64 = 0;
export let second: u64 = 0;
export const p = rawTracepoint('sys_enter', (ctx) => {
  first = ctx.arg(0);
  second = ctx.arg(1);
  return (ctx.arg(0) * 3 + ctx.arg(1)) as s32;
});
`;
    const c = loadObject(compileSource(ts, src, 'rawtp.ts').build(), { name: 'rawtp' });
    try {
      const p = c.programs.get('p')!;
      expect(testRun(p, { ctx: args(5n, 7n) }).retval).toBe(22);
      expect([c.globals.first, c.globals.second]).toEqual([5n, 7n]);
      expect(testRun(p, { ctx: args(-1n, 0x1_0000_0004n) }).retval).toBe(1);
      expect([c.globals.first, c.globals.second]).toEqual([0xffff_ffff_ffff_ffffn, 0x1_0000_0004n]);
    } finally { c.close(); }
  });

  it.skipIf(process.arch !== 'x64' || !requireReferences('clang-19', 'bpftool'))('syscall-trail (attached to sys_enter): the queue holds exactly the system calls a static program makes after it is followed', async () => {
    // No libc: it waits on a read, then 5 getppid (110) and exit_group (231).
    const exe = join(dir, 'trail-work');
    writeFileSync(`${exe}.c`, `static long sys(long n, long a, long b, long c) { long r; __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory"); return r; }
void _start(void) { char b; sys(0, 0, (long)&b, 1); for (int i = 0; i < 5; i++) sys(110, 0, 0, 0); sys(231, 0, 0, 0); for (;;) {} }
`);
    run('clang-19', ['-O1', '-static', '-nostdlib', '-ffreestanding', '-fno-stack-protector', `${exe}.c`, '-o', exe]);
    const c = loadObject(await buildProgramFile('examples/lang/syscall-trail.ts'), { name: 'trail' });
    const prog = c.programs.get('on_sys_enter')!;
    const pinned = `/sys/fs/bpf/tsbpf-trail-${process.pid}`;
    const child = spawn(exe, [], { stdio: ['pipe', 'ignore', 'ignore'] });
    const link = attachProgram(prog, attachOptionsForSection(prog.section, {}));
    try {
      // Follow it only once it waits in its read: under load it may reach the read after `target` is set.
      await blockedInRead(child.pid!, exe);
      c.globals.target = child.pid!;
      const exited = new Promise<number | null>((res) => child.on('exit', res));
      child.stdin!.end('x');
      expect(await exited).toBe(0);
      // tsbpf's BpfMap cannot pop (a queue's key must be NULL); libbpf's user space (bpftool) can.
      c.maps.get('trail')!.pin(pinned);
      const popped: number[] = [];
      for (;;) {
        const r = spawnSync('bpftool', ['-j', 'map', 'pop', 'pinned', pinned], { encoding: 'utf8' });
        if (r.status !== 0) break;
        popped.push(Buffer.from((JSON.parse(r.stdout) as { value: string[] }).value.map(Number)).readUInt32LE(0));
      }
      expect(popped).toEqual([110, 110, 110, 110, 110, 231]);
    } finally { child.kill(); link.close(); rmSync(pinned, { force: true }); c.close(); }
  });
});

describe.skipIf(!kernel)('cgroup_skb', () => {
  it('cgroup-firewall: UDP to 9999 refused (0) and counted per destination; other packets let through (1) (BPF_PROG_TEST_RUN)', async () => {
    const c = loadObject(await buildProgramFile('examples/lang/cgroup-firewall.ts'), { name: 'cgfw' });
    try {
      const prog = c.programs.get('egress')!;
      const A = 0x7f000001, B = 0x0a000009;
      const cases: [Uint8Array, number][] = [
        [frame(17, A, 9999), 0], [frame(17, A, 9999), 0], [frame(17, B, 9999), 0],
        [frame(17, A, 53), 1], [frame(6, A, 9999), 1],
        // ARP (skb->protocol is not ETH_P_IP; an IPv6 EtherType would need a whole IPv6 header for the test run).
        [frame(17, A, 9999, 0x0806), 1],
        // Cut inside the UDP header: the IPv4 header is there, the UDP one is not.
        [frame(17, A, 9999).subarray(0, 14 + 20 + 4), 1],
      ];
      expect(cases.map(([p]) => testRun(prog, { data: p }).retval)).toEqual(cases.map(([, v]) => v));
      const blocked = c.maps.get('blocked')!;
      expect(Buffer.from(blocked.lookup(be32(A))!).readBigUInt64LE(0)).toBe(2n);
      expect(Buffer.from(blocked.lookup(be32(B))!).readBigUInt64LE(0)).toBe(1n);
      expect([...blocked.keys()]).toHaveLength(2);
    } finally { c.close(); }
  });

  it('cgroup-firewall attached to a new cgroup\'s egress: a process in it gets EPERM for UDP to 9999 only', async () => {
    const cg = `/sys/fs/cgroup/unified/tsbpf_cgfw_${process.pid}`;
    mkdirSync(cg);
    const c = loadObject(await buildProgramFile('examples/lang/cgroup-firewall.ts'), { name: 'cgfw' });
    try {
      const prog = c.programs.get('egress')!;
      const link = attachProgram(prog, attachOptionsForSection(prog.section, { cgroup: cg }));
      try {
        const js = `const s=require('dgram').createSocket('udp4');const ports=[9999,9998,9999,9999,9998];const out=[];
const next=(i)=>{if(i===ports.length){console.log(JSON.stringify(out));return s.close();}s.send('x',ports[i],'127.0.0.1',(e)=>{out.push(e?e.code:'sent');next(i+1);});};next(0);`;
        const out = execFileSync('sh', ['-c', `echo $$ > ${cg}/cgroup.procs && exec "$0" -e "$1"`, process.execPath, js], { encoding: 'utf8' });
        expect(JSON.parse(out)).toEqual(['EPERM', 'sent', 'EPERM', 'EPERM', 'sent']);
        expect(Buffer.from(c.maps.get('blocked')!.lookup(be32(0x7f000001))!).readBigUInt64LE(0)).toBe(3n);
      } finally { link.close(); }
    } finally { c.close(); rmdirSync(cg); }
  });
});

describe.skipIf(!kernel)('cgroup sock_addr', () => {
  it('connect4 on a new cgroup: a UDP connect to 9999 fails with EPERM and is counted, one to 9998 goes to 9997, others are left alone', () => {
    const src = `import { arrayMap, cgroupSockAddr, htons, type u64 } from 'tsbpf/lang';
export const refused = arrayMap<u64>({ maxEntries: 1 });
export const redirect = cgroupSockAddr('connect4', (ctx) => {
  if (ctx.userPort === htons(9999) && ctx.protocol === 17) {
    refused.increment(0);
    return 0;
  }
  if (ctx.userPort === htons(9998)) ctx.userPort = htons(9997);
  return 1;
});
`;
    const cg = `/sys/fs/cgroup/unified/tsbpf_connect4_${process.pid}`;
    mkdirSync(cg);
    const c = loadObject(compileSource(ts, src, 'connect4.ts').build(), { name: 'connect4' });
    try {
      const prog = c.programs.get('redirect')!;
      expect(prog.section).toBe('cgroup/connect4');
      const link = attachProgram(prog, attachOptionsForSection(prog.section, { cgroup: cg }));
      try {
        const js = `const dgram=require('dgram');const ports=[9999,9998,5353,9999];const out=[];
const next=(i)=>{if(i===ports.length){console.log(JSON.stringify(out));return;}const s=dgram.createSocket('udp4');let done=false;
const fin=(v)=>{if(done)return;done=true;out.push(v);s.close();next(i+1);};s.on('error',(e)=>fin(e.code));
s.connect(ports[i],'127.0.0.1',(e)=>fin(e?e.code:s.remoteAddress().port));};next(0);`;
        const out = execFileSync('sh', ['-c', `echo $$ > ${cg}/cgroup.procs && exec "$0" -e "$1"`, process.execPath, js], { encoding: 'utf8' });
        expect(JSON.parse(out)).toEqual(['EPERM', 9997, 5353, 'EPERM']);
        expect(Buffer.from(c.maps.get('refused')!.lookup(u32(0))!).readBigUInt64LE(0)).toBe(2n);
      } finally { link.close(); }
    } finally { c.close(); rmdirSync(cg); }
  });
});

describe.skipIf(!kernel)('tail-calls (XDP dispatcher through a prog array the object fills)', () => {
  it('TCP and UDP go to their handler (which decides), other packets pass in the dispatcher (BPF_PROG_TEST_RUN)', async () => {
    const c = loadObject(await buildProgramFile('examples/lang/tail-calls.ts'), { name: 'tails' });
    try {
      const prog = c.programs.get('dispatch')!;
      const icmp = Buffer.from(frame(6, 1, 80)); icmp.writeUInt8(1, 23);
      const cases: [Uint8Array, number][] = [
        [frame(17, 1, 9999), 1], [frame(17, 1, 53), 2], [frame(6, 1, 9999), 2], [icmp, 2], [frame(6, 1, 80).subarray(0, 20), 2],
      ];
      // XDP_DROP is 1, XDP_PASS 2: only the UDP handler drops.
      expect(cases.map(([p]) => testRun(prog, { data: p }).retval)).toEqual(cases.map(([, v]) => v));
      const counts = c.maps.get('counts')!;
      expect([6, 17, 1].map((k) => Buffer.from(counts.lookup(u32(k))!).readBigUInt64LE(0))).toEqual([1n, 2n, 0n]);
    } finally { c.close(); }
  });
});

describe.skipIf(!kernel || !requireReferences('bpftool'))('libbpf reads the section names and attach types (bpftool prog loadall)', () => {
  const cases: [string, Record<string, [string, string | undefined]>][] = [
    ['syscall-trail', { on_sys_enter: ['raw_tracepoint', undefined] }],
    ['cgroup-firewall', { egress: ['cgroup_skb', 'egress'] }],
    ['tail-calls', { dispatch: ['xdp', undefined], on_tcp: ['xdp', undefined], on_udp: ['xdp', undefined] }],
  ];
  for (const [example, programs] of cases) {
    it(example, async () => {
      const o = join(dir, `${example}.o`);
      writeFileSync(o, await buildProgramFile(`examples/lang/${example}.ts`));
      const pin = `/sys/fs/bpf/tsbpf-kinds-${example}-${process.pid}`;
      try {
        const r = spawnSync('bpftool', ['prog', 'loadall', o, pin], { encoding: 'utf8' });
        expect(r.stderr).toBe('');
        expect(r.status).toBe(0);
        for (const [name, [type]] of Object.entries(programs)) {
          expect((JSON.parse(run('bpftool', ['-j', 'prog', 'show', 'pinned', `${pin}/${name}`])) as { type: string }).type, name).toBe(type);
        }
      } finally { spawnSync('rm', ['-rf', pin]); }
      // The object's sections, as libbpf names them (expected_attach_type follows from them).
      const sections = Object.fromEntries(readObject(new Uint8Array(readFileSync(o))).programs.map((p) => [p.name, p.section]));
      const want: Record<string, string> = { on_sys_enter: 'raw_tp/sys_enter', egress: 'cgroup_skb/egress', dispatch: 'xdp', on_tcp: 'xdp', on_udp: 'xdp' };
      for (const name of Object.keys(programs)) expect(sections[name]).toBe(want[name]);
    });
  }
  it('cgroup sock_addr hooks: connect, bind, sendmsg, recvmsg, getpeername, getsockname (4 and 6)', () => {
    const hooks = ['connect4', 'bind4', 'sendmsg4', 'connect6', 'bind6', 'sendmsg6', 'recvmsg4', 'recvmsg6', 'getpeername4', 'getpeername6', 'getsockname4', 'getsockname6'];
    const src = `import { cgroupSockAddr } from 'tsbpf/lang';\n${hooks.map((h) => `export const on_${h} = cgroupSockAddr('${h}', (ctx) => 1);\n`).join('')}`;
    const o = join(dir, 'sock-addr-hooks.o');
    writeFileSync(o, compileSource(ts, src, 'hooks.ts').build());
    const pin = `/sys/fs/bpf/tsbpf-kinds-hooks-${process.pid}`;
    try {
      const r = spawnSync('bpftool', ['prog', 'loadall', o, pin], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      for (const h of hooks) expect((JSON.parse(run('bpftool', ['-j', 'prog', 'show', 'pinned', `${pin}/on_${h}`])) as { type: string }).type, h).toBe('cgroup_sock_addr');
    } finally { spawnSync('rm', ['-rf', pin]); }
    const sections = readObject(new Uint8Array(readFileSync(o))).programs.map((p) => p.section);
    expect(sections).toEqual(hooks.map((h) => `cgroup/${h}`));
    loadObject(o).close();
  });
});


describe('the new program kinds outside the language: a CompileError at the TypeScript line', () => {
  const HEAD = "import { cgroupSkb, cgroupSockAddr, rawTracepoint, type u32 } from 'tsbpf/lang';\n";
  const cases: [string, string, number, RegExp][] = [
    ['arg(n) past the 12 arguments', "export const p = rawTracepoint('sys_enter', (ctx) => {\n  const x = ctx.arg(12);\n  return 0;\n});", 3, /arg\(n\) takes a constant n from 0 to 11/],
    ['arg(n) of a variable n', "export const p = rawTracepoint('sys_enter', (ctx) => {\n  let i: u32 = 1;\n  const x = ctx.arg(i);\n  return 0;\n});", 4, /arg\(n\) takes a constant n/],
    ['a raw tracepoint named with a category', "export const p = rawTracepoint('syscalls/sys_enter', (ctx) => 0);", 2, /raw tracepoint 'syscalls\/sys_enter' is a tracepoint's name/],
    ['a cgroup_skb direction that does not exist', "export const p = cgroupSkb('sideways', (pkt) => 1);", 2, /a cgroup_skb program attaches to 'ingress' or 'egress', not 'sideways'/],
    ['a sock_addr hook the language does not have', "export const p = cgroupSockAddr('connect_unix', (ctx) => 1);", 2, /a cgroup sock_addr program attaches to 'connect4', 'connect6', .* not 'connect_unix'/],
  ];
  for (const [what, prog, line, msg] of cases) {
    it(what, () => {
      const e = compileError(`${HEAD}${prog}\n`);
      expect(e.message).toMatch(msg);
      expect(e.location.line).toBe(line);
    });
  }
  it.skipIf(!requireKernelBtf())('checked against the running kernel\'s BTF: a raw tracepoint it does not have, an argument past the tracepoint\'s', () => {
    expect(compileError(`${HEAD}export const p = rawTracepoint('sys_entr', (ctx) => 0);\n`).message).toMatch(/^prog\.ts:2:\d+: error: no raw tracepoint sys_entr in this kernel/);
    // sys_enter(struct pt_regs *regs, long id): two arguments.
    const e = compileError(`${HEAD}export const p = rawTracepoint('sys_enter', (ctx) => {\n  const x = ctx.arg(2);\n  return 0;\n});\n`);
    expect(e.message).toMatch(/^prog\.ts:3:\d+: error: raw tracepoint sys_enter has 2 arguments in this kernel: arg\(0\) to arg\(1\)/);
  });
  it('tsc: a write to a read-only field of the sock_addr context, eth() on a cgroup_skb packet', () => {
    const w = tscError(dir, `${HEAD}export const p = cgroupSockAddr('connect4', (ctx) => {\n  ctx.protocol = 6;\n  return 1;\n});\n`);
    expect([w.location.line, w.reason]).toEqual([3, "Cannot assign to 'protocol' because it is a read-only property."]);
    const e = tscError(dir, `${HEAD}export const p = cgroupSkb('egress', (pkt) => {\n  const eth = pkt.eth();\n  return 1;\n});\n`);
    expect(e.location.line).toBe(3);
    expect(e.reason).toMatch(/Property 'eth' does not exist on type 'SkbPacket'/);
  });
});

/** Resolves once process `pid` runs `exe` and is blocked in read(2) (/proc/PID/syscall names syscall 0 first). */
async function blockedInRead(pid: number, exe: string): Promise<void> {
  for (let waited = 0; waited < 10_000; waited += 5) {
    let now = '';
    try { now = readlinkSync(`/proc/${pid}/exe`) === exe ? readFileSync(`/proc/${pid}/syscall`, 'utf8') : ''; } catch { /* not started yet */ }
    if (now.startsWith('0 ')) return;
    await new Promise((res) => setTimeout(res, 5));
  }
  throw new Error(`process ${pid} did not block in read(2) within 10 s`);
}
