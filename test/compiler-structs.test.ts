// tsbpf/lang's memory: structs and fixed arrays on the stack (zero-initialised), struct map keys
// and values, field and element access (constant and checked variable indices), copies, global
// variables (.data/.bss/.rodata, read by name from user space), run in the kernel with
// BPF_PROG_TEST_RUN against the same computation written in JavaScript.

import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { readObject } from '../elf/index.js';
import { loadObject, testRun } from '../loader/index.js';
import { compileSource } from '../src/compiler/index.js';
import { runArgsProgram } from './support/lang-kernel.js';
import { requireRoot } from './support/references.js';

const kernel = requireRoot();
const HEAD = "import { arrayMap, hashMap, socketFilter, zero, type Arr, type char, type u8, type u16, type u32, type u64, type s32, type s64 } from 'tsbpf/lang';\n";
const ARGS = 'export const args = arrayMap<u64>({ maxEntries: 4 });\nexport const out = arrayMap<u64>({ maxEntries: 1 });\n';
const program = (decls: string, body: string): string => `${HEAD}${ARGS}${decls}
export const prog = socketFilter((pkt) => {
  const p0 = args.lookup(0); const p1 = args.lookup(1); const p2 = args.lookup(2); const p3 = args.lookup(3);
  if (!p0 || !p1 || !p2 || !p3) return 1;
  const a0: u64 = p0.value, a1: u64 = p1.value, a2: u64 = p2.value, a3: u64 = p3.value;
${body}
  return 0;
});
`;
describe('struct locals', () => {
  it('a struct local may name its type instead of zero<T>()', () => {
    const decls = 'interface Pair { a: u32; b: u64 }';
    const body = (decl: string): string => `  ${decl}\n  e.a = a0 as u32; e.b = a1;\n  out.update(0, e.b + e.a);`;
    const named = compileSource(ts, program(decls, body('const e: Pair = zero();')), 'named.ts').build();
    const inferred = compileSource(ts, program(decls, body('const e = zero<Pair>();')), 'inferred.ts').build();
    const text = (bytes: Uint8Array): unknown[] => readObject(bytes).programs.map((p) => p.instructions);
    expect(text(named)).toHaveLength(1);
    expect(text(named)).toEqual(text(inferred));
  });
});

