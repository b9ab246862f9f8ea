// The instruction codec: round trips, both byte orders against llvm-mc-19's
// own encodings, and strict decoding of malformed slots.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readElf } from '../elf/index.js';
import {
  DecodeError, decodeInstructions, EncodeError, encodeInstructions, type Instruction, ldImm64Value, splitImm64,
} from '../isa/index.js';
import { instruction, instructionByKind } from './support/arbitraries.js';
import { requireReferences, run } from './support/references.js';

describe('decode(encode(x)) = x', () => {
  it.each(['le', 'be'] as const)('for random instruction sequences, byte order %s', (order) => {
    fc.assert(
      fc.property(fc.array(instruction, { minLength: 1, maxLength: 40 }), (insns) => {
        expect(decodeInstructions(encodeInstructions(insns, order), { byteOrder: order })).toEqual(insns);
      }),
      { numRuns: 3000 },
    );
  });

  it('covers every instruction kind', () => {
    for (const [kind, arb] of Object.entries(instructionByKind)) {
      fc.assert(fc.property(arb as fc.Arbitrary<Instruction>, (insn) => {
        expect(decodeInstructions(encodeInstructions([insn]))).toEqual([insn]);
      }), { numRuns: 300 });
      expect(kind).toBeTruthy();
    }
  });

  it('splits and joins 64-bit immediates', () => {
    fc.assert(fc.property(fc.bigInt({ min: -(1n << 63n), max: (1n << 64n) - 1n }), (v) => {
      const halves = splitImm64(v);
      expect(ldImm64Value({ kind: 'ldImm64', dst: 0, pseudo: 0, ...halves })).toBe(BigInt.asUintN(64, v));
    }));
  });
});

const ok = requireReferences('llvm-mc-19');

describe.skipIf(!ok)('encodings agree with llvm-mc-19 in both byte orders', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsbpf-codec-'));
  const source = readFileSync('test/data/isa/all-insns.s', 'utf8');
  const text = (triple: string): Uint8Array => {
    const s = join(dir, 'all.s');
    const o = join(dir, `${triple}.o`);
    writeFileSync(s, source);
    run('llvm-mc-19', ['-triple', triple, '-mcpu=v4', '-filetype=obj', s, '-o', o]);
    const elf = readElf(readFileSync(o));
    return elf.sections.find((x) => x.name === '.text')!.data;
  };

  it('decodes every form llvm-mc writes and re-encodes the same bytes, LE and BE', () => {
    const le = text('bpfel');
    const be = text('bpfeb');
    const insns = decodeInstructions(le, { byteOrder: 'le' });
    expect(insns.length).toBe(180);
    // Every kind of the model appears in llvm-mc's output of the file.
    expect(new Set(insns.map((i) => i.kind)).size).toBe(Object.keys(instructionByKind).length);
    expect(Buffer.from(encodeInstructions(insns, 'le')).equals(Buffer.from(le))).toBe(true);
    // The same instructions from llvm-mc's big-endian output, and our BE encoding of them.
    expect(decodeInstructions(be, { byteOrder: 'be' })).toEqual(insns);
    expect(Buffer.from(encodeInstructions(insns, 'be')).equals(Buffer.from(be))).toBe(true);
  });
});

