// tsbpf/lang task storage in the kernel: a socket filter keeps a counter in the value of the task
// running it (getCurrentTask(), a BTF pointer): get without create finds nothing, get with create
// makes a zeroed value the next runs find and count in, delete takes it away (0, then -ENOENT), all
// as the kernel's bpf_task_storage_get/delete answer through BPF_PROG_TEST_RUN; libbpf (bpftool)
// loads the same object; and the mistakes tsc or the compiler catch at their line. Socket storage:
// a tc program's value per looked-up socket, read by user space under the socket's fd. Inode
// storage in an lsm program: built as clang-19 builds its twin, and answered by the kernel as its
// probe of LSM programs says (refused by policy on this machine).

import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Socket as TcpSocket } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BPF_PROG_TYPE, readObject } from '../elf/index.js';
import { attachOptionsForSection, attachProgram, loadObject, MapType, probeProgramType, testRun } from '../loader/index.js';
import { slots } from './support/lang-twins.js';
import { langCoreDir } from './support/lang-core.js';
import { compileError, tscError } from './support/lang-errors.js';
import { requireReferences, requireRoot } from './support/references.js';

const work = langCoreDir('tsbpf-storage-', ['task_struct', 'sock', 'cgroup', 'file', 'inode']);
afterAll(() => work.remove());

const u32 = (n: number): Uint8Array => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return b; };
/** linux/errno.h. */
const ENOENT = 2;
/** linux/tcp_states.h. */
const TCP_ESTABLISHED = 1;

const SOURCE = `import { arrayMap, getCurrentTask, socketFilter, taskStorage, type s64, type u32, type u64 } from 'tsbpf/lang';
import type { task_struct } from './vmlinux.js';
interface Seen { runs: u64; last: u32 }
export const counts = taskStorage<u64>();
export const seen = taskStorage<Seen>();
export const cmd = arrayMap<u32>({ maxEntries: 1 });
export const out = arrayMap<s64>({ maxEntries: 2 });
export const prog = socketFilter((pkt) => {
  const op = cmd.lookup(0)?.value ?? 0;
  const me = getCurrentTask<task_struct>();
  if (op === 0) {
    const c = counts.get(me);
    out.update(0, c ? c.value as s64 : -1);
  } else if (op === 1) {
    const c = counts.get(me, true);
    if (c) { c.value += 1; out.update(0, c.value as s64); }
    const s = seen.get(me, true);
    if (s) { s.runs += 2; s.last = pkt.length; out.update(1, (s.runs * 1000 + s.last) as s64); }
  } else {
    out.update(0, counts.delete(me));
  }
  return 0;
});
export const license = 'GPL';
`;

