// Conditional jumps (check_cond_jmp_op): whether the outcome is known
// (is_branch_taken), and what each outcome teaches about the registers —
// scalar bounds (reg_set_min_max), null checks on pointers
// (mark_ptr_or_null_regs) and packet ranges from comparisons with pkt_end
// (find_good_pkt_pointers).

import type { JumpInstruction, JumpOp } from '../../isa/index.js';
import { asS32, asS64, asU32, cloneScalar, knownScalar, markUnbounded32, markUnbounded64, type Scalar, syncBounds, U32_MAX, U64_MAX } from '../scalar/scalar.js';
import { tnumAnd, tnumConst, tnumIntersect, tnumIsConst, tnumOr, tnumOverlap, tnumSubreg, tnumWithSubreg } from '../scalar/tnum.js';
import { type Env, readReg, regs } from './env.js';
import { reject } from './outcome.js';
import { markPrecise, noteJumpStackOperands, noteLinkedRegs } from './precision.js';
import { AT_PKT_END, BEYOND_PKT_END, cloneReg, immReg, isPktAny, isPointer, type RegState } from './reg.js';
import { cloneState, curFrame, forEachReg, type VerifierState } from './state.js';
import { linkableRegs } from './liveness.js';
import { inferNotNullFromEquality, notNull } from './null-equality.js';

type Op = JumpOp | 'jset_not';

/** The operation with its operands swapped (flip_opcode). */
const flip: Record<Op, Op> = {
  jeq: 'jeq', jne: 'jne', jset: 'jset', jset_not: 'jset_not', jgt: 'jlt', jlt: 'jgt', jge: 'jle', jle: 'jge',
  jsgt: 'jslt', jslt: 'jsgt', jsge: 'jsle', jsle: 'jsge',
};

/** The negated operation: what holds on the fall-through (rev_opcode). */
const negate: Record<Op, Op> = {
  jeq: 'jne', jne: 'jeq', jset: 'jset_not', jset_not: 'jset', jgt: 'jle', jle: 'jgt', jge: 'jlt', jlt: 'jge',
  jsgt: 'jsle', jsle: 'jsgt', jsge: 'jslt', jslt: 'jsge',
};

const isConst = (s: Scalar, is32: boolean): boolean => (is32 ? tnumIsConst(tnumSubreg(s.varOff)) : tnumIsConst(s.varOff));
const constValue = (s: Scalar, is32: boolean): bigint => (is32 ? asU32(s.varOff.value) : s.varOff.value);

function pktBranchTaken(dst: RegState, src: RegState, op: Op): -1 | 0 | 1 {
  let pkt: RegState;
  if (src.type === 'pkt_end') pkt = dst;
  else if (dst.type === 'pkt_end') { pkt = src; op = flip[op]; } else return -1;
  if (pkt.range >= 0) return -1;
  switch (op) {
    case 'jle': case 'jgt':
      if (pkt.range === BEYOND_PKT_END) return op === 'jgt' ? 1 : 0;
      break;
    case 'jlt': case 'jge':
      if (pkt.range === BEYOND_PKT_END || pkt.range === AT_PKT_END) return op === 'jge' ? 1 : 0;
      break;
    default: break;
  }
  return -1;
}

interface View { umin: bigint; umax: bigint; smin: bigint; smax: bigint }
const view = (s: Scalar, is32: boolean): View => (is32
  ? { umin: s.u32min, umax: s.u32max, smin: s.s32min, smax: s.s32max }
  : { umin: s.umin, umax: s.umax, smin: s.smin, smax: s.smax });