describe('strict decoding names what is wrong and where', () => {
  const slot = (...bytes: number[]): number[] => bytes;
  const exit = slot(0x95, 0, 0, 0, 0, 0, 0, 0);
  const cases: [string, number[], RegExp, number][] = [
    ['ALU K with src set', [...slot(0x04, 0x10, 0, 0, 1, 0, 0, 0), ...exit], /reserved field src must be 0 \(is 1\)/, 0],
    ['ALU X with imm set', [...exit, ...slot(0x0c, 0x10, 0, 0, 1, 0, 0, 0)], /reserved field imm must be 0 \(is 1\)/, 1],
    ['NEG with register source', [...slot(0x8f, 0, 0, 0, 0, 0, 0, 0)], /unknown opcode 0x8f/, 0],
    ['register r11', [...slot(0xb7, 0x0b, 0, 0, 0, 0, 0, 0)], /invalid dst register r11/, 0],
    ['ALU64 END X', [...slot(0xdf, 0x01, 0, 0, 16, 0, 0, 0)], /unknown opcode 0xdf/, 0],
    ['byte swap of 8 bits', [...slot(0xd4, 0x01, 0, 0, 8, 0, 0, 0)], /invalid byte swap width 8/, 0],
    ['mov with offset 4', [...slot(0xbf, 0x21, 4, 0, 0, 0, 0, 0)], /invalid mov offset 4/, 0],
    ['add with offset', [...slot(0x07, 0x01, 1, 0, 0, 0, 0, 0)], /reserved field offset must be 0 \(is 1\)/, 0],
    ['exit with imm', [...slot(0x95, 0, 0, 0, 1, 0, 0, 0)], /reserved field imm must be 0/, 0],
    ['JMP32 exit', [...slot(0x96, 0, 0, 0, 0, 0, 0, 0)], /unknown opcode 0x96/, 0],
    ['call with src 3', [...slot(0x85, 0x30, 0, 0, 1, 0, 0, 0)], /invalid call source 3/, 0],
    ['truncated ld_imm64', [...exit, ...slot(0x18, 0x01, 0, 0, 1, 0, 0, 0)], /truncated ld_imm64/, 1],
    ['ld_imm64 with opcode in slot 2', [...slot(0x18, 0x01, 0, 0, 1, 0, 0, 0), ...exit], /second slot must have opcode, registers and offset 0/, 0],
    ['ld_imm64 pseudo 7', [...slot(0x18, 0x71, 0, 0, 1, 0, 0, 0), ...slot(0, 0, 0, 0, 0, 0, 0, 0)], /invalid ld_imm64 pseudo source 7/, 0],
    ['MEMSX of 8 bytes', [...slot(0x99, 0x21, 0, 0, 0, 0, 0, 0)], /unknown opcode 0x99/, 0],
    ['LD ABS DW', [...slot(0x38, 0, 0, 0, 0, 0, 0, 0)], /unknown opcode 0x38/, 0],
    ['8-bit atomic add', [...slot(0xd3, 0x1a, 0xf8, 0xff, 0, 0, 0, 0)], /invalid atomic operand size 1/, 0],
    ['atomic imm 0x02', [...slot(0xdb, 0x1a, 0xf8, 0xff, 2, 0, 0, 0)], /invalid atomic operation 0x02/, 0],
    ['may_goto with src', [...slot(0xe5, 0x10, 0, 0, 0, 0, 0, 0)], /reserved field src must be 0/, 0],
    ['gotol with offset', [...slot(0x06, 0, 1, 0, 0, 0, 0, 0)], /reserved field offset must be 0/, 0],
  ];
  it.each(cases)('%s', (_name, bytes, reason, index) => {
    let error: unknown;
    try {
      decodeInstructions(Uint8Array.from(bytes));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DecodeError);
    const d = error as DecodeError;
    expect(d.reason).toMatch(reason);
    expect(d.index).toBe(index);
    expect(d.byteOffset).toBe(index * 8);
  });

  it('rejects a length that is not a multiple of 8', () => {
    expect(() => decodeInstructions(new Uint8Array(12))).toThrow(/length 12 is not a multiple of 8/);
  });

  it('never throws anything but DecodeError on arbitrary bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
      try {
        decodeInstructions(bytes);
      } catch (e) {
        expect(e).toBeInstanceOf(DecodeError);
      }
    }), { numRuns: 5000 });
  });
});

describe('encoding rejects values that do not fit, naming the instruction', () => {
  const cases: [string, Instruction, RegExp][] = [
    ['offset beyond 16 bits', { kind: 'ja', offset: 40000 }, /offset 40000 is not a signed 16-bit integer/],
    ['imm beyond 32 bits', { kind: 'alu', width: 64, op: 'add', dst: 1, src: { kind: 'imm', value: 2 ** 32 } }, /immediate 4294967296/],
    ['register 11', { kind: 'neg', width: 64, dst: 11 as 0 }, /invalid dst register 11/],
    ['movsx32 in ALU32', { kind: 'movsx', width: 32, dst: 1, src: 2, bits: 32 }, /needs width 64/],
    ['xchg without fetch', { kind: 'atomic', size: 8, op: 'xchg', fetch: false, dst: 10, src: 1, offset: -8 }, /always fetches/],
  ];
  it.each(cases)('%s', (_name, insn, reason) => {
    const run = () => encodeInstructions([{ kind: 'exit' }, insn]);
    expect(run).toThrow(EncodeError);
    expect(run).toThrow(reason);
    expect(run).toThrow(/^instruction 1: /);
  });
});
