// The bpf_conformance / uBPF `%rN` assembly syntax: printer/assembler round
// trips over random instructions, every spelling and operand form, the error
// messages with their positions, and the `.data` file parser.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AsmError, type Instruction, assembleUbpf, encodeInstructions, formatUbpf, formatUbpfProgram, parseConformanceData,
  ubpfUnsupportedReason,
} from '../isa/index.js';
import { asmErrorOf } from './support/asm-error.js';
import { instruction, instructionByKind } from './support/arbitraries.js';

/**
 * Model forms the syntax has no spelling for (nothing in the 373 conformance
 * files uses them and uBPF/bpf_conformance define none):
 * - addr_space_cast (ALU64 MOV X off=1) and may_goto (JMP JCOND): Linux-only;
 * - ld_imm64 with pseudo source != 0 (map fd, map value, BTF id, func, map idx): `lddw` takes a value only;
 * - kfunc calls with offset != 0 (module BTF via fd_array): `call runtime N` has no offset operand;
 * - atomic load-acquire / store-release (any size): `lock` spells only read-modify-write ops.
 * Everything else round-trips, including ldabs/ldind (legacy packet loads, spelled
 * `ldabs{b,h,w} imm` and `ldind{b,h,w} %rS, imm` as in rbpf, an extension of ours).
 */
function expressible(x: Instruction): boolean {
  switch (x.kind) {
    case 'addrSpaceCast': case 'mayGoto': return false;
    case 'ldImm64': return x.pseudo === 0;
    case 'call': return x.offset === 0;
    case 'atomic': return x.op !== 'loadAcquire' && x.op !== 'storeRelease';
    default: return true;
  }
}

// addrSpaceCast and mayGoto never pass the filter, so their arbitraries stay out of oneof.
const roundTripInstruction = fc.oneof(
  ...Object.entries(instructionByKind)
    .filter(([kind]) => kind !== 'addrSpaceCast' && kind !== 'mayGoto')
    .map(([, a]) => (a as fc.Arbitrary<Instruction>).filter(expressible)),
);


const one = (line: string): Instruction => {
  const prog = assembleUbpf(line, 't.s');
  expect(prog).toHaveLength(1);
  return prog[0]!;
};

describe('ubpf syntax: printer and assembler are inverse', () => {
  it('assembleUbpf(formatUbpf(x)) deep-equals [x] for every expressible instruction', () => {
    fc.assert(fc.property(roundTripInstruction, (x) => {
      expect(assembleUbpf(formatUbpf(x), 'prop.s')).toEqual([x]);
    }), { numRuns: 20_000 });
  });

  it('…and re-encodes to the same bytes', () => {
    fc.assert(fc.property(roundTripInstruction, (x) => {
      const bytes = encodeInstructions(assembleUbpf(formatUbpf(x), 'prop.s'));
      expect(bytes).toEqual(encodeInstructions([x]));
    }), { numRuns: 5_000 });
  });

  it('whole programs round-trip through formatUbpfProgram', () => {
    fc.assert(fc.property(fc.array(roundTripInstruction, { maxLength: 40 }), (prog) => {
      expect(assembleUbpf(formatUbpfProgram(prog), 'prog.s')).toEqual(prog);
    }), { numRuns: 2_000 });
  });

  it('formatUbpf refuses exactly the documented exclusions, naming why', () => {
    fc.assert(fc.property(instruction, (x) => {
      const reason = ubpfUnsupportedReason(x);
      expect(reason === undefined).toBe(expressible(x));
      if (reason !== undefined) expect(() => formatUbpf(x)).toThrow(reason);
    }), { numRuns: 5_000 });
    // each exclusion, once, by example
    expect(() => formatUbpf({ kind: 'addrSpaceCast', dst: 1, src: 2, dstAddrSpace: 0, srcAddrSpace: 1 })).toThrow(/addr_space_cast/);
    expect(() => formatUbpf({ kind: 'mayGoto', offset: 1 })).toThrow(/may_goto/);
    expect(() => formatUbpf({ kind: 'ldImm64', dst: 1, pseudo: 1, imm: 3, nextImm: 0 })).toThrow(/pseudo source 1/);
    expect(() => formatUbpf({ kind: 'call', callee: 'kfunc', imm: 7, offset: 2 })).toThrow(/offset/);
    expect(() => formatUbpf({ kind: 'atomic', size: 1, op: 'loadAcquire', fetch: false, dst: 0, src: 1, offset: 0 }))
      .toThrow(/loadAcquire/);
  });

  it('the filtered generator still covers every expressible kind', () => {
    const kinds = new Set(fc.sample(roundTripInstruction, 3_000).map((x) => x.kind));
    expect([...kinds].sort()).toEqual(Object.keys(instructionByKind)
      .filter((k) => k !== 'addrSpaceCast' && k !== 'mayGoto').sort());
  });
});

