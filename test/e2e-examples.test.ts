// The DSL's examples end to end through tsbpf alone (1 hello world, 2 exec counter with CO-RE,
// 3 network statistics, 4 TCP state tracer, and the README's exec-count): buildProgramFile (what `tsbpf build` runs) →
// loadObject → attachProgram (options from the section name, as `tsbpf load --attach`) → a
// workload → results read with BpfMap, RingBuffer and readTracePipe. No libbpf, no bpftool.
// The expected values come from the workload (which PIDs exec'd, how many datagrams of what
// size, which ports connected), as in test/dsl-examples.test.ts; each example's C twin
// (fixtures/obj/example_*.bpf.o, clang-19) runs through the same path and must give the same
// results.

import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import dgram from 'node:dgram';
import { once } from 'node:events';
import net from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { protoStat } from '../examples/register-level/net-stats.js';
import {
  AF_INET, AF_INET6, type AttachContext, attachOptionsForSection, attachProgram, type BpfCollection, inetNtop4, inetNtop6,
  type Link, loadObject, parseCpuList, RingBuffer,
} from '../loader/index.js';
import { array, buildProgramFile, decodeValue, s32, struct, u16, u32 as u32t, u8 } from '../src/index.js';
import { e2eAvailable, findTraceLine, traceInstance, vethNamespace } from './support/e2e-kernel.js';

interface Running { readonly c: BpfCollection; readonly links: readonly Link[]; close(): void }

/** loadObject, then every program attached as its section says. */
function loadAndAttach(input: Uint8Array | string, name: string, context: AttachContext = {}): Running {
  const c = loadObject(input, { name });
  const links: Link[] = [];
  const close = (): void => { for (const l of links) l.close(); c.close(); };
  try {
    for (const p of c.programs.values()) links.push(attachProgram(p, attachOptionsForSection(p.section, context)));
  } catch (e) {
    close();
    throw e;
  }
  return { c, links, close };
}

const u32 = (n: number): Uint8Array => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, n, true); return b; };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const ok = e2eAvailable();

