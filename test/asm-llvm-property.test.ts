// Property tests of the LLVM-syntax assembler: thousands of random valid
// instructions, printed in LLVM syntax, must assemble to exactly the bytes
// llvm-mc-19 produces for the same text (one batched llvm-mc call per run).
//
// Exclusions — instructions LLVM 19 cannot write as one line of assembly
// (see llvmExpressible in isa/asm-format.ts, found with llvm-mc-19):
// * local calls with a raw imm (src_reg=1): only `call label` makes them;
//   `call N` is always a helper call;
// * kfunc calls (src_reg=2) and helper calls with a non-zero offset;
// * `gotol` beyond ±32767 slots: the literal is range-checked to 16 bits
//   (only a label reaches further);
// * `r0 = *(uN *)skb[rN]` with a non-zero imm: the syntax has no imm;
// * load-acquire / store-release: added to LLVM after version 19.
// ld_imm64 with src_reg≠0 and next_imm≠0 *is* expressible: llvm-mc encodes
// bits 32..63 of ld_pseudo's source operand into next_imm.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { type Instruction, encodeInstructions, formatAsmLlvm, llvmExpressible, slotCount } from '../isa/index.js';
import { assembleLlvm, parseInstructionLlvm } from '../elf/index.js';
import { instruction } from './support/arbitraries.js';
import { requireReferences } from './support/references.js';
import { seededRng } from './support/seeded-rng.js';

const ok = requireReferences('llvm-mc-19', 'llvm-objcopy-19');
const expressible = instruction.filter((i) => llvmExpressible(i) === null);

