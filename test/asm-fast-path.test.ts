// The assembler's byte scanner (elf/asm/fast.ts) against its general statement parser: on random
// statements — every instruction form of the bench input, with registers, numbers and symbols
// drawn from valid and invalid ones, odd blanks and comments, labels, and broken tokens — the
// object (section bytes, relocations, symbols) or the error (message, line, column) must be the
// same whether the scanner takes the statements it can or the general path takes them all, and
// whether the scanner reads the source string or the file's ASCII bytes (as `tsbpf asm` gives it).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AsmError } from '../isa/index.js';
import { Assembler } from '../elf/asm/assembler.js';
import { paddedSourceBytes } from '../elf/asm/fast.js';

const REGS = ['r0', 'r1', 'r5', 'r9', 'r10', 'r11', 'r12', 'w0', 'w3', 'w10', 'w11', 'R1', 'rx'];
const NUMBERS = [
  '0', '7', '-1', '-4096', '32767', '32768', '-32768', '-32769', '2147483647', '2147483648', '-2147483649',
  '4294967295', '4294967296', '0x7f', '0xffffffff', '0x123456789abcdef0', '18446744073709551615',
  '18446744073709551616', '15686919649803963122', '012', '0b101', '1f', '1b', '- 5', '+3', '0x', '99999999999999999999',
];
const SYMBOLS = ['.L0', '.L1', 'sub', 'ext_fn0', 'ext_map3', 'prog', 'goto', 'GOTO', 'c'];
const ALU = ['+=', '-=', '*=', '/=', '%=', '|=', '&=', '<<=', '>>=', 's>>=', '^=', '=', 's/=', 's%=', '=='];
const JMP = ['==', '!=', '>', '>=', '<', '<=', 's>', 's>=', 's<', 's<=', '&', '+='];
const SIZES = ['u8', 'u16', 'u32', 'u64', 's8', 's16', 's32', 'u128'];

// Mostly what a form takes (so that most programs assemble), sometimes what none does.
const reg = fc.oneof(
  { weight: 20, arbitrary: fc.integer({ min: 0, max: 10 }).map((r) => `r${r}`) },
  { weight: 1, arbitrary: fc.constantFrom(...REGS) },
);
const num = fc.oneof(
  { weight: 20, arbitrary: fc.integer({ min: -300, max: 300 }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom(...NUMBERS) },
  { weight: 1, arbitrary: fc.integer({ min: -70000, max: 70000 }).map(String) },
);
const sym = fc.constantFrom(...SYMBOLS);
const operand = fc.oneof({ weight: 4, arbitrary: reg }, { weight: 4, arbitrary: num }, { weight: 1, arbitrary: sym });
const sign = fc.constantFrom('+', '-');

/** One instruction statement in the shape of a form of bench/varied-asm.mjs, operands drawn loosely. */
const instruction = fc.oneof(
  fc.tuple(reg, fc.constantFrom(...ALU), operand).map(([d, o, s]) => `${d} ${o} ${s}`),
  fc.tuple(reg, reg).map(([d, s]) => `${d} = -${s}`),
  fc.tuple(reg, fc.constantFrom('s8', 's16', 's32', 'u8'), reg).map(([d, t, s]) => `${d} = (${t})${s}`),
  fc.tuple(reg, fc.constantFrom('le16', 'le32', 'le64', 'be16', 'be64', 'bswap16', 'bswap32', 'bswap64', 'le8'), reg)
    .map(([d, o, s]) => `${d} = ${o} ${s}`),
  fc.tuple(reg, fc.constantFrom(...JMP), operand, operand).map(([d, o, s, t]) => `if ${d} ${o} ${s} goto ${t}`),
  fc.tuple(fc.constantFrom('goto', 'gotol', 'may_goto', 'call', 'callx'), operand).map(([k, t]) => `${k} ${t}`),
  fc.tuple(reg, fc.constantFrom(...SIZES), reg, sign, num).map(([d, z, s, g, o]) => `${d} = *(${z} *)(${s} ${g} ${o})`),
  fc.tuple(fc.constantFrom(...SIZES), reg, sign, num, operand).map(([z, d, g, o, s]) => `*(${z} *)(${d} ${g} ${o}) = ${s}`),
  fc.tuple(fc.constantFrom('u8', 'u16', 'u32', 'u64'), operand).map(([z, s]) => `r0 = *(${z} *)skb[${s}]`),
  fc.tuple(fc.constantFrom('u32', 'u64', 'u16'), reg, num, fc.constantFrom('+=', '|=', '&=', '^=', '-='), reg)
    .map(([z, d, o, op, s]) => `lock *(${z} *)(${d} + ${o}) ${op} ${s}`),
  fc.tuple(reg, fc.constantFrom('add', 'or', 'and', 'xor', 'sub'), fc.constantFrom('u32', 'u64'), reg, num, reg)
    .map(([d, f, z, a, o, s]) => `${d} = atomic_fetch_${f}((${z} *)(${a} + ${o}), ${s})`),
  fc.tuple(reg, fc.constantFrom('xchg_64', 'xchg32_32', 'cmpxchg_64', 'cmpxchg32_32'), reg, num, reg, reg)
    .map(([d, k, a, o, s, t]) => (k.startsWith('cmp') ? `${d} = ${k}(${a} + ${o}, ${s}, ${t})` : `${d} = ${k}(${a} + ${o}, ${s})`)),
  fc.tuple(reg, operand).map(([d, v]) => `${d} = ${v} ll`),
  fc.constantFrom('exit', 'r0 = 0', 'EXIT', 'exit 1', '*', 'r1 = r2 +', 'if r1 goto .L0'),
);

/** A statement with its surroundings: blanks, a comment, a label, or a `;` between statements. */
const line = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(fc.constantFrom('\t', ' ', '', '\t '), instruction, fc.constantFrom('', ' ', ' # note', ' // note', ' /* c */', ';', '\r'))
    .map(([a, s, b]) => `${a}${s}${b}`) },
  { weight: 1, arbitrary: fc.constantFrom('.L0:', '.L1 :', 'sub:', '1:', 'prog:', '.L0: r0 = 0', '') },
  { weight: 1, arbitrary: fc.tuple(instruction, instruction).map(([a, b]) => `\t${a}; ${b}`) },
);