describe('ubpf syntax: spellings', () => {
  it('ALU: no suffix and 64 are ALU64, 32 is ALU; register or immediate source', () => {
    expect(one('add %r1, 2')).toEqual({ kind: 'alu', width: 64, op: 'add', dst: 1, src: { kind: 'imm', value: 2 } });
    expect(one('add64 %r1, %r2')).toEqual({ kind: 'alu', width: 64, op: 'add', dst: 1, src: { kind: 'reg', reg: 2 } });
    expect(one('arsh32 %r10, -3')).toEqual({ kind: 'alu', width: 32, op: 'arsh', dst: 10, src: { kind: 'imm', value: -3 } });
    for (const op of ['sub', 'mul', 'div', 'sdiv', 'or', 'and', 'lsh', 'rsh', 'mod', 'smod', 'xor', 'mov', 'arsh']) {
      expect(one(`${op}32 %r3, %r4`)).toMatchObject({ kind: 'alu', width: 32, op });
    }
  });

  it('neg, movsx, byte order', () => {
    expect(one('neg %r2')).toEqual({ kind: 'neg', width: 64, dst: 2 });
    expect(one('neg64 %r2')).toEqual({ kind: 'neg', width: 64, dst: 2 });
    expect(one('neg32 %r2')).toEqual({ kind: 'neg', width: 32, dst: 2 });
    expect(one('movsx832 %r0, %r1')).toEqual({ kind: 'movsx', width: 32, bits: 8, dst: 0, src: 1 });
    expect(one('movsx1664 %r0, %r1')).toEqual({ kind: 'movsx', width: 64, bits: 16, dst: 0, src: 1 });
    expect(one('movsx3264 %r0, %r1')).toEqual({ kind: 'movsx', width: 64, bits: 32, dst: 0, src: 1 });
    expect(asmErrorOf(() => one('movsx3232 %r0, %r1')).reason).toBe('Invalid mnemonic: movsx3232');
    expect(one('le16 %r0')).toEqual({ kind: 'endian', order: 'le', bits: 16, dst: 0 });
    expect(one('be64 %r0')).toEqual({ kind: 'endian', order: 'be', bits: 64, dst: 0 });
    expect(one('bswap32 %r0')).toEqual({ kind: 'endian', order: 'swap', bits: 32, dst: 0 });
    expect(one('swap32 %r0')).toEqual(one('bswap32 %r0'));
    expect(formatUbpf(one('swap16 %r5'))).toBe('bswap16 %r5');
  });

  it('loads and stores with [%rN], [%rN+off], [%rN-off], hex offsets and inner spaces', () => {
    expect(one('ldxdw %r0, [%r1]')).toEqual({ kind: 'ldx', size: 8, signed: false, dst: 0, src: 1, offset: 0 });
    expect(one('ldxb %r0, [%r1+0x10]')).toEqual({ kind: 'ldx', size: 1, signed: false, dst: 0, src: 1, offset: 16 });
    expect(one('ldxsh %r0, [%r10-2]')).toEqual({ kind: 'ldx', size: 2, signed: true, dst: 0, src: 10, offset: -2 });
    expect(one('ldxw %r0, [ %r1 + 4 ]')).toEqual({ kind: 'ldx', size: 4, signed: false, dst: 0, src: 1, offset: 4 });
    expect(asmErrorOf(() => one('ldxsdw %r0, [%r1]')).reason).toBe('Invalid mnemonic: ldxsdw');
    expect(one('stw [%r10-4], 0x80000001')).toEqual({ kind: 'st', size: 4, dst: 10, offset: -4, imm: -0x7fffffff });
    expect(one('stxh [%r10-32768], %r1')).toEqual({ kind: 'stx', size: 2, dst: 10, src: 1, offset: -32768 });
    expect(one('stdw [%r1+32767], -1')).toEqual({ kind: 'st', size: 8, dst: 1, offset: 32767, imm: -1 });
  });

  it('lddw: hex is the unsigned 64-bit pattern, decimal may be negative', () => {
    expect(one('lddw %r0, 0x1122334455667788')).toEqual({ kind: 'ldImm64', dst: 0, pseudo: 0, imm: 0x55667788, nextImm: 0x11223344 });
    expect(one('lddw %r0, 0xFFFFFFFFFFFFFFFF')).toEqual({ kind: 'ldImm64', dst: 0, pseudo: 0, imm: -1, nextImm: -1 });
    expect(one('lddw %r0, -2')).toEqual({ kind: 'ldImm64', dst: 0, pseudo: 0, imm: -2, nextImm: -1 });
    expect(one('lddw %r0, 2147483648')).toEqual({ kind: 'ldImm64', dst: 0, pseudo: 0, imm: -0x80000000, nextImm: 0 });
    expect(asmErrorOf(() => one('lddw %r0, 0x10000000000000000')).reason).toBe('Immediate out of 64-bit range: 0x10000000000000000');
    expect(asmErrorOf(() => one('lddw %r0, 9223372036854775808')).reason).toBe('Immediate out of 64-bit range: 9223372036854775808');
  });

  it('32-bit immediates: hex up to 0xffffffff (bit pattern), decimal signed', () => {
    expect(one('mov32 %r0, 0xffffffff')).toMatchObject({ src: { kind: 'imm', value: -1 } });
    expect(one('mov %r0, 0x80000000')).toMatchObject({ src: { kind: 'imm', value: -0x80000000 } });
    expect(one('mov %r0, -2147483648')).toMatchObject({ src: { kind: 'imm', value: -0x80000000 } });
    expect(one('mov %r0, 2147483647')).toMatchObject({ src: { kind: 'imm', value: 0x7fffffff } });
    expect(asmErrorOf(() => one('mov %r0, -2147483649')).reason).toBe('Immediate out of 32-bit range: -2147483649');
    expect(asmErrorOf(() => one('jeq %r0, 4294967295, +1')).reason).toBe('Immediate out of 32-bit range: 4294967295');
    expect(asmErrorOf(() => one('mov %r0, 1x')).reason).toBe('Invalid immediate: 1x');
  });

  it('jumps, calls, atomics, exit', () => {
    expect(one('ja +3')).toEqual({ kind: 'ja', offset: 3 });
    expect(one('ja -1')).toEqual({ kind: 'ja', offset: -1 });
    expect(one('ja32 -100000')).toEqual({ kind: 'gotol', imm: -100000 });
    expect(one('jsle32 %r1, %r2, +7')).toEqual({
      kind: 'jump', width: 32, op: 'jsle', dst: 1, src: { kind: 'reg', reg: 2 }, offset: 7,
    });
    expect(one('jset %r1, 0x80000000, -2')).toEqual({
      kind: 'jump', width: 64, op: 'jset', dst: 1, src: { kind: 'imm', value: -0x80000000 }, offset: -2,
    });
    expect(one('call 5')).toEqual({ kind: 'call', callee: 'helper', imm: 5, offset: 0 });
    expect(one('call local +2')).toEqual({ kind: 'call', callee: 'local', imm: 2, offset: 0 });
    expect(one('call runtime 77')).toEqual({ kind: 'call', callee: 'kfunc', imm: 77, offset: 0 });
    expect(one('call %r2')).toEqual({ kind: 'callx', dst: 2 });
    expect(one('lock add [%r10-8], %r1')).toEqual({ kind: 'atomic', size: 8, op: 'add', fetch: false, dst: 10, src: 1, offset: -8 });
    expect(one('lock fetch xor32 [%r1], %r2')).toEqual({ kind: 'atomic', size: 4, op: 'xor', fetch: true, dst: 1, src: 2, offset: 0 });
    expect(one('lock xchg [%r1+8], %r2')).toEqual({ kind: 'atomic', size: 8, op: 'xchg', fetch: true, dst: 1, src: 2, offset: 8 });
    expect(one('lock cmpxchg32 [%r1], %r2')).toEqual({ kind: 'atomic', size: 4, op: 'cmpxchg', fetch: true, dst: 1, src: 2, offset: 0 });
    expect(formatUbpf(one('lock xchg32 [%r1], %r2'))).toBe('lock xchg32 [%r1], %r2');
    expect(formatUbpf(one('lock fetch or [%r1-4], %r2'))).toBe('lock fetch or [%r1-4], %r2');
    expect(one('exit')).toEqual({ kind: 'exit' });
    expect(one('ldabsh 12')).toEqual({ kind: 'ldAbs', size: 2, imm: 12 });
    expect(one('ldindw %r3, -4')).toEqual({ kind: 'ldInd', size: 4, src: 3, imm: -4 });
  });

  it('printer spellings', () => {
    expect(formatUbpf({ kind: 'alu', width: 32, op: 'sdiv', dst: 1, src: { kind: 'imm', value: -7 } })).toBe('sdiv32 %r1, -7');
    expect(formatUbpf({ kind: 'jump', width: 64, op: 'jne', dst: 1, src: { kind: 'reg', reg: 9 }, offset: 0 })).toBe('jne %r1, %r9, +0');
    expect(formatUbpf({ kind: 'ldImm64', dst: 3, pseudo: 0, imm: -1, nextImm: 0 })).toBe('lddw %r3, 0xffffffff');
    expect(formatUbpf({ kind: 'ldx', size: 8, signed: false, dst: 0, src: 1, offset: -8 })).toBe('ldxdw %r0, [%r1-8]');
    expect(formatUbpf({ kind: 'call', callee: 'local', imm: -3, offset: 0 })).toBe('call local -3');
    expect(formatUbpfProgram([{ kind: 'ja', offset: 0 }, { kind: 'exit' }])).toBe('ja +0\nexit\n');
  });
});

