// tsbpf/lang queues, stacks, bloom filters and tail calls in the kernel: push/pop/peek results
// and values against the kernel's queue and stack semantics (user space pushing and peeking the
// same maps), a bloom filter's answers, tail calls through a prog array the object fills
// (tsbpf's loader and libbpf through bpftool), the BTF map definitions against clang's for the
// same C, and the mistakes tsc or the compiler catch at their line.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { readObject } from '../elf/index.js';
import { loadObject, testRun } from '../loader/index.js';
import { compileSource } from '../src/compiler/index.js';
import { compileError, tscError } from './support/lang-errors.js';
import { requireReferences, requireRoot, run } from './support/references.js';

const kernel = requireRoot();
const dir = mkdtempSync(join(tmpdir(), 'tsbpf-queues-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const u32 = (n: number): Uint8Array => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return b; };
const u64 = (n: bigint): Uint8Array => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt.asUintN(64, n)); return b; };
/** linux/errno.h: what the helpers return (-ENOENT empty, -E2BIG full). */
const ENOENT = 2, E2BIG = 7;

const QUEUES = `import { arrayMap, bloomFilter, queueMap, socketFilter, stackMap, zero, type Cell, type s64, type u32, type u64 } from 'tsbpf/lang';
interface Pair { a: u32; b: u64 }
export const q = queueMap<u32>({ maxEntries: 3 });
export const st = stackMap<Pair>({ maxEntries: 4 });
export const seen = bloomFilter<u64>({ maxEntries: 64, hashes: 3 });
export const cmd = arrayMap<u64>({ maxEntries: 2 });
export const out = arrayMap<s64>({ maxEntries: 3 });
export const prog = socketFilter((pkt) => {
  const c = cmd.lookup(0); const x = cmd.lookup(1);
  if (!c || !x) return 1;
  const op = c.value, arg = x.value;
  if (op === 1) out.update(0, q.push(arg as u32));
  else if (op === 2) out.update(0, q.push(arg as u32, 'exist'));
  else if (op === 3) { const v = zero<Cell<u32>>(); out.update(0, q.pop(v)); out.update(1, v.value); }
  else if (op === 4) { const v = zero<Cell<u32>>(); v.value = 99; out.update(0, q.peek(v)); out.update(1, v.value); }
  else if (op === 5) { const p = zero<Pair>(); p.a = arg as u32; p.b = arg * 3; out.update(0, st.push(p)); }
  else if (op === 6) { const p = zero<Pair>(); out.update(0, st.pop(p)); out.update(1, p.a); out.update(2, p.b); }
  else if (op === 7) out.update(0, seen.push(arg));
  else if (op === 8) out.update(0, seen.peek(arg));
  return 0;
});
`;