function scalarBranchTaken(a: Scalar, b: Scalar, op: Op, is32: boolean): -1 | 0 | 1 {
  const t1 = is32 ? tnumSubreg(a.varOff) : a.varOff;
  const t2 = is32 ? tnumSubreg(b.varOff) : b.varOff;
  const x = view(a, is32);
  const y = view(b, is32);
  switch (op) {
    case 'jeq': case 'jne': {
      const yes: 0 | 1 = op === 'jeq' ? 1 : 0;
      const no: 0 | 1 = op === 'jeq' ? 0 : 1;
      if (tnumIsConst(t1) && tnumIsConst(t2)) return t1.value === t2.value ? yes : no;
      if (!tnumOverlap(t1, t2)) return no;
      if (x.umin > y.umax || x.umax < y.umin) return no;
      if (x.smin > y.smax || x.smax < y.smin) return no;
      if (!is32) {
        if (a.u32min > b.u32max || a.u32max < b.u32min) return no;
        if (a.s32min > b.s32max || a.s32max < b.s32min) return no;
      }
      return -1;
    }
    case 'jset': {
      let p = t1;
      let q = t2;
      if (!isConst(b, is32)) { [p, q] = [q, p]; if (!isConst(a, is32)) return -1; }
      if ((~p.mask & p.value & q.value) !== 0n) return 1;
      if (((p.mask | p.value) & q.value) === 0n) return 0;
      return -1;
    }
    case 'jgt': return x.umin > y.umax ? 1 : x.umax <= y.umin ? 0 : -1;
    case 'jsgt': return x.smin > y.smax ? 1 : x.smax <= y.smin ? 0 : -1;
    case 'jlt': return x.umax < y.umin ? 1 : x.umin >= y.umax ? 0 : -1;
    case 'jslt': return x.smax < y.smin ? 1 : x.smin >= y.smax ? 0 : -1;
    case 'jge': return x.umin >= y.umax ? 1 : x.umax < y.umin ? 0 : -1;
    case 'jsge': return x.smin >= y.smax ? 1 : x.smax < y.smin ? 0 : -1;
    case 'jle': return x.umax <= y.umin ? 1 : x.umin > y.umax ? 0 : -1;
    case 'jsle': return x.smax <= y.smin ? 1 : x.smin > y.smax ? 0 : -1;
    default: return -1;
  }
}

/** is_branch_taken: 1 always, 0 never, -1 either. */
export function branchTaken(dst: RegState, src: RegState, op: Op, is32: boolean): -1 | 0 | 1 {
  if (isPktAny(dst) && isPktAny(src) && !is32) return pktBranchTaken(dst, src, op);
  if (isPointer(dst) || isPointer(src)) {
    // The low 32 bits of a valid pointer may be zero: a 32-bit comparison decides nothing.
    if (is32) return -1;
    let p = dst;
    let c = src;
    if (!(c.type === 'scalar' && isConst(c.s, is32))) { op = flip[op]; [p, c] = [c, p]; }
    if (!(c.type === 'scalar' && isConst(c.s, is32))) return -1;
    if (!notNull(p)) return -1;
    if (constValue(c.s, is32) !== 0n) return -1;
    return op === 'jeq' ? 0 : op === 'jne' ? 1 : -1;
  }
  return scalarBranchTaken(dst.s, src.s, op, is32);
}

const bmax = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const bmin = (a: bigint, b: bigint): bigint => (a < b ? a : b);