const dir = mkdtempSync(join(tmpdir(), 'tsbpf-asm-prop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;

/** llvm-mc-19's .text for a source, via one llvm-mc and one llvm-objcopy call. */
function llvmText(source: string): Uint8Array {
  const n = counter++;
  const s = join(dir, `p${n}.s`);
  const o = join(dir, `p${n}.o`);
  const b = join(dir, `p${n}.bin`);
  writeFileSync(s, source);
  const mc = spawnSync('llvm-mc-19', ['-triple=bpfel', '-mcpu=v4', '-filetype=obj', '-o', o, s], { encoding: 'utf8' });
  if (mc.status !== 0) throw new Error(`llvm-mc-19 rejected the batch:\n${mc.stderr.slice(0, 3000)}`);
  const oc = spawnSync('llvm-objcopy-19', ['-O', 'binary', '--only-section=.text', o, b], { encoding: 'utf8' });
  if (oc.status !== 0) throw new Error(oc.stderr);
  return new Uint8Array(readFileSync(b));
}

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');

/**
 * Compares, instruction by instruction, llvm-mc's bytes with ours and with
 * encodeInstructions of the generated instruction; returns the first
 * difference as a readable message (null when all agree).
 */
function firstDifference(insns: readonly Instruction[], lines: readonly string[], ref: Uint8Array, ours: Uint8Array): string | null {
  if (ours.length !== ref.length) return `length ${ours.length} vs llvm-mc ${ref.length}`;
  let pos = 0;
  for (let i = 0; i < insns.length; i++) {
    const len = slotCount(insns[i]!) * 8;
    const want = hex(ref.subarray(pos, pos + len));
    const got = hex(ours.subarray(pos, pos + len));
    const model = hex(encodeInstructions([insns[i]!]));
    if (got !== want || model !== want) {
      return `instruction ${i} \`${lines[i]}\`: llvm-mc ${want}, assembleLlvm ${got}, encodeInstructions ${model}`;
    }
    pos += len;
  }
  return null;
}

/** Deterministic PRNG for the spelling variations. */
const prng = seededRng;

const word = (c: string): boolean => /[A-Za-z0-9_.$?']/.test(c);

/**
 * Respells a line in ways llvm-mc's operand splitting makes equivalent:
 * blanks next to punctuation removed or doubled (tabs too), two-character
 * operators split (`>=` → `> =`, except `!=`, whose `!` alone is no operand),
 * commas dropped (unless a sign follows), the leading register or keyword upper-cased.
 */
function respell(line: string, rnd: () => number): string {
  let out = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    const prev = out[out.length - 1] ?? '';
    const next = line[i + 1] ?? '';
    if (c === ' ') {
      // Keep the blank between two words (`5 ll`, `goto +1` keeps a sign anyway).
      const before = line[i - 1] ?? '';
      if (word(before) && word(next)) { out += rnd() < 0.5 ? ' ' : '\t'; continue; }
      const r = rnd();
      if (r < 0.4) continue;
      out += r < 0.7 ? ' ' : ' \t ';
      continue;
    }
    // A comma may go unless the next operand starts with a sign (`6, -1` would become the expression `6 -1`).
    if (c === ',' && !/^\s*[-+]/.test(line.slice(i + 1)) && rnd() < 0.3) { out += ' '; continue; }
    out += c;
    if (!word(c) && !word(next) && next !== '' && next !== ' ' && !(c === '!' && next === '=')
      && !(c === '-' && /[0-9]/.test(next)) && !(prev === '' && c === '*') && rnd() < 0.3) {
      out += ' ';
    }
  }
  if (rnd() < 0.3) out = out.replace(/^[a-z_]+[0-9]*/, (w) => w.toUpperCase());
  return out;
}

// ---- numbers written as MC expressions --------------------------------------------

/**
 * An expression text that starts with a digit and evaluates (int64, as MC
 * does) to v: decimal, hex, octal, binary, suffixed literals, character
 * literals, and +, -, *, /, |, ^, &, <<, >>, ~, !, ==, parentheses.
 */
function exprFor(v: bigint, rnd: () => number, depth = 0): string {
  const pick = Math.floor(rnd() * (depth > 1 ? 6 : 12));
  const neg = v < 0n;
  const mag = neg ? -v : v;
  const lit = (s: string): string => (neg ? `0 - ${s}` : s);
  switch (pick) {
    case 0: return lit(mag.toString());
    case 1: return lit(`0x${mag.toString(16)}`);
    case 2: return lit(`0X${mag.toString(16).toUpperCase()}`);
    case 3: return mag === 0n ? '00' : lit(`0${mag.toString(8)}`);
    case 4: return lit(`0b${mag.toString(2)}`);
    case 5: {
      const suffix = ['u', 'U', 'l', 'L', 'ul', 'UL', 'ull', 'ULL', 'll', 'LL'][Math.floor(rnd() * 10)]!;
      if (v >= 32n && v < 127n && v !== 39n && v !== 92n && rnd() < 0.3) return `'${String.fromCharCode(Number(v))}'`;
      return lit(`${mag}${suffix}`);
    }
    case 6: {
      const a = BigInt(Math.floor(rnd() * 2000) - 1000);
      return `${exprFor(a, rnd, depth + 1)} + ${exprFor(BigInt.asIntN(64, v - a), rnd, depth + 1)}`;
    }
    case 7: {
      const k = BigInt(Math.floor(rnd() * 1000));
      return `${exprFor(BigInt.asIntN(64, v + k), rnd, depth + 1)} - ${k}`;
    }
    case 8: return `${exprFor(v, rnd, depth + 1)} ${['* 1', '/ 1', '| 0', '^ 0', '& -1', '<< 0', '>> 0', '- 0'][Math.floor(rnd() * 8)]!}`;
    case 9: return `0 + ~~(${exprFor(v, rnd, depth + 1)})`;
    case 10: return `0 + (1 == 1) * -(${exprFor(v, rnd, depth + 1)})`;
    default: return `0 + !0 * (${exprFor(v, rnd, depth + 1)})`;
  }
}

/** LLVM syntax of an instruction with every number written by `num` (replacers are functions: `$` may occur in the text). */
function formatWith(insn: Instruction, num: (v: bigint, kind: 'imm32' | 'exact') => string): string {
  const text = formatAsmLlvm(insn);
  const imm32 = (v: number): string => num(BigInt(v), 'imm32');
  const exact = (v: number): string => num(BigInt(v), 'exact');
  switch (insn.kind) {
    case 'alu': case 'jump': case 'st': case 'ldAbs': {
      let s = text;
      if (insn.kind === 'jump') s = s.replace(/goto [-+]\d+$/, () => `goto ${exact(insn.offset)}`);
      if (insn.kind === 'st') s = s.replace(/\((r\d+) [-+] \d+\)/, (_m, r: string) => `(${r} + ${exact(insn.offset)})`);
      const value = insn.kind === 'alu' || insn.kind === 'jump' ? (insn.src.kind === 'imm' ? insn.src.value : null) : insn.imm;
      if (value === null) return s;
      if (insn.kind === 'alu' || insn.kind === 'st') return s.replace(/-?\d+$/, () => imm32(value));
      if (insn.kind === 'jump') return s.replace(/ -?\d+ goto/, () => ` ${imm32(value)} goto`);
      return s.replace(/\[-?\d+\]/, () => `[${imm32(value)}]`);
    }
    case 'ldx': case 'stx': case 'atomic':
      return text.replace(/(r\d+) [-+] \d+/, (_m, r: string) => `${r} + ${exact(insn.offset)}`);
    case 'ja': case 'mayGoto': return text.replace(/[-+]\d+$/, () => exact(insn.offset));
    case 'gotol': return text.replace(/[-+]\d+$/, () => exact(insn.imm));
    case 'call': return `call ${imm32(insn.imm)}`;
    case 'addrSpaceCast': return `r${insn.dst} = addr_space_cast(r${insn.src}, ${exact(insn.dstAddrSpace)}, ${exact(insn.srcAddrSpace)})`;
    case 'ldImm64': {
      if (insn.pseudo === 0) return `r${insn.dst} = ${num(BigInt.asIntN(64, (BigInt(insn.nextImm) << 32n) | BigInt(insn.imm >>> 0)), 'exact')} ll`;
      return `ld_pseudo r${insn.dst}, ${num((BigInt(insn.nextImm) << 32n) | BigInt(insn.pseudo), 'exact')}, ${imm32(insn.imm)}`;
    }
    default: return text;
  }
}

describe.skipIf(!ok)('random instructions against llvm-mc-19', () => {
  it('assemble to llvm-mc-19 bytes (2,000 instructions per llvm-mc call, 5 calls)', () => {
    fc.assert(
      fc.property(fc.array(expressible, { minLength: 2000, maxLength: 2000 }), (insns) => {
        const lines = insns.map((i) => formatAsmLlvm(i));
        const source = `${lines.map((l) => `\t${l}`).join('\n')}\n`;
        const ref = llvmText(source);
        const ours = assembleLlvm(source, 'random.s').sections[0]!.data;
        const diff = firstDifference(insns, lines, ref, ours);
        if (diff !== null) throw new Error(diff);
      }),
      { numRuns: 5, endOnFailure: true },
    );
  });

  it('respelled with other blanks, split operators, dropped commas and upper case still match llvm-mc-19', () => {
    fc.assert(
      fc.property(fc.array(expressible, { minLength: 2000, maxLength: 2000 }), fc.integer(), (insns, seed) => {
        const rnd = prng(seed);
        const lines = insns.map((i) => respell(formatAsmLlvm(i), rnd));
        const source = `${lines.join('\n')}\n`;
        const ref = llvmText(source);
        const ours = assembleLlvm(source, 'respelled.s').sections[0]!.data;
        const diff = firstDifference(insns, lines, ref, ours);
        if (diff !== null) throw new Error(diff);
      }),
      { numRuns: 3, endOnFailure: true },
    );
  });
});

describe.skipIf(!ok)('numbers written as expressions', () => {
  it('in every number format and as arithmetic, match llvm-mc-19 (imm32 also wrapped by ±2^32)', () => {
    fc.assert(
      fc.property(fc.array(expressible, { minLength: 2000, maxLength: 2000 }), fc.integer(), (insns, seed) => {
        const rnd = prng(seed);
        const num = (v: bigint, kind: 'imm32' | 'exact'): string => {
          // llvm-mc silently keeps the low 32 bits of an imm32: 2^32 more or less encodes the same.
          const w = kind === 'imm32' && rnd() < 0.2 ? v + (rnd() < 0.5 ? 1n : -1n) * (1n << 32n) : v;
          return exprFor(w, rnd);
        };
        const lines = insns.map((i) => formatWith(i, num));
        const source = `${lines.map((l) => `\t${l}`).join('\n')}\n`;
        const ref = llvmText(source);
        const ours = assembleLlvm(source, 'exprs.s').sections[0]!.data;
        const diff = firstDifference(insns, lines, ref, ours);
        if (diff !== null) throw new Error(diff);
      }),
      { numRuns: 3, endOnFailure: true },
    );
  });
});

describe('parseInstructionLlvm ∘ formatAsmLlvm', () => {
  it('is the identity on every expressible instruction', () => {
    fc.assert(
      fc.property(expressible, (insn) => {
        expect(parseInstructionLlvm(formatAsmLlvm(insn))).toEqual(insn);
      }),
      { numRuns: 20_000 },
    );
  });

  it('refuses to print the forms LLVM 19 cannot express', () => {
    expect(() => formatAsmLlvm({ kind: 'call', callee: 'kfunc', imm: 5, offset: 0 })).toThrow(/kfunc/);
    expect(() => formatAsmLlvm({ kind: 'gotol', imm: 40000 })).toThrow(/16 bits/);
    expect(llvmExpressible({ kind: 'gotol', imm: -32768 })).toBeNull();
  });
});