describe.skipIf(!kernel)('queues, stacks and bloom filters in the kernel', () => {
  it('push, push when full (both modes), pop, peek and pop when empty: results and values as the kernel keeps them', () => {
    const c = loadObject(compileSource(ts, QUEUES, 'queues.ts').build(), { name: 'queues' });
    const bpftool = requireReferences('bpftool');
    const pinned = `/sys/fs/bpf/tsbpf-queue-${process.pid}`;
    try {
      const prog = c.programs.get('prog')!, cmd = c.maps.get('cmd')!, out = c.maps.get('out')!, q = c.maps.get('q')!;
      const step = (op: number, arg = 0n): bigint[] => {
        for (const k of [0, 1, 2]) out.update(u32(k), u64(-1n));
        cmd.update(u32(0), u64(BigInt(op))); cmd.update(u32(1), u64(arg));
        expect(testRun(prog, { data: new Uint8Array(64) }).retval).toBe(0);
        return [0, 1, 2].map((k) => Buffer.from(out.lookup(u32(k))!).readBigInt64LE(0));
      };
      expect([1n, 2n, 3n].map((v) => step(1, v)[0])).toEqual([0n, 0n, 0n]);
      expect(step(1, 4n)[0]).toBe(BigInt(-E2BIG));
      expect(step(2, 5n)[0]).toBe(0n); // 'exist': the oldest (1) makes room
      // libbpf's user space (bpftool) sees the same queue: its head is 2; a value it pushes comes after 3 and 5.
      if (bpftool) {
        q.pin(pinned);
        expect(JSON.parse(run('bpftool', ['-j', 'map', 'peek', 'pinned', pinned])).value).toEqual(['0x02', '0x00', '0x00', '0x00']);
      }
      expect(step(3).slice(0, 2)).toEqual([0n, 2n]);
      expect(step(4).slice(0, 2)).toEqual([0n, 3n]);
      if (bpftool) run('bpftool', ['map', 'push', 'pinned', pinned, 'value', '77', '0', '0', '0']); else step(1, 77n);
      expect([step(3), step(3), step(3)].map((r) => r.slice(0, 2))).toEqual([[0n, 3n], [0n, 5n], [0n, 77n]]);
      expect(step(3).slice(0, 2)).toEqual([BigInt(-ENOENT), 0n]);
      expect(step(4).slice(0, 2)).toEqual([BigInt(-ENOENT), 0n]); // the kernel zeroes the buffer (the cell held 99)
      // The stack: last in, first out, a struct value by address.
      expect(step(5, 1n)[0]).toBe(0n);
      expect(step(5, 2n)[0]).toBe(0n);
      expect([step(6), step(6), step(6)]).toEqual([[0n, 2n, 6n], [0n, 1n, 3n], [BigInt(-ENOENT), 0n, 0n]]);
      // The bloom filter: a pushed value is "maybe present" (0), another one absent (-ENOENT; a
      // false positive has a probability near 1e-7 with 512 bits and 3 hashes).
      expect(step(8, 10n)[0]).toBe(BigInt(-ENOENT));
      expect(step(7, 10n)[0]).toBe(0n);
      expect([step(8, 10n)[0], step(8, 11n)[0]]).toEqual([0n, BigInt(-ENOENT)]);
    } finally { rmSync(pinned, { force: true }); c.close(); }
  });
});

const TAIL = `import { arrayMap, progArray, socketFilter, tailCall, type u32, type u64 } from 'tsbpf/lang';
export const hits = arrayMap<u64>({ maxEntries: 4 });
export const slot = arrayMap<u32>({ maxEntries: 1 });
export const second = socketFilter((pkt) => { hits.increment(1); return 22; });
export const third = socketFilter((pkt) => { hits.increment(2); tailCall(pkt, jumps, 1); return 33; });
export const jumps = progArray({ maxEntries: 4, values: [null, second, third] });
export const entry = socketFilter((pkt) => {
  hits.increment(0);
  tailCall(pkt, jumps, slot.lookup(0)?.value ?? 0);
  return 11;
});
`;