describe.skipIf(!requireRoot())('task storage in the kernel', () => {
  it('get finds nothing, get with create makes a zeroed value the next runs count in, delete removes it (then -ENOENT)', () => {
    const c = loadObject(work.compile(work.moduleFile('storage', SOURCE)), { name: 'storage' });
    try {
      const run = (op: number, len = 64): [bigint, bigint] => {
        c.maps.get('cmd')!.update(u32(0), u32(op));
        expect(testRun(c.programs.get('prog')!, { data: new Uint8Array(len) }).retval).toBe(0);
        const out = c.maps.get('out')!;
        return [0, 1].map((k) => Buffer.from(out.lookup(u32(k))!).readBigInt64LE(0)) as [bigint, bigint];
      };
      expect(run(0)[0]).toBe(-1n);
      // A socket filter's test run sees the frame past its Ethernet header: pkt.length is 14 bytes short.
      expect([run(1, 64), run(1, 80), run(1, 96)]).toEqual([[1n, 2050n], [2n, 4066n], [3n, 6082n]]);
      expect(run(0)[0]).toBe(3n);
      expect(run(2)[0]).toBe(0n);
      expect(run(2)[0]).toBe(BigInt(-ENOENT));
      expect(run(0)[0]).toBe(-1n);
      expect(run(1)[0]).toBe(1n); // a fresh, zeroed value
    } finally { c.close(); }
  });

  it.skipIf(!requireReferences('bpftool'))('libbpf (bpftool prog loadall) loads the object: task_storage maps with BTF int keys and BPF_F_NO_PREALLOC', () => {
    const o = join(work.dir, 'storage.o');
    writeFileSync(o, work.compile(work.moduleFile('storage', SOURCE)));
    const pin = `/sys/fs/bpf/tsbpf-storage-${process.pid}`, maps = `${pin}-maps`;
    try {
      const r = spawnSync('bpftool', ['prog', 'loadall', o, pin, 'pinmaps', maps], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const m = JSON.parse(spawnSync('bpftool', ['-j', 'map', 'show', 'pinned', `${maps}/seen`], { encoding: 'utf8' }).stdout) as { type: string; bytes_key: number; bytes_value: number; flags: number };
      expect([m.type, m.bytes_key, m.bytes_value, m.flags]).toEqual(['task_storage', 4, 16, 1]);
    } finally { spawnSync('rm', ['-rf', pin, maps]); }
  });
});

const CGROUPS = `import { cgrpStorage, tpBtf, type s32, type u32, type u64 } from 'tsbpf/lang';
import type { cgroup } from './vmlinux.js';
interface Made { level: s32; order: u32 }
export const made = cgrpStorage<Made>();
export let count: u32 = 0;
export const onMkdir = tpBtf('cgroup_mkdir', (cgrp: cgroup, path: u64) => {
  const v = made.get(cgrp, true);
  if (!v) return 0;
  count += 1;
  v.level = cgrp.level;
  v.order = count;
  return 0;
});
export const license = 'GPL';
`;

/** Where the cgroup2 hierarchy is mounted (/proc/self/mounts), if it is. */
function cgroup2Root(): string | undefined {
  return readFileSync('/proc/self/mounts', 'utf8').split('\n').map((l) => l.split(' ')).find((f) => f[2] === 'cgroup2')?.[1];
}

describe.skipIf(!requireRoot() || cgroup2Root() === undefined)('cgroup storage in the kernel', () => {
  it('a tp_btf program on cgroup_mkdir gives each new cgroup a value; user space reads it with the directory fd as the key', () => {
    const c = loadObject(work.compile(work.moduleFile('cgroups', CGROUPS)), { name: 'cgroups' });
    const p = c.programs.get('onMkdir')!;
    const link = attachProgram(p, attachOptionsForSection(p.section, {}));
    const child = join(cgroup2Root()!, `tsbpf-cgrp-${process.pid}`), grandchild = join(child, 'inner');
    const fds: number[] = [];
    try {
      mkdirSync(child);
      mkdirSync(grandchild);
      fds.push(openSync(child, 'r'), openSync(grandchild, 'r'), openSync(cgroup2Root()!, 'r'));
      const made = c.maps.get('made')!;
      const value = (fd: number): [number, number] | undefined => { const v = made.lookup(u32(fd)); return v === undefined ? undefined : [Buffer.from(v).readInt32LE(0), Buffer.from(v).readUInt32LE(4)]; };
      // Other cgroups may be made meanwhile: the order of ours is increasing, their levels the hierarchy's.
      const [a, b] = [value(fds[0]!), value(fds[1]!)];
      expect([a?.[0], b?.[0]]).toEqual([1, 2]);
      expect(b![1]).toBeGreaterThan(a![1]);
      expect(value(fds[2]!)).toBeUndefined(); // the root was made before the program ran
    } finally {
      link.close(); fds.forEach((fd) => closeSync(fd));
      rmdirSync(grandchild); rmdirSync(child);
      c.close();
    }
  });
});

const SK_SOURCE = `import { arrayMap, htonl, htons, skLookupTcp, skRelease, skStorage, tc, zero, type u16, type u32 } from 'tsbpf/lang';
interface Tuple4 { saddr: u32; daddr: u32; sport: u16; dport: u16 }
interface Note { hits: u32; state: u32 }
export const notes = skStorage<Note>();
/** The tuple's ports, then the operation: 0 get, 1 get with create, 2 delete. */
export const cfg = arrayMap<u32>({ maxEntries: 3 });
export const prog = tc((pkt) => {
  const t = zero<Tuple4>();
  t.saddr = htonl(0x7f000001);
  t.daddr = htonl(0x7f000001);
  t.sport = htons((cfg.lookup(0)?.value ?? 0) as u16);
  t.dport = htons((cfg.lookup(1)?.value ?? 0) as u16);
  const op = cfg.lookup(2)?.value ?? 0;
  const sk = skLookupTcp(pkt, t, 0xffffffff, 0);
  if (!sk) return -100;
  let r = -1;
  if (op === 2) r = notes.delete(sk) as s32;
  else if (op === 1) {
    const n = notes.get(sk, true);
    if (n) { n.hits += 1; n.state = sk.state; r = n.hits as s32; }
  } else {
    const n = notes.get(sk);
    if (n) { n.hits += 1; r = n.hits as s32; }
  }
  skRelease(sk);
  return r;
});
`.replace('type u32 }', 'type s32, type u32 }');

const SK_C = `#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
struct note { __u32 hits, state; };
struct { __uint(type, BPF_MAP_TYPE_SK_STORAGE); __uint(map_flags, BPF_F_NO_PREALLOC); __type(key, int); __type(value, struct note); } notes SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 3); __type(key, __u32); __type(value, __u32); } cfg SEC(".maps");
char LICENSE[] SEC("license") = "GPL";
SEC("tc") int prog(struct __sk_buff *skb) {
  struct bpf_sock_tuple t = {};
  __u32 k0 = 0, k1 = 1, k2 = 2;
  __u32 *a = bpf_map_lookup_elem(&cfg, &k0), *b = bpf_map_lookup_elem(&cfg, &k1), *c = bpf_map_lookup_elem(&cfg, &k2);
  t.ipv4.saddr = bpf_htonl(0x7f000001); t.ipv4.daddr = bpf_htonl(0x7f000001);
  t.ipv4.sport = bpf_htons(a ? *a : 0); t.ipv4.dport = bpf_htons(b ? *b : 0);
  __u32 op = c ? *c : 0;
  struct bpf_sock *sk = bpf_sk_lookup_tcp(skb, &t, sizeof(t.ipv4), -1, 0);
  if (!sk) return -100;
  int r = -1;
  if (op == 2) r = bpf_sk_storage_delete(&notes, sk);
  else if (op == 1) { struct note *n = bpf_sk_storage_get(&notes, sk, 0, BPF_SK_STORAGE_GET_F_CREATE); if (n) { n->hits += 1; n->state = sk->state; r = n->hits; } }
  else { struct note *n = bpf_sk_storage_get(&notes, sk, 0, 0); if (n) { n->hits += 1; r = n->hits; } }
  bpf_sk_release(sk);
  return r;
}
`;

describe.skipIf(!requireRoot())('socket storage in the kernel', () => {
  it.skipIf(!requireReferences('clang-19', 'bpftool'))('at most 10 % more instructions than the C twin', () => {
    // Measured: 98 slots against clang-19's 100.
    expect(slots(work.compile(work.moduleFile('sk-storage', SK_SOURCE))).prog).toBeLessThanOrEqual(Math.floor(slots(work.clang('sk-storage', SK_C)).prog! * 1.1));
  });
  for (const side of ['tsbpf', 'clang'] as const) it.skipIf(side === 'clang' && !requireReferences('clang-19', 'bpftool'))(`${side}: a tc program's value per looked-up socket: made, counted and deleted there, read in user space with the socket's fd`, async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const accepted = new Promise<TcpSocket>((r) => server.once('connection', r));
    const client = createConnection(port, '127.0.0.1');
    await new Promise<void>((r) => client.once('connect', r));
    const peer = await accepted;
    const c = loadObject(side === 'tsbpf' ? work.compile(work.moduleFile('sk-storage', SK_SOURCE)) : work.clang('sk-storage', SK_C), { name: 'sk_storage' });
    try {
      const run = (op: number): number => {
        const cfg = c.maps.get('cfg')!;
        [client.localPort!, port, op].forEach((v, i) => cfg.update(u32(i), u32(v)));
        return testRun(c.programs.get('prog')!, { data: new Uint8Array(64) }).retval | 0;
      };
      // The server's end of the connection, as user space names it: its fd.
      const fd = (peer as unknown as { _handle: { fd: number } })._handle.fd;
      const note = (): [number, number] | undefined => { const v = c.maps.get('notes')!.lookup(u32(fd)); return v === undefined ? undefined : [Buffer.from(v).readUInt32LE(0), Buffer.from(v).readUInt32LE(4)]; };
      expect(run(0)).toBe(-1);
      expect(note()).toBeUndefined();
      expect([run(1), run(1), run(0)]).toEqual([1, 2, 3]);
      expect(note()).toEqual([3, TCP_ESTABLISHED]);
      expect([run(2), run(2), run(0)]).toEqual([0, -ENOENT, -1]);
      expect(note()).toBeUndefined();
    } finally { c.close(); client.destroy(); peer.destroy(); server.close(); }
  });
});

