// Malformed LLVM-syntax assembly: each case must throw an AsmError at the
// given line and column with a clear message, and llvm-mc-19 must reject the
// same input too (non-zero exit status — llvm-mc reports an error, or for
// some of these inputs crashes, which is also a rejection).

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { AsmError } from '../isa/index.js';
import { assembleLlvm } from '../elf/index.js';
import { requireReferences } from './support/references.js';

const ok = requireReferences('llvm-mc-19');

/** [source, line, column, message pattern] */
const CASES: readonly (readonly [string, number, number, RegExp])[] = [
  // Instruction syntax
  ['foo r1, r2', 1, 1, /unknown instruction 'foo'/],
  ['\tr0 = 0\n\tr12 = 1', 2, 2, /invalid register 'r12'/],
  ['r1 = w2', 1, 6, /invalid operand for instruction: expected .*found register w2/],
  ['r1 += w2', 1, 7, /found register w2/],
  ['w1 = *(u64 *)(r2 + 0)', 1, 8, /found 'u64'/],
  ['lock *(u16 *)(r10 - 8) += w1', 1, 8, /found 'u16'/],
  ['r1 = *(u8 *)(w2 + 0)', 1, 14, /found register w2/],
  ['if r1 == 0 GOTO +1', 1, 12, /'GOTO' \(keywords are lower case\)/],
  ['exit 1', 1, 6, /expected end of statement, found an immediate/],
  ['r1 =', 1, 5, /incomplete instruction: expected/],
  ['if r1 > 3 goto', 1, 15, /incomplete instruction/],
  ['r1 = (3)', 1, 7, /expected 's8', 's16' or 's32', found an immediate/],
  ['r1 = ~0', 1, 6, /unexpected '~'/],
  ['r1 = 1 ll ll', 1, 11, /found 'll'/],
  ['r1 = -r2', 1, 7, /same as the destination \(tied/],
  ['r1 = le16 r2', 1, 11, /tied/],
  ['w1 = xchg32_32(r10 - 8, w2)', 1, 25, /tied/],
  ['r0 = cmpxchg_64(r10 - 8, r1, r2)', 1, 26, /must be register r0/],
  ['r1 = *(u8 *)skb[4]', 1, 1, /must be register r0/],
  ['callx w1', 1, 7, /found register w1/],
  // Immediates and offsets
  ['r1 = *(u8 *)(r2 + 32768)', 1, 17, /memory offset must be a constant in \[-32768, 32767\]/],
  ['r1 = *(u8 *)(r2)', 1, 16, /incomplete instruction|found '\)'/],
  ['*(u32 *)(r1 + sym) = 1', 1, 13, /found '\+'|memory offset/],
  ['goto +32768', 1, 6, /jump offset must be a label or a constant in \[-32768, 32767\]/],
  ['gotol -32769', 1, 7, /jump offset/],
  ['if r1 == 0 goto sym + 8', 1, 17, /jump target must be a label/],
  ['r1 = 1 / 0', 1, 8, /division by zero/],
  ['r1 = 0x', 1, 6, /invalid hexadecimal number/],
  ['r1 = 08', 1, 6, /invalid octal number/],
  ['r1 = 18446744073709551616 ll', 1, 6, /does not fit in 64 bits/],
  ['r1 = "abc', 1, 6, /unterminated string/],
  ["r1 = 'ab'", 1, 6, /exactly one character/],
  ['r1 = a@b ll', 1, 7, /symbol variants/],
  // Labels and symbols (resolved in the second pass)
  ['\tif r1 > 5 goto nowhere\n\texit', 1, 17, /jump target undefined symbol 'nowhere'/],
  ['goto .Lnowhere', 1, 6, /undefined temporary symbol '\.Lnowhere'/],
  ['call .Lnowhere', 1, 6, /undefined temporary symbol '\.Lnowhere'/],
  ['r1 = .Lnowhere ll', 1, 6, /undefined temporary symbol/],
  ['\t.globl foo\nfoo:\n\tgoto foo', 3, 7, /is global: a jump needs a local label/],
  ['\t.section .a,"ax"\nL:\n\t.text\n\tgoto L', 4, 7, /is in section \.a, not in \.text/],
  ['\tgotol ext', 1, 8, /gotol target undefined symbol 'ext'/],
  ['\tr1 = ext', 1, 7, /symbol in a 32-bit immediate .*undefined symbol 'ext'/],
  ['\tW1 = W2', 1, 7, /'W2' is not a register here/],
  ['\tr1 = 5 + r2', 1, 7, /'r2' is not a register here/],
  ['foo:\nfoo:', 2, 1, /symbol 'foo' is already defined/],
  ['1: goto 2b', 1, 9, /numeric label 2b has no earlier definition/],
  ['\tgoto 3f\n\texit', 1, 7, /numeric label 3 is referenced forward/],
  ['\tr1 = sub - other ll\nsub: exit\n\t.section .o,"ax"\nother: exit', 1, 7, /cannot represent a difference across sections/],
  ['\t.data\n\t.byte sym', 2, 8, /no 8-bit relocations/],
  ['\t.data\n\t.short sym', 2, 9, /no 16-bit relocations/],
  // Directives
  ['.foo 1', 1, 1, /unknown directive '\.foo'/],
  ['\t.word 1', 1, 2, /unknown directive '\.word'/],
  ['\t.hword 1', 1, 2, /unknown directive '\.hword'/],
  ['\t.TEXT', 1, 2, /unknown directive '\.TEXT'/],
  ['\t.data\n\t.byte 256', 2, 8, /value 256 does not fit in 1 byte/],
  ['\t.data\n\t.short -32769', 2, 9, /does not fit in 2 bytes/],
  ['\t.data\n\t.long 0x100000000', 2, 8, /does not fit in 4 bytes/],
  ['\t.section .a,"ax"\n\t.section .a,"aw"', 2, 11, /changed section flags for \.a/],
  ['\t.bss\n\tr0 = 0', 2, 2, /nobits and cannot hold instructions/],
  ['\t.bss\n\t.byte 1', 2, 8, /nobits and cannot hold non-zero data/],
  ['\t.bss\n\t.quad sym', 2, 8, /nobits and cannot hold relocated data/],
  ['\t.data\n\t.ascii "\\q"', 2, 10, /invalid escape sequence/],
  ['\t.data\n\t.ascii 5', 2, 9, /expected a string/],
  ['\t.p2align 32', 1, 11, /invalid alignment value/],
  ['\t.align 3', 1, 9, /alignment must be a power of 2/],
  ['\tr0 = 0\n\t.byte 1\n\t.p2align 3', 3, 11, /unable to pad 7 bytes with 8-byte nop/],
  ['\t.zero -1', 1, 8, /invalid number of bytes/],
  ['\t.fill 1, 2, sym', 1, 14, /must be an absolute expression/],
  ['\t.type foo, @bogus', 1, 13, /unsupported symbol type 'bogus'/],
  ['\t.section .a,"aw",@progbits,4', 1, 28, /section groups, linked-order and unique sections are not supported/],
  ['\t.lcomm x, 4, 4', 1, 15, /alignment not supported on this target/],
  ['\t.popsection', 1, 2, /\.popsection without a matching \.pushsection/],
  ['\t.size foo, bar\nfoo: exit', 1, 13, /\.size of 'foo' must be a constant/],
];

describe.skipIf(!ok)('assembly errors', () => {
  it.each(CASES)('%j → line %i, column %i', (source, line, column, message) => {
    let err: unknown;
    try {
      assembleLlvm(`${source}\n`, 'bad.s');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AsmError);
    const e = err as AsmError;
    expect(e.reason).toMatch(message);
    expect([e.line, e.column]).toEqual([line, column]);
    expect(e.message).toBe(`bad.s:${line}:${column}: error: ${e.reason}`);
    const ref = spawnSync('llvm-mc-19', ['-triple=bpfel', '-mcpu=v4', '-filetype=obj', '-o', '/dev/null'], { input: `${source}\n`, encoding: 'utf8' });
    expect(ref.status, `llvm-mc-19 accepted it:\n${ref.stderr}`).not.toBe(0);
  });

  it('reports a jump beyond 16 bits (llvm-mc aborts: "Branch target out of insn range")', () => {
    const source = `\tgoto far\n${'\tr0 = 0\n'.repeat(40_000)}far:\n\texit\n`;
    expect(() => assembleLlvm(source, 'far.s')).toThrow(/far.s:1:7: error: jump target is out of range/);
    const ref = spawnSync('llvm-mc-19', ['-triple=bpfel', '-mcpu=v4', '-filetype=obj', '-o', '/dev/null'], { input: source, encoding: 'utf8' });
    expect(ref.status).not.toBe(0);
    // gotol reaches it.
    expect(assembleLlvm(source.replace('goto far', 'gotol far'), 'far.s').sections[0]!.data[4]).toBe(40_000 & 0xff);
  });

  it('never throws anything but AsmError, whatever the input', () => {
    const junk = ['r1 = ((1)', '"', "'", '\\', '@', '$', '1:', '.section', '.section "a', '.type', '.size x', 'lock', '*', 'if',
      'r1 = 1 <<', 'goto 0b', '0b:', '.set', '.set x, y', '.fill', '.p2align', '.uleb128 x', '.file 1', '.globl', 'r1 = 5 +'];
    for (const j of junk) {
      try {
        assembleLlvm(`${j}\n`, 'junk.s');
      } catch (e) {
        expect(e, j).toBeInstanceOf(AsmError);
      }
    }
  });
});