/** regs_refine_cond_op: what `a OP b` being true says about both. */
function refine(a: Scalar, b: Scalar, op: Op, is32: boolean): void {
  if (op === 'jge' || op === 'jgt' || op === 'jsge' || op === 'jsgt') { op = flip[op]; [a, b] = [b, a]; }
  switch (op) {
    case 'jeq':
      if (is32) {
        a.u32min = bmax(a.u32min, b.u32min); a.u32max = bmin(a.u32max, b.u32max);
        a.s32min = bmax(a.s32min, b.s32min); a.s32max = bmin(a.s32max, b.s32max);
        b.u32min = a.u32min; b.u32max = a.u32max; b.s32min = a.s32min; b.s32max = a.s32max;
        const t = tnumIntersect(tnumSubreg(a.varOff), tnumSubreg(b.varOff));
        a.varOff = tnumWithSubreg(a.varOff, t);
        b.varOff = tnumWithSubreg(b.varOff, t);
      } else {
        a.umin = bmax(a.umin, b.umin); a.umax = bmin(a.umax, b.umax);
        a.smin = bmax(a.smin, b.smin); a.smax = bmin(a.smax, b.smax);
        b.umin = a.umin; b.umax = a.umax; b.smin = a.smin; b.smax = a.smax;
        a.varOff = tnumIntersect(a.varOff, b.varOff);
        b.varOff = a.varOff;
      }
      break;
    case 'jne': {
      if (!isConst(b, is32)) [a, b] = [b, a];
      if (!isConst(b, is32)) break;
      const v = constValue(b, is32);
      if (is32) {
        if (a.u32min === asU32(v)) a.u32min++;
        if (a.u32max === asU32(v)) a.u32max--;
        if (a.s32min === asS32(v)) a.s32min++;
        if (a.s32max === asS32(v)) a.s32max--;
      } else {
        if (a.umin === v) a.umin++;
        if (a.umax === v) a.umax--;
        if (a.smin === asS64(v)) a.smin++;
        if (a.smax === asS64(v)) a.smax--;
      }
      break;
    }
    case 'jset': case 'jset_not': {
      if (!isConst(b, is32)) [a, b] = [b, a];
      if (!isConst(b, is32)) break;
      const v = constValue(b, is32);
      if (op === 'jset') {
        // Only a single bit says which bit is set.
        if (v === 0n || (v & (v - 1n)) !== 0n) break;
        a.varOff = is32 ? tnumWithSubreg(a.varOff, tnumOr(tnumSubreg(a.varOff), tnumConst(v))) : tnumOr(a.varOff, tnumConst(v));
      } else {
        // The ranges are forgotten first and come back from the narrowed tnum alone (on a dead
        // branch, narrowing against them could leave bounds that describe no value).
        markUnbounded64(a);
        markUnbounded32(a);
        const notV = is32 ? asU32(~v) : BigInt.asUintN(64, ~v);
        a.varOff = is32 ? tnumWithSubreg(a.varOff, tnumAnd(tnumSubreg(a.varOff), tnumConst(notV))) : tnumAnd(a.varOff, tnumConst(notV));
      }
      break;
    }
    case 'jle':
      if (is32) { a.u32max = bmin(a.u32max, b.u32max); b.u32min = bmax(a.u32min, b.u32min); } else { a.umax = bmin(a.umax, b.umax); b.umin = bmax(a.umin, b.umin); }
      break;
    case 'jlt':
      if (is32) { a.u32max = bmin(a.u32max, asU32(b.u32max - 1n)); b.u32min = bmax(asU32(a.u32min + 1n), b.u32min); } else { a.umax = bmin(a.umax, BigInt.asUintN(64, b.umax - 1n)); b.umin = bmax(BigInt.asUintN(64, a.umin + 1n), b.umin); }
      break;
    case 'jsle':
      if (is32) { a.s32max = bmin(a.s32max, b.s32max); b.s32min = bmax(a.s32min, b.s32min); } else { a.smax = bmin(a.smax, b.smax); b.smin = bmax(a.smin, b.smin); }
      break;
    case 'jslt':
      if (is32) { a.s32max = bmin(a.s32max, asS32(b.s32max - 1n)); b.s32min = bmax(asS32(a.s32min + 1n), b.s32min); } else { a.smax = bmin(a.smax, asS64(b.smax - 1n)); b.smin = bmax(asS64(a.smin + 1n), b.smin); }
      break;
    default: break;
  }
}

/** Whether the bounds describe no value at all (reg_bounds_sanity_check). */
export function boundsInvalid(s: Scalar): boolean {
  if (s.umin > s.umax || s.smin > s.smax || s.u32min > s.u32max || s.s32min > s.s32max) return true;
  if (tnumIsConst(s.varOff)) {
    const v = s.varOff.value;
    if (s.umin !== v || s.umax !== v || s.smin !== asS64(v) || s.smax !== asS64(v)) return true;
  }
  return false;
}

/** A scalar made unbounded after refinement gave impossible bounds (the kernel's fallback). */
function sane(s: Scalar): Scalar {
  if (!boundsInvalid(s)) return s;
  const u = knownScalar(0n);
  Object.assign(u, { varOff: { value: 0n, mask: U64_MAX }, smin: -(1n << 63n), smax: (1n << 63n) - 1n, umin: 0n, umax: U64_MAX, s32min: -(1n << 31n), s32max: (1n << 31n) - 1n, u32min: 0n, u32max: U32_MAX });
  return u;
}

/**
 * Refines the scalars of one outcome: `op` holds between a and b (copies are refined and returned).
 * `bNeeded` false: b is an immediate, whose refined copy nobody reads (it is returned unsynced).
 */
function refineOutcome(a: Scalar, b: Scalar, op: Op, is32: boolean, bNeeded: boolean): [Scalar, Scalar] {
  const x = cloneScalar(a);
  const y = cloneScalar(b);
  refine(x, y, op, is32);
  syncBounds(x);
  if (!bNeeded) return [sane(x), y];
  syncBounds(y);
  return [sane(x), sane(y)];
}

/**
 * `a OP a` on one register: the kernel refines it as both operands, the second step reading what
 * the first wrote (`if r1 < r1` leaves the jump with r1's umax lowered and its umin raised).
 */
function refineSelf(a: Scalar, op: Op, is32: boolean): Scalar {
  const x = cloneScalar(a);
  refine(x, x, op, is32);
  syncBounds(x);
  syncBounds(x);
  return sane(x);
}

