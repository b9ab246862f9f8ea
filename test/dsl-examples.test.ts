// The DSL's acceptance examples end to end: `tsbpf build examples/X.ts` → the object passes
// bpftool prog loadall and bpftool btf dump, loads and attaches through libbpf (test/harness/
// dsl-run.c, compiled here against /usr/include/bpf), and behaves as its C twin compiled by
// clang-19 (fixtures/obj/example_*.bpf.o): same trace line, same map contents for the same
// workload. Instruction counts of both are compared; line_info names the TypeScript lines.

import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readObject } from '../elf/index.js';
import { parseCpuList } from '../loader/index.js';
import { kernelAvailable, loadAll, tempDir } from './support/dsl-kernel.js';
import { requireReferences, run } from './support/references.js';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { bin: { tsbpf: string } };
const dir = tempDir('tsbpf-dsl-examples-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tsbpf(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('node', [pkg.bin.tsbpf, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function build(example: string): string {
  const out = join(dir, `${example}.o`);
  const r = tsbpf('build', `examples/register-level/${example}.ts`, '-o', out);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return out;
}

/** Instructions per entry program (plus .text) of an object, by program name. */
function insnCounts(file: string): Map<string, number> {
  const obj = readObject(readFileSync(file));
  const m = new Map<string, number>();
  for (const p of obj.programs) m.set(p.name, p.instructions.reduce((n, i) => n + (i.insn.kind === 'ldImm64' ? 2 : 1), 0));
  return m;
}

