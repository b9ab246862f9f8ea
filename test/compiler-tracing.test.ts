// tsbpf/lang beyond integers, in the kernel: `?.`/`??` on lookup results, ring buffer records
// (reserve/submit/discard/output of a struct) read back in user space, kprobe/kretprobe
// arguments and return values (ctx.arg(n), ctx.ret()) against what the workload passed and got,
// and the compile errors of the new constructs at their TypeScript line.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { attachOptionsForSection, attachProgram, loadObject, RingBuffer, testRun } from '../loader/index.js';
import { readObject } from '../elf/index.js';
import { CompileError, compileSource } from '../src/compiler/index.js';
import { eventsRoot, generateRecordType, parseFormat } from '../src/compiler/tracepoint-format.js';
import { runArgsProgram } from './support/lang-kernel.js';
import { requireReferences, requireRoot, run } from './support/references.js';

const kernel = requireRoot();
const HEAD = "import { arrayMap, hashMap, kprobe, kretprobe, uprobe, uretprobe, ringBuf, socketFilter, tracepoint, zero, type Arr, type char, type u8, type u16, type u32, type u64, type s32, type s64 } from 'tsbpf/lang';\n";
const ARGS = 'export const args = arrayMap<u64>({ maxEntries: 4 });\nexport const out = arrayMap<u64>({ maxEntries: 1 });\n';
const program = (decls: string, body: string): string => `${HEAD}${ARGS}${decls}
export const prog = socketFilter((pkt) => {
  const p0 = args.lookup(0); const p1 = args.lookup(1); const p2 = args.lookup(2);
  if (!p0 || !p1 || !p2) return 1;
  const a0: u64 = p0.value, a1: u64 = p1.value, a2: u64 = p2.value;
${body}
  return 0;
});
`;
function compileError(source: string): CompileError {
  try { compileSource(ts, source, 'prog.ts'); } catch (e) { if (e instanceof CompileError) return e; throw e; }
  throw new Error('compiled');
}

describe.skipIf(!kernel)('?. and ?? on lookup results', () => {
  it('an integer value and a struct field, or the fallback when the key is absent', () => {
    const src = program('interface S { n: u32; tag: u16 }\nexport const m = hashMap<u32, u64>({ maxEntries: 8 });\nexport const st = hashMap<u32, S>({ maxEntries: 8 });', `  if (a1 === 1) { m.update(a0 as u32, a2); const s = zero<S>(); s.tag = (a2 + 1) as u16; st.update(a0 as u32, s); }
  const v = m.lookup(a0 as u32)?.value ?? 77;
  const t = st.lookup(a0 as u32)?.tag ?? 3;
  out.update(0, v * 1000 + t);`);
    // The map persists between runs: run 2 stores key 1.
    expect(runArgsProgram(src, [[1n, 0n, 0n, 0n], [1n, 1n, 9n, 0n], [1n, 0n, 0n, 0n], [2n, 0n, 0n, 0n]])).toEqual([77003n, 9010n, 9010n, 77003n]);
  });
});

describe.skipIf(!kernel)('ring buffer records', () => {
  it('reserve/submit, reserve/discard and output of a struct reach user space as written', async () => {
    const src = `${HEAD}interface Rec { seq: u32; kind: u8; name: Arr<char, 8>; value: u64 }
export let seq: u32 = 0;
export const events = ringBuf({ maxEntries: 4096 });
export const prog = socketFilter((pkt) => {
  seq += 1;
  const r = events.reserve<Rec>();
  if (!r) return 1;
  r.seq = seq; r.kind = 1; r.name[0] = 111; r.name[1] = 107; r.value = seq * 10;
  if (seq % 2 === 0) { events.discard(r); } else { events.submit(r); }
  const c = zero<Rec>();
  c.seq = seq; c.kind = 2; c.value = 0xffff_ffff_ffffn;
  events.output(c);
  return 0;
});
`;
    const c = loadObject(compileSource(ts, src, 'ring.ts').build(), { name: 'ring' });
    const ring = new RingBuffer(c.maps.get('events')!);
    try {
      for (const n of [60, 61, 62]) expect(testRun(c.programs.get('prog')!, { data: new Uint8Array(n) }).retval).toBe(0);
      const recs: [number, number, string, bigint][] = [];
      ring.drain((r) => { const b = Buffer.from(r); recs.push([b.readUInt32LE(0), b.readUInt8(4), b.subarray(5, 13).toString().replace(/\0+$/, ''), b.readBigUInt64LE(16)]); });
      expect(recs).toEqual([[1, 1, 'ok', 10n], [1, 2, '', 0xffff_ffff_ffffn], [2, 2, '', 0xffff_ffff_ffffn], [3, 1, 'ok', 30n], [3, 2, '', 0xffff_ffff_ffffn]]);
    } finally { await ring.close(); c.close(); }
  });
});