describe.skipIf(!ok)('examples through tsbpf alone: build → load → attach → workload → results', () => {
  it('docs/loader.md, "From the DSL to the kernel": the snippet runs as written and prints one execve for the child', async () => {
    const doc = readFileSync('docs/loader.md', 'utf8');
    const section = doc.slice(doc.indexOf('## From the DSL to the kernel'));
    const code = /```ts\n([\s\S]*?)```/.exec(section)![1]!;
    // The package's own imports resolve to the sources here; everything else is the text of the doc.
    const file = `test/.doc-snippet-${process.pid}.ts`;
    writeFileSync(file, code.replace("from 'tsbpf/loader'", "from '../loader/index.js'").replace("from 'tsbpf'", "from '../src/index.js'"));
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      await import(/* @vite-ignore */ `./.doc-snippet-${process.pid}.ts`);
      expect(log.mock.calls.map((c) => String(c[0]))).toEqual([expect.stringMatching(/^pid \d+ called execve 1 time\(s\)$/)]);
    } finally {
      log.mockRestore();
      rmSync(file, { force: true });
    }
  });

  it('example 1, hello world: each execve prints the line, read with readTracePipe (DSL and C twin)', async () => {
    const dsl = await buildProgramFile('examples/register-level/hello-world.ts');
    const inst = traceInstance('e2e-hello');
    try {
      for (const obj of [dsl, 'fixtures/obj/example_hello.bpf.o']) {
        const r = loadAndAttach(obj, 'hello');
        expect(r.links.map((l) => `${l.kind} ${l.target}`)).toEqual(['tracepoint syscalls/sys_enter_execve']);
        let pid: number;
        try {
          pid = spawnSync('/bin/true').pid!;
        } finally {
          r.close();
        }
        const line = await findTraceLine(inst.pipe, (l) => l.pid === pid && l.message === 'Hello, BPF world!');
        expect(line, `${typeof obj === 'string' ? obj : 'DSL'}: no trace line from pid ${pid}`).toBeDefined();
        console.log(`example 1 (${typeof obj === 'string' ? 'C twin' : 'DSL'}): ${line!.raw.trim()}`);
      }
    } finally {
      inst.remove();
    }
  });

  it('example 2, exec counter with CO-RE: execsByParent[this process] counts the execs of its N children (DSL = C twin)', async () => {
    const dsl = await buildProgramFile('examples/register-level/exec-parents.ts');
    const N = 5;
    const patched: string[][] = [];
    for (const obj of [dsl, 'fixtures/obj/example_execparents.bpf.o']) {
      const r = loadAndAttach(obj, 'exec_parents');
      try {
        expect(r.links.map((l) => `${l.kind} ${l.target}`)).toEqual(['tracepoint sched/sched_process_exec']);
        const children: number[] = [];
        for (let i = 0; i < N; i++) children.push(spawnSync('/bin/true').pid!);
        const m = r.c.map('execsByParent');
        // Each child's parent is this process: one entry for our tgid, N execs.
        expect(m.get(process.pid)).toBe(BigInt(N));
        const raw = m.lookup(u32(process.pid))!;
        expect(new DataView(raw.buffer, raw.byteOffset).getBigUint64(0, true)).toBe(BigInt(N));
        // task->real_parent and ->tgid: two field offsets relocated against the kernel's BTF.
        const core = r.c.coreResults.filter((x) => x.program === 'count_exec');
        expect(core.every((x) => x.ok)).toBe(true);
        patched.push(core.map((x) => `${x.kind} ${x.accessString} → ${x.patchedValue}`));
        console.log(`example 2 (${typeof obj === 'string' ? 'C twin' : 'DSL'}): execsByParent[${process.pid}] = ${N} after execs by ${children.join(', ')}; CO-RE: ${patched.at(-1)!.join(', ')}`);
      } finally {
        r.close();
      }
    }
    // Both objects read the same two kernel offsets (real_parent in task_struct, tgid in task_struct).
    const offsets = (xs: string[]): string[] => xs.map((x) => x.split(' → ')[1]!).sort();
    expect(offsets(patched[0]!)).toEqual(offsets(patched[1]!));
    expect(patched[0]).toHaveLength(2);
  });

  it('the README example (exec-count): the hash map counts one execve for each /bin/true this test spawned', async () => {
    const dsl = await buildProgramFile('examples/register-level/exec-count.ts');
    const r = loadAndAttach(dsl, 'exec_count');
    const pids: number[] = [];
    try {
      for (let i = 0; i < 5; i++) pids.push(spawnSync('/bin/true').pid!);
      const execs = r.c.map('execs');
      for (const pid of pids) {
        const v = execs.lookup(u32(pid));
        expect(v, `no entry for pid ${pid}`).toBeDefined();
        expect(new DataView(v!.buffer, v!.byteOffset).getBigUint64(0, true)).toBe(1n);
        expect(execs.get(pid)).toBe(1n);
      }
      // This process did not exec while attached.
      expect(execs.lookup(u32(process.pid))).toBeUndefined();
    } finally {
      r.close();
    }
  });

  it('example 3, network statistics: per-protocol packets and bytes for UDP and TCP from a netns over a veth (DSL = C twin)', async () => {
    const dsl = await buildProgramFile('examples/register-level/net-stats.ts');
    const v = vethNamespace('e2e');
    try {
      const results: { packets: bigint; bytes: bigint; proto: number }[][] = [];
      for (const [i, obj] of [dsl, 'fixtures/obj/example_netstat.bpf.o'].entries()) {
        const r = loadAndAttach(obj, 'net_stats', { interface: v.host });
        try {
          expect(r.links.map((l) => `${l.kind} ${l.target}`)).toEqual([`xdp ${v.host}`]);
          const got = await netWorkload(v.exec, v.hostAddr, 9990 + 2 * i, 9991 + 2 * i);
          expect(got).toEqual({ datagrams: 10, tcpBytes: 1000 });
          const stats = r.c.map('stats');
          const rows: { packets: bigint; bytes: bigint; proto: number }[] = [];
          for (let k = 0; k < 256; k++) {
            const s = decodeValue(protoStat, stats.lookup(u32(k))!);
            if (s.packets !== 0n || s.bytes !== 0n) rows.push({ proto: k, packets: s.packets, bytes: s.bytes });
          }
          results.push(rows);
        } finally {
          r.close();
        }
      }
      const [ours, twin] = results as [typeof results[0], typeof results[0]];
      console.log(`example 3 (DSL): ${ours.map((x) => `proto ${x.proto}: ${x.packets} packets ${x.bytes} bytes`).join('; ')}`);
      console.log(`example 3 (C twin): ${twin.map((x) => `proto ${x.proto}: ${x.packets} packets ${x.bytes} bytes`).join('; ')}`);
      expect(ours).toEqual(twin);
      // 10 UDP datagrams of 100 bytes: 14 Ethernet + 20 IPv4 + 8 UDP + 100 bytes each.
      expect(ours.find((x) => x.proto === 17)).toEqual({ proto: 17, packets: 10n, bytes: BigInt(10 * (14 + 20 + 8 + 100)) });
      // TCP from the client side: SYN, handshake ACK, the 1,000 bytes, RST; headers of ≥ 54 bytes each.
      const tcp = ours.find((x) => x.proto === 6)!;
      expect(tcp.packets).toBeGreaterThanOrEqual(4n);
      expect(tcp.bytes).toBeGreaterThanOrEqual(1000n + 54n * tcp.packets);
    } finally {
      v.remove();
    }
  });

  it('example 4, TCP state tracer: ring buffer events decoded in TypeScript for IPv4 and IPv6 loopback connections (DSL = C twin)', async () => {
    const dsl = await buildProgramFile('examples/lang/tcp-states.ts');
    const base = 40000 + (process.pid % 2500) * 8;
    const online = parseCpuList(readFileSync('/sys/devices/system/cpu/online', 'utf8')); // highest online CPU + 1
    const seen: string[][] = [];
    for (const [i, obj] of [dsl, 'fixtures/obj/example_tcpstates.bpf.o'].entries()) {
      const r = loadAndAttach(obj, 'tcp_states');
      const ring = new RingBuffer(r.c.map('events'));
      const events: TcpEvent[] = [];
      try {
        const p4 = base + 4 * i;
        const p6 = base + 4 * i + 2;
        const conns = [
          { port: p4, family: AF_INET, ends: await tcpConnection('127.0.0.1', p4) },
          { port: p6, family: AF_INET6, ends: await tcpConnection('::1', p6) },
        ];
        for await (const rec of ring.records({ idleTimeoutMs: 300 })) {
          const e = decodeEvent(rec);
          if ([p4, p4 + 1, p6, p6 + 1].includes(e.sport) || [p4, p4 + 1, p6, p6 + 1].includes(e.dport)) events.push(e);
        }
        for (const { port: p, family, ends } of conns) {
          const evs = events.filter((e) => e.sport === p || e.sport === p + 1);
          // The client socket (P+1 → P): CLOSE → SYN_SENT → ESTABLISHED → CLOSE (RST).
          expect(evs.filter((e) => e.sport === p + 1).map((e) => `${e.oldstate}>${e.newstate}`))
            .toEqual([`${TCP.CLOSE}>${TCP.SYN_SENT}`, `${TCP.SYN_SENT}>${TCP.ESTABLISHED}`, `${TCP.ESTABLISHED}>${TCP.CLOSE}`]);
          expect(evs.some((e) => e.sport === p && e.oldstate === TCP.CLOSE && e.newstate === TCP.LISTEN)).toBe(true);
          for (const e of evs) {
            expect(e.family).toBe(family);
            expect(e.cpu).toBeLessThan(online);
            // Addresses (inet_ntop style) and host-order ports are the endpoints Node reports for the
            // connected sockets; the listener's events (dport 0) carry only the local side.
            const end = e.sport === p + 1 ? ends.client : ends.server;
            expect({ address: e.saddr, port: e.sport }).toEqual(end.local);
            if (e.dport !== 0) expect({ address: e.daddr, port: e.dport }).toEqual(end.remote);
          }
          // connect() and listen() change the state in this process: its tgid. (Other transitions
          // may run in softirq context, on behalf of whichever task the CPU was running.)
          for (const e of evs.filter((x) => x.oldstate === TCP.CLOSE && (x.newstate === TCP.SYN_SENT || x.newstate === TCP.LISTEN))) {
            expect(e.pid).toBe(process.pid);
          }
        }
        seen.push(events.map((e) => JSON.stringify({ ...e, pid: undefined, cpu: undefined, sport: e.sport === 0 ? 0 : e.sport - 4 * i, dport: e.dport === 0 ? 0 : e.dport - 4 * i })).sort());
        console.log(`example 4 (${i === 0 ? 'DSL' : 'C twin'}):\n  ${events.map(formatEvent).join('\n  ')}`);
      } finally {
        await ring.close();
        r.close();
      }
    }
    expect(seen[0]).toEqual(seen[1]);
  });
});

