// tsbpf/lang sock_ops programs (section sockops, attached to a cgroup v2): the context struct
// bpf_sock_ops read as SockOps, the BPF_SOCK_OPS_* constants, setsockopt / getsockopt on the
// context's socket and sockOpsCbFlagsSet, against a clang-19 twin of the same C (at most
// clang -O2 + 10 % instructions) and on the running kernel: a python3 process in a new cgroup
// opens a loopback TCP connection, and the options the program set are what user space reads back
// with getsockopt; the ops counted per kind are the clang twin's. A second program writes a TCP
// header option on the client's segments and the server reads it back. The mistakes (a write of a
// read-only field, a level without options) are errors at their line, and the kernel refuses the
// C twin of the write.

import { execFileSync } from 'node:child_process';
import { mkdirSync, rmdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { readObject } from '../elf/index.js';
import { attachOptionsForSection, attachProgram, kernelBtf, loadObject } from '../loader/index.js';
import { sizeOf } from '../loader/btf-values.js';
import { sockOpsLayout } from '../src/compiler/lower-sock-ops.js';
import { compileError, tscError } from './support/lang-errors.js';
import { slots, twinsDir } from './support/lang-twins.js';
import { requireReferences, requireRoot } from './support/references.js';

const twins = twinsDir('tsbpf-sock-ops-');
afterAll(() => twins.remove());
const clangOk = requireReferences('clang-19');

const TS_SOURCE = `import { arrayMap, getsockopt, hashMap, setsockopt, sockOps, sockOpsCbFlagsSet, zero, BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB, BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB, BPF_SOCK_OPS_STATE_CB, BPF_SOCK_OPS_STATE_CB_FLAG, type Arr, type s32, type u32, type u64 } from 'tsbpf/lang';
export const ops = arrayMap<u64>({ maxEntries: 16 });
export const seen = arrayMap<u64>({ maxEntries: 10 });
export const received = hashMap<u32, u64>({ maxEntries: 8 });
export const tcpOps = sockOps((ctx) => {
  const op = ctx.op;
  if (op < 16) ops.increment(op);
  if (op === BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB || op === BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB) {
    const side = (op - BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB) * 5;
    const v = zero<Arr<s32, 1>>();
    v[0] = 1;
    seen.update(side, setsockopt(ctx, 6, 1, v));
    v[0] = 16384;
    seen.update(side + 1, setsockopt(ctx, 1, 7, v));
    getsockopt(ctx, 1, 7, v);
    seen.update(side + 2, v[0]);
    seen.update(side + 3, ctx.localPort);
    seen.update(side + 4, ctx.remotePort);
    sockOpsCbFlagsSet(ctx, BPF_SOCK_OPS_STATE_CB_FLAG);
  }
  if (op === BPF_SOCK_OPS_STATE_CB && ctx.args[1] === 7) received.update(ctx.localPort, ctx.bytesReceived);
  return 1;
});
`;
const C_SOURCE = `#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 16); __type(key, __u32); __type(value, __u64); } ops SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 10); __type(key, __u32); __type(value, __u64); } seen SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 8); __type(key, __u32); __type(value, __u64); } received SEC(".maps");
static __always_inline void put(void *m, __u32 k, __u64 v) { bpf_map_update_elem(m, &k, &v, 0); }
SEC("sockops") int tcpOps(struct bpf_sock_ops *ctx) {
  __u32 op = ctx->op;
  if (op < 16) { __u64 *n = bpf_map_lookup_elem(&ops, &op); if (n) __sync_fetch_and_add(n, 1); }
  if (op == BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB || op == BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB) {
    __u32 side = (op - BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB) * 5;
    int v = 1;
    put(&seen, side, bpf_setsockopt(ctx, 6, 1, &v, 4));
    v = 16384;
    put(&seen, side + 1, bpf_setsockopt(ctx, 1, 7, &v, 4));
    bpf_getsockopt(ctx, 1, 7, &v, 4);
    put(&seen, side + 2, v);
    put(&seen, side + 3, ctx->local_port);
    put(&seen, side + 4, ctx->remote_port);
    bpf_sock_ops_cb_flags_set(ctx, BPF_SOCK_OPS_STATE_CB_FLAG);
  }
  if (op == BPF_SOCK_OPS_STATE_CB && ctx->args[1] == 7) put(&received, ctx->local_port, ctx->bytes_received);
  return 1;
}
char LICENSE[] SEC("license") = "GPL";
`;

describe.skipIf(!clangOk)('sock_ops against clang-19', () => {
  it('section sockops, at most clang -O2 + 10 % instructions', () => {
    const a = slots(twins.ts('ops', TS_SOURCE)), b = slots(twins.c('ops', C_SOURCE));
    console.info(`sock_ops: tsbpf ${JSON.stringify(a)}, clang-19 -O2 ${JSON.stringify(b)}`);
    expect(a.tcpOps).toBeLessThanOrEqual(Math.floor(b.tcpOps! * 1.1));
    expect(readObject(twins.ts('ops', TS_SOURCE)).programs.map((p) => p.section)).toEqual(['sockops']);
  });
});

// A loopback connection from a process in the cgroup: 1000 bytes to the server, 1 back, the client
// closes first. It prints what user space reads: a fresh socket's SO_SNDBUF after setting 16384 (the
// reference for what the program set), then per side TCP_NODELAY, SO_SNDBUF, local and remote port.
const WORKLOAD = `
import socket, json, time
T, S = socket.IPPROTO_TCP, socket.SOL_SOCKET
srv = socket.socket(); srv.bind(('127.0.0.1', 0)); srv.listen(1)
ref = socket.socket(); ref.setsockopt(S, socket.SO_SNDBUF, 16384)
c = socket.socket(); c.connect(srv.getsockname()); a, _ = srv.accept()
c.sendall(b'x' * 1000); n = 0
while n < 1000: n += len(a.recv(4096))
a.sendall(b'y'); c.recv(1)
side = lambda s: [s.getsockopt(T, socket.TCP_NODELAY), s.getsockopt(S, socket.SO_SNDBUF), s.getsockname()[1], s.getpeername()[1]]
out = {'ref': ref.getsockopt(S, socket.SO_SNDBUF), 'active': side(c), 'passive': side(a)}
c.close(); time.sleep(0.05); a.close(); time.sleep(0.3); srv.close()
print(json.dumps(out))
`;

interface Run { user: { ref: number; active: number[]; passive: number[] }; ops: bigint[]; seen: bigint[]; received: Map<number, bigint> }

function runIn(side: 'tsbpf' | 'clang'): Run {
  const cg = `/sys/fs/cgroup/unified/tsbpf_sockops_${side}_${process.pid}`;
  mkdirSync(cg);
  const c = loadObject(side === 'tsbpf' ? twins.ts('ops', TS_SOURCE) : twins.c('ops', C_SOURCE), { name: `sockops_${side}` });
  try {
    const p = c.programs.get('tcpOps')!;
    const link = attachProgram(p, attachOptionsForSection(p.section, { cgroup: cg }));
    try {
      const out = execFileSync('sh', ['-c', `echo $$ > ${cg}/cgroup.procs && exec python3 -c "$0"`, WORKLOAD], { encoding: 'utf8' });
      const u64 = (m: string, n: number): bigint[] => Array.from({ length: n }, (_, i) => { const k = Buffer.alloc(4); k.writeUInt32LE(i); return Buffer.from(c.maps.get(m)!.lookup(k)!).readBigUInt64LE(0); });
      const received = new Map<number, bigint>();
      for (const [k, v] of c.maps.get('received')!.entries()) received.set(Buffer.from(k).readUInt32LE(0), Buffer.from(v).readBigUInt64LE(0));
      return { user: JSON.parse(out), ops: u64('ops', 16), seen: u64('seen', 10), received };
    } finally { link.close(); }
  } finally { c.close(); rmdirSync(cg); }
}

describe.skipIf(!requireRoot() || !clangOk)('sock_ops on the running kernel', () => {
  it('sets TCP_NODELAY and SO_SNDBUF on both ends of a loopback connection, as user space reads them back, and counts the ops as the clang twin does', () => {
    const ours = runIn('tsbpf'), theirs = runIn('clang');
    console.info(`sock_ops: user space ${JSON.stringify(ours.user)}, ops ${ours.ops.join(' ')}, received ${JSON.stringify([...ours.received].map(([k, v]) => [k, Number(v)]))}`);
    for (const r of [ours, theirs]) {
      const [server, client] = [r.user.active[3]!, r.user.active[2]!];
      // Both ends: TCP_NODELAY set (1), SO_SNDBUF as a process setting 16384 gets it.
      expect(r.user.active.slice(0, 2)).toEqual([1, r.user.ref]);
      expect(r.user.passive.slice(0, 2)).toEqual([1, r.user.ref]);
      // The program's view: both setsockopt calls returned 0, getsockopt read the same SO_SNDBUF, the ports as the kernel stores them.
      const htonl = (p: number): bigint => BigInt(((p & 0xff) << 24 | (p & 0xff00) << 8) >>> 0);
      expect(r.seen).toEqual([0n, 0n, BigInt(r.user.ref), BigInt(client), htonl(server), 0n, 0n, BigInt(r.user.ref), BigInt(server), htonl(client)]);
      expect([r.ops[3], r.ops[4], r.ops[5], r.ops[11]]).toEqual([1n, 1n, 1n, 1n]);
      // Each end reached TCP_CLOSE once, the server having had the 1000 bytes (and the FIN: rcv_nxt counts it).
      expect([...r.received.keys()].sort()).toEqual([server, client].sort());
      expect(r.received.get(server)).toBeGreaterThanOrEqual(1000n);
    }
    expect(ours.ops).toEqual(theirs.ops);
    const byRole = (r: Run): bigint[] => [r.received.get(r.user.active[3]!)!, r.received.get(r.user.active[2]!)!];
    expect(byRole(ours)).toEqual(byRole(theirs));
  });
});

describe('sock_ops mistakes: errors at the TypeScript line', () => {
  const HEAD = "import { getsockopt, setsockopt, sockOps, zero, type Arr, type s32 } from 'tsbpf/lang';\n";
  const cases: [string, string, number, RegExp][] = [
    ['a store to a read-only field', 'export const p = sockOps((ctx) => {\n  ctx.family = 2;\n  return 1;\n});', 3, /a sock_ops program writes reply and skTxhash only \(not family\)/],
    ['a store into args', 'export const p = sockOps((ctx) => {\n  ctx.args[1] = 2;\n  return 1;\n});', 3, /writes reply and skTxhash only \(not an element of args\)/],
    ['a level without options', 'export const p = sockOps((ctx) => {\n  const v = zero<Arr<s32, 1>>();\n  setsockopt(ctx, 17, 1, v);\n  return 1;\n});', 4, /setsockopt: level 17 has no options a program may set/],
    ['a return of 2', 'export const p = sockOps((ctx) => {\n  if (ctx.op === 3) return 2;\n  return 1;\n});', 3, /a sock_ops program returns 1 \(or 0\), not 2/],
    ['a context that is not one', 'export const p = sockOps((ctx) => {\n  const v = zero<Arr<s32, 1>>();\n  getsockopt(v, 1, 7, v);\n  return 1;\n});', 4, /argument 1 of getsockopt is the program's context parameter/],
  ];
  for (const [what, prog, line, msg] of cases) {
    it(what, () => {
      const e = compileError(`${HEAD}${prog}\n`);
      expect(e.message).toMatch(msg);
      expect(e.location.line).toBe(line);
    });
  }
  it('tsc: a write of a read-only field, of an args element, a field sock_ops does not have', () => {
    const a = tscError(twins.dir, `${HEAD}export const p = sockOps((ctx) => {\n  ctx.srttUs = 1;\n  return 1;\n});\n`);
    expect([a.location.line, a.reason]).toEqual([3, "Cannot assign to 'srttUs' because it is a read-only property."]);
    const b = tscError(twins.dir, `${HEAD}export const p = sockOps((ctx) => {\n  ctx.args[0] = 1;\n  return 1;\n});\n`);
    expect([b.location.line, b.reason]).toEqual([3, "Index signature in type 'Readonly<Arr<number, 4>>' only permits reading."]);
    const c = tscError(twins.dir, `${HEAD}export const p = sockOps((ctx) => {\n  if (ctx.userPort === 0) return 0;\n  return 1;\n});\n`);
    expect([c.location.line, c.reason]).toEqual([3, "Property 'userPort' does not exist on type 'SockOps'."]);
  });
});

describe.skipIf(!requireRoot() || !clangOk)('sock_ops writes on the running kernel', () => {
  const C_WRITE = (field: string): string => `#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
SEC("sockops") int w(struct bpf_sock_ops *ctx) { if (ctx->op == BPF_SOCK_OPS_BASE_RTT) ctx->${field} = 40; return 1; }
char LICENSE[] SEC("license") = "GPL";
`;
  it('the kernel loads the writes of reply and sk_txhash (tsbpf and clang) and refuses clang\'s of family and its return of 2', () => {
    const ts = `import { sockOps, BPF_SOCK_OPS_BASE_RTT } from 'tsbpf/lang';
export const w = sockOps((ctx) => {
  if (ctx.op === BPF_SOCK_OPS_BASE_RTT) { ctx.reply = 40; ctx.skTxhash = 40; }
  return 1;
});
`;
    loadObject(twins.ts('w', ts), { name: 'sockops_w' }).close();
    for (const f of ['reply', 'sk_txhash']) loadObject(twins.c(`w_${f}`, C_WRITE(f)), { name: `sockops_${f}` }).close();
    expect(() => loadObject(twins.c('w_family', C_WRITE('family')), { name: 'sockops_family', preverify: false })).toThrow(/invalid bpf_context access/);
    const ret2 = '#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\nSEC("sockops") int r(struct bpf_sock_ops *ctx) { return ctx->op == 3 ? 2 : 1; }\nchar LICENSE[] SEC("license") = "GPL";\n';
    expect(() => loadObject(twins.c('ret2', ret2), { name: 'sockops_ret2', preverify: false })).toThrow(/should have been in \[0, 1\]/);
  });
});

// TCP header options: the client reserves 6 bytes in each segment it sends once established and
// writes option 0xb9 (an unassigned kind) with 4 bytes; the server parses unknown options and finds it.
const HDR_SOURCE = `import { arrayMap, loadHdrOpt, reserveHdrOpt, sockOps, sockOpsCbFlagsSet, storeHdrOpt, zero, BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB, BPF_SOCK_OPS_HDR_OPT_LEN_CB, BPF_SOCK_OPS_PARSE_HDR_OPT_CB, BPF_SOCK_OPS_PARSE_UNKNOWN_HDR_OPT_CB_FLAG, BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB, BPF_SOCK_OPS_WRITE_HDR_OPT_CB, BPF_SOCK_OPS_WRITE_HDR_OPT_CB_FLAG, type Arr, type u8, type u32, type u64 } from 'tsbpf/lang';
export const res = arrayMap<u64>({ maxEntries: 6 });
export const hdr = sockOps((ctx) => {
  const op = ctx.op;
  if (op === BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB) sockOpsCbFlagsSet(ctx, BPF_SOCK_OPS_WRITE_HDR_OPT_CB_FLAG);
  if (op === BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB) sockOpsCbFlagsSet(ctx, BPF_SOCK_OPS_PARSE_UNKNOWN_HDR_OPT_CB_FLAG);
  if (op === BPF_SOCK_OPS_HDR_OPT_LEN_CB) { res.update(0, reserveHdrOpt(ctx, 6, 0)); res.increment(4); }
  if (op === BPF_SOCK_OPS_WRITE_HDR_OPT_CB) {
    const opt = zero<Arr<u8, 6>>();
    opt[0] = 0xb9; opt[1] = 6; opt[2] = 0xde; opt[3] = 0xad; opt[4] = 0xbe; opt[5] = 0xef;
    res.update(1, storeHdrOpt(ctx, opt, 0));
  }
  if (op === BPF_SOCK_OPS_PARSE_HDR_OPT_CB) {
    const found = zero<Arr<u8, 6>>();
    found[0] = 0xb9;
    const n = loadHdrOpt(ctx, found, 0);
    if (n > 0) {
      res.update(2, n);
      res.update(3, ((found[2] as u32) << 24) | ((found[3] as u32) << 16) | ((found[4] as u32) << 8) | found[5]);
    }
    res.increment(5);
  }
  return 1;
});
`;
const HDR_C = `#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 6); __type(key, __u32); __type(value, __u64); } res SEC(".maps");
static __always_inline void put(__u32 k, __u64 v) { bpf_map_update_elem(&res, &k, &v, 0); }
static __always_inline void inc(__u32 k) { __u64 *n = bpf_map_lookup_elem(&res, &k); if (n) __sync_fetch_and_add(n, 1); }
SEC("sockops") int hdr(struct bpf_sock_ops *ctx) {
  __u32 op = ctx->op;
  if (op == BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB) bpf_sock_ops_cb_flags_set(ctx, BPF_SOCK_OPS_WRITE_HDR_OPT_CB_FLAG);
  if (op == BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB) bpf_sock_ops_cb_flags_set(ctx, BPF_SOCK_OPS_PARSE_UNKNOWN_HDR_OPT_CB_FLAG);
  if (op == BPF_SOCK_OPS_HDR_OPT_LEN_CB) { put(0, bpf_reserve_hdr_opt(ctx, 6, 0)); inc(4); }
  if (op == BPF_SOCK_OPS_WRITE_HDR_OPT_CB) {
    __u8 opt[6] = { 0xb9, 6, 0xde, 0xad, 0xbe, 0xef };
    put(1, bpf_store_hdr_opt(ctx, opt, 6, 0));
  }
  if (op == BPF_SOCK_OPS_PARSE_HDR_OPT_CB) {
    __u8 found[6] = { 0xb9 };
    long n = bpf_load_hdr_opt(ctx, found, 6, 0);
    if (n > 0) {
      put(2, n);
      put(3, ((__u32)found[2] << 24) | (found[3] << 16) | (found[4] << 8) | found[5]);
    }
    inc(5);
  }
  return 1;
}
char LICENSE[] SEC("license") = "GPL";
`;

describe.skipIf(!requireRoot() || !clangOk)('TCP header options on the running kernel', () => {
  const runHdr = (side: 'tsbpf' | 'clang'): bigint[] => {
    const cg = `/sys/fs/cgroup/unified/tsbpf_sockops_hdr_${side}_${process.pid}`;
    mkdirSync(cg);
    const c = loadObject(side === 'tsbpf' ? twins.ts('hdr', HDR_SOURCE) : twins.c('hdr', HDR_C), { name: `hdr_${side}` });
    try {
      const p = c.programs.get('hdr')!;
      const link = attachProgram(p, attachOptionsForSection(p.section, { cgroup: cg }));
      try {
        execFileSync('sh', ['-c', `echo $$ > ${cg}/cgroup.procs && exec python3 -c "$0"`, WORKLOAD], { encoding: 'utf8' });
        return Array.from({ length: 6 }, (_, i) => { const k = Buffer.alloc(4); k.writeUInt32LE(i); return Buffer.from(c.maps.get('res')!.lookup(k)!).readBigUInt64LE(0); });
      } finally { link.close(); }
    } finally { c.close(); rmdirSync(cg); }
  };
  it('the client reserves and writes option 0xb9, the server loads it back: 6 bytes, de ad be ef, as the clang twin', () => {
    const ours = runHdr('tsbpf'), theirs = runHdr('clang');
    console.info(`header options: tsbpf ${ours.join(' ')}, clang ${theirs.join(' ')}; instructions ${JSON.stringify(slots(twins.ts('hdr', HDR_SOURCE)))} vs ${JSON.stringify(slots(twins.c('hdr', HDR_C)))}`);
    expect(ours.slice(0, 4)).toEqual([0n, 0n, 6n, 0xdeadbeefn]);
    expect(ours[4]! > 0n && ours[5]! > 0n).toBe(true);
    expect(ours).toEqual(theirs);
    expect(slots(twins.ts('hdr', HDR_SOURCE)).hdr).toBeLessThanOrEqual(Math.floor(slots(twins.c('hdr', HDR_C)).hdr! * 1.1));
  });
});

describe('SockOps against the running kernel\'s struct bpf_sock_ops', () => {
  const sockOpsFields = (): ReadonlyMap<string, { readonly off: number; readonly type: { readonly kind: string; readonly size: number } }> => {
    const l = sockOpsLayout();
    if (l.kind !== 'struct') throw new Error('SockOps is not a struct');
    return l.fields;
  };
  const snake = (n: string): string => (n === 'cbFlags' ? 'bpf_sock_ops_cb_flags' : n.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));
  it('each field is the kernel member of that name at the same offset and size; every other member is a pointer or replylong', () => {
    const btf = kernelBtf();
    const members = new Map<string, { off: number; size: number; pointer: boolean }>();
    const walk = (id: number, base: number): void => {
      const t = btf.requireType(id);
      if (t.kind !== 'STRUCT' && t.kind !== 'UNION') throw new Error(`${t.kind} in struct bpf_sock_ops`);
      for (const m of t.members) {
        const off = base + m.bitsOffset / 8;
        if (m.name === '') { walk(m.type, off); continue; }
        members.set(m.name, { off, size: sizeOf(btf, m.type), pointer: btf.kindOf(m.type) === 'PTR' });
      }
    };
    walk(btf.findOne('bpf_sock_ops', 'STRUCT')!, 0);
    const fields = [...sockOpsFields()];
    for (const [name, f] of fields) expect([name, members.get(snake(name))]).toEqual([name, { off: f.off, size: f.type.size, pointer: false }]);
    // replylong[4] shares args' place (a program writes only its first element: reply).
    const named = new Set([...fields.map(([n]) => snake(n)), 'replylong']);
    expect([...members].filter(([n]) => !named.has(n)).map(([n, m]) => [n, m.pointer])).toEqual([...members].filter(([, m]) => m.pointer).map(([n]) => [n, true]));
  });
  it.skipIf(!requireRoot())('the kernel loads a program that reads every field at its size', () => {
    const reads = [...sockOpsFields()].flatMap(([n, f]) => (f.type.kind === 'array' ? [0, 1, 2, 3].map((i) => `ctx.${n}[${i}]`) : [`ctx.${n}`]));
    const src = `import { arrayMap, sockOps, type u64 } from 'tsbpf/lang';\nexport const out = arrayMap<u64>({ maxEntries: 1 });\nexport const all = sockOps((ctx) => {\n  let s: u64 = 0;\n${reads.map((r) => `  s += ${r};`).join('\n')}\n  out.update(0, s);\n  return 1;\n});\n`;
    const o = twins.ts('all', src);
    expect(reads.length).toBe(sockOpsFields().size + 3 * 3);
    loadObject(o, { name: 'sockops_all', preverify: false }).close();
  });
});
