// The DSL's instruction layer against llvm-mc-19: random builder calls, each with the LLVM
// assembly text written independently from the same random parameters; the builders' encoded
// instructions must equal llvm-mc-19's bytes. Plus label resolution and operand range checks.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeInstructions, type Register } from '../isa/index.js';
import { asm, DslError } from '../src/dsl/index.js';
import { reg32, reg64 } from '../src/dsl/asm/registers.js';
import { requireReferences } from './support/references.js';

const ok = requireReferences('llvm-mc-19', 'llvm-objcopy-19');
const dir = mkdtempSync(join(tmpdir(), 'tsbpf-dsl-asm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function llvmBytes(source: string): Uint8Array {
  const s = join(dir, 'a.s'); const o = join(dir, 'a.o'); const b = join(dir, 'a.bin');
  writeFileSync(s, source);
  const mc = spawnSync('llvm-mc-19', ['-triple=bpfel', '-mcpu=v4', '-filetype=obj', '-o', o, s], { encoding: 'utf8' });
  if (mc.status !== 0) throw new Error(`llvm-mc-19: ${mc.stderr.slice(0, 2000)}`);
  const oc = spawnSync('llvm-objcopy-19', ['-O', 'binary', '--only-section=.text', o, b], { encoding: 'utf8' });
  if (oc.status !== 0) throw new Error(oc.stderr);
  return new Uint8Array(readFileSync(b));
}

interface Case { readonly text: string; readonly item: asm.AsmInsn }
const r = fc.integer({ min: 0, max: 10 }) as fc.Arbitrary<Register>;
const rw = fc.integer({ min: 0, max: 9 }) as fc.Arbitrary<Register>;
const i32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
const off = fc.integer({ min: -0x8000, max: 0x7fff });
const sOff = (o: number): string => (o < 0 ? `- ${-o}` : `+ ${o}`);
const jOff = (o: number): string => (o < 0 ? `${o}` : `+${o}`);

const ALU: [keyof typeof asm, string][] = [
  ['mov', '='], ['add', '+='], ['sub', '-='], ['mul', '*='], ['div', '/='], ['sdiv', 's/='], ['mod', '%='], ['smod', 's%='],
  ['or', '|='], ['and', '&='], ['lsh', '<<='], ['rsh', '>>='], ['arsh', 's>>='], ['xor', '^='],
];
const JMP: [keyof typeof asm, string][] = [
  ['jeq', '=='], ['jne', '!='], ['jgt', '>'], ['jge', '>='], ['jlt', '<'], ['jle', '<='],
  ['jsgt', 's>'], ['jsge', 's>='], ['jslt', 's<'], ['jsle', 's<='], ['jset', '&'],
];
type Fn = (...a: unknown[]) => asm.AsmInsn;
const call = (name: keyof typeof asm, ...args: unknown[]): asm.AsmInsn => (asm[name] as unknown as Fn)(...args);

const cases: fc.Arbitrary<Case> = fc.oneof(
  fc.record({ op: fc.constantFrom(...ALU), w: fc.boolean(), d: rw, s: fc.oneof(rw, i32), regSrc: fc.boolean() }).map(({ op, w, d, s, regSrc }) => {
    const R = (n: number): string => `${w ? 'w' : 'r'}${n}`;
    const dst = w ? reg32(d) : reg64(d);
    const src = regSrc ? (w ? reg32((s & 0xf) % 10 as Register) : reg64((s & 0xf) % 10 as Register)) : s;
    const st = typeof src === 'number' ? String(src) : R(src.n);
    return { text: `${R(d)} ${op[1]} ${st}`, item: call(op[0], dst, src) };
  }),
  fc.record({ w: fc.boolean(), d: rw }).map(({ w, d }) => ({ text: w ? `w${d} = -w${d}` : `r${d} = -r${d}`, item: asm.neg(w ? reg32(d) : reg64(d)) })),
  fc.record({ w: fc.boolean(), d: rw, s: rw, bits: fc.constantFrom(8 as const, 16 as const, 32 as const) }).filter((x) => !(x.w && x.bits === 32)).map(({ w, d, s, bits }) => ({
    text: w ? `w${d} = (s${bits})w${s}` : `r${d} = (s${bits})r${s}`, item: asm.movsx(w ? reg32(d) : reg64(d), w ? reg32(s) : reg64(s), bits),
  })),
  fc.record({ o: fc.constantFrom('le', 'be', 'bswap'), bits: fc.constantFrom(16 as const, 32 as const, 64 as const), d: rw }).map(({ o, bits, d }) => ({
    text: `r${d} = ${o}${bits} r${d}`, item: call(o as 'le', reg64(d), bits),
  })),
  fc.record({ size: fc.constantFrom(1 as const, 2 as const, 4 as const, 8 as const), signed: fc.boolean(), d: rw, s: r, o: off }).map(({ size, signed, d, s, o }) => {
    const sg = signed && size !== 8;
    return { text: `r${d} = *(${sg ? 's' : 'u'}${size * 8} *)(r${s} ${sOff(o)})`, item: sg ? asm.ldxs(size as 1, reg64(d), reg64(s), o) : asm.ldx(size, reg64(d), reg64(s), o) };
  }),
  fc.record({ size: fc.constantFrom(1 as const, 2 as const, 4 as const, 8 as const), d: r, o: off, v: i32 }).map(({ size, d, o, v }) => ({
    text: `*(u${size * 8} *)(r${d} ${sOff(o)}) = ${v}`, item: asm.st(size, reg64(d), o, v),
  })),
  fc.record({ size: fc.constantFrom(1 as const, 2 as const, 4 as const, 8 as const), d: r, o: off, s: rw }).map(({ size, d, o, s }) => ({
    text: `*(u${size * 8} *)(r${d} ${sOff(o)}) = r${s}`, item: asm.stx(size, reg64(d), o, reg64(s)),
  })),
  fc.record({ size: fc.constantFrom(4 as const, 8 as const), op: fc.constantFrom('add', 'or', 'and', 'xor'), fetch: fc.boolean(), d: r, o: off, s: rw }).map(({ size, op, fetch, d, o, s }) => {
    const R = size === 8 ? 'r' : 'w';
    const sym = { add: '+=', or: '|=', and: '&=', xor: '^=' }[op];
    const text = fetch ? `${R}${s} = atomic_fetch_${op}((u${size * 8} *)(r${d} ${sOff(o)}), ${R}${s})` : `lock *(u${size * 8} *)(r${d} ${sOff(o)}) ${sym} ${R}${s}`;
    const b = { add: asm.atomicAdd, or: asm.atomicOr, and: asm.atomicAnd, xor: asm.atomicXor }[op];
    return { text, item: b(size, reg64(d), o, reg64(s), fetch) };
  }),
  fc.record({ size: fc.constantFrom(4 as const, 8 as const), d: r, o: off, s: rw }).map(({ size, d, o, s }) => ({
    text: size === 8 ? `r${s} = xchg_64(r${d} ${sOff(o)}, r${s})` : `w${s} = xchg32_32(r${d} ${sOff(o)}, w${s})`, item: asm.xchg(size, reg64(d), o, reg64(s)),
  })),
  fc.record({ size: fc.constantFrom(4 as const, 8 as const), d: r, o: off, s: rw }).map(({ size, d, o, s }) => ({
    text: size === 8 ? `r0 = cmpxchg_64(r${d} ${sOff(o)}, r0, r${s})` : `w0 = cmpxchg32_32(r${d} ${sOff(o)}, w0, w${s})`, item: asm.cmpxchg(size, reg64(d), o, reg64(s)),
  })),
  fc.record({ d: rw, v: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) }).map(({ d, v }) => ({ text: `r${d} = ${v} ll`, item: asm.lddw(reg64(d), v) })),
  fc.record({ op: fc.constantFrom(...JMP), w: fc.boolean(), d: r, s: fc.oneof(r, i32), regSrc: fc.boolean(), o: off }).map(({ op, w, d, s, regSrc, o }) => {
    const R = (n: number): string => `${w ? 'w' : 'r'}${n}`;
    const src = regSrc ? (w ? reg32(((s & 0xf) % 11) as Register) : reg64(((s & 0xf) % 11) as Register)) : s;
    const st = typeof src === 'number' ? String(src) : R(src.n);
    return { text: `if ${R(d)} ${op[1]} ${st} goto ${jOff(o)}`, item: call(op[0], w ? reg32(d) : reg64(d), src, o) };
  }),
  off.map((o) => ({ text: `goto ${jOff(o)}`, item: asm.ja(o) })),
  fc.integer({ min: 1, max: 211 }).map((id) => ({ text: `call ${id}`, item: asm.call(id) })),
  fc.constant({ text: 'exit', item: asm.exit() }),
);

