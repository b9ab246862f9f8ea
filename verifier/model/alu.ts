// ALU instructions (check_alu_op): moves, scalar arithmetic through the scalar
// domain, and pointer arithmetic (ptr-alu.ts), with the operand checks in the
// kernel's order.

import type { Instruction } from '../../isa/index.js';
import { scalarAlu, scalarEndian, type ScalarAluOp, zext32 } from '../scalar/alu.js';
import { syncBounds, asU64 } from '../scalar/scalar.js';
import { signExtend32, signExtend64 } from '../scalar/sext.js';
import { tnumIsConst } from '../scalar/tnum.js';
import { checkWritable, type Env, readReg, regs } from './env.js';
import { markPrecise } from './precision.js';
import { notModelled, reject } from './outcome.js';
import { adjustPointerArithmetic, pointerPointerArithmetic } from './ptr-alu.js';
import { checkDeltaLinkInLoop } from './may-goto.js';
import { cloneReg, constReg, immReg, isPointer, type RegState, scalarReg, unknownReg } from './reg.js';

/** Gives a non-constant scalar an id before it is copied, so that both copies stay linked (assign_scalar_id_before_mov). */
function linkBeforeCopy(env: Env, src: RegState): void {
  if (src.type === 'scalar' && src.id === 0 && !tnumIsConst(src.s.varOff)) src.id = env.nextId();
}

/** The number of low bits that can be non-zero (get_reg_width). */
function regWidth(r: RegState): number {
  return r.s.umax === 0n ? 0 : r.s.umax.toString(2).length;
}

function checkMov(env: Env, insn: Extract<Instruction, { kind: 'alu' }> | Extract<Instruction, { kind: 'movsx' }>): void {
  const rs = regs(env);
  if (insn.kind === 'movsx' || insn.src.kind === 'reg') {
    const srcNo = insn.kind === 'movsx' ? insn.src : (insn.src as { reg: number }).reg;
    readReg(env, srcNo);
    checkWritable(insn.dst);
    const src = rs[srcNo]!;
    const bits = insn.kind === 'movsx' ? insn.bits : 0;
    if (insn.width === 64) {
      if (bits === 0) {
        linkBeforeCopy(env, src);
        rs[insn.dst] = cloneReg(src);
      } else if (src.type === 'scalar') {
        const noSext = src.s.umax < 1n << BigInt(bits - 1);
        if (noSext) linkBeforeCopy(env, src);
        const d = scalarReg(signExtend64(src.s, (bits / 8) as 1 | 2 | 4));
        d.id = noSext ? src.id : 0;
        rs[insn.dst] = d;
      } else {
        rs[insn.dst] = unknownReg();
      }
      return;
    }
    // 32-bit: the low half of a scalar, or an unknown scalar for a pointer.
    let d: RegState;
    if (src.type === 'scalar') {
      if (bits === 0) {
        const fits = regWidth(src) <= 32;
        if (fits) linkBeforeCopy(env, src);
        d = cloneReg(src);
        if (!fits) d.id = 0;
      } else {
        const noSext = src.s.umax < 1n << BigInt(bits - 1);
        if (noSext) linkBeforeCopy(env, src);
        d = scalarReg(signExtend32(src.s, (bits / 8) as 1 | 2));
        d.id = noSext ? src.id : 0;
      }
    } else {
      d = unknownReg();
    }
    zext32(d.s);
    syncBounds(d.s);
    // A 32-bit copy of a value wider than 32 bits is no longer equal to its source.
    if (d.id !== 0 && src.s.umax > 0xffffffffn) d.id = 0;
    rs[insn.dst] = d;
    return;
  }
  checkWritable(insn.dst);
  const imm = BigInt(insn.src.value);
  rs[insn.dst] = constReg(insn.width === 64 ? asU64(imm) : BigInt.asUintN(32, imm));
}

const scalarOps: Partial<Record<string, ScalarAluOp>> = {
  add: 'add', sub: 'sub', mul: 'mul', div: 'div', sdiv: 'sdiv', mod: 'mod', smod: 'smod', or: 'or', and: 'and',
  lsh: 'lsh', rsh: 'rsh', arsh: 'arsh', xor: 'xor',
};

/** check_alu_op for one ALU, NEG, MOVSX or byte-order instruction. */
export function checkAlu(env: Env, insn: Instruction): void {
  const rs = regs(env);
  switch (insn.kind) {
    case 'alu':
      if (insn.op === 'mov') { checkMov(env, insn); return; }
      break;
    case 'movsx': checkMov(env, insn); return;
    case 'neg': case 'endian': {
      readReg(env, insn.dst);
      checkWritable(insn.dst);
      const d = rs[insn.dst]!;
      // Root may turn a pointer into an unknown scalar this way (is_pointer_value is false with allow_ptr_leaks).
      if (d.type !== 'scalar') {
        if (!env.opts.privileged) reject('EACCES', `R${insn.dst} pointer arithmetic prohibited`);
        rs[insn.dst] = unknownReg();
        return;
      }
      const s = insn.kind === 'neg' ? scalarAlu('neg', d.s, d.s, insn.width) : scalarEndian(d.s, insn.order, insn.bits);
      rs[insn.dst] = scalarReg(s);
      return;
    }
    case 'addrSpaceCast': notModelled('addr_space_cast');
    default: throw new Error(`checkAlu: ${insn.kind}`);
  }
  if (insn.src.kind === 'reg') readReg(env, insn.src.reg);
  readReg(env, insn.dst);
  checkWritable(insn.dst);
  const op = scalarOps[insn.op]!;
  const dst = rs[insn.dst]!;
  const src = insn.src.kind === 'reg' ? rs[insn.src.reg]! : immReg(insn.src.value);
  if (insn.src.kind === 'reg' && isPointer(src)) {
    if (isPointer(dst)) { pointerPointerArithmetic(env, insn); return; }
    // scalar += pointer: the pointer's rules, the result in dst.
    markPrecise(env, insn.dst);
    adjustPointerArithmetic(env, insn, src, dst, true);
    return;
  }
  if (isPointer(dst)) {
    if (insn.src.kind === 'reg') markPrecise(env, insn.src.reg);
    adjustPointerArithmetic(env, insn, dst, src, false);
    return;
  }
  checkDeltaLinkInLoop(env.state, dst, insn.dst, insn.width === 64 && (insn.op === 'add' || insn.op === 'sub') && insn.src.kind === 'imm');
  const result = scalarReg(scalarAlu(op, dst.s, src.s, insn.width));
  rs[insn.dst] = result;
}
