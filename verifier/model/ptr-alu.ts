// Pointer arithmetic (adjust_ptr_min_max_vals): which pointers may move, by
// which operators, and where the offset goes — a constant into the fixed
// offset, anything else into the variable part with its bounds.

import type { AluInstruction } from '../../isa/index.js';
import { asS32, S64_MAX, S64_MIN, syncBounds, U64_MAX, markUnbounded32 } from '../scalar/scalar.js';
import { tnumAdd, tnumIsConst, tnumSub } from '../scalar/tnum.js';
import { type Env, regs } from './env.js';
import { commitPointerAlu, sanitizePointerAlu } from './cap-bpf-alu.js';
import { reject } from './outcome.js';
import { cloneReg, isPktPointer, type RegState, regStr, unknownReg } from './reg.js';

/** BPF_MAX_VAR_OFF: bounds of a pointer's offsets. */
export const BPF_MAX_VAR_OFF = 1n << 29n;

const opText: Record<string, string> = {
  add: '+=', sub: '-=', mul: '*=', div: '/=', or: '|=', and: '&=', lsh: '<<=', rsh: '>>=', mod: '%=', xor: '^=', mov: '=', arsh: 's>>=',
  neg: 'neg', sdiv: '/=', smod: '%=',
};

/** pointer OP pointer: a privileged `-=` gives an unknown scalar; everything else is refused. */
export function pointerPointerArithmetic(env: Env, insn: AluInstruction): void {
  if (insn.op === 'sub' && env.opts.privileged) { regs(env)[insn.dst] = unknownReg(); return; }
  reject('EACCES', `R${insn.dst} pointer ${opText[insn.op]} pointer prohibited`);
}

/** check_reg_sane_offset for the offset register or the pointer. */
function checkSaneOffset(reg: RegState, typeText: string): void {
  const known = tnumIsConst(reg.s.varOff);
  const val = BigInt.asIntN(64, reg.s.varOff.value);
  if (known && (val >= BPF_MAX_VAR_OFF || val <= -BPF_MAX_VAR_OFF)) reject('EINVAL', `math between ${typeText} pointer and ${val} is not allowed`);
  if (reg.off >= Number(BPF_MAX_VAR_OFF) || reg.off <= -Number(BPF_MAX_VAR_OFF)) reject('EINVAL', `${typeText} pointer offset ${reg.off} is not allowed`);
  if (reg.s.smin === S64_MIN) reject('EINVAL', `math between ${typeText} pointer and register with unbounded min value is not allowed`);
  if (reg.s.smin >= BPF_MAX_VAR_OFF || reg.s.smin <= -BPF_MAX_VAR_OFF) reject('EINVAL', `value ${reg.s.smin} makes ${typeText} pointer be out of bounds`);
}

const movable = new Set(['ctx', 'map_value', 'map_key', 'stack', 'pkt_meta', 'pkt', 'mem', 'ptr', 'tp_buffer']);

/**
 * `ptr OP off` where `ptr` is the pointer operand and `off` the scalar one;
 * `swapped` when the pointer is the source (`scalar += pointer`).
 */
export function adjustPointerArithmetic(env: Env, insn: AluInstruction, ptr: RegState, off: RegState, swapped: boolean): void {
  const dstNo = insn.dst;
  const o = off.s;
  const known = tnumIsConst(o.varOff);
  // Offsets with contradictory bounds (from a dead branch) taint the result.
  if ((known && (o.smin !== o.smax || o.umin !== o.umax)) || o.smin > o.smax || o.umin > o.umax) {
    regs(env)[dstNo] = unknownReg();
    return;
  }
  if (insn.width === 32) {
    if (insn.op === 'sub' && env.opts.privileged) { regs(env)[dstNo] = unknownReg(); return; }
    reject('EACCES', `R${dstNo} 32-bit pointer arithmetic prohibited`);
  }
  if (ptr.flags.maybeNull) reject('EACCES', `R${dstNo} pointer arithmetic on ${regStr(ptr)} prohibited, null-check it first`);
  const typeText = regStr(ptr);
  if (!movable.has(ptr.type)) {
    const mapPtrAddZero = ptr.type === 'map_ptr' && known && o.smin === 0n && insn.op === 'add';
    const flowKeys = ptr.type === 'flow_keys' && known;
    if (!mapPtrAddZero && !flowKeys) reject('EACCES', `R${dstNo} pointer arithmetic on ${typeText} prohibited`);
  }
  checkSaneOffset(off, typeText);
  checkSaneOffset(ptr, typeText);
  const window = env.opts.capBpfOnly === true ? sanitizePointerAlu(env, insn, ptr, off, swapped) : undefined;
  const d = cloneReg(ptr);
  d.id = ptr.id;
  markUnbounded32(d.s);
  const p = ptr.s;
  switch (insn.op) {
    case 'add': {
      const sum = ptr.off + Number(o.smin);
      if (known && BigInt(sum) === asS32(BigInt(sum))) {
        d.s = { ...p };
        markUnbounded32(d.s);
        d.off = sum;
        break;
      }
      const smin = p.smin + o.smin;
      const smax = p.smax + o.smax;
      if (smin < S64_MIN || smin > S64_MAX || smax < S64_MIN || smax > S64_MAX) { d.s.smin = S64_MIN; d.s.smax = S64_MAX; } else { d.s.smin = smin; d.s.smax = smax; }
      const umin = p.umin + o.umin;
      const umax = p.umax + o.umax;
      if (umin > U64_MAX || umax > U64_MAX) { d.s.umin = 0n; d.s.umax = U64_MAX; } else { d.s.umin = umin; d.s.umax = umax; }
      d.s.varOff = tnumAdd(p.varOff, o.varOff);
      d.off = ptr.off;
      if (isPktPointer(ptr)) { d.id = env.nextId(); d.range = 0; }
      break;
    }
    case 'sub': {
      if (swapped) reject('EACCES', `R${dstNo} tried to subtract pointer from scalar`);
      if (ptr.type === 'stack') reject('EACCES', `R${dstNo} subtraction from stack pointer prohibited`);
      const diff = ptr.off - Number(o.smin);
      if (known && BigInt(diff) === asS32(BigInt(diff))) {
        d.s = { ...p };
        markUnbounded32(d.s);
        d.off = diff;
        break;
      }
      const smin = p.smin - o.smax;
      const smax = p.smax - o.smin;
      if (smin < S64_MIN || smin > S64_MAX || smax < S64_MIN || smax > S64_MAX) { d.s.smin = S64_MIN; d.s.smax = S64_MAX; } else { d.s.smin = smin; d.s.smax = smax; }
      if (p.umin < o.umax) { d.s.umin = 0n; d.s.umax = U64_MAX; } else { d.s.umin = p.umin - o.umax; d.s.umax = p.umax - o.umin; }
      d.s.varOff = tnumSub(p.varOff, o.varOff);
      d.off = ptr.off;
      if (isPktPointer(ptr)) { d.id = env.nextId(); if (o.smin < 0n) d.range = 0; }
      break;
    }
    case 'and': case 'or': case 'xor':
      reject('EACCES', `R${dstNo} bitwise operator ${opText[insn.op]} on pointer prohibited`);
    default:
      reject('EACCES', `R${dstNo} pointer arithmetic with ${opText[insn.op]} operator prohibited`);
  }
  checkSaneOffset(d, typeText);
  syncBounds(d.s);
  if (env.opts.capBpfOnly === true) commitPointerAlu(env, insn, d, window);
  regs(env)[dstNo] = d;
}
