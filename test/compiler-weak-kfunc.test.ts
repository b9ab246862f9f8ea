// Weak kfuncs in tsbpf/lang: `/** @weak */ declare function f(…): …;` is C's
// `extern … f(…) __ksym __weak`, and `ksymExists(f)` bpf_ksym_exists. Against clang-19 on the same
// C: the same extern symbols and bindings, ld_imm64 R_BPF_64_64 relocations against the kfuncs for
// the tests and R_BPF_64_32 for the calls, at most clang -O2 + 10 % instructions. On the running
// kernel both objects load although one kfunc does not exist (the loader writes 0 for it and the
// verifier drops its branch) and compute the same result, the one the kernel's BTF predicts.
// ksymExists of a kfunc that is not weak, or of something else, is an error at its line, and so is
// a call of a weak kfunc outside its ksymExists test — the kernel refuses such a call when the
// kfunc is missing (clang's object for the same unguarded C, loaded here, is the reference); the
// guarded forms the compiler accepts all load without the kfunc and return what they should.

import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readObject } from '../elf/index.js';
import { kernelBtf, loadObject, testRun } from '../loader/index.js';
import ts from 'typescript';
import { compileSource } from '../src/compiler/index.js';
import { compileError } from './support/lang-errors.js';
import { ipv4Frame } from './support/lang-frames.js';
import { slots, twinsDir } from './support/lang-twins.js';
import { requireReferences, requireRoot } from './support/references.js';

const twins = twinsDir('tsbpf-weak-kfunc-');
afterAll(() => twins.remove());
const clangOk = requireReferences('clang-19');

const TS_SOURCE = `import { ksymExists, socketFilter, type bool, type u32 } from 'tsbpf/lang';
/** @weak */
declare function bpf_rcu_read_lock(): void;
/** @weak */
declare function bpf_rcu_read_unlock(): void;
/** @weak */
declare function tsbpf_no_such_kfunc(x: u32): u32;
export let haveMissing: bool = true;
export const prog = socketFilter((pkt) => {
  let r: u32 = 7;
  haveMissing = ksymExists(tsbpf_no_such_kfunc);
  if (ksymExists(tsbpf_no_such_kfunc)) r = tsbpf_no_such_kfunc(1);
  if (ksymExists(bpf_rcu_read_lock) && ksymExists(bpf_rcu_read_unlock)) {
    bpf_rcu_read_lock();
    bpf_rcu_read_unlock();
    r += 10;
  }
  return r;
});
`;
const C_SOURCE = `#include <stdbool.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#ifndef bpf_ksym_exists
#define bpf_ksym_exists(sym) (!!(sym))
#endif
extern void bpf_rcu_read_lock(void) __ksym __weak;
extern void bpf_rcu_read_unlock(void) __ksym __weak;
extern __u32 tsbpf_no_such_kfunc(__u32 x) __ksym __weak;
bool haveMissing = true;
SEC("socket") int prog(struct __sk_buff *skb) {
  __u32 r = 7;
  haveMissing = bpf_ksym_exists(tsbpf_no_such_kfunc);
  if (bpf_ksym_exists(tsbpf_no_such_kfunc)) r = tsbpf_no_such_kfunc(1);
  if (bpf_ksym_exists(bpf_rcu_read_lock) && bpf_ksym_exists(bpf_rcu_read_unlock)) {
    bpf_rcu_read_lock();
    bpf_rcu_read_unlock();
    r += 10;
  }
  return r;
}
char LICENSE[] SEC("license") = "GPL";
`;

/** Each kfunc relocation of the program: the symbol and the relocation type, in order. */
const kfuncRelocations = (o: Uint8Array): string[] => readObject(o).programs[0]!.instructions.flatMap((i) => (i.relocation !== undefined && !i.relocation.sectionSymbol && /kfunc|rcu/.test(i.relocation.symbol) ? [`${i.insn.kind} ${i.relocation.type} ${i.relocation.symbol}`] : []));