describe.skipIf(!kernel)('tail calls', () => {
  it('the slot the object fills runs in place of the caller; an empty or out-of-range slot returns to it', () => {
    const c = loadObject(compileSource(ts, TAIL, 'tail.ts').build(), { name: 'tail' });
    try {
      const entry = c.programs.get('entry')!;
      // Slots 0 and 3 are empty, 1 is second, 2 is third (which tail-calls second), 40 is out of range.
      const slot = c.maps.get('slot')!;
      const runs = [0, 1, 2, 3, 40].map((n) => { slot.update(u32(0), u32(n)); return testRun(entry, { data: new Uint8Array(64) }).retval; });
      expect(runs).toEqual([11, 22, 22, 11, 11]);
      const hits = c.maps.get('hits')!;
      expect([0, 1, 2].map((k) => Buffer.from(hits.lookup(u32(k))!).readBigUInt64LE(0))).toEqual([5n, 2n, 1n]);
    } finally { c.close(); }
  });

  it.skipIf(!requireReferences('bpftool'))('libbpf fills the prog array from the object too (bpftool prog loadall, map dump)', () => {
    const o = join(dir, 'tail.o');
    writeFileSync(o, compileSource(ts, TAIL, 'tail.ts').build());
    const pin = `/sys/fs/bpf/tsbpf-tail-${process.pid}`, maps = `${pin}-maps`;
    try {
      const r = spawnSync('bpftool', ['prog', 'loadall', o, pin, 'pinmaps', maps], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      // A prog array has no BTF key or value: bpftool prints the bytes (little-endian u32s).
      const word = (bytes: string[]): number => Buffer.from(bytes.map((b) => Number(b))).readUInt32LE(0);
      const slots = (JSON.parse(run('bpftool', ['-j', 'map', 'dump', 'pinned', `${maps}/jumps`])) as { key: string[]; value: string[] }[]).map((s) => ({ key: word(s.key), value: word(s.value) }));
      const id = (name: string): number => (JSON.parse(run('bpftool', ['-j', 'prog', 'show', 'pinned', `${pin}/${name}`])) as { id: number }).id;
      expect(slots.map((s) => [s.key, s.value])).toEqual([[1, id('second')], [2, id('third')]]);
    } finally { spawnSync('rm', ['-rf', pin, maps]); }
  });
});

/** The `.maps` variables' BTF, as bpftool prints it, with type ids taken out. */
function mapBtf(object: string): string[] {
  const out = run('bpftool', ['btf', 'dump', 'file', object, 'format', 'c']);
  return out.split('\n').filter((l) => /SEC\("\.maps"\)/.test(l) || /^\s+(int|__u32|unsigned int|u32|struct Pair|unsigned long long) \(\*/.test(l));
}

describe.skipIf(!requireReferences('clang-19', 'bpftool'))('the map definitions against clang-19', () => {
  it('queue, stack, bloom filter and prog array: the same BTF struct members and values relocations as libbpf\'s macros give', () => {
    const c = `#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
struct Pair { __u32 a; __u64 b; };
struct { __uint(type, BPF_MAP_TYPE_QUEUE); __uint(max_entries, 3); __type(value, __u32); } q SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_STACK); __uint(max_entries, 4); __type(value, struct Pair); } st SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_BLOOM_FILTER); __uint(max_entries, 64); __type(value, __u64); __uint(map_extra, 3); } seen SEC(".maps");
SEC("socket") int second(void *ctx) { return 22; }
struct { __uint(type, BPF_MAP_TYPE_PROG_ARRAY); __uint(max_entries, 4); __uint(key_size, 4); __uint(value_size, 4); __array(values, int (void *)); } jumps SEC(".maps") = { .values = { [1] = &second } };
SEC("socket") int entry(void *ctx) { bpf_tail_call(ctx, &jumps, 1); return 11; }
char LICENSE[] SEC("license") = "GPL";
`;
    writeFileSync(join(dir, 'maps.bpf.c'), c);
    const theirs = join(dir, 'maps-clang.o'), ours = join(dir, 'maps-tsbpf.o');
    run('clang-19', ['-O2', '-g', '-target', 'bpf', '-I/usr/include/x86_64-linux-gnu', '-c', join(dir, 'maps.bpf.c'), '-o', theirs]);
    writeFileSync(ours, compileSource(ts, `import { bloomFilter, progArray, queueMap, socketFilter, stackMap, tailCall, type u32, type u64 } from 'tsbpf/lang';
interface Pair { a: u32; b: u64 }
export const q = queueMap<u32>({ maxEntries: 3 });
export const st = stackMap<Pair>({ maxEntries: 4 });
export const seen = bloomFilter<u64>({ maxEntries: 64, hashes: 3 });
export const second = socketFilter((pkt) => 22);
export const jumps = progArray({ maxEntries: 4, values: [null, second] });
export const entry = socketFilter((pkt) => { tailCall(pkt, jumps, 1); return 11; });
`, 'maps.ts').build());
    const members = (o: string): Record<string, [string, number][]> => {
      const obj = readObject(new Uint8Array(readFileSync(o)));
      return Object.fromEntries(obj.maps.map((m) => [m.name, [['type', m.type], ['max', m.maxEntries ?? -1], ['key', m.keySize ?? 0], ['value', m.valueSize ?? 0], ['extra', (m as { mapExtra?: number }).mapExtra ?? 0]] as [string, number][]]));
    };
    expect(members(ours)).toEqual(members(theirs));
    expect(mapBtf(ours).map((l) => l.trim())).toEqual(mapBtf(theirs).map((l) => l.trim()));
    const values = (o: string): unknown => readObject(new Uint8Array(readFileSync(o))).maps.find((m) => m.name === 'jumps')!.values;
    expect(values(ours)).toEqual(values(theirs));
  });
});


describe('mistakes: tsc or the compiler at the TypeScript line', () => {
  const HEAD = "import { bloomFilter, progArray, queueMap, socketFilter, stackMap, tailCall, xdp, zero, type Cell, type u32, type u64 } from 'tsbpf/lang';\ninterface Pair { a: u32; b: u64 }\nexport const q = queueMap<u32>({ maxEntries: 4 });\nexport const st = stackMap<Pair>({ maxEntries: 4 });\nexport const bf = bloomFilter<u64>({ maxEntries: 4 });\nexport const progs = progArray({ maxEntries: 4 });\n";
  const body = (stmt: string): string => `${HEAD}export const prog = socketFilter((pkt) => {\n  ${stmt}\n  return 0;\n});\n`;
  const tsc: [string, string, RegExp][] = [
    ['a tail call index that is not a number', "tailCall(pkt, progs, 'one');", /Argument of type 'string' is not assignable to parameter of type 'number'/],
    ['a struct pushed into a queue of u32', 'const p = zero<Pair>(); q.push(p);', /Argument of type 'Pair' is not assignable to parameter of type 'number'/],
    ['an integer pushed onto a stack of structs', 'st.push(5);', /Argument of type 'number' is not assignable to parameter of type 'Pair'/],
    ['a pop into an integer', 'let v: u32 = 0; q.pop(v);', /not assignable to parameter of type 'Cell<number>'/],
    ['a pop from a bloom filter', 'const v = zero<Cell<u64>>(); bf.pop(v);', /Property 'pop' does not exist on type 'BloomFilter<number>'/],
    ['a push mode a queue does not have', "q.push(1, 'noexist');", /not assignable to parameter of type 'PushMode/],
    ['a map where the prog array goes', 'tailCall(pkt, q, 0);', /not assignable to parameter of type 'ProgArray'/],
  ];
  for (const [what, stmt, msg] of tsc) {
    it(`tsc: ${what}`, () => {
      const e = tscError(dir, body(stmt));
      expect(e.reason).toMatch(msg);
      expect(e.location.line).toBe(8);
    });
  }
  const compiler: [string, string, RegExp][] = [
    ['a pop into a Cell of another integer type', 'const v = zero<Cell<u64>>(); q.pop(v);', /pop writes a u32 into a Cell<u32>/],
    ['a tail call with something else than the context', 'tailCall(q, progs, 0);', /tailCall's first argument is the program's context parameter/],
  ];
  for (const [what, stmt, msg] of compiler) {
    it(`compiler: ${what}`, () => {
      const e = compileError(body(stmt));
      expect(e.message).toMatch(msg);
      expect(e.location.line).toBe(8);
    });
  }
  it('a prog array holding a program of another type than its caller', () => {
    const e = compileError(`${HEAD}export const target = xdp((pkt) => 2);\nexport const jumps = progArray({ maxEntries: 2, values: [target] });\nexport const prog = socketFilter((pkt) => {\n  tailCall(pkt, jumps, 0);\n  return 0;\n});\n`);
    expect(e.message).toMatch(/^prog\.ts:10:\d+: error: jumps holds target, a xdp program; a socketFilter program can only tail-call programs of its own type/);
  });
  it('a prog array slot that is not a program of the module', () => {
    const e = compileError(`${HEAD}export const jumps = progArray({ maxEntries: 2, values: [null, nothing] });\nexport const prog = socketFilter((pkt) => 0);\n`);
    expect(e.message).toMatch(/^prog\.ts:7:\d+: error: 'nothing' is not a program of this module/);
  });
  it('a bloom filter with 16 hash functions', () => {
    expect(compileError(`${HEAD.replace('maxEntries: 4 });\nexport const progs', 'maxEntries: 4, hashes: 16 });\nexport const progs')}export const prog = socketFilter((pkt) => 0);\n`).message).toMatch(/^prog\.ts:5:\d+: error: a bloom filter has 1 to 15 hash functions/);
  });
});