describe('ubpf syntax: labels', () => {
  it('resolves forward and backward labels in slots (lddw counts two)', () => {
    const prog = assembleUbpf([
      'start:',
      '  lddw %r0, 1',
      '  jeq %r0, 1, done   # forward',
      '  ja start',
      'done:',
      '  exit',
    ].join('\n'), 't.s');
    expect(prog).toEqual([
      { kind: 'ldImm64', dst: 0, pseudo: 0, imm: 1, nextImm: 0 },
      { kind: 'jump', width: 64, op: 'jeq', dst: 0, src: { kind: 'imm', value: 1 }, offset: 1 },
      { kind: 'ja', offset: -4 },
      { kind: 'exit' },
    ]);
  });

  it('the first exit is the implicit label exit; an explicit exit: label wins', () => {
    expect(assembleUbpf('jne %r0, 0, exit\nmov %r0, 1\nexit\nexit', 't.s')[0]).toMatchObject({ offset: 1 });
    expect(assembleUbpf('ja exit\nexit\nexit:\nexit', 't.s')[0]).toEqual({ kind: 'ja', offset: 1 });
    expect(asmErrorOf(() => assembleUbpf('ja exit\nmov %r0, 0', 't.s')).reason).toBe('Invalid label: exit');
  });

  it('ja32 and call local take labels with 32-bit reach', () => {
    expect(assembleUbpf('ja32 L\nL:\nexit', 't.s')[0]).toEqual({ kind: 'gotol', imm: 0 });
    expect(assembleUbpf('exit\nf:\nexit\ncall local f', 't.s')[2]).toEqual({ kind: 'call', callee: 'local', imm: -2, offset: 0 });
    const far = `ja32 L\n${'mov %r0, 0\n'.repeat(40_000)}L:\nexit`;
    expect(assembleUbpf(far, 't.s')[0]).toEqual({ kind: 'gotol', imm: 40_000 });
    const tooFar = asmErrorOf(() => assembleUbpf(`ja L\n${'mov %r0, 0\n'.repeat(40_000)}L:\nexit`, 't.s'));
    expect(tooFar.reason).toBe('Jump to L out of 16-bit offset range: 40000');
    expect([tooFar.line, tooFar.column]).toEqual([1, 4]);
  });

  it('rejects duplicate and malformed labels', () => {
    const dup = asmErrorOf(() => assembleUbpf('a:\nexit\n  a:\nexit', 't.s'));
    expect([dup.reason, dup.line, dup.column]).toEqual(['Duplicate label: a', 3, 3]);
    expect(asmErrorOf(() => assembleUbpf('1x:\nexit', 't.s')).reason).toBe('Invalid label: 1x');
    expect(asmErrorOf(() => assembleUbpf('ja 5', 't.s')).reason).toBe('Invalid label: 5');
  });
});