describe.skipIf(!kernel || !requireReferences('clang-19'))('probe arguments and return values', () => {
  it('a uprobe reads work(7, -3) with ctx.arg(0) and ctx.arg(1); its uretprobe reads 4 with ctx.ret()', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsbpf-probe-args-'));
    try {
      const exe = join(dir, 'work');
      writeFileSync(`${exe}.c`, '__attribute__((noinline)) long work(int a, long b) { __asm__ volatile(""); return a + b; }\nint main(void) { return work(7, -3) == 4 ? 0 : 1; }\n');
      run('clang-19', ['-O1', `${exe}.c`, '-o', exe]);
      const src = `${HEAD}export let a: s64 = 0;
export let b: s64 = 0;
export let r: s64 = 0;
export const enter = uprobe('${exe}:work', (ctx) => {
  a = ctx.arg(0) as s32;
  b = ctx.arg(1) as s64;
  return 0;
});
export const leave = uretprobe('${exe}:work', (ctx) => {
  r = ctx.ret() as s64;
  return 0;
});
`;
      const c = loadObject(compileSource(ts, src, 'probes.ts').build(), { name: 'probes' });
      const links = ['enter', 'leave'].map((n) => attachProgram(c.programs.get(n)!, attachOptionsForSection(c.programs.get(n)!.section, {})));
      try {
        expect(spawnSync(exe).status).toBe(0);
        expect([c.globals.a, c.globals.b, c.globals.r]).toEqual([7n, -3n, 4n]);
      } finally { for (const l of links) l.close(); c.close(); }
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });
});

describe('the new constructs outside the language: a CompileError at the TypeScript line', () => {
  const cases: [string, string, string, RegExp][] = [
    ['a struct in a let', 'interface P { a: u32 }', 'let p = zero<P>();', /structs, arrays, pointers, maps and headers are held in const locals/],
    ['an unknown field', 'interface P { a: u32 }', 'const p = zero<P>(); p.b = 1;', /struct P has no field 'b'/],
    ['a constant index out of bounds', '', 'const a = zero<Arr<u8, 4>>(); a[4] = 1;', /index 4 is outside Arr<u8, 4>/],
    ['zero of an integer', '', 'const x = zero<u32>();', /zero<T>\(\) makes a struct or array/],
    ['?? on an integer', '', 'const x: u32 = 1; const y = x ?? 2;', /\?\? takes an optional read on its left/],
    ['a struct assigned to a member of another type', 'interface P { a: u32; q: Q }\ninterface Q { b: u64 }', 'const p = zero<P>(); const r = zero<P>(); p.q = r;', /a P is not a Q/],
    ['a struct field of an unknown type', 'interface P { a: string }', 'const p = zero<P>();', /struct P\.a: a field is an integer type, char, Arr<T, N> or a struct/],
  ];
  for (const [what, decls, stmt, msg] of cases) {
    it(what, () => {
      const src = `${HEAD}${decls}\nexport const prog = socketFilter((pkt) => {\n  ${stmt}\n  return 0;\n});\n`;
      const e = compileError(src);
      expect(e.message).toMatch(msg);
      const line = what.includes('field of an unknown type') ? 2 : src.split('\n').indexOf(`  ${stmt}`) + 1;
      expect(e.location.line).toBe(line);
    });
  }
  it('ret() in a kprobe, arg(n) in a kretprobe', () => {
    expect(compileError(`${HEAD}export const p = kprobe('f', (ctx) => {\n  const r = ctx.ret();\n  return 0;\n});\n`).message).toMatch(/^prog\.ts:3:\d+: error: ret\(\) is the return value of a kretprobe or uretprobe/);
    expect(compileError(`${HEAD}export const p = kretprobe('f', (ctx) => {\n  const r = ctx.arg(0);\n  return 0;\n});\n`).message).toMatch(/^prog\.ts:3:\d+: error: arg\(n\) in a kretprobe/);
  });
  it('a map type that is not an integer, struct or array', () => {
    const e = compileError(`${HEAD}export const m = hashMap<u32, string>({ maxEntries: 4 });\nexport const prog = socketFilter((pkt) => 0);\n`);
    expect(e.message).toMatch(/^prog\.ts:2:31: error: map keys and values are integer types/);
  });
});

