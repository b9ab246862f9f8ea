// The LLVM-format disassembler against llvm-objdump-19 itself: every
// instruction form of the model, thousands of random instructions and random
// raw slots per objdump call, little- and big-endian. Each test writes one
// object, runs `llvm-objdump-19 -d -r --mcpu=v4` on it and requires our
// listing of the same file to be identical, whole output, line for line.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parseInstructionLlvm, readElf, type RelocatableObject, writeElf } from '../elf/index.js';
import { formatInstructionLlvm, llvmExpressible } from '../isa/index.js';
import { encodeInstructions } from '../isa/index.js';
import { type AluOp, type AtomicOp, type Instruction, type JumpOp, type Register, type Size, slotCount } from '../isa/index.js';
import type { ByteOrder } from '../isa/index.js';
import { disassembleFile } from '../src/commands/disasm.js';
import { instruction, aluOps, jumpOps } from './support/arbitraries.js';
import { requireReferences } from './support/references.js';

const ok = requireReferences('llvm-objdump-19', 'llvm-mc-19');

const dir = mkdtempSync(join(tmpdir(), 'tsbpf-disasm-llvm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;

function objdump(path: string, args: readonly string[]): string {
  const r = spawnSync('llvm-objdump-19', [...args, path], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`llvm-objdump-19 failed: ${r.stderr}`);
  return r.stdout;
}

/** The first differing line of two listings, with its number, or null. */
function firstDifference(want: string, got: string): string | null {
  if (want === got) return null;
  const a = want.split('\n');
  const b = got.split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) {
      return `line ${i + 1}:\n  objdump: ${JSON.stringify(a[i])}\n  tsbpf:   ${JSON.stringify(b[i])}`;
    }
  }
  return 'outputs differ';
}

/**
 * Writes the object, lists it with objdump and with disassembleFile, and
 * throws on the first difference. Returns objdump's output.
 */
function expectSameListing(bytes: Uint8Array, relocations = true): string {
  const path = join(dir, `o${counter++}.o`);
  writeFileSync(path, bytes);
  const want = objdump(path, relocations ? ['-d', '-r', '--mcpu=v4'] : ['-d', '--mcpu=v4']);
  const got = disassembleFile(bytes, path, { relocations });
  const diff = firstDifference(want, got);
  if (diff !== null) throw new Error(diff);
  return want;
}

/** An object with one .text section holding `code`, a function symbol at 0 and a label in the middle. */
function textObject(code: Uint8Array, byteOrder: ByteOrder, label?: number): Uint8Array {
  const obj: RelocatableObject = {
    byteOrder,
    sections: [{
      name: '.text', type: 'progbits', flags: { alloc: true, write: false, exec: true }, align: 8, data: code,
      size: code.length, relocations: [],
    }],
    symbols: [
      { name: 'prog', section: '.text', value: 0, size: code.length, binding: 'global', type: 'func' },
      ...(label === undefined ? [] : [{ name: 'mid', section: '.text', value: label, size: 0, binding: 'local' as const, type: 'notype' as const }]),
    ],
  };
  return writeElf(obj);
}

/** Instruction texts of an objdump listing, branch annotations removed. */
function listedTexts(listing: string): string[] {
  const out: string[] = [];
  for (const line of listing.split('\n')) {
    const m = /^ {0,7}\d+:\t[0-9a-f ]+\t(.*)$/.exec(line);
    if (m !== null) out.push(m[1]!.replace(/ <[^<>]*>$/, ''));
  }
  return out;
}

/** Checks formatInstructionLlvm of each instruction against its line in objdump's listing. */
function expectSameTexts(insns: readonly Instruction[], listing: string): void {
  const texts = listedTexts(listing);
  expect(texts.length).toBe(insns.length);
  insns.forEach((insn, i) => {
    const ours = formatInstructionLlvm(insn);
    if (ours !== texts[i]) {
      throw new Error(`instruction ${i} ${JSON.stringify(insn)}: objdump ${JSON.stringify(texts[i])}, ours ${JSON.stringify(ours)}`);
    }
  });
}