describe('ubpf syntax: errors carry the reason and a 1-based position', () => {
  const cases: [source: string, reason: string, line: number, column: number][] = [
    ['or %r0, %r50', 'Invalid register: %r50', 1, 9],
    ['mov %r11, 1', 'Invalid register: %r11', 1, 5],
    ['mov 1, 1', 'Invalid register: 1', 1, 5],
    ['exit\n\tldxq %r0, %r1', 'Invalid mnemonic: ldxq', 2, 2],
    ['ldxb %r0, %r1', 'Failed to decode register and offset: %r1', 1, 11],
    ['ldxb %r0, [%r1+0x10000]', 'Offset out of 16-bit range: +0x10000', 1, 15],
    ['stb [%r1 - 40000], 1', 'Offset out of 16-bit range: -40000', 1, 10],
    ['ldxb %r0, [%r99+1]', 'Invalid register: %r99', 1, 12],
    ['ldxb %r0, [%r1+x]', 'Invalid offset: +x', 1, 15],
    ['ja +32768', 'Offset out of 16-bit range: +32768', 1, 4],
    ['ja32 +2147483648', 'Offset out of 32-bit range: +2147483648', 1, 6],
    ['mov32 %r0, 0x100000000', 'Immediate out of 32-bit range: 0x100000000', 1, 12],
    ['lddw %r0', 'Invalid number of operands for mnemonic: lddw', 1, 1],
    ['exit %r0', 'Invalid number of operands for mnemonic: exit', 1, 1],
    ['  add %r0, %r1, %r2', 'Invalid number of operands for mnemonic: add', 1, 3],
    ['mov %r0,', 'Empty operand', 1, 9],
    ['call', 'Invalid number of operands for mnemonic: call', 1, 1],
    ['call local', 'Invalid number of operands for mnemonic: call', 1, 1],
    ['lock', 'Invalid number of operands for lock', 1, 1],
    ['lock or [%r10-8]', 'Invalid number of operands for lock', 1, 1],
    ['lock fetch', 'Invalid number of operands for lock', 1, 1],
    ['lock nand [%r1], %r2', 'Invalid atomic operation: nand', 1, 6],
    ['ja NOT_A_LABEL\nexit', 'Invalid label: NOT_A_LABEL', 1, 4],
  ];
  it.each(cases)('%j → %s', (source, reason, line, column) => {
    const err = asmErrorOf(() => assembleUbpf(source, 'e.s'));
    expect({ reason: err.reason, line: err.line, column: err.column }).toEqual({ reason, line, column });
    expect(err.message).toBe(`e.s:${line}:${column}: error: ${reason}`);
  });

  it('firstLine shifts reported lines for sources embedded in a larger file', () => {
    const err = asmErrorOf(() => assembleUbpf('exit\nbogus', 'f.data', { firstLine: 10 }));
    expect([err.file, err.line, err.column]).toEqual(['f.data', 11, 1]);
  });

  it('comments and blank lines are ignored; columns count from the original line', () => {
    expect(assembleUbpf('# only a comment\n\n   exit # trailing', 't.s')).toEqual([{ kind: 'exit' }]);
    expect(asmErrorOf(() => assembleUbpf('mov %r0, %r1 # ok\n  or %r0, %r12', 't.s')).column).toBe(11);
  });
});