/** include/net/tcp_states.h */
const TCP = { ESTABLISHED: 1, SYN_SENT: 2, SYN_RECV: 3, CLOSE: 7, LISTEN: 10 } as const;

interface TcpEvent {
  pid: number; cpu: number; oldstate: number; newstate: number; sport: number; dport: number; family: number;
  /** The socket's addresses as inet_ntop writes them, from the fields of its family. */
  saddr: string; daddr: string;
}

/** examples/lang/tcp-states.ts's TcpEvent (and the C twin's struct tcp_event), laid out as C does. */
const tcpEvent = struct('tcp_event', {
  pid: u32t, cpu: u32t, oldstate: s32, newstate: s32, sport: u16, dport: u16, family: u16, protocol: u16,
  saddr: array(u8, 4), daddr: array(u8, 4), saddr_v6: array(u8, 16), daddr_v6: array(u8, 16),
});

/** A ring buffer record decoded with tcpEvent. */
function decodeEvent(rec: Uint8Array): TcpEvent {
  const e = decodeValue(tcpEvent, rec);
  const v4 = e.family === AF_INET;
  return {
    pid: e.pid, cpu: e.cpu, oldstate: e.oldstate, newstate: e.newstate, sport: e.sport, dport: e.dport, family: e.family,
    saddr: v4 ? inetNtop4(e.saddr) : inetNtop6(e.saddr_v6), daddr: v4 ? inetNtop4(e.daddr) : inetNtop6(e.daddr_v6),
  };
}