/** Every linkable register and spill sharing `id` (a linked scalar) takes the refined value (sync_linked_regs). */
function syncLinked(state: VerifierState, id: number, s: Scalar, live: (frame: number) => number): void {
  if (id === 0) return;
  state.frames.forEach((f, fi) => {
    const regs = live(fi);
    f.regs.forEach((r, ri) => { if ((regs & (1 << ri)) !== 0 && r.type === 'scalar' && r.id === id) r.s = cloneScalar(s); });
    f.stack.forEach((slot, spi) => {
      const r = slot?.spilled;
      if (r === undefined || r.type !== 'scalar' || r.id !== id) return;
      const copy = cloneReg(r);
      copy.s = cloneScalar(s);
      f.stack[spi] = { bytes: slot!.bytes, spilled: copy };
    });
  });
}

/** mark_ptr_or_null_regs: a null-checked pointer and every copy of it (same id) become the pointer or 0. */
function markPtrOrNull(state: VerifierState, id: number, isNull: boolean): void {
  if (id === 0) return;
  forEachReg(state, (r) => {
    if (!r.flags.maybeNull || r.id !== id) return;
    if (isNull) {
      Object.assign(r, { type: 'scalar', id: 0, refObjId: 0, flags: { maybeNull: false, rdonly: false, ringbuf: false }, s: knownScalar(0n), map: undefined });
    } else {
      r.flags = { ...r.flags, maybeNull: false };
      // The id stays only where a spin lock may be taken through the pointer (reg_may_point_to_spin_lock).
      if (!(r.type === 'map_value' && r.map?.spinLockOff !== undefined)) r.id = 0;
    }
  });
  if (isNull) state.refs = state.refs.filter((ref) => ref.id !== id);
}

/** find_good_pkt_pointers: every copy of the packet pointer learns the verified range. */
function goodPktPointers(state: VerifierState, reg: RegState, rightOpen: boolean): void {
  if (reg.off < 0 || (reg.off === 0 && rightOpen)) return;
  if (reg.s.umax > 0xffffn || reg.s.umax + BigInt(reg.off) > 0xffffn) return;
  const range = reg.off + (rightOpen ? 1 : 0);
  const { type, id } = reg;
  forEachReg(state, (r) => { if (r.type === type && r.id === id && r.range < range) r.range = range; });
}

function markPktEnd(state: VerifierState, regno: number, beyond: boolean): void {
  const r = curFrame(state).regs[regno]!;
  if (r.type !== 'pkt') return;
  r.range = beyond ? BEYOND_PKT_END : AT_PKT_END;
}

const initPkt = (r: RegState): boolean => r.type === 'pkt' && r.off === 0 && tnumIsConst(r.s.varOff) && r.s.varOff.value === 0n;

/** try_match_pkt_pointers: comparisons of packet pointers with pkt_end (or data with meta). */
function matchPktPointers(op: Op, dstNo: number, srcNo: number, dst: RegState, src: RegState, fall: VerifierState, jump: VerifierState): boolean {
  const dstIsPkt = (dst.type === 'pkt' && src.type === 'pkt_end') || (dst.type === 'pkt_meta' && initPkt(src));
  const srcIsPkt = (dst.type === 'pkt_end' && src.type === 'pkt') || (initPkt(dst) && src.type === 'pkt_meta');
  const regOf = (s: VerifierState, n: number): RegState => curFrame(s).regs[n]!;
  switch (op) {
    case 'jgt':
      if (dstIsPkt) { goodPktPointers(fall, regOf(fall, dstNo), false); markPktEnd(jump, dstNo, true); } else if (srcIsPkt) { goodPktPointers(jump, regOf(jump, srcNo), true); markPktEnd(fall, srcNo, false); } else return false;
      return true;
    case 'jlt':
      if (dstIsPkt) { goodPktPointers(jump, regOf(jump, dstNo), true); markPktEnd(fall, dstNo, false); } else if (srcIsPkt) { goodPktPointers(fall, regOf(fall, srcNo), false); markPktEnd(jump, srcNo, true); } else return false;
      return true;
    case 'jge':
      if (dstIsPkt) { goodPktPointers(fall, regOf(fall, dstNo), true); markPktEnd(jump, dstNo, false); } else if (srcIsPkt) { goodPktPointers(jump, regOf(jump, srcNo), false); markPktEnd(fall, srcNo, true); } else return false;
      return true;
    case 'jle':
      if (dstIsPkt) { goodPktPointers(jump, regOf(jump, dstNo), false); markPktEnd(fall, dstNo, true); } else if (srcIsPkt) { goodPktPointers(fall, regOf(fall, srcNo), true); markPktEnd(jump, srcNo, false); } else return false;
      return true;
    default: return false;
  }
}