describe('conformance .data parser', () => {
  it('reads every section, both raw forms, decimal and hex results, and keeps asm verbatim', () => {
    const text = [
      '# header comment',
      '-- asm',
      'mov %r0, 1 # one',
      'exit',
      '-- raw',
      '0x00000001000000b7',
      '0x0000000000000095',
      '-- mem',
      '00 01 ff',
      'AA',
      '-- result',
      '18446744073709551615',
      '-- c',
      'int x = 1; -- not a section? it is: ignored either way',
    ].join('\n');
    const d = parseConformanceData(text, 'x.data');
    expect(d.asm).toEqual({ text: 'mov %r0, 1 # one\nexit', line: 3 });
    expect([...d.raw!]).toEqual([0xb7, 0, 0, 0, 1, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);
    expect([...d.mem!]).toEqual([0, 1, 0xff, 0xaa]);
    expect(d.result).toBe(0xffffffffffffffffn);
    expect(d.error).toBeUndefined();
  });

  it('reads the byte-per-token raw form and negative results', () => {
    const d = parseConformanceData('-- raw\n07 00 01 00 01 00 00 00\n95 00 00 00 00 00 00 00\n-- result\n-1\n-- error\n', 'y.data');
    expect([...d.raw!]).toEqual([7, 0, 1, 0, 1, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);
    expect(d.result).toBe(0xffffffffffffffffn);
    expect(d.error).toBe('');
  });

  it('ignores the informational sections', () => {
    expect(parseConformanceData('-- no register offset\ncall instruction\n-- result\n0x2', 'z.data')).toEqual({ result: 2n });
  });

  it('rejects unknown and repeated sections and malformed content with positions', () => {
    const cases: [string, string, number, number][] = [
      ['-- Unknown directive\n', 'Unknown section: -- Unknown directive', 1, 1],
      ['-- result\n1\n  -- result\n2', 'Duplicate section: -- result', 3, 3],
      ['-- raw\n0x1 zz', 'Invalid raw instruction (expected a 64-bit hex value): zz', 2, 5],
      ['-- raw\n07 0', 'Invalid raw byte (expected two hex digits): 0', 2, 4],
      ['-- mem\n00 123', 'Invalid memory byte (expected two hex digits): 123', 2, 4],
      ['-- result\n0x1 0x2', 'Unexpected text in result section: 0x2', 2, 5],
      ['-- result\nabc', 'Invalid result value: abc', 2, 1],
      ['-- result\n', 'Empty result section', 1, 1],
      ['-- result\n0x10000000000000000', 'Result out of 64-bit range: 0x10000000000000000', 2, 1],
    ];
    for (const [text, reason, line, column] of cases) {
      const err = asmErrorOf(() => parseConformanceData(text, 'bad.data'));
      expect({ reason: err.reason, line: err.line, column: err.column }, text).toEqual({ reason, line, column });
    }
  });
});
