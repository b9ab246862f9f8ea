// The compiled engine against the reference interpreter on random programs: every ALU, jump,
// memory (stack and the run's memory block, in and out of bounds), atomic, byte-order and
// sign-extension form, bpf-to-bpf calls and may_goto. Same r0, same fault (instruction, region,
// message), same instruction count, same memory afterwards.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AluOp, Instruction, JumpOp, Register, Size } from '../isa/index.js';
import { compiledEngine, interpret, runRaw } from '../vm/index.js';

const ALU: AluOp[] = ['add', 'sub', 'mul', 'div', 'sdiv', 'mod', 'smod', 'or', 'and', 'xor', 'lsh', 'rsh', 'arsh', 'mov'];
const JMP: JumpOp[] = ['jeq', 'jne', 'jgt', 'jge', 'jlt', 'jle', 'jset', 'jsgt', 'jsge', 'jslt', 'jsle'];
const arbReg = fc.integer({ min: 0, max: 9 }) as fc.Arbitrary<Register>;
const arbWidth = fc.constantFrom(32 as const, 64 as const);
const arbImm = fc.oneof(fc.integer({ min: -2147483648, max: 2147483647 }), fc.constantFrom(0, 1, -1, 31, 32, 63, 64, -2147483648, 2147483647));
const arbSize = fc.constantFrom<Size>(1, 2, 4, 8);
const arbOperand = fc.oneof(arbImm.map((value) => ({ kind: 'imm' as const, value })), arbReg.map((reg) => ({ kind: 'reg' as const, reg })));
// Memory bases: the stack (r10), the memory block (kept in r9), or any register (usually a fault).
const arbBase = fc.oneof({ weight: 3, arbitrary: fc.constant(10 as Register) }, { weight: 3, arbitrary: fc.constant(9 as Register) }, { weight: 1, arbitrary: arbReg });
const arbOff = fc.oneof(fc.integer({ min: -520, max: 8 }), fc.integer({ min: -32768, max: 32767 }));

/** One straight-line instruction (jumps are placed separately so that they only go forward). */
const arbStraight: fc.Arbitrary<Instruction> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('alu' as const), width: arbWidth, op: fc.constantFrom(...ALU), dst: fc.integer({ min: 0, max: 8 }) as fc.Arbitrary<Register>, src: arbOperand }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('neg' as const), width: arbWidth, dst: arbReg }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('endian' as const), order: fc.constantFrom('le' as const, 'be' as const, 'swap' as const), bits: fc.constantFrom(16 as const, 32 as const, 64 as const), dst: arbReg }) },
  { weight: 1, arbitrary: fc.tuple(arbWidth, arbReg, arbReg, fc.constantFrom(8 as const, 16 as const, 32 as const)).map(([width, dst, src, bits]) => ({ kind: 'movsx' as const, width: bits === 32 ? 64 as const : width, dst, src, bits })) },
  { weight: 1, arbitrary: fc.tuple(arbReg, fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })).map(([dst, v]) => ({ kind: 'ldImm64' as const, dst, pseudo: 0 as const, imm: Number(BigInt.asIntN(32, v)), nextImm: Number(BigInt.asIntN(32, v >> 32n)) })) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('ldx' as const), size: arbSize, signed: fc.boolean(), dst: fc.integer({ min: 0, max: 8 }) as fc.Arbitrary<Register>, src: arbBase, offset: arbOff }).map((i) => (i.size === 8 ? { ...i, signed: false } : i)) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('st' as const), size: arbSize, dst: arbBase, offset: arbOff, imm: arbImm }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('stx' as const), size: arbSize, dst: arbBase, src: arbReg, offset: arbOff }) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(4 as const, 8 as const), fc.constantFrom<'add' | 'or' | 'and' | 'xor' | 'xchg' | 'cmpxchg'>('add', 'or', 'and', 'xor', 'xchg', 'cmpxchg'), fc.boolean(), arbBase, fc.integer({ min: 0, max: 8 }) as fc.Arbitrary<Register>, arbOff)
    .map(([size, op, fetch, dst, src, offset]) => ({ kind: 'atomic' as const, size, op, fetch: op === 'xchg' || op === 'cmpxchg' ? true : fetch, dst, src, offset })) },
  { weight: 1, arbitrary: fc.tuple(arbSize, fc.boolean(), arbBase, fc.integer({ min: 0, max: 8 }) as fc.Arbitrary<Register>, arbOff)
    .map(([size, acquire, base, r, offset]) => (acquire ? { kind: 'atomic' as const, size, op: 'loadAcquire' as const, fetch: false, dst: r, src: base, offset } : { kind: 'atomic' as const, size, op: 'storeRelease' as const, fetch: false, dst: base, src: r, offset })) },
);

type Piece = { kind: 'insn'; insn: Instruction } | { kind: 'jump'; width: 32 | 64; op: JumpOp; dst: Register; src: Instruction extends never ? never : { kind: 'imm'; value: number } | { kind: 'reg'; reg: Register }; skip: number } | { kind: 'mayGoto'; skip: number } | { kind: 'loop'; count: number; body: number };