const REGS: Register[] = [0, 1, 5, 10];
const IMMS = [0, 1, 7, -1, -4, 0x7fffffff, -0x80000000, 0x12345678, -0x12345678, 16, 32, 64];
const OFFS = [0, 1, -1, 8, -8, 0x7fff, -0x8000, 0x1234];
const SIZES: Size[] = [1, 2, 4, 8];
const ALU_OPS = aluOps;
const JUMP_OPS = jumpOps;

/** Every instruction form of the model with edge-case fields (about 5,000 instructions). */
function allForms(): Instruction[] {
  const out: Instruction[] = [];
  for (const width of [32, 64] as const) {
    for (const op of ALU_OPS) {
      for (const dst of REGS) {
        for (const value of IMMS) out.push({ kind: 'alu', width, op, dst, src: { kind: 'imm', value } });
        for (const reg of REGS) out.push({ kind: 'alu', width, op, dst, src: { kind: 'reg', reg } });
      }
    }
    for (const dst of REGS) out.push({ kind: 'neg', width, dst });
    for (const bits of width === 64 ? [8, 16, 32] as const : [8, 16] as const) {
      for (const dst of REGS) for (const src of REGS) out.push({ kind: 'movsx', width, dst, src, bits });
    }
    for (const op of JUMP_OPS) {
      for (const offset of OFFS) {
        for (const value of IMMS) out.push({ kind: 'jump', width, op, dst: 1, src: { kind: 'imm', value }, offset });
        for (const reg of REGS) out.push({ kind: 'jump', width, op, dst: 10, src: { kind: 'reg', reg }, offset });
      }
    }
  }
  for (const [dstAddrSpace, srcAddrSpace] of [[0, 1], [1, 0], [0, 0], [0xffff, 0xffff], [5, 0x8000]] as const) {
    out.push({ kind: 'addrSpaceCast', dst: 1, src: 2, dstAddrSpace, srcAddrSpace });
  }
  for (const order of ['le', 'be', 'swap'] as const) {
    for (const bits of [16, 32, 64] as const) for (const dst of REGS) out.push({ kind: 'endian', order, bits, dst });
  }
  for (const offset of OFFS) {
    out.push({ kind: 'ja', offset }, { kind: 'mayGoto', offset });
  }
  for (const imm of IMMS) {
    out.push({ kind: 'gotol', imm });
    out.push({ kind: 'call', callee: 'helper', imm, offset: 0 }, { kind: 'call', callee: 'local', imm, offset: 0 });
    for (const offset of [0, 1, -1, 0x7fff]) out.push({ kind: 'call', callee: 'kfunc', imm, offset });
  }
  for (const dst of REGS) out.push({ kind: 'callx', dst });
  out.push({ kind: 'exit' });
  const pairs = [[0, 0], [-1, -1], [0x55667788, 0x11223344], [1, 0], [-1, 0], [0, -0x80000000], [0, 1], [-0x80000000, -1]] as const;
  for (const pseudo of [0, 1, 2, 3, 4, 5, 6] as const) {
    for (const [imm, nextImm] of pairs) for (const dst of [0, 10] as const) out.push({ kind: 'ldImm64', dst, pseudo, imm, nextImm });
  }
  for (const size of SIZES) {
    for (const offset of OFFS) {
      out.push({ kind: 'ldx', size, signed: false, dst: 1, src: 10, offset });
      if (size !== 8) out.push({ kind: 'ldx', size, signed: true, dst: 0, src: 5, offset });
      for (const imm of IMMS) out.push({ kind: 'st', size, dst: 10, offset, imm });
      out.push({ kind: 'stx', size, dst: 10, src: 1, offset });
      const ops: [AtomicOp, boolean][] = size >= 4
        ? [['add', false], ['add', true], ['or', false], ['or', true], ['and', false], ['and', true], ['xor', false],
          ['xor', true], ['xchg', true], ['cmpxchg', true], ['loadAcquire', false], ['storeRelease', false]]
        : [['loadAcquire', false], ['storeRelease', false]];
      for (const [op, fetch] of ops) out.push({ kind: 'atomic', size: size as 4, op, fetch, dst: 10, src: 2, offset });
    }
  }
  for (const size of [1, 2, 4] as const) {
    for (const imm of IMMS) out.push({ kind: 'ldAbs', size, imm }, { kind: 'ldInd', size, src: 3, imm });
  }
  return out;
}