function formatEvent(e: TcpEvent): string {
  const name = (s: number): string => Object.entries(TCP).find(([, v]) => v === s)?.[0] ?? String(s);
  const a = (x: string, p: number): string => (e.family === AF_INET6 ? `[${x}]:${p}` : `${x}:${p}`);
  return `pid ${e.pid} cpu ${e.cpu} ${a(e.saddr, e.sport)} → ${a(e.daddr, e.dport)} ${name(e.oldstate)} → ${name(e.newstate)}`;
}

interface Endpoint { address: string; port: number }

/**
 * One TCP connection on `host` (server port P, client bound to P+1), aborted by the client with a
 * RST; returns both connected sockets' endpoints as Node reports them (getsockname/getpeername).
 */
async function tcpConnection(host: string, port: number): Promise<{ client: { local: Endpoint; remote: Endpoint }; server: { local: Endpoint; remote: Endpoint } }> {
  const srv = net.createServer();
  const accepted = new Promise<net.Socket>((res) => srv.once('connection', (s) => { s.on('error', () => {}); res(s); }));
  srv.listen(port, host);
  await once(srv, 'listening');
  const c = net.connect({ host, port, localAddress: host, localPort: port + 1 });
  await once(c, 'connect');
  const s = await accepted;
  const ends = (x: net.Socket): { local: Endpoint; remote: Endpoint } => ({
    local: { address: x.localAddress!, port: x.localPort! }, remote: { address: x.remoteAddress!, port: x.remotePort! },
  });
  const result = { client: ends(c), server: ends(s) };
  c.resetAndDestroy();
  // The server side sees the RST (ECONNRESET) and closes; events.once would reject on that error.
  if (!s.destroyed) await new Promise((r) => s.on('close', r));
  srv.close();
  await once(srv, 'close');
  return result;
}

// Runs inside the namespace: 10 UDP datagrams of 100 bytes, then a TCP connection carrying 1,000
// bytes, reset (SO_LINGER 0) once the test writes a line on stdin (after the server got the bytes).
const NS_WORKLOAD = `
const dgram = require('node:dgram'); const net = require('node:net');
const [host, up, tp] = process.argv.slice(1);
(async () => {
  const u = dgram.createSocket('udp4');
  for (let i = 0; i < 10; i++) await new Promise((res, rej) => u.send(Buffer.alloc(100), Number(up), host, (e) => (e ? rej(e) : res())));
  u.close();
  const c = net.connect({ host, port: Number(tp) });
  c.on('error', (e) => { console.error(e.message); process.exit(1); });
  await new Promise((r) => c.once('connect', r));
  c.write(Buffer.alloc(1000));
  process.stdin.once('data', () => { c.resetAndDestroy(); process.exit(0); });
})();
`;

/** The servers here, the clients in the namespace; returns what the servers received. */
async function netWorkload(exec: readonly string[], host: string, udpPort: number, tcpPort: number): Promise<{ datagrams: number; tcpBytes: number }> {
  const udp = dgram.createSocket('udp4');
  let datagrams = 0;
  udp.on('message', (m) => { if (m.length === 100) datagrams++; });
  udp.bind(udpPort, host);
  await once(udp, 'listening');
  let tcpBytes = 0;
  let gotAll!: () => void;
  const all = new Promise<void>((r) => { gotAll = r; });
  const srv = net.createServer((s) => {
    s.on('error', () => {});
    s.on('data', (d) => { tcpBytes += d.length; if (tcpBytes >= 1000) gotAll(); });
  });
  srv.listen(tcpPort, host);
  await once(srv, 'listening');
  const child = spawn(exec[0]!, [...exec.slice(1), process.execPath, '-e', NS_WORKLOAD, host, String(udpPort), String(tcpPort)], { stdio: ['pipe', 'inherit', 'inherit'] });
  const exited = once(child, 'exit');
  try {
    await Promise.race([all, exited.then(([code]) => { throw new Error(`workload in the namespace exited with ${String(code)}`); })]);
    await sleep(50); // the server's ACK reaches the client before the RST
    child.stdin.end('go\n');
    const [code] = await exited;
    expect(code).toBe(0);
    for (let i = 0; i < 20 && datagrams < 10; i++) await sleep(50);
  } finally {
    udp.close();
    srv.close();
  }
  return { datagrams, tcpBytes };
}