const INODE_SOURCE = `import { inodeStorage, lsm, type u64 } from 'tsbpf/lang';
import type { file } from './vmlinux.js';
export const opens = inodeStorage<u64>();
/** Counts the opens of each inode; allows them all. */
export const onOpen = lsm('file_open', (f: file) => {
  const n = opens.get(f.f_inode, true);
  if (n) n.value += 1;
  return 0;
});
export const license = 'GPL';
`;
const INODE_C = `#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
struct { __uint(type, BPF_MAP_TYPE_INODE_STORAGE); __uint(map_flags, BPF_F_NO_PREALLOC); __type(key, int); __type(value, __u64); } opens SEC(".maps");
char LICENSE[] SEC("license") = "GPL";
SEC("lsm/file_open") int BPF_PROG(onOpen, struct file *f) {
  __u64 *n = bpf_inode_storage_get(&opens, f->f_inode, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
  if (n) *n += 1;
  return 0;
}
`;

describe.skipIf(!requireReferences('clang-19', 'bpftool'))('inode storage in an lsm program', () => {
  it("builds as clang-19's twin does (the map, the section, at most 10 % more instructions); the kernel gives both the same answer", () => {
    const ours = work.compile(work.moduleFile('inode', INODE_SOURCE)), theirs = work.clang('inode', INODE_C);
    const shape = (o: Uint8Array) => { const r = readObject(o); return { maps: r.maps.map((m) => [m.name, m.type, m.keySize, m.valueSize, m.flags]), sections: r.programs.map((p) => p.section) }; };
    expect(shape(ours)).toEqual(shape(theirs));
    expect(shape(ours).maps).toEqual([['opens', MapType.INODE_STORAGE, 4, 8, 1]]);
    expect(slots(ours).onOpen).toBeLessThanOrEqual(Math.floor(slots(theirs).onOpen! * 1.1));
    if (!requireRoot()) return;
    // Where the machine refuses LSM programs (this one does, by policy: EPERM), both objects get
    // the refusal the probe gets; elsewhere both load.
    const probe = probeProgramType(BPF_PROG_TYPE.LSM);
    const outcome = (o: Uint8Array): string => { try { loadObject(o, { name: 'inode', preverify: false }).close(); return 'loaded'; } catch (e) { return /rejected: (E[A-Z]+)/.exec((e as Error).message)?.[1] ?? (e as Error).message; } };
    const reference = outcome(theirs);
    expect(reference).toBe(probe.supported ? 'loaded' : probe.detail);
    expect(outcome(ours)).toBe(reference);
  });
});