function slots(insns: readonly Instruction[]): number {
  return insns.reduce((n, i) => n + slotCount(i), 0);
}

/** Byte offset of instruction `k` (so that a label never splits an ld_imm64). */
function offsetOf(insns: readonly Instruction[], k: number): number {
  return 8 * slots(insns.slice(0, k));
}

/**
 * fc.assert for batch properties (one objdump call per run, thousands of
 * instructions each): no shrinking, and a failure reports the seed and our
 * message rather than the whole counterexample.
 */
function assertBatch<T>(property: fc.IPropertyWithHooks<T>, numRuns: number): void {
  const details = fc.check(property, { numRuns, endOnFailure: true });
  if (details.failed) {
    const e = details.errorInstance;
    throw new Error(`failed with seed ${details.seed}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

describe.skipIf(!ok)('llvm-objdump-19 listings of every instruction form', () => {
  const forms = allForms();

  for (const order of ['le', 'be'] as const) {
    it(`${forms.length} instructions (${order}): whole listing and formatInstructionLlvm per line`, () => {
      const code = encodeInstructions(forms, order);
      const listing = expectSameListing(textObject(code, order, offsetOf(forms, Math.floor(forms.length / 2))));
      expectSameTexts(forms, listing);
    });
  }

  it('prints load-acquire and store-release as LLVM 19 does (it predates them)', () => {
    const acquire64: Instruction = { kind: 'atomic', size: 8, op: 'loadAcquire', fetch: false, dst: 1, src: 2, offset: 0 };
    const release8: Instruction = { kind: 'atomic', size: 1, op: 'storeRelease', fetch: false, dst: 1, src: 2, offset: 0 };
    const listing = expectSameListing(textObject(encodeInstructions([acquire64, release8]), 'le'));
    expect(listedTexts(listing)).toEqual(['lock *(u64 *)(r1 + 0x0) += r2', '<unknown>']);
    expect(formatInstructionLlvm(acquire64)).toBe('lock *(u64 *)(r1 + 0x0) += r2');
    expect(formatInstructionLlvm(release8)).toBe('<unknown>');
  });
});

describe.skipIf(!ok)('random instructions against llvm-objdump-19', () => {
  for (const order of ['le', 'be'] as const) {
    it(`4 × 5,000 random valid instructions (${order}) list identically`, () => {
      assertBatch(
        fc.property(fc.array(instruction, { minLength: 5000, maxLength: 5000 }), fc.nat(4999), (insns, label) => {
          const listing = expectSameListing(textObject(encodeInstructions(insns, order), order, offsetOf(insns, label)));
          expectSameTexts(insns, listing);
        }),
        4,
      );
    });
  }

  // Biased raw slots: any opcode, registers 0..15, offsets and immediates
  // that hit the decoder's special values, plus a ragged tail.
  const special32 = fc.constantFrom(0, 1, 8, 16, 32, 64, 0x100, 0x110, 0x01, 0x41, 0x51, 0xa1, 0xe1, 0xf1, 0x40, 0xa0, -1, 0x7fffffff, -0x80000000);
  const rawSlot = fc.tuple(
    fc.integer({ min: 0, max: 255 }),
    fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x00, 0x01, 0x21, 0x10, 0xab, 0xba, 0xb1, 0x1b)),
    fc.oneof(fc.integer({ min: -0x8000, max: 0x7fff }), fc.constantFrom(0, 1, 8, 16, 32, -1, 3)),
    fc.oneof(fc.integer({ min: -0x80000000, max: 0x7fffffff }), special32),
  );

  for (const order of ['le', 'be'] as const) {
    it(`4 × 6,000 random raw slots (${order}) list identically, <unknown> included`, () => {
      assertBatch(
        fc.property(fc.array(rawSlot, { minLength: 6000, maxLength: 6000 }), fc.uint8Array({ maxLength: 15 }), (raw, tail) => {
          const code = new Uint8Array(raw.length * 8 + tail.length);
          const view = new DataView(code.buffer);
          const le = order === 'le';
          raw.forEach(([op, regs, off, imm], i) => {
            view.setUint8(i * 8, op);
            view.setUint8(i * 8 + 1, regs);
            view.setInt16(i * 8 + 2, off, le);
            view.setInt32(i * 8 + 4, imm, le);
          });
          code.set(tail, raw.length * 8);
          expectSameListing(textObject(code, order, 16));
        }),
        4,
      );
    });
  }

  it('uniformly random bytes (200 KB) list identically', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 200_000, maxLength: 200_007 }), (code) => {
        expectSameListing(textObject(code, 'le', 24));
      }),
      { numRuns: 2, endOnFailure: true },
    );
  });
});

/** .text of an object assembled by llvm-mc-19. */
function llvmMcText(source: string, order: ByteOrder): Uint8Array {
  const n = counter++;
  const s = join(dir, `a${n}.s`);
  const o = join(dir, `a${n}.o`);
  writeFileSync(s, source);
  const mc = spawnSync('llvm-mc-19', [`-triple=${order === 'le' ? 'bpfel' : 'bpfeb'}`, '-mcpu=v4', '-filetype=obj', '-o', o, s], { encoding: 'utf8' });
  if (mc.status !== 0) throw new Error(`llvm-mc-19 rejected the batch:\n${mc.stderr.slice(0, 3000)}`);
  const elf = readElf(new Uint8Array(readFileSync(o)));
  return elf.sections.find((sec) => sec.name === '.text')!.data;
}

/**
 * objdump's text is lossless for what LLVM 19 can write as one line, except
 * ld_pseudo, whose listing drops the second immediate.
 */
const losslessText = (i: Instruction): boolean =>
  llvmExpressible(i) === null && !(i.kind === 'ldImm64' && i.pseudo !== 0 && i.nextImm !== 0);

describe.skipIf(!ok)('objdump text assembles back (parse(print(x)) = x)', () => {
  for (const order of ['le', 'be'] as const) {
    it(`through llvm-mc-19 and through parseInstructionLlvm to the same instruction (${order}, 3 × 4,000 instructions)`, () => {
      assertBatch(
        fc.property(fc.array(instruction.filter(losslessText), { minLength: 4000, maxLength: 4000 }), (insns) => {
          const lines = insns.map((i) => formatInstructionLlvm(i));
          const got = llvmMcText(`${lines.map((l) => `\t${l}`).join('\n')}\n`, order);
          const want = encodeInstructions(insns, order);
          expect(got.length).toBe(want.length);
          let pos = 0;
          insns.forEach((insn, k) => {
            const len = slotCount(insn) * 8;
            const a = Array.from(got.subarray(pos, pos + len));
            const b = Array.from(want.subarray(pos, pos + len));
            if (a.join() !== b.join()) throw new Error(`${JSON.stringify(insn)} printed as ${lines[k]}: llvm-mc ${a}, ours ${b}`);
            expect(parseInstructionLlvm(lines[k]!)).toEqual(insn);
            pos += len;
          });
        }),
        3,
      );
    });
  }
});