export type BranchOutcome =
  | { readonly kind: 'jump' }
  | { readonly kind: 'fall' }
  | { readonly kind: 'both'; readonly jumpState: VerifierState };

/**
 * check_cond_jmp_op on the current state. For an undecided branch the current
 * state becomes the fall-through and the returned state is the jump target's.
 */
export function checkCondJump(env: Env, insn: JumpInstruction): BranchOutcome {
  readReg(env, insn.dst);
  if (insn.src.kind === 'reg') readReg(env, insn.src.reg);
  const rs = regs(env);
  const dst = rs[insn.dst]!;
  const srcNo = insn.src.kind === 'reg' ? insn.src.reg : -1;
  const src = srcNo >= 0 ? rs[srcNo]! : immReg((insn.src as { value: number }).value);
  if (!env.opts.privileged && isPointer(src) && !(isPktAny(dst) && isPktAny(src))) reject('EACCES', `R${srcNo} pointer comparison prohibited`);
  const is32 = insn.width === 32;
  noteJumpStackOperands(env, dst.type === 'stack', srcNo >= 0 && src.type === 'stack');
  const pred = branchTaken(dst, src, insn.op, is32);
  if (pred >= 0) {
    // The outcome relied on the compared values.
    if (dst.type === 'scalar') markPrecise(env, insn.dst);
    if (srcNo >= 0 && src.type === 'scalar') markPrecise(env, srcNo);
  }
  if (pred === 1) return { kind: 'jump' };
  if (pred === 0) return { kind: 'fall' };
  // Only a jump with both outcomes records the copies it links (backtracking meets them again).
  noteLinkedRegs(env, dst.type === 'scalar' ? dst.id : 0, src.type === 'scalar' && srcNo >= 0 ? src.id : 0);
  const fall = env.state;
  const jump = cloneState(fall);
  const jr = curFrame(jump).regs;
  if (dst.type === 'scalar' && src.type === 'scalar') {
    if (srcNo === insn.dst) {
      jr[insn.dst]!.s = refineSelf(dst.s, insn.op, is32);
      rs[insn.dst]!.s = refineSelf(dst.s, negate[insn.op], is32);
    } else {
      const [jd, js] = refineOutcome(dst.s, src.s, insn.op, is32, srcNo >= 0);
      const [fd, fs] = refineOutcome(dst.s, src.s, negate[insn.op], is32, srcNo >= 0);
      jr[insn.dst]!.s = jd;
      rs[insn.dst]!.s = fd;
      if (srcNo >= 0) { jr[srcNo]!.s = js; rs[srcNo]!.s = fs; }
    }
    // The source's copies first, then the destination's, each from the register as it is then:
    // when both share an id, the source's refinement has overwritten the destination, and that
    // is what every copy keeps.
    const live = linkableRegs(env.liveRegsBefore, fall, env.insnIdx);
    if (srcNo >= 0 && src.id !== 0) { syncLinked(jump, src.id, jr[srcNo]!.s, live); syncLinked(fall, src.id, rs[srcNo]!.s, live); }
    if (dst.id !== 0) { syncLinked(jump, dst.id, jr[insn.dst]!.s, live); syncLinked(fall, dst.id, rs[insn.dst]!.s, live); }
  }
  if (!is32 && srcNo >= 0) inferNotNullFromEquality(insn.op, dst, src, insn.op === 'jeq' ? { dst: jr[insn.dst]!, src: jr[srcNo]! } : { dst: rs[insn.dst]!, src: rs[srcNo]! });
  if (!is32 && srcNo < 0 && insn.src.kind === 'imm' && insn.src.value === 0 && (insn.op === 'jeq' || insn.op === 'jne') && dst.flags.maybeNull) {
    const id = dst.id;
    markPtrOrNull(fall, id, insn.op === 'jne');
    markPtrOrNull(jump, id, insn.op === 'jeq');
  } else if (!(srcNo >= 0 && !is32 && matchPktPointers(insn.op, insn.dst, srcNo, dst, src, fall, jump)) && !env.opts.privileged && isPointer(dst)) {
    reject('EACCES', `R${insn.dst} pointer comparison prohibited`);
  }
  return { kind: 'both', jumpState: jump };
}
