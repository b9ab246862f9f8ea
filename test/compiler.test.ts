// The TypeScript-to-eBPF compiler (src/compiler): what is outside the language is a CompileError
// at its TypeScript line, mistakes tsc or the compiler catch before the kernel, the CLI's exit
// status, and the disagreements the property test found (each now a fixed case run in the kernel).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { readObject } from '../elf/index.js';
import { CompileError, compileSource, typeCheck } from '../src/compiler/index.js';
import { runArgsProgram } from './support/lang-kernel.js';
import { requireRoot } from './support/references.js';

const kernel = requireRoot();
const dir = mkdtempSync(join(tmpdir(), 'tsbpf-compiler-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HEAD = "import { arrayMap, hashMap, socketFilter, xdp, printk, u8, u16, u32, u64, s8, s16, s32, s64, XDP_PASS } from 'tsbpf/lang';\n";
const ARGS = 'export const args = arrayMap<u64>({ maxEntries: 4 });\nexport const out = arrayMap<u64>({ maxEntries: 1 });\n';

function compileError(source: string): CompileError {
  try { compileSource(ts, source, 'prog.ts'); } catch (e) { if (e instanceof CompileError) return e; throw e; }
  throw new Error('compiled');
}
function tscError(source: string): CompileError {
  const file = join(dir, `t${Math.random().toString(36).slice(2)}.ts`);
  writeFileSync(file, source);
  try { typeCheck(ts, file); } catch (e) { if (e instanceof CompileError) return e; throw e; }
  throw new Error('type-checked');
}
/** A program body over inputs a0…a3 (u64) whose result r goes to out[0]. */
const argsProgram = (body: string): string => `${HEAD}${ARGS}export const prog = socketFilter((pkt) => {
  const p0 = args.lookup(0); const p1 = args.lookup(1); const p2 = args.lookup(2); const p3 = args.lookup(3);
  if (!p0 || !p1 || !p2 || !p3) return 1;
  const a0: u64 = p0.value, a1: u64 = p1.value, a2: u64 = p2.value, a3: u64 = p3.value;
${body}
  return 0;
});
`;

describe('outside the language: a CompileError at the TypeScript line', () => {
  const cases: [string, string, number, RegExp][] = [
    ['a closure', 'const f = () => 1;', 5, /closures are not supported in eBPF programs/],
    ['a string', "let s = 'x';", 5, /strings are only printk formats/],
    ['a non-null assertion', 'const n = args.lookup(0)!;', 5, /non-null assertion .* is not a null check/],
    ['a literal that does not fit', 'const x: u8 = 1; const y = x + 300;', 5, /the constant 300 does not fit in u8/],
    ['an unknown name', 'const y = Math.max(1, 2);', 5, /'Math' is not/],
    ['var', 'var x = 1;', 5, /use let or const/],
    ['optional chaining', 'const v = args.lookup(0)?.value;', 5, /optional chaining/],
  ];
  for (const [what, stmt, line, msg] of cases) {
    it(what, () => {
      const e = compileError(`${HEAD}${ARGS}export const prog = socketFilter((pkt) => {\n  ${stmt}\n  return 0;\n});\n`);
      expect(e.message).toMatch(msg);
      expect(e.location.line).toBe(line);
      expect(e.message).toMatch(new RegExp(`^prog\\.ts:${line}:\\d+: error: `));
    });
  }
  it('a syntax error', () => {
    expect(compileError(`${HEAD}export const prog = socketFilter((pkt) => { return (1 + ; });\n`).message).toMatch(/^prog\.ts:2:\d+: error: Expression expected/);
  });
  it('packet headers in a socket filter (no direct packet access there)', () => {
    expect(compileError(`${HEAD}export const prog = socketFilter((pkt) => { const ip = pkt.ipv4(); return ip ? 1 : 0; });\n`).message).toMatch(/packet headers are read directly in xdp, tc and cgroup_skb programs only/);
  });
});

describe('mistakes caught before the kernel', () => {
  it('a lookup result used without a null check: tsc refuses it at its line', () => {
    const e = tscError(`${HEAD}export const m = hashMap<u32, u64>({ maxEntries: 8 });\nexport const prog = xdp((pkt) => {\n  const n = m.lookup(1);\n  n.atomicAdd(1);\n  return XDP_PASS;\n});\n`);
    expect(e.location.line).toBe(5);
    expect(e.reason).toMatch(/'n' is possibly 'null'/);
  });
  it('a plain number where a map value pointer is expected: tsc refuses it', () => {
    const e = tscError(`${HEAD}export const m = hashMap<u32, u64>({ maxEntries: 8 });\nexport const prog = xdp((pkt) => {\n  const n: number = 5;\n  n.atomicAdd(1);\n  return XDP_PASS;\n});\n`);
    expect(e.location.line).toBe(5);
    expect(e.reason).toMatch(/atomicAdd/);
  });
  it('a packet field read without the header check: tsc refuses it (the accessor returns null when short)', () => {
    const e = tscError(`${HEAD}export const prog = xdp((pkt) => {\n  const ip = pkt.ipv4();\n  return ip.ttl;\n});\n`);
    expect(e.location.line).toBe(4);
    expect(e.reason).toMatch(/'ip' is possibly 'null'/);
  });
  it('a standard-library call: tsc refuses it (nothing of the JS runtime exists in the kernel)', () => {
    const e = tscError(`${HEAD}export const prog = xdp((pkt) => {\n  return Math.max(1, 2);\n});\n`);
    expect(e.location.line).toBe(3);
    expect(e.reason).toMatch(/Cannot find name 'Math'/);
  });
  it('a GPL-only helper in a non-GPL program: a compile error at the call', () => {
    const e = compileError(`${HEAD}export const license = 'MIT';\nexport const prog = xdp((pkt) => {\n  printk('hi');\n  return XDP_PASS;\n});\n`);
    expect(e.location.line).toBe(4);
    expect(e.reason).toMatch(/printk \(bpf_trace_printk\) is GPL-only; this program's license is 'MIT'/);
  });
  it('a printk format whose conversions do not match its values', () => {
    expect(compileError(`${HEAD}export const prog = xdp((pkt) => {\n  printk('%d %d', 1);\n  return XDP_PASS;\n});\n`).reason).toMatch(/2 conversions and 1 value follow/);
  });
  it('a well-typed program passes the type check', () => {
    const file = join(dir, 'ok.ts');
    writeFileSync(file, `${HEAD}export const m = hashMap<u32, u64>({ maxEntries: 8 });\nexport const prog = xdp((pkt) => {\n  const n = m.lookup(1);\n  if (n) n.atomicAdd(1); else m.update(1, 1, 'noexist');\n  return XDP_PASS;\n});\n`);
    expect(() => typeCheck(ts, file)).not.toThrow();
  });
});

describe('the object', () => {
  it('line_info points at the TypeScript lines', () => {
    const src = `${HEAD}${ARGS}export const prog = socketFilter((pkt) => {\n  const p = args.lookup(0);\n  if (!p) return 1;\n  out.update(0, p.value * 3);\n  return 0;\n});\n`;
    const obj = readObject(compileSource(ts, src, 'lines.ts').build());
    const prog = obj.programs.find((p) => p.name === 'prog')!;
    const lines = prog.instructions.flatMap((i) => (i.lineInfo === undefined ? [] : [i.lineInfo.line]));
    expect(new Set(lines)).toEqual(new Set([5, 6, 7, 8]));
  });
});

describe('tsbpf build', () => {
  it('exit 2 and one line file:line:col: error: … for a program outside the language', () => {
    const file = join(dir, 'bad.ts');
    writeFileSync(file, `${HEAD}export const prog = xdp((pkt) => {\n  const f = () => 1;\n  return XDP_PASS;\n});\n`);
    const r = spawnSync(process.execPath, ['dist/cli.js', 'build', file, '-o', join(dir, 'bad.o')], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([`${file}:3:13: error: closures are not supported in eBPF programs`]);
  });
});

describe.skipIf(!kernel)('statements beyond the property test, against the same code run as JavaScript', () => {
  // Small values: JavaScript's numbers and the language's integers agree, so the body itself is
  // the reference (run by new Function).
  const fns = `function clamp(x: u64, hi: u64): u64 { if (x > hi) return hi; return x; }
function score(k: u64): u64 {
  switch (k % 4) {
    case 0: return 10;
    case 1:
    case 2: return 20 + k;
    default: break;
  }
  return 7;
}`;
  const body = `let acc: u64 = 0;
  let i: u64 = 0;
  while (i < 20) {
    i++;
    if (i % 3 === 0) continue;
    if (i > 15) break;
    acc += score(i) + clamp(a1, 5);
  }
  let j: u64 = 0;
  do { j += 2; } while (j < a2 && j < 40);
  const r = acc * 3 + j + (a0 > 2 && a1 < 9 ? 100 : 1) + (a0 === 0 || a1 === 0 ? 1000 : 0);`;
  it('while, do-while, continue, break, switch with fallthrough, inlined functions, && || ?:', () => {
    const src = `${HEAD}${ARGS}${fns}\nexport const prog = socketFilter((pkt) => {
  const p0 = args.lookup(0); const p1 = args.lookup(1); const p2 = args.lookup(2);
  if (!p0 || !p1 || !p2) return 1;
  const a0: u64 = p0.value, a1: u64 = p1.value, a2: u64 = p2.value;
  ${body}
  const c = out.lookup(0);
  if (c) { c.value = r; c.value += 1; c.value *= 2; }
  return 0;
});\n`;
    const js = ts.transpile(`${fns}\nfunction run(a0: number, a1: number, a2: number) { ${body}\n return (r + 1) * 2; }\nreturn run;`);
    const run = new Function(js) as () => (a: number, b: number, c: number) => number;
    const vectors = [[0n, 0n, 0n], [3n, 4n, 7n], [5n, 11n, 1n], [2n, 8n, 30n]];
    const want = vectors.map(([a, b, c]) => BigInt(run()(Number(a), Number(b), Number(c))));
    expect(runArgsProgram(src, vectors.map((v) => [...v, 0n]))).toEqual(want);
  });
});

describe.skipIf(!kernel)('disagreements the property test found, fixed', () => {
  it('a let initialised from a const local gets its own register (the const kept its value)', () => {
    // Found: `let v0: u64 = a0;` took over a0's register, so assigning v0 changed a0.
    const src = argsProgram('  const b: s16 = a0 as s16;\n  let v: u64 = b;\n  v = b + b;\n  out.update(0, (b + (v as s16)) as u64);');
    expect(runArgsProgram(src, [[1n, 0n, 0n, 0n], [0xfffen, 0n, 0n, 0n]])).toEqual([3n, BigInt.asUintN(64, -6n)]);
  });
  it('a constant zero divisor (the kernel refuses div by zero): x / 0 = 0, x % 0 = x', () => {
    const src = argsProgram('  out.update(0, (a0 / 0) + (a1 % 0) + ((a2 as u32) / (0 as u32)));');
    expect(runArgsProgram(src, [[7n, 9n, 5n, 0n]])).toEqual([9n]);
  });
  it('a loop whose condition folds to false leaves no unreachable code (the kernel refuses it)', () => {
    const src = argsProgram('  let r: u64 = a0;\n  for (let i = 0; i < 0; i++) { if (a1 === 0) { r = 1; } else { r = 2; } }\n  out.update(0, r);');
    expect(runArgsProgram(src, [[42n, 0n, 0n, 0n]])).toEqual([42n]);
  });
  it('more live values than registers: spills keep values (and the map pointer) across helper calls', () => {
    const names = Array.from({ length: 12 }, (_, i) => `x${i}`);
    const body = [
      ...names.map((n, i) => `  const ${n}: u64 = a${i % 4} * ${i + 3};`),
      '  const q = args.lookup(0);',
      '  if (!q) return 2;',
      `  out.update(0, ${names.join(' + ')} + q.value);`,
    ].join('\n');
    const a = [5n, 7n, 11n, 13n];
    const want = names.reduce((s, _n, i) => s + a[i % 4]! * BigInt(i + 3), 0n) + a[0]!;
    expect(runArgsProgram(argsProgram(body), [a])).toEqual([want]);
  });
});