describe.skipIf(!clangOk)('weak kfuncs against clang-19', () => {
  it('the same weak extern symbols, relocations in the same order, at most clang -O2 + 10 % instructions', () => {
    const ours = twins.ts('weak', TS_SOURCE), theirs = twins.c('weak', C_SOURCE);
    const externs = (o: Uint8Array): string[] => readObject(o).externs.map((x) => `${x.name} ${x.kind} ${x.binding}`).sort();
    expect(externs(ours)).toEqual(['bpf_rcu_read_lock kfunc weak', 'bpf_rcu_read_unlock kfunc weak', 'tsbpf_no_such_kfunc kfunc weak']);
    expect(externs(ours)).toEqual(externs(theirs));
    // clang loads tsbpf_no_such_kfunc's address once for the value and the test; tsbpf twice.
    const dedup = (l: string[]): string[] => l.filter((x, i) => x !== l[i - 1]);
    expect(dedup(kfuncRelocations(ours))).toEqual(dedup(kfuncRelocations(theirs)));
    const a = slots(ours).prog!, b = slots(theirs).prog!;
    console.info(`weak kfuncs: tsbpf ${a}, clang-19 -O2 ${b}`);
    expect(a).toBeLessThanOrEqual(Math.floor(b * 1.1));
  });
});

