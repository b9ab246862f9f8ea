// tsbpf/lang socket lookups in the kernel: a tc program looks up (BPF_PROG_TEST_RUN) the sockets
// this test opens — a TCP listener, the server side of an established connection, a bound UDP
// socket — and reads their fields as the kernel keeps them, releasing each; a tuple no socket
// has gives null. A socket still held when a path returns is a build error at that return (the
// kernel's verifier refuses it: "Unreleased reference"), as are the other mistakes tsc or the
// compiler catch at their line.

import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket as TcpSocket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { loadObject, testRun } from '../loader/index.js';
import { compileSource } from '../src/compiler/index.js';
import { compileError, tscError } from './support/lang-errors.js';
import { requireRoot } from './support/references.js';

const dir = mkdtempSync(join(tmpdir(), 'tsbpf-sockets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const u32 = (n: number): Uint8Array => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return b; };
/** linux/tcp_states.h, linux/socket.h, linux/in.h. */
const TCP_ESTABLISHED = 1, TCP_CLOSE = 7, TCP_LISTEN = 10, AF_INET = 2, SOCK_STREAM = 1, SOCK_DGRAM = 2, IPPROTO_TCP = 6, IPPROTO_UDP = 17;
const htons = (n: number): number => ((n & 0xff) << 8) | (n >> 8);

const SOURCE = `import { arrayMap, htonl, htons, skcLookupTcp, skLookupTcp, skLookupUdp, skRelease, tc, zero, type s64, type u16, type u32 } from 'tsbpf/lang';
interface Tuple4 { saddr: u32; daddr: u32; sport: u16; dport: u16 }
/** 0: TCP, 1: UDP, 2: TCP sock_common; then the source and destination ports. */
export const cfg = arrayMap<u32>({ maxEntries: 3 });
export const out = arrayMap<s64>({ maxEntries: 7 });
export const lookup = tc((pkt) => {
  const t = zero<Tuple4>();
  t.saddr = htonl(0x7f000001);
  t.daddr = htonl(0x7f000001);
  t.sport = htons((cfg.lookup(1)?.value ?? 0) as u16);
  t.dport = htons((cfg.lookup(2)?.value ?? 0) as u16);
  const which = cfg.lookup(0)?.value ?? 0;
  if (which === 2) {
    const c = skcLookupTcp(pkt, t, 0xffffffff, 0);
    if (!c) return 1;
    out.update(0, c.family); out.update(1, c.state); out.update(2, c.srcPort); out.update(3, c.dstPort);
    skRelease(c);
    return 0;
  }
  if (which === 1) {
    const u = skLookupUdp(pkt, t, 0xffffffff, 0);
    if (u === null) return 1;
    out.update(0, u.family); out.update(1, u.state); out.update(2, u.srcPort); out.update(3, u.dstPort);
    out.update(4, u.type); out.update(5, u.protocol); out.update(6, u.dstIp4);
    skRelease(u);
    return 0;
  }
  const sk = skLookupTcp(pkt, t, 0xffffffff, 0);
  if (sk === null) return 1;
  out.update(0, sk.family); out.update(1, sk.state); out.update(2, sk.srcPort); out.update(3, sk.dstPort);
  out.update(4, sk.type); out.update(5, sk.protocol); out.update(6, sk.dstIp4);
  skRelease(sk);
  return 0;
});
/** Other ways to give the sockets back; the kernel's verifier accepts each (loading the object checks it). */
export const forms = tc((pkt) => {
  const t = zero<Tuple4>();
  const a = skLookupTcp(pkt, t, 0xffffffff, 0);
  if (a !== null) { out.update(0, a.state); skRelease(a); }
  const b = skLookupUdp(pkt, t, 0xffffffff, 0);
  if (b) skRelease(b);
  const c = skcLookupTcp(pkt, t, 0xffffffff, 0);
  if (!c) return 3;
  skRelease(c);
  return 4;
});
`;

describe.skipIf(!requireRoot())('socket lookups in the kernel', () => {
  it('a TCP listener, the server side of a connection, a UDP socket, through sock_common too; null for a tuple without a socket', async () => {
    const server: Server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const accepted = new Promise<TcpSocket>((r) => server.once('connection', r));
    const client = createConnection(port, '127.0.0.1');
    await new Promise<void>((r) => client.once('connect', r));
    const peer = await accepted;
    const udp: UdpSocket = createSocket('udp4');
    await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
    const c = loadObject(compileSource(ts, SOURCE, 'sockets.ts').build(), { name: 'sockets' });
    try {
      const look = (which: number, sport: number, dport: number): { ret: number; out: bigint[] } => {
        const cfg = c.maps.get('cfg')!, out = c.maps.get('out')!;
        [which, sport, dport].forEach((v, i) => cfg.update(u32(i), u32(v)));
        for (let k = 0; k < 7; k++) out.update(u32(k), Buffer.alloc(8, 0xff));
        const frame = new Uint8Array(64);
        const ret = testRun(c.programs.get('lookup')!, { data: frame }).retval;
        return { ret, out: Array.from({ length: 7 }, (_, k) => Buffer.from(out.lookup(u32(k))!).readBigInt64LE(0)) };
      };
      const big = (xs: number[]): bigint[] => xs.map(BigInt);
      const loopback = 0x0100007f; // 127.0.0.1 in network order, read as a little-endian u32
      // A packet from a new port to the listener finds the listener (its port in host order, no peer).
      expect(look(0, 40000, port)).toEqual({ ret: 0, out: big([AF_INET, TCP_LISTEN, port, 0, SOCK_STREAM, IPPROTO_TCP, 0]) });
      // From the client's port: the established socket the server accepted (the peer's port in network order).
      const cport = client.localPort!;
      expect(look(0, cport, port)).toEqual({ ret: 0, out: big([AF_INET, TCP_ESTABLISHED, port, htons(cport), SOCK_STREAM, IPPROTO_TCP, loopback]) });
      const uport = udp.address().port;
      expect(look(1, 40000, uport)).toEqual({ ret: 0, out: big([AF_INET, TCP_CLOSE, uport, 0, SOCK_DGRAM, IPPROTO_UDP, 0]) });
      expect(look(2, cport, port).out.slice(0, 4)).toEqual(big([AF_INET, TCP_ESTABLISHED, port, htons(cport)]));
      // No socket: TCP to the UDP port, UDP to the TCP port.
      expect([look(0, 40000, uport).ret, look(1, 40000, port).ret, look(2, 40000, uport).ret]).toEqual([1, 1, 1]);
      expect(testRun(c.programs.get('forms')!, { data: new Uint8Array(64) }).retval).toBe(3); // the all-zero tuple has no socket
    } finally {
      c.close(); client.destroy(); peer.destroy(); udp.close(); server.close();
    }
  });
});

describe('socket mistakes: errors at the TypeScript line', () => {
  const HEAD = `import { arrayMap, skcLookupTcp, skLookupTcp, skRelease, socketFilter, tc, zero, type u16, type u32 } from 'tsbpf/lang';
interface Tuple4 { saddr: u32; daddr: u32; sport: u16; dport: u16 }
interface Odd { a: u32 }
export const out = arrayMap<u32>({ maxEntries: 1 });
`;
  it('tsc: a socket read or released before its null check', () => {
    const a = tscError(dir, `${HEAD}export const p = tc((pkt) => {\n  const sk = skLookupTcp(pkt, zero<Tuple4>(), 0xffffffff, 0);\n  skRelease(sk);\n  return 0;\n});\n`);
    expect(a.message).toMatch(/'SockCommon \| null' is not assignable|'Socket \| null' is not assignable|possibly 'null'/);
    expect(a.location.line).toBe(7);
    const b = tscError(dir, `${HEAD}export const p = tc((pkt) => {\n  const sk = skcLookupTcp(pkt, zero<Tuple4>(), 0xffffffff, 0);\n  if (!sk) return 1;\n  const t = sk.type;\n  skRelease(sk);\n  return t;\n});\n`);
    expect(b.message).toMatch(/Property 'type' does not exist on type 'SockCommon'/);
    expect(b.location.line).toBe(8);
  });
  const cases: [string, string, number, RegExp][] = [
    ['a path that returns holding the socket', 'export const p = tc((pkt) => {\n  const sk = skLookupTcp(pkt, zero<Tuple4>(), 0xffffffff, 0);\n  if (!sk) return 1;\n  if (sk.state === 10) return 2;\n  skRelease(sk);\n  return 0;\n});', 8, /the socket looked up at line 6 is still held on a path that returns here: skRelease it on every path/],
    ['a socket never released', 'export const p = tc((pkt) => {\n  const sk = skLookupTcp(pkt, zero<Tuple4>(), 0xffffffff, 0);\n  if (sk) out.update(0, sk.state);\n  return 0;\n});', 8, /the socket looked up at line 6 is still held/],
    ['released in one branch only', 'export const p = tc((pkt) => {\n  const sk = skLookupTcp(pkt, zero<Tuple4>(), 0xffffffff, 0);\n  if (sk) {\n    if (sk.family === 2) skRelease(sk);\n  }\n  return 0;\n});', 8, /the socket looked up at line 6 is still held/],
    ['a tuple of another size', 'export const p = tc((pkt) => {\n  const sk = skLookupTcp(pkt, zero<Odd>(), 0xffffffff, 0);\n  if (sk) skRelease(sk);\n  return 0;\n});', 6, /the tuple is 12 bytes \(IPv4\) or 36 \(IPv6\), not 4/],
    ['a full socket\'s field of a sock_common', 'export const p = tc((pkt) => {\n  const sk = skcLookupTcp(pkt, zero<Tuple4>(), 0xffffffff, 0);\n  if (!sk) return 1;\n  const t = sk.type;\n  skRelease(sk);\n  return t;\n});', 8, /'type' is a full socket's field; a SockCommon may be a time-wait or request socket \(skFullsock gives the full socket\)/],
    ['a lookup where the program type has none', 'export const p = socketFilter((pkt) => {\n  const sk = skLookupTcp(pkt, zero<Tuple4>(), 0xffffffff, 0);\n  if (sk) skRelease(sk);\n  return 0;\n});', 6, /skLookupTcp \(bpf_sk_lookup_tcp\) cannot be called from a socketFilter program \(socket_filter\)/],
  ];
  for (const [what, prog, line, msg] of cases) {
    it(what, () => {
      const e = compileError(`${HEAD}${prog}\n`);
      expect(e.message).toMatch(msg);
      expect(e.location.line).toBe(line);
    });
  }
});
