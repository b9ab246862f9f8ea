// bpf-to-bpf subprograms of the language (subprogram(…) static, global(…) global): the object
// against clang-19's for the same functions in C (which functions are in .text, their FUNC
// linkage and prototypes, func_info), libbpf (bpftool) and the kernel loading it, the results
// against the same functions run as JavaScript, and the verifier's limits as compile errors.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { type BpfObject, readObject } from '../elf/index.js';
import { CompileError, compileSource } from '../src/compiler/index.js';
import { loadObject, testRun } from '../loader/index.js';
import { requireReferences, requireRoot, run } from './support/references.js';

const kernel = requireRoot();
const u32 = (v: number): Uint8Array => { const b = Buffer.alloc(4); b.writeUInt32LE(v); return b; };
const u64 = (v: bigint): Uint8Array => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt.asUintN(64, v)); return b; };
const dir = mkdtempSync(join(tmpdir(), 'tsbpf-subprograms-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HEAD = "import { arrayMap, global, socketFilter, subprogram, u8, u16, u32, u64, s8, s16, s32, s64 } from 'tsbpf/lang';\n";
const ARGS = 'export const args = arrayMap<u64>({ maxEntries: 4 });\nexport const out = arrayMap<u64>({ maxEntries: 4 });\n';

// The functions in both languages: a static one with a loop, a global one with narrow
// arguments, a void static one that writes a map, and an inlined one that calls a subprogram.
const TS_FUNCS = `const mix = subprogram((a: u32, b: u8, c: s16): u64 => {
  let r: u64 = a;
  for (let i = 0; i < 3; i++) r = r * 31 + b;
  return r ^ (c as u64);
});
const twice = global((x: u8, y: s32): s32 => (x as s32) * 2 - y);
const put = subprogram((k: u32, v: u64): void => {
  out.update(k, v);
});
function both(a: u32): u64 { return mix(a, a as u8, -1) + (twice(a as u8, 1) as u64); }
`;
const TS_PROGRAM = `${HEAD}${ARGS}${TS_FUNCS}export const prog = socketFilter((pkt) => {
  const p0 = args.lookup(0); const p1 = args.lookup(1);
  if (!p0 || !p1) return 1;
  const a0: u64 = p0.value, a1: u64 = p1.value;
  put(0, mix(a0 as u32, a1 as u8, a1 as s16));
  put(1, twice(a0 as u8, a1 as s32) as u64);
  put(2, both(a1 as u32));
  return 0;
});
`;
const C_TWIN = `#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 4); __type(key, __u32); __type(value, __u64); } args SEC(".maps"), out SEC(".maps");
static __noinline __u64 mix(__u32 a, __u8 b, __s16 c) { __u64 r = a; for (int i = 0; i < 3; i++) r = r * 31 + b; return r ^ (__u64)c; }
__noinline __s32 twice(__u8 x, __s32 y) { return (__s32)x * 2 - y; }
static __noinline int put(__u32 k, __u64 v) { bpf_map_update_elem(&out, &k, &v, 0); return 0; }
static __always_inline __u64 both(__u32 a) { return mix(a, (__u8)a, -1) + (__u64)twice((__u8)a, 1); }
SEC("socket") int prog(void *ctx) {
  __u32 k0 = 0, k1 = 1; __u64 *p0 = bpf_map_lookup_elem(&args, &k0), *p1 = bpf_map_lookup_elem(&args, &k1);
  if (!p0 || !p1) return 1;
  put(0, mix((__u32)*p0, (__u8)*p1, (__s16)*p1));
  put(1, (__u64)twice((__u8)*p0, (__s32)*p1));
  put(2, both((__u32)*p1));
  return 0;
}
char LICENSE[] SEC("license") = "GPL";
`;

/** Each function of the object: where it is, its FUNC's linkage and prototype (integer sizes and signedness). */
function functions(obj: BpfObject): Record<string, unknown> {
  const btf = obj.btf!;
  const type = (id: number) => { const t = btf.type(id); if (t === undefined) throw new Error(`no BTF type ${id}`); return t; };
  const intOf = (id: number): string => {
    let t = type(id);
    while (t.kind === 'TYPEDEF' || t.kind === 'CONST' || t.kind === 'VOLATILE') t = type(t.type);
    return t.kind === 'INT' ? `${(t.encoding & 1) !== 0 ? 's' : 'u'}${t.size * 8}` : t.kind;
  };
  return Object.fromEntries(obj.programs.map((p) => {
    const f = type(p.funcInfo!);
    if (f.kind !== 'FUNC') throw new Error(`${p.name}: func_info names a ${f.kind}`);
    const proto = type(f.type);
    if (proto.kind !== 'FUNC_PROTO') throw new Error(`${p.name}: FUNC of a ${proto.kind}`);
    return [p.name, {
      section: p.section, subprogram: p.subprogram, binding: p.binding, linkage: f.linkage, name: f.name,
      params: proto.params.map((q) => `${q.name}: ${intOf(q.type)}`), returns: intOf(proto.returnType),
    }];
  }));
}

describe('the object against clang-19 -O2 on the same functions in C', () => {
  it.skipIf(!requireReferences('clang-19'))('the same functions in .text, FUNC linkage, prototypes and func_info', () => {
    const ours = readObject(compileSource(ts, TS_PROGRAM, join(dir, 'sub.ts')).build());
    const c = join(dir, 'sub.bpf.c'), o = join(dir, 'sub.bpf.o');
    writeFileSync(c, C_TWIN);
    run('clang-19', ['-O2', '-g', '-target', 'bpf', '-I/usr/include/x86_64-linux-gnu', '-c', c, '-o', o]);
    const theirs = readObject(new Uint8Array(readFileSync(o)));
    expect(functions(ours)).toEqual(functions(theirs));
  });

  it('line_info of each subprogram points at its TypeScript lines', () => {
    const obj = readObject(compileSource(ts, TS_PROGRAM, 'sub.ts').build());
    const lines = (name: string): Set<number> => new Set(obj.programs.find((p) => p.name === name)!.instructions.flatMap((i) => (i.lineInfo === undefined ? [] : [i.lineInfo.line])));
    // mix is lines 4-8 of the module, twice line 9, put 10-12.
    expect([...lines('mix')].every((l) => l >= 4 && l <= 8)).toBe(true);
    expect(lines('mix').has(6)).toBe(true);
    expect(lines('twice')).toEqual(new Set([9]));
    expect([...lines('put')].every((l) => l >= 10 && l <= 12)).toBe(true);
  });

  it('a subprogram nothing calls is compiled (its errors reported) but not in the object', () => {
    const src = `${HEAD}${ARGS}const unused = subprogram((a: u32): u32 => a + 1);\nexport const prog = socketFilter(() => 0);\n`;
    expect(readObject(compileSource(ts, src, 'u.ts').build()).programs.map((p) => p.name)).toEqual(['prog']);
  });
});

describe.skipIf(!kernel)('in the kernel', () => {
  // Small inputs: JavaScript's numbers and the integer types agree on them, so the functions
  // themselves, run as JavaScript, are the reference.
  const reference = (): ((a0: number, a1: number) => number[]) => {
    const js = ts.transpile(`const subprogram = (f) => f, global = (f) => f;
const out = { v: [], update(k, v) { this.v[k] = v; } };
// The language's wrap-around on these small values: the u8 and s16 conversions.
const u8v = (x) => x & 255, s16v = (x) => (x << 16) >> 16;
${TS_FUNCS}
return (a0, a1) => { out.v = []; put(0, mix(a0, u8v(a1), s16v(a1))); put(1, twice(u8v(a0), a1)); put(2, both(a1)); return out.v; };`);
    return new Function(js)() as (a0: number, a1: number) => number[];
  };
  it('the kernel runs the program (static and global subprograms) to the values the functions compute as JavaScript', () => {
    const vectors: [number, number][] = [[0, 0], [7, 3], [100, 1], [255, 20], [3, 200]];
    const c = loadObject(compileSource(ts, TS_PROGRAM, 'sub.ts').build(), { name: 'sub' });
    try {
      const args = c.maps.get('args')!, out = c.maps.get('out')!;
      const got = vectors.map(([a0, a1]) => {
        args.update(u32(0), u64(BigInt(a0)));
        args.update(u32(1), u64(BigInt(a1)));
        expect(testRun(c.programs.get('prog')!, { data: new Uint8Array(64) }).retval).toBe(0);
        return [0, 1, 2].map((k) => Buffer.from(out.lookup(u32(k))!).readBigUInt64LE(0));
      });
      // twice's s32 result is stored as a u64 of its sign extension.
      expect(got).toEqual(vectors.map(([a0, a1]) => reference()(a0, a1).map((v) => BigInt.asUintN(64, BigInt(v)))));
    } finally { c.close(); }
  });

  it.skipIf(!requireReferences('bpftool'))('libbpf loads the object too (bpftool prog loadall)', () => {
    const o = join(dir, 'sub-tsbpf.o');
    writeFileSync(o, compileSource(ts, TS_PROGRAM, 'sub.ts').build());
    const pin = `/sys/fs/bpf/tsbpf-subprograms-${process.pid}`;
    try {
      const r = spawnSync('bpftool', ['prog', 'loadall', o, pin], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    } finally { spawnSync('rm', ['-rf', pin]); }
  });
});

function compileError(source: string): CompileError {
  try { compileSource(ts, source, 'prog.ts'); } catch (e) { if (e instanceof CompileError) return e; throw e; }
  throw new Error('compiled');
}

describe('what the verifier would refuse: a CompileError at the TypeScript line', () => {
  const program = (fns: string, body: string): string => `${HEAD}${ARGS}${fns}\nexport const prog = socketFilter(() => {\n  ${body}\n  return 0;\n});\n`;
  const cases: [string, string, string, number, RegExp][] = [
    ['recursion', 'const f = subprogram((n: u32): u32 => (n === 0 ? 0 : g(n - 1)));\nconst g = subprogram((n: u32): u32 => f(n));', 'out.update(0, f(3));', 5, /recursion \(f → g → f\): eBPF has no recursive calls/],
    ['six arguments', 'const f = subprogram((a: u8, b: u8, c: u8, d: u8, e: u8, g: u8): u8 => a);', 'f(1, 2, 3, 4, 5, 6);', 4, /at most 5 arguments/],
    ['a map argument', 'const f = subprogram((m: u32, p: object): u32 => m);', 'f(1, args);', 4, /parameter is an integer type/],
    ['a value returned from a void subprogram', 'const f = subprogram((a: u32): void => {\n  return a;\n});', 'f(1);', 5, /f returns void/],
    ['a missing return', 'const f = subprogram((a: u32): u32 => {\n  if (a) return 1;\n});', 'f(1);', 4, /f can end without returning a value/],
    ['the wrong number of arguments', 'const f = subprogram((a: u32): u32 => a);', 'f(1, 2);', 6, /f takes 1 argument/],
  ];
  for (const [what, fns, body, line, msg] of cases) {
    it(what, () => {
      const e = compileError(program(fns, body));
      expect(e.message).toMatch(msg);
      expect(e.location.line).toBe(line);
    });
  }

  it('more than 512 bytes of stack along a chain of calls', () => {
    // Each frame holds a 200-byte array: three frames need 3 × 224 (rounded to 32 bytes).
    const frame = (name: string, callee: string): string => `const ${name} = subprogram((i: u32): u64 => {\n  const a = zero<Arr<u8, 200>>();\n  a[i & 127] = 1;\n  return a[3] + ${callee};\n});`;
    const src = `import { arrayMap, socketFilter, subprogram, zero, type Arr, u8, u32, u64 } from 'tsbpf/lang';\n${ARGS}${frame('c', '0')}\n${frame('b', 'c(i)')}\n${frame('a', 'b(i)')}\nexport const prog = socketFilter(() => {\n  out.update(0, a(1));\n  return 0;\n});\n`;
    const e = compileError(src);
    expect(e.message).toMatch(/the calls prog → a → b → c need \d+ bytes of stack together; eBPF allows 512/);
    expect(e.location.line).toBe(20);
  });
});