describe.skipIf(!requireRoot() || !clangOk)('weak kfuncs on the running kernel', () => {
  it('both objects load without tsbpf_no_such_kfunc and return 7, + 10 when the kernel has bpf_rcu_read_lock', () => {
    const hasRcu = kernelBtf().findOne('bpf_rcu_read_lock', 'FUNC') !== undefined;
    expect(kernelBtf().findOne('tsbpf_no_such_kfunc', 'FUNC')).toBeUndefined();
    const frame = ipv4Frame({ proto: 17, dport: 53 });
    const got = [twins.ts('weak', TS_SOURCE), twins.c('weak', C_SOURCE)].map((o, i) => {
      const c = loadObject(o, { name: `weak${i}` });
      try { return [testRun(c.programs.get('prog')!, { data: frame }).retval, Number(c.globals.haveMissing)]; } finally { c.close(); }
    });
    expect(got).toEqual([[hasRcu ? 17 : 7, 0], [hasRcu ? 17 : 7, 0]]);
  });
  it.skipIf(!requireReferences('bpftool'))('libbpf (bpftool prog loadall) loads tsbpf\'s object too', () => {
    const o = join(twins.dir, 'weak-ts.o');
    writeFileSync(o, twins.ts('weak', TS_SOURCE));
    const pin = `/sys/fs/bpf/tsbpf-weak-${process.pid}`;
    try {
      const r = spawnSync('bpftool', ['prog', 'loadall', o, pin], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    } finally { rmSync(pin, { recursive: true, force: true }); }
  });
});

const GUARDS = `import { ksymExists, socketFilter, type u32 } from 'tsbpf/lang';
/** @weak */
declare function tsbpf_no_such_kfunc(x: u32): u32;
function viaHelper(): u32 { return tsbpf_no_such_kfunc(2); }
export const ternary = socketFilter((pkt) => ksymExists(tsbpf_no_such_kfunc) ? tsbpf_no_such_kfunc(1) : 5);
export const conjunct = socketFilter((pkt) => {
  let r: u32 = 6;
  if (pkt.length > 0 && ksymExists(tsbpf_no_such_kfunc)) r = tsbpf_no_such_kfunc(1);
  const z = ksymExists(tsbpf_no_such_kfunc) && tsbpf_no_such_kfunc(3) > 0;
  return z ? 0 : r;
});
export const early = socketFilter((pkt) => {
  if (!ksymExists(tsbpf_no_such_kfunc)) { return 7; }
  let r: u32 = 0;
  for (let i: u32 = 0; i < 2; i++) r += tsbpf_no_such_kfunc(i);
  return r;
});
export const inlined = socketFilter((pkt) => {
  if (ksymExists(tsbpf_no_such_kfunc)) return viaHelper();
  return 8;
});
`;

describe.skipIf(!requireRoot())('weak kfunc calls under their test on the running kernel', () => {
  it('the ternary, && conjunct, early return and inlined-function forms load without the kfunc and take the other way', () => {
    const c = loadObject(compileSource(ts, GUARDS, 'guards.ts').build(), { name: 'guards' });
    try {
      const frame = ipv4Frame({ proto: 17, dport: 53 });
      expect(['ternary', 'conjunct', 'early', 'inlined'].map((p) => testRun(c.programs.get(p)!, { data: frame }).retval)).toEqual([5, 6, 7, 8]);
    } finally { c.close(); }
  });
  it.skipIf(!clangOk)('the reference: clang\'s object for an unguarded call of a missing weak kfunc is refused by the kernel', () => {
    const o = twins.c('unguarded', `#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
extern __u32 tsbpf_no_such_kfunc(__u32 x) __ksym __weak;
SEC("socket") int prog(struct __sk_buff *skb) { return tsbpf_no_such_kfunc(1); }
char LICENSE[] SEC("license") = "GPL";
`);
    let log = '';
    try { loadObject(o, { name: 'unguarded' }).close(); } catch (e) { log = String((e as Error).message); }
    // 6.18 says `R0 !read_ok` for a call with a result (the call is never made); either way the load fails.
    expect(log).toMatch(/program prog \(section socket\) rejected: EACCES/);
  });
});

describe('weak kfunc mistakes: errors at the TypeScript line', () => {
  const HEAD = "import { ksymExists, socketFilter, type u32 } from 'tsbpf/lang';\ndeclare function bpf_rcu_read_lock(): void;\n/** @weak */\ndeclare function maybe(): void;\nfunction helper(): u32 { return 1; }\n";
  const cases: [string, string, number, RegExp][] = [
    ['ksymExists of a kfunc that is not weak', 'export const p = socketFilter((pkt) => {\n  if (ksymExists(bpf_rcu_read_lock)) return 1;\n  return 0;\n});', 7, /kfunc bpf_rcu_read_lock is not weak: a kernel without it fails the load, so ksymExists would always be true \(mark its declaration \/\*\* @weak \*\/\)/],
    ['ksymExists of a module function', 'export const p = socketFilter((pkt) => {\n  const x = ksymExists(helper);\n  return 0;\n});', 7, /'helper' is not a kfunc of the module/],
    ['a weak kfunc called without a test', 'export const p = socketFilter((pkt) => {\n  maybe();\n  return 0;\n});', 7, /maybe is a weak kfunc: call it under if \(ksymExists\(maybe\)\) — on a kernel without it the verifier refuses a call it cannot remove/],
    ['a weak kfunc in the else branch of its test', 'export const p = socketFilter((pkt) => {\n  if (ksymExists(maybe)) return 1;\n  else maybe();\n  return 0;\n});', 8, /maybe is a weak kfunc/],
    ['a weak kfunc under || with its test', 'export const p = socketFilter((pkt) => {\n  if (ksymExists(maybe) || pkt.length > 3) maybe();\n  return 0;\n});', 7, /maybe is a weak kfunc/],
    ['a weak kfunc after a test that does not return', 'export const p = socketFilter((pkt) => {\n  let r: u32 = 0;\n  if (!ksymExists(maybe)) r = 1;\n  maybe();\n  return r;\n});', 9, /maybe is a weak kfunc/],
    ['a weak kfunc in a module function called without the test', 'function callsMaybe(): u32 { maybe(); return 1; }\nexport const p = socketFilter((pkt) => callsMaybe());', 6, /maybe is a weak kfunc/],
    ['ksymExists of an expression', 'export const p = socketFilter((pkt) => {\n  if (ksymExists(() => 1)) return 1;\n  return 0;\n});', 7, /ksymExists takes the name of a kfunc the module declares/],
  ];
  for (const [what, prog, line, msg] of cases) {
    it(what, () => {
      const e = compileError(`${HEAD}${prog}\n`);
      expect(e.message).toMatch(msg);
      expect(e.location.line).toBe(line);
    });
  }
});