describe('socket storage mistakes: errors at the TypeScript line', () => {
  const HEAD = `import { inodeStorage, lsm, skStorage, tc, tpBtf, xdp, type s32, type u64 } from 'tsbpf/lang';
import type { file, task_struct } from './vmlinux.js';
export const notes = skStorage<u64>();
export const inodes = inodeStorage<u64>();
`;
  const cases: [string, string, number, RegExp][] = [
    ['a task as the owner', "export const p = tpBtf('sched_process_exec', (t: task_struct, pid: s32) => {\n  notes.get(t, true);\n  return 0;\n});", 6, /a skStorage's owner is a socket \(a lookup's, pkt\.sk, one derived from them\) or a BTF pointer to a kernel struct starting with struct sock_common \(not struct task_struct\)/],
    ['inode storage outside an lsm program (the kernel: LSM programs only)', "export const p = tc((pkt) => {\n  const s = pkt.sk;\n  if (s) inodes.get(s as never);\n  return 0;\n});", 7, /inodes\.get \(bpf_inode_storage_get\): inode storage is for lsm programs only, not tc/],
    ['a file as an inode storage owner', "export const p = lsm('file_open', (f: file) => {\n  inodes.get(f, true);\n  return 0;\n});", 6, /a inodeStorage holds values of inodes, not of struct file/],
    ['a program type without bpf_sk_storage_get (the kernel\'s table)', "export const p = xdp((pkt) => {\n  notes.delete(42 as never);\n  return 2;\n});", 6, /notes\.delete \(bpf_sk_storage_delete\) cannot be called from a xdp program \(xdp\)/],
  ];
  for (const [what, prog, line, msg] of cases) {
    it(what, () => {
      const e = compileError(`${HEAD}${prog}\n`, work.moduleFile('sk-mistake', `${HEAD}${prog}\n`));
      expect(e.message).toMatch(msg);
      expect(e.location.line).toBe(line);
    });
  }
});