describe('tracepoint records (tsbpf gen tracepoint)', () => {
  // A format file as the kernel writes it (syscalls/sys_enter_openat on x86_64, Linux 6.x).
  const FORMAT = `name: sys_enter_openat
ID: 782
format:
\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;
\tfield:int dfd;\toffset:16;\tsize:8;\tsigned:0;
\tfield:const char * filename;\toffset:24;\tsize:8;\tsigned:0;
\tfield:char comm[16];\toffset:32;\tsize:16;\tsigned:0;
\tfield:__data_loc char[] name;\toffset:52;\tsize:4;\tsigned:0;

print fmt: "dfd: 0x%08lx"
`;
  it('the generated interface compiles to the format offsets (padding where C would not place a field)', () => {
    const text = generateRecordType('syscalls/sys_enter_openat', parseFormat(FORMAT, 'format'), 'format');
    expect(text).toContain('export interface SysEnterOpenat {');
    expect(text).toContain('  comm: Arr<char, 16>;');
    expect(text).toContain('  _pad48: Arr<u8, 4>;');
    const dir = mkdtempSync(join(tmpdir(), 'tsbpf-tp-'));
    try {
      writeFileSync(join(dir, 'rec.ts'), text);
      // As a stack struct (no tracefs involved): the stores land at the format's offsets from the record's start.
      const src = `import { socketFilter, zero } from 'tsbpf/lang';\nimport type { SysEnterOpenat } from './rec.js';\nexport const p = socketFilter((pkt) => { const r = zero<SysEnterOpenat>(); r.common_pid = 5; r.filename = 1; r.name = 2; r.comm[3] = 3; return r.dfd === 0 ? 0 : 1; });\n`;
      writeFileSync(join(dir, 'prog.ts'), src);
      const stores = readObject(compileSource(ts, src, join(dir, 'prog.ts')).build()).programs[0]!.instructions.flatMap((i) => (i.insn.kind === 'st' && i.insn.imm !== 0 ? [[i.insn.imm, i.insn.size, i.insn.offset]] : []));
      const base = stores.find(([v]) => v === 5)![2]! - 4;
      expect(stores.map(([v, size, off]) => [v, size, off! - base])).toEqual([[5, 4, 4], [1, 8, 24], [2, 4, 52], [3, 1, 35]]);
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });
  it.skipIf(eventsRoot() === undefined)('a field at another offset than the running kernel\'s is a compile error at the parameter type', () => {
    const e = compileError(`import { tracepoint, type u32 } from 'tsbpf/lang';\ninterface Rec { common_type: u32 }\nexport const p = tracepoint('syscalls/sys_enter_openat', (ctx: Rec) => 0);\n`);
    expect(e.message).toMatch(/^prog\.ts:3:\d+: error: Rec\.common_type is at offset 0 \(4 bytes\); the kernel's syscalls\/sys_enter_openat has it at 0 \(2 bytes\)/);
    expect(compileError(`import { tracepoint, type u32 } from 'tsbpf/lang';\ninterface Rec { x: u32 }\nexport const p = tracepoint('syscalls/sys_enter_opnat', (ctx: Rec) => 0);\n`).message).toMatch(/no tracepoint syscalls\/sys_enter_opnat in this kernel/);
  });
});