describe.skipIf(!kernel)('structs and arrays in the kernel', () => {
  it('a stack struct, a stack array written and read by constant and variable index (out of bounds reads 0)', () => {
    const src = program('interface Pair { a: u32; b: u64; tag: u8 }', `  const e = zero<Pair>();
  e.a = a0 as u32; e.b = a1; e.tag = 7;
  const arr = zero<Arr<u32, 8>>();
  for (let i: u32 = 0; i < 8; i++) arr[i] = i * e.a;
  arr[3] += 1000;
  let s: u64 = 0;
  for (let i: u32 = 0; i < 8; i++) s += arr[i];
  s += arr[a1 as u32] * 100000;
  out.update(0, s + e.tag + e.b);`);
    const ref = (a0: bigint, a1: bigint): bigint => {
      const a = BigInt.asUintN(32, a0);
      const arr = Array.from({ length: 8 }, (_, i) => BigInt.asUintN(32, BigInt(i) * a));
      arr[3] = BigInt.asUintN(32, arr[3]! + 1000n);
      const s = arr.reduce((x, y) => x + y, 0n);
      const idx = BigInt.asUintN(32, a1);
      // u32 * literal wraps at 32 bits.
      return s + BigInt.asUintN(32, (idx < 8n ? arr[Number(idx)]! : 0n) * 100000n) + 7n + a1;
    };
    const vectors = [[3n, 2n, 0n, 0n], [0xffff_ffffn, 7n, 0n, 0n], [5n, 8n, 0n, 0n], [9n, 0x1_0000_0003n, 0n, 0n]];
    expect(runArgsProgram(src, vectors)).toEqual(vectors.map(([a, b]) => ref(a!, b!)));
  });

  it('struct map values and keys, a nested struct copied, globals read and written by name', () => {
    const src = `${HEAD}${ARGS}
interface Inner { lo: u16; hi: s32 }
interface Stats { count: u64; last: u32; hist: Arr<u32, 4>; inner: Inner; name: Arr<char, 4> }
interface Key { pid: u32; cpu: u16 }
export const stats = hashMap<u32, Stats>({ maxEntries: 8 });
export const byKey = hashMap<Key, u64>({ maxEntries: 8 });
export let runs: u64 = 0;
export let bias: s32 = -3;
export const limit: u32 = 10;
export const prog = socketFilter((pkt) => {
  const p0 = args.lookup(0);
  if (!p0) return 1;
  const a0: u64 = p0.value;
  runs += 1;
  const k = zero<Key>();
  k.pid = (a0 & 0xffff) as u32; k.cpu = 2;
  byKey.increment(k, 5);
  const st = stats.lookup(1);
  if (!st) {
    const z = zero<Stats>();
    z.count = 1; z.hist[2] = 5; z.inner.lo = 0xffff; z.inner.hi = bias; z.name[0] = 104; z.name[1] = 105;
    stats.update(1, z);
  } else {
    st.count += 1;
    st.last = (a0 as u32) + limit;
    st.hist[1] = st.hist[2] + 1;
    const copy = zero<Stats>();
    copy.inner = st.inner;
    copy.inner.hi -= 1;
    st.inner = copy.inner;
  }
  return 0;
});
`;
    const c = loadObject(compileSource(ts, src, 'maps.ts').build(), { name: 'structs' });
    try {
      const prog = c.programs.get('prog')!;
      const args = c.maps.get('args')!;
      for (const a of [7n, 0x1_0003n, 7n]) {
        const b = Buffer.alloc(8); b.writeBigUInt64LE(a); args.update(new Uint8Array(4), b);
        expect(testRun(prog, { data: new Uint8Array(64) }).retval).toBe(0);
      }
      // Values decoded with the object's BTF: the layout the compiler used is the one it described.
      expect([...c.map('stats').typedEntries()]).toEqual([[1, { count: 3n, last: 17, hist: [0, 6, 5, 0], inner: { lo: 0xffff, hi: -5 }, name: 'hi' }]]);
      const keys = [...c.map('byKey').typedEntries()];
      expect(keys.sort((x, y) => ((x[0] as { pid: number }).pid - (y[0] as { pid: number }).pid))).toEqual([[{ pid: 3, cpu: 2 }, 5n], [{ pid: 7, cpu: 2 }, 10n]]);
      expect(c.globals.runs).toBe(3n);
      expect(c.globals.limit).toBe(10);
      c.globals.bias = 40;
      expect(c.globals.bias).toBe(40);
      expect(() => { c.globals.limit = 1; }).toThrow(/read-only once loaded/);
      expect(() => c.globals.nope).toThrow(/no global variable nope; the object has runs, bias, limit|no global variable nope/);
    } finally { c.close(); }
  });

  it('array members copied between map values and the stack in the widest accesses their addresses allow, byte for byte', () => {
    // Src: b at 1, c at 8, e at 26 (a 2-aligned struct); Dst: b at 4, c at 12, e at 28, y at 34
    // (4-aligned). Map values and the stack are 8-aligned: b goes byte by byte, c into Dst 4 bytes
    // at a time, e 2; c onto the stack (at 8 in an 8-aligned slot) 8 at a time, and into y 2.
    const src = `${HEAD}
interface Src { a: u8; b: Arr<u8, 7>; c: Arr<u8, 16>; d: u16; e: Arr<u8, 6> }
interface Dst { x: u32; b: Arr<u8, 7>; pad: u8; c: Arr<u8, 16>; e: Arr<u8, 6>; y: Arr<u8, 16> }
export const from = arrayMap<Src>({ maxEntries: 1 });
export const to = arrayMap<Dst>({ maxEntries: 1 });
export const prog = socketFilter((pkt) => {
  const s = from.lookup(0);
  const d = to.lookup(0);
  if (!s || !d) return 1;
  d.b = s.b; d.c = s.c; d.e = s.e;
  const z = zero<Src>();
  z.c = s.c;
  d.y = z.c;
  return 0;
});
`;
    const bytes = compileSource(ts, src, 'copies.ts').build();
    const insns = readObject(bytes).programs.find((p) => p.name === 'prog')!.instructions.map((i) => i.insn);
    const widths = (kind: 'ldx' | 'stx'): number[] => insns.flatMap((i) => (i.kind === kind ? [i.size] : []));
    const sizes = [...Array(7).fill(1), 4, 4, 4, 4, 2, 2, 2, 8, 8, ...Array(8).fill(2)];
    expect(widths('ldx')).toEqual(sizes);
    expect(widths('stx')).toEqual(sizes);
    const c = loadObject(bytes, { name: 'copies' });
    try {
      const from = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
      c.maps.get('from')!.update(new Uint8Array(4), from);
      expect(testRun(c.programs.get('prog')!, { data: new Uint8Array(64) }).retval).toBe(0);
      const want = new Uint8Array(52);
      want.set(from.subarray(1, 8), 4); want.set(from.subarray(8, 24), 12); want.set(from.subarray(26, 32), 28); want.set(from.subarray(8, 24), 34);
      expect([...c.maps.get('to')!.lookup(new Uint8Array(4))!]).toEqual([...want]);
    } finally { c.close(); }
  });
});