const arbPiece: fc.Arbitrary<Piece> = fc.oneof(
  { weight: 10, arbitrary: arbStraight.map((insn) => ({ kind: 'insn' as const, insn })) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('jump' as const), width: arbWidth, op: fc.constantFrom(...JMP), dst: arbReg, src: arbOperand, skip: fc.integer({ min: 0, max: 6 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('mayGoto' as const), skip: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('loop' as const), count: fc.integer({ min: 1, max: 20 }), body: fc.integer({ min: 1, max: 4 }) }) },
);

const slotsOf = (i: Instruction): number => (i.kind === 'ldImm64' ? 2 : 1);

/** Lays pieces out: forward jumps by `skip` instructions (clamped to the end), counted loops on r8 jumping back over their body. */
function layout(pieces: Piece[], withCall: boolean): Instruction[] {
  const insns: Instruction[] = [{ kind: 'alu', width: 64, op: 'mov', dst: 9, src: { kind: 'reg', reg: 1 } }];
  for (let r = 0; r <= 8; r++) if (r !== 1) insns.push({ kind: 'ldImm64', dst: r as Register, pseudo: 0, imm: r * 0x1234567, nextImm: r % 3 === 0 ? -1 : r });
  const main: Instruction[] = [];
  const pending: { at: number; target: number }[] = [];
  for (let p = 0; p < pieces.length; p++) {
    const piece = pieces[p]!;
    if (piece.kind === 'insn') main.push(piece.insn);
    else if (piece.kind === 'jump' || piece.kind === 'mayGoto') {
      pending.push({ at: main.length, target: Math.min(main.length + 1 + piece.skip, Number.MAX_SAFE_INTEGER) });
      main.push(piece.kind === 'jump' ? { kind: 'jump', width: piece.width, op: piece.op, dst: piece.dst, src: piece.src, offset: 0 } : { kind: 'mayGoto', offset: 0 });
    } else {
      // r8 = count; body (straight pieces that follow, r8 untouched by construction below); r8 -= 1; if r8 != 0 goto body
      main.push({ kind: 'alu', width: 64, op: 'mov', dst: 8, src: { kind: 'imm', value: piece.count } });
      const start = main.length;
      for (let k = 0; k < piece.body && p + 1 < pieces.length && pieces[p + 1]!.kind === 'insn'; k++) {
        const insn = (pieces[++p] as { insn: Instruction }).insn;
        if ('dst' in insn && insn.dst === 8 && insn.kind !== 'st' && insn.kind !== 'stx' && insn.kind !== 'atomic') continue;
        if (insn.kind === 'atomic' && insn.src === 8) continue;
        main.push(insn);
      }
      main.push({ kind: 'alu', width: 64, op: 'sub', dst: 8, src: { kind: 'imm', value: 1 } });
      pending.push({ at: main.length, target: start });
      main.push({ kind: 'jump', width: 64, op: 'jne', dst: 8, src: { kind: 'imm', value: 0 }, offset: 0 });
    }
  }
  if (withCall) main.push({ kind: 'call', callee: 'local', imm: 0, offset: 0 });
  main.push({ kind: 'exit' });
  // Slot positions of main's instructions, then patch offsets.
  const base = insns.reduce((n, i) => n + slotsOf(i), 0);
  const pos: number[] = [];
  let s = base;
  for (const i of main) { pos.push(s); s += slotsOf(i); }
  pos.push(s);
  for (const { at, target } of pending) {
    const t = Math.min(target, main.length - 1);
    const off = pos[t]! - (pos[at]! + 1);
    const j = main[at]!;
    main[at] = { ...(j as { kind: 'jump' }), offset: off } as Instruction;
  }
  const prog = [...insns, ...main];
  if (withCall) {
    // The callee: a few instructions on its own frame, then exit; the call's imm is patched to reach it.
    const callAt = insns.length + main.length - 2;
    const callSlot = pos[main.length - 2]!;
    prog[callAt] = { kind: 'call', callee: 'local', imm: s - (callSlot + 1), offset: 0 };
    prog.push({ kind: 'st', size: 8, dst: 10, offset: -8, imm: 77 }, { kind: 'ldx', size: 8, signed: false, dst: 0, src: 10, offset: -8 },
      { kind: 'alu', width: 64, op: 'add', dst: 0, src: { kind: 'reg', reg: 6 } }, { kind: 'exit' });
  }
  return prog;
}

describe('compiled engine = reference interpreter', () => {
  it('on random programs: same r0, fault, instruction count and memory', () => {
    fc.assert(fc.property(fc.array(arbPiece, { minLength: 1, maxLength: 60 }), fc.boolean(), fc.uint8Array({ minLength: 0, maxLength: 64 }), fc.integer({ min: 5, max: 400 }),
      (pieces, withCall, memory, limit) => {
        const prog = layout(pieces, withCall);
        for (const maxInstructions of [1e6, limit]) {
          const a = runRaw(prog, { memory, engine: interpret, maxInstructions });
          const b = runRaw(prog, { memory, engine: compiledEngine, maxInstructions });
          expect(b.fault).toEqual(a.fault);
          expect(b.r0).toBe(a.r0);
          expect(b.insnsExecuted).toBe(a.insnsExecuted);
          expect(Buffer.from(b.memory).toString('hex')).toBe(Buffer.from(a.memory).toString('hex'));
        }
      }), { numRuns: 400 });
  });
});