const program = fc.array(line, { minLength: 1, maxLength: 4 })
  .map((lines) => `\t.text\n\t.globl\tprog\nprog:\n${lines.join('\n')}\n.L0:\n.L1:\nsub:\n\texit\n`);

type Outcome = { error: string } | { sections: unknown; symbols: unknown };

function assemble(source: string, mode: 'general' | 'fast' | 'bytes'): Outcome {
  const as = new Assembler(source, 'p.s', 'le');
  if (mode === 'general') as.fastPath = false;
  if (mode === 'bytes') as.fastBytes = paddedSourceBytes(Uint8Array.from(source, (c) => c.charCodeAt(0)));
  try {
    const obj = as.run();
    return {
      sections: obj.sections.map((s) => ({ ...s, data: Array.from(s.data) })),
      symbols: obj.symbols,
    };
  } catch (e) {
    if (!(e instanceof AsmError)) throw e;
    return { error: `${e.file}:${e.line}:${e.column}: ${e.reason}` };
  }
}

describe('the byte scanner and the general parser', () => {
  it('give the same object or the same error on random statements', () => {
    let errors = 0;
    let objects = 0;
    fc.assert(fc.property(program, (source) => {
      const general = assemble(source, 'general');
      if ('error' in general) errors++;
      else objects++;
      expect(assemble(source, 'fast'), source).toEqual(general);
      expect(assemble(source, 'bytes'), source).toEqual(general);
    }), { numRuns: 1500 });
    // Both outcomes are exercised.
    expect(errors).toBeGreaterThan(150);
    expect(objects).toBeGreaterThan(150);
  });

  it('take the same statements in the bench input as a whole', async () => {
    const { variedSource } = await import('../bench/varied-asm.mjs');
    const source = variedSource(3000, 7);
    const general = assemble(source, 'general');
    expect('error' in general).toBe(false);
    expect(assemble(source, 'fast')).toEqual(general);
    expect(assemble(source, 'bytes')).toEqual(general);
  });
});