describe('task storage mistakes: errors at the TypeScript line', () => {
  const HEAD = `import { getCurrentTask, kprobe, socketFilter, taskStorage, tpBtf, type s32, type u32, type u64 } from 'tsbpf/lang';
import type { sock, task_struct } from './vmlinux.js';
export const counts = taskStorage<u64>();
`;
  it('tsc: a value used before its null check', () => {
    work.moduleFile('unused', ''); // vmlinux.ts next to the file tsc checks
    const b = tscError(work.dir, `${HEAD}export const p = socketFilter((pkt) => {\n  const c = counts.get(getCurrentTask<task_struct>(), true);\n  return c.value as u32;\n});\n`);
    expect(b.message).toMatch(/'c' is possibly 'null'/);
    expect(b.location.line).toBe(6);
  });
  const cases: [string, string, number, RegExp][] = [
    ['an owner read with probe reads (a kprobe\'s getCurrentTask)', "export const p = kprobe('do_nanosleep', (ctx) => {\n  counts.get(getCurrentTask<task_struct>());\n  return 0;\n});", 5, /the owner is a BTF pointer to a task_struct \(a tpBtf argument, getCurrentTask\(\), a kfunc's result\)/],
    ['a number as the owner (tsc lets any value be a Kernel<…>)', "export const p = socketFilter((pkt) => {\n  counts.get(42);\n  return 0;\n});", 5, /the owner is a BTF pointer to a task_struct/],
    ['a socket as the owner', "export const p = tpBtf('inet_sock_set_state', (sk: sock, oldstate: s32, newstate: s32) => {\n  counts.delete(sk);\n  return 0;\n});", 5, /a taskStorage holds values of task_structs, not of struct sock/],
    ['create that is not a literal', "export const p = socketFilter((pkt) => {\n  const yes = pkt.length > 1;\n  counts.get(getCurrentTask<task_struct>(), yes);\n  return 0;\n});", 6, /create is true or false \(a literal\)/],
    ['options on taskStorage', "export const more = taskStorage<u32>({ maxEntries: 4 } as never);\nexport const p = socketFilter((pkt) => 0);", 4, /taskStorage takes no options/],
    ['a method storages lack', "export const p = socketFilter((pkt) => {\n  counts.update(1, 2);\n  return 0;\n});", 5, /a taskStorage has get and delete \(not update\)/],
  ];
  it('a task as the owner of a cgroup storage value', () => {
    const src = `import { cgrpStorage, tpBtf, type s32, type u64 } from 'tsbpf/lang';\nimport type { task_struct } from './vmlinux.js';\nexport const made = cgrpStorage<u64>();\nexport const p = tpBtf('sched_process_exec', (t: task_struct, pid: s32) => {\n  made.get(t, true);\n  return 0;\n});\n`;
    const e = compileError(src, work.moduleFile('cgrp-mistake', src));
    expect(e.message).toMatch(/a cgrpStorage holds values of cgroups, not of struct task_struct/);
    expect(e.location.line).toBe(5);
  });
  for (const [what, prog, line, msg] of cases) {
    it(what, () => {
      const e = compileError(`${HEAD}${prog}\n`, work.moduleFile('mistake', `${HEAD}${prog}\n`));
      expect(e.message).toMatch(msg);
      expect(e.location.line).toBe(line);
    });
  }
});