describe.skipIf(!ok)('instruction builders vs llvm-mc-19', () => {
  it('encode to the bytes llvm-mc-19 assembles from the same instruction text', () => {
    const batch = fc.sample(cases, { numRuns: 3000, seed: 4242 });
    const ours = encodeInstructions(batch.map((c) => c.item.insn), 'le');
    const ref = llvmBytes(`${batch.map((c) => c.text).join('\n')}\n`);
    expect(ours.length).toBe(ref.length);
    let pos = 0;
    for (const c of batch) {
      const n = c.item.insn.kind === 'ldImm64' ? 16 : 8;
      expect(Buffer.from(ours.subarray(pos, pos + n)).toString('hex'), c.text).toBe(Buffer.from(ref.subarray(pos, pos + n)).toString('hex'));
      pos += n;
    }
  });
});

describe('labels and operand checks', () => {
  it('resolves forward and backward jumps by name as llvm-mc-19 does for labels', () => {
    const items = [
      asm.label('top'), asm.mov(reg64(0), 0), asm.jeq(reg64(1), 0, 'out'), asm.lddw(reg64(2), 1n << 40n),
      asm.jne(reg32(2), reg32(3), 'top'), asm.ja('out'), asm.label('out'), asm.exit(),
    ];
    const ours = encodeInstructions(asm.resolveLabels(items).map((i) => i.insn), 'le');
    if (!ok) return;
    const ref = llvmBytes('top:\nr0 = 0\nif r1 == 0 goto out\nr2 = 1099511627776 ll\nif w2 != w3 goto top\ngoto out\nout:\nexit\n');
    expect(Buffer.from(ours).toString('hex')).toBe(Buffer.from(ref).toString('hex'));
  });
  it('rejects undefined and duplicate labels and out-of-range operands', () => {
    expect(() => asm.resolveLabels([asm.ja('nowhere')])).toThrow(DslError);
    expect(() => asm.resolveLabels([asm.label('a'), asm.label('a')])).toThrow(/twice/);
    expect(() => asm.ldx(4, reg64(1), reg64(2), 40000)).toThrow(/16-bit/);
    expect(() => asm.mov(reg64(1), 2 ** 33)).toThrow(/32-bit/);
    expect(() => asm.movsx(reg32(1), reg32(2), 32)).toThrow(DslError);
  });
  it('records the TypeScript line of each builder call', () => {
    const item = asm.exit(); const line = Number(new Error().stack!.split('\n')[1]!.match(/:(\d+):\d+\)?$/)![1]) - 0;
    expect(item.loc?.file).toMatch(/dsl-asm\.test\.ts$/);
    expect(item.loc?.line).toBe(line);
  });
});