describe('tsbpf build', () => {
  it('builds every example and refuses a module without a default object (exit 2, one line)', () => {
    for (const e of ['hello-world', 'net-stats', 'exec-count', 'tcp-states', 'exec-parents']) expect(readElfOk(build(e))).toBe(true);
    const bad = join(dir, 'bad.ts');
    writeFileSync(bad, 'export default 42;\n');
    const r = tsbpf('build', bad, '-o', join(dir, 'bad.o'));
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/bad\.ts: error: the module must `export default defineObject/);
    const broken = join(dir, 'broken.ts');
    writeFileSync(broken, 'export default {\n');
    const s = tsbpf('build', broken, '-o', join(dir, 'broken.o'));
    expect(s.status).toBe(2);
    expect(s.stderr).toMatch(/broken\.ts:2:1: error: /);
  });
  it('names the TypeScript line of a DSL error', () => {
    const src = join(resolve('examples'), '.dsl-error-probe.ts');
    writeFileSync(src, "import { defineObject, program } from '../src/index.js';\nexport default defineObject({ license: 'GPL', programs: { p: program('xdp', (b) => {\n  b.alloc('big', 600);\n}) } });\n");
    try {
      const r = tsbpf('build', src, '-o', join(dir, 'probe.o'));
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/\.dsl-error-probe\.ts:3:5: error: stack slot 'big' needs 600 bytes/);
    } finally { rmSync(src, { force: true }); }
  });
});

function readElfOk(file: string): boolean {
  return readObject(readFileSync(file)).programs.length > 0;
}

const ok = kernelAvailable('cc', 'clang-19');
describe.skipIf(!ok)('examples in the kernel, against their C twins', () => {
  const harness = join(dir, 'dsl-run');
  beforeAll(() => { run('cc', ['-O2', '-Wall', '-o', harness, 'test/harness/dsl-run.c', '-lbpf']); });

  function checkObject(file: string): void {
    const loaded = loadAll(file);
    loaded.cleanup();
    run('bpftool', ['btf', 'dump', 'file', file]);
    run('bpftool', ['btf', 'dump', 'file', file, 'format', 'c']);
  }

  it('example 1, hello world: the execve tracepoint prints the line to the trace buffer', () => {
    const dsl = build('hello-world');
    checkObject(dsl);
    const inst = `/sys/kernel/tracing/instances/tsbpf-dsl-${process.pid}`;
    mkdirSync(inst);
    try {
      // A private trace instance with the bpf_trace_printk event on: no other reader consumes it.
      writeFileSync(`${inst}/events/bpf_trace/bpf_trace_printk/enable`, '1');
      for (const obj of [dsl, 'fixtures/obj/example_hello.bpf.o']) {
        const out = run(harness, ['exec', obj]);
        const pid = /child (\d+)/.exec(out)![1]!;
        const trace = readFileSync(`${inst}/trace`, 'utf8');
        const line = trace.split('\n').find((l) => l.includes(`-${pid} `) && l.includes('bpf_trace_printk: Hello, BPF world!'));
        expect(line, `${obj}: no trace line from pid ${pid}`).toBeDefined();
      }
    } finally {
      writeFileSync(`${inst}/events/bpf_trace/bpf_trace_printk/enable`, '0');
      rmdirSync(inst);
    }
    const ours = insnCounts(dsl).get('hello')!;
    const clang = insnCounts('fixtures/obj/example_hello.bpf.o').get('hello')!;
    console.log(`example 1 hello: DSL ${ours} instructions, clang-19 -O2 ${clang}`);
    expect(ours).toBeLessThanOrEqual(clang);
  });

  it('example 2, exec counter with CO-RE: task->real_parent->tgid relocated as for the C twin, same counts', () => {
    const dsl = build('exec-parents');
    checkObject(dsl);
    const twinFile = 'fixtures/obj/example_execparents.bpf.o';
    for (const obj of [dsl, twinFile]) {
      const out = run(harness, ['exec', obj, 'execsByParent']);
      const parent = /parent (\d+)/.exec(out)![1]!;
      // The harness forked one child that exec'ed: its parent (the harness) counted once.
      expect(out, obj).toContain(`entry ${parent} 1\n`);
    }
    // libbpf relocated the DSL's local task_struct offsets to the kernel's, as for clang's object.
    const xlated = (file: string): string => {
      const l = loadAll(file);
      try { return run('bpftool', ['prog', 'dump', 'xlated', 'pinned', `${l.pin}/count_exec`]); } finally { l.cleanup(); }
    };
    // Ours: the relocated `r3 += OFFSET` before each probe read; clang's: `rN = OFFSET` (mov) or `rN += OFFSET`.
    const ours = [...xlated(dsl).matchAll(/r3 \+= (\d+)$/gm)].map((m) => Number(m[1]));
    expect(ours).toHaveLength(2);
    expect(ours.every((o) => o > 0)).toBe(true);
    const twin = [...xlated(twinFile).matchAll(/r\d+ \+?= (\d+)$/gm)].map((m) => Number(m[1]));
    for (const o of ours) expect(twin).toContain(o);
    const n = insnCounts(dsl).get('count_exec')!;
    const clang = insnCounts(twinFile).get('count_exec')!;
    console.log(`example 2 exec-parents: DSL ${n} instructions, clang-19 -O2 ${clang}`);
    expect(n).toBeLessThanOrEqual(Math.ceil(clang * 1.1));
  });

  it('example 3, network statistics: same per-protocol counts as the C twin for the same UDP/TCP workload', () => {
    const dsl = build('net-stats');
    checkObject(dsl);
    const ours = run(harness, ['xdp-lo', dsl, 'stats']);
    const twin = run(harness, ['xdp-lo', 'fixtures/obj/example_netstat.bpf.o', 'stats']);
    expect(ours).toBe(twin);
    const rows = new Map(ours.trim().split('\n').map((l) => { const [k, p, b] = l.split(' ').map(Number); return [k!, { p: p!, b: b! }]; }));
    // 10 UDP datagrams of 100 bytes: 14 Ethernet + 20 IPv4 + 8 UDP + 100 bytes each.
    expect(rows.get(17)).toEqual({ p: 10, b: 10 * (14 + 20 + 8 + 100) });
    // TCP: at least handshake + data + RST, and more bytes than the 1,000 sent.
    expect(rows.get(6)!.p).toBeGreaterThanOrEqual(4);
    expect(rows.get(6)!.b).toBeGreaterThan(1000);
    const n = insnCounts(dsl).get('count_packets')!;
    const clang = insnCounts('fixtures/obj/example_netstat.bpf.o').get('count_packets')!;
    console.log(`example 3 net-stats: DSL ${n} instructions, clang-19 -O2 ${clang}`);
    expect(n).toBeLessThanOrEqual(Math.ceil(clang * 1.1));
  });

  it('example 4, TCP state tracer: the same ring buffer events as the C twin for IPv4 and IPv6 loopback connections', () => {
    const dsl = build('tcp-states');
    checkObject(dsl);
    const port = 20000 + (process.pid % 10000) * 4;
    const ours = parseTcpRun(run(harness, ['tcp-rb', dsl, 'events', String(port)]));
    const twin = parseTcpRun(run(harness, ['tcp-rb', 'fixtures/obj/example_tcpstates.bpf.o', 'events', String(port)]));
    const online = parseCpuList(readFileSync('/sys/devices/system/cpu/online', 'utf8')); // highest online CPU + 1
    for (const r of [ours, twin]) {
      for (const [p, family] of [[port, AF_INET], [port + 2, AF_INET6]] as const) {
        const conn = (role: 'client' | 'server'): Endpoints => r.conns.find((c) => c.role === role && c.local.port === (role === 'client' ? p + 1 : p))!;
        const evs = r.events.filter((e) => e.sport === p || e.sport === p + 1);
        // The client socket (P+1 → P): CLOSE → SYN_SENT → ESTABLISHED → CLOSE (RST).
        expect(evs.filter((e) => e.sport === p + 1).map((e) => `${e.oldstate}>${e.newstate}`))
          .toEqual([`${TCP.CLOSE}>${TCP.SYN_SENT}`, `${TCP.SYN_SENT}>${TCP.ESTABLISHED}`, `${TCP.ESTABLISHED}>${TCP.CLOSE}`]);
        for (const e of evs) {
          expect(e).toMatchObject({ family, protocol: IPPROTO_TCP });
          expect(e.cpu).toBeLessThan(online);
          // Addresses and ports as getsockname/getpeername + inet_ntop report the connected sockets;
          // the listener's events (dport 0) carry only the local side.
          const [src, dst] = family === AF_INET ? [e.saddr, e.daddr] : [e.saddr6, e.daddr6];
          const c = conn(e.sport === p + 1 ? 'client' : 'server');
          expect({ addr: src, port: e.sport }).toEqual(c.local);
          if (e.dport !== 0) expect({ addr: dst, port: e.dport }).toEqual(c.remote);
          // An IPv4 socket's IPv6 fields hold its addresses IPv4-mapped.
          if (family === AF_INET) expect([e.saddr6, e.daddr6]).toEqual([`::ffff:${e.saddr}`, `::ffff:${e.daddr}`]);
        }
        // listen() and connect() change the state in the calling process: the harness's tgid.
        const inProcess = evs.filter((e) => e.oldstate === TCP.CLOSE && (e.newstate === TCP.SYN_SENT || e.newstate === TCP.LISTEN));
        expect(inProcess).toHaveLength(2);
        for (const e of inProcess) expect(e.pid).toBe(r.self);
      }
    }
    // Same events from both objects, but for the CPU and the PID of softirq-context transitions.
    const comparable = (r: TcpRun): string[] => r.events.map((e) => JSON.stringify({ ...e, cpu: undefined, pid: undefined })).sort();
    expect(comparable(ours)).toEqual(comparable(twin));
    expect(ours.conns).toEqual(twin.conns);
    const n = insnCounts(dsl).get('tcp_state')!;
    const clang = insnCounts('fixtures/obj/example_tcpstates.bpf.o').get('tcp_state')!;
    console.log(`example 4 tcp-states: DSL ${n} instructions, clang-19 -O2 ${clang}`);
    expect(n).toBeLessThanOrEqual(Math.ceil(clang * 1.1));
  });

  it('the README example (exec-count) loads and passes bpftool btf dump', () => {
    checkObject(build('exec-count'));
  });

  it('line_info: the kernel reports the TypeScript file, line and source text for the instructions', () => {
    if (!requireReferences('bpftool')) return;
    const file = build('net-stats');
    const loaded = loadAll(file);
    try {
      const dump = run('bpftool', ['prog', 'dump', 'xlated', 'pinned', `${loaded.pin}/count_packets`, 'linum']);
      const src = readFileSync('examples/register-level/net-stats.ts', 'utf8').split('\n');
      const refs = [...dump.matchAll(/^; (.*) \[file:(.*) line_num:(\d+) line_col:(\d+)\]$/gm)];
      expect(refs.length).toBeGreaterThan(8);
      for (const m of refs) {
        expect(m[2]).toBe(resolve('examples/register-level/net-stats.ts'));
        expect(src[Number(m[3]) - 1]!.trim()).toBe(m[1]!.trim());
      }
      expect(dump).toContain('b.lookup(stats, key, (stat) => {');
    } finally { loaded.cleanup(); }
  });
});

const AF_INET = 2;
const AF_INET6 = 10;
const IPPROTO_TCP = 6;
/** include/net/tcp_states.h */
const TCP = { ESTABLISHED: 1, SYN_SENT: 2, CLOSE: 7, LISTEN: 10 } as const;

interface Endpoints { role: string; local: { addr: string; port: number }; remote: { addr: string; port: number } }
interface HarnessTcpEvent {
  pid: number; cpu: number; oldstate: number; newstate: number; sport: number; dport: number; family: number; protocol: number;
  saddr: string; daddr: string; saddr6: string; daddr6: string;
}
interface TcpRun { self: number; conns: Endpoints[]; events: HarnessTcpEvent[] }

/** The output of `dsl-run tcp-rb` (see test/harness/dsl-run.c). */
function parseTcpRun(out: string): TcpRun {
  const r: TcpRun = { self: -1, conns: [], events: [] };
  for (const line of out.trim().split('\n')) {
    const [kind, ...w] = line.split(' ');
    if (kind === 'self') r.self = Number(w[0]);
    else if (kind === 'conn') r.conns.push({ role: w[0]!, local: { addr: w[1]!, port: Number(w[2]) }, remote: { addr: w[3]!, port: Number(w[4]) } });
    else if (kind === 'event') {
      const [pid, cpu, oldstate, newstate, sport, dport, family, protocol] = w.slice(0, 8).map(Number) as [number, number, number, number, number, number, number, number];
      const [saddr, daddr, saddr6, daddr6] = w.slice(8) as [string, string, string, string];
      r.events.push({ pid, cpu, oldstate, newstate, sport, dport, family, protocol, saddr, daddr, saddr6, daddr6 });
    }
  }
  return r;
}
