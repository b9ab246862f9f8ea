// State equivalence for pruning (states_equal, regsafe, stacksafe): a path
// that reaches an instruction in a state contained in one already verified
// from there is safe. Only the registers live at the instruction are compared
// (liveness.ts), and against a finished state, with CAP_BPF, only the scalars
// its paths relied on (precise, precision.ts): any other scalar covers any.

import type { Scalar } from '../scalar/scalar.js';
import { tnumIn } from '../scalar/tnum.js';
import { type RegState, unknownReg } from './reg.js';
import { isSpilledSlot } from './stack.js';
import { iterSlotsSafe } from './iterators.js';
import { Byte, type FrameState, SLOT_BYTES, slotAt, spilledScalar, type StackSlot, type VerifierState } from './state.js';
import { ALL_REGS, type LiveAt, liveRegsOfFrame } from './liveness.js';

/** A bijection between the ids of the old state and the current one (check_ids). */
export class IdMap {
  private fwd: Map<number, number> | undefined;
  private back: Map<number, number> | undefined;
  private tmp = -1;

  check(oldId: number, curId: number): boolean {
    if (oldId === 0 && curId === 0) return true;
    // Unlinked registers get fresh ids, so that they cannot be matched with linked ones.
    const o = oldId === 0 ? this.tmp-- : oldId;
    const c = curId === 0 ? this.tmp-- : curId;
    this.fwd ??= new Map();
    this.back ??= new Map();
    const f = this.fwd.get(o);
    const b = this.back.get(c);
    if (f === undefined && b === undefined) { this.fwd.set(o, c); this.back.set(c, o); return true; }
    return f === c && b === o;
  }
}

// A state and its copies share scalars (copyRegForState): the same object is within itself.
const rangeWithin = (o: Scalar, c: Scalar): boolean => o === c ||
  o.umin <= c.umin && o.umax >= c.umax && o.smin <= c.smin && o.smax >= c.smax
  && o.u32min <= c.u32min && o.u32max >= c.u32max && o.s32min <= c.s32min && o.s32max >= c.s32max;

const scalarEqual = (a: Scalar, b: Scalar): boolean => a === b ||
  a.varOff.value === b.varOff.value && a.varOff.mask === b.varOff.mask && a.umin === b.umin && a.umax === b.umax
  && a.smin === b.smin && a.smax === b.smax && a.u32min === b.u32min && a.u32max === b.u32max && a.s32min === b.s32min && a.s32max === b.s32max;

const sameFlags = (a: RegState, b: RegState): boolean =>
  a.flags.maybeNull === b.flags.maybeNull && a.flags.rdonly === b.flags.rdonly && a.flags.ringbuf === b.flags.ringbuf
  && !a.flags.trusted === !b.flags.trusted && !a.flags.rcu === !b.flags.rcu && !a.flags.untrusted === !b.flags.untrusted;

export function regsExact(o: RegState, c: RegState, ids: IdMap): boolean {
  return o.type === c.type && sameFlags(o, c) && o.off === c.off && scalarEqual(o.s, c.s) && o.map === c.map && o.range === c.range
    && o.memSize === c.memSize && o.frameno === c.frameno && o.btfName === c.btfName && o.subprog === c.subprog && ids.check(o.id, c.id) && ids.check(o.refObjId, c.refObjId);
}

function topRegsMayMatch(old: VerifierState, cur: VerifierState): boolean {
  const o = old.frames[old.frames.length - 1]!.regs;
  const c = cur.frames[cur.frames.length - 1]!.regs;
  for (let r = 0; r < o.length; r++) {
    const a = o[r]!;
    const b = c[r]!;
    if (a === b) continue;
    if (a.type !== b.type || a.off !== b.off || a.s.varOff.value !== b.s.varOff.value || a.s.varOff.mask !== b.s.varOff.mask) return false;
  }
  return true;
}

/**
 * How closely a current state must match an old one (the kernel's exact_level): 'exact' for the
 * infinite-loop check, 'range' (RANGE_WITHIN) at loop heads against a state still being explored
 * (what the old state did not initialise stays uninitialised, stack byte kinds match), 'covers'
 * (NOT_EXACT) against a state whose exploration is done.
 */
export type StateMatch = 'exact' | 'range' | 'covers';

/**
 * Per comparison: `exactScalars` (explore_alu_limits) compares scalars exactly; `ignoreImprecise`
 * lets an imprecise scalar of the old state cover any scalar ('covers' only).
 */
interface ScalarRule { readonly exactScalars: boolean; readonly ignoreImprecise: boolean }

function regSafe(o: RegState, c: RegState, ids: IdMap, mode: StateMatch, rule: ScalarRule): boolean {
  if (mode === 'exact') return regsExact(o, c, ids);
  if (o.type === 'not_init' && (mode === 'covers' || c.type === 'not_init')) return true;
  if (o.type !== c.type || !sameFlags(o, c)) return false;
  switch (o.type) {
    case 'scalar':
      // explore_alu_limits (cap-bpf-alu.ts): scalars match exactly.
      if (rule.exactScalars) return scalarEqual(o.s, c.s) && ids.check(o.id, c.id);
      // No path from the old state relied on its value.
      if (rule.ignoreImprecise && mode === 'covers' && o.precise !== true) return true;
      return (o.s === c.s || (rangeWithin(o.s, c.s) && tnumIn(o.s.varOff, c.s.varOff))) && ids.check(o.id, c.id);
    case 'map_value': case 'map_key': case 'mem':
      return o.off === c.off && o.map === c.map && o.memSize === c.memSize && rangeWithin(o.s, c.s) && tnumIn(o.s.varOff, c.s.varOff)
        && ids.check(o.id, c.id) && ids.check(o.refObjId, c.refObjId);
    case 'pkt': case 'pkt_meta':
      return o.range <= c.range && o.off === c.off && ids.check(o.id, c.id) && rangeWithin(o.s, c.s) && tnumIn(o.s.varOff, c.s.varOff);
    default:
      return regsExact(o, c, ids);
  }
}

/** An unknown imprecise scalar: what a load from misc (or, for root, uninitialised) bytes gives. */
const UNBOUND: RegState = Object.freeze({ ...unknownReg(), precise: false });

/** scalar_reg_for_stack: the scalar a slot holds, a 64-bit spill or all misc bytes; undefined otherwise. */
function scalarOfSlot(slot: StackSlot, allowUninitStack: boolean): RegState | undefined {
  const spilled = spilledScalar(slot);
  if (spilled !== undefined && slot.bytes[0] === Byte.Spill) return spilled;
  return slot.bytes.every((b) => b === Byte.Misc || (b === Byte.Invalid && allowUninitStack)) ? UNBOUND : undefined;
}

function stackSafe(o: FrameState, c: FrameState, ids: IdMap, mode: StateMatch, allowUninitStack: boolean, rule: ScalarRule): boolean {
  for (let i = 0; i < o.allocated; i++) {
    const spi = Math.floor(i / SLOT_BYTES);
    const idx = i % SLOT_BYTES;
    const os = slotAt(o, spi);
    const cs = slotAt(c, spi);
    const ob = os.bytes[idx]!;
    const cb = cs.bytes[idx]!;
    if (mode !== 'covers' && (i >= c.allocated || ob !== cb)) return false;
    if (mode !== 'exact') {
      if (ob === Byte.Invalid) continue;
      // Root may read anything: old misc data covers whatever the current stack holds.
      if (ob === Byte.Misc && allowUninitStack) continue;
      // Without allow_uninit_stack, old misc data covers misc or zero bytes only.
      if (ob === Byte.Misc && i < c.allocated && (cb === Byte.Misc || cb === Byte.Zero)) continue;
    }
    if (i >= c.allocated) return false;
    if (mode !== 'exact') {
      // A 64-bit spilled scalar and misc data compare as scalars, either way round.
      const oReg = scalarOfSlot(os, allowUninitStack);
      const cReg = oReg === undefined ? undefined : scalarOfSlot(cs, allowUninitStack);
      if (oReg !== undefined && cReg !== undefined) {
        if (!regSafe(oReg, cReg, ids, mode, rule)) return false;
        i += SLOT_BYTES - 1 - idx;
        continue;
      }
    }
    if (ob !== cb) return false;
    if (idx !== SLOT_BYTES - 1) continue;
    if (ob === Byte.Iter && !iterSlotsSafe(os.iter, cs.iter, (a, b) => ids.check(a, b))) return false;
    if (ob === Byte.Spill) {
      if (!isSpilledSlot(os) || !isSpilledSlot(cs)) return false;
      if (!regSafe(os.spilled!, cs.spilled!, ids, mode, rule)) return false;
      // The other bytes of a spill slot must be spilled alike.
      for (let k = 0; k < SLOT_BYTES; k++) if (os.bytes[k] !== cs.bytes[k] && os.bytes[k] !== Byte.Invalid && os.bytes[k] !== Byte.Misc) return false;
    }
  }
  return true;
}

/**
 * Whether `cur` matches `old` as closely as `mode` asks (states_equal); `exactScalars`: scalars
 * compared exactly (explore_alu_limits); `live`: compare only the registers live there (liveness.ts);
 * `ignoreImprecise`: the old state's marks are final, and its imprecise scalars cover any scalar.
 */
export function statesEqual(old: VerifierState, cur: VerifierState, mode: StateMatch, allowUninitStack = true, exactScalars = false, live?: LiveAt, ignoreImprecise = false): boolean {
  const rule: ScalarRule = { exactScalars, ignoreImprecise };
  if (old.frames.length !== cur.frames.length) return false;
  // A speculative path's state never covers a real one.
  if (old.speculative === true && cur.speculative !== true) return false;
  // states_maybe_looping's quick test first: most exact comparisons fail on a register's value.
  if (mode === 'exact' && !topRegsMayMatch(old, cur)) return false;
  const ids = new IdMap();
  for (let f = 0; f < old.frames.length; f++) {
    const of = old.frames[f]!;
    const cf = cur.frames[f]!;
    if (of.callsite !== cf.callsite) return false;
    // A state that has run more of a callback's iterations does not cover one that has run fewer (func_states_equal).
    if ((of.callbackDepth ?? 0) > (cf.callbackDepth ?? 0)) return false;
    const liveRegs = live === undefined ? ALL_REGS : liveRegsOfFrame(live, old, f);
    for (let r = 0; r < of.regs.length; r++) if ((liveRegs & (1 << r)) !== 0 && !regSafe(of.regs[r]!, cf.regs[r]!, ids, mode, rule)) return false;
    if (!stackSafe(of, cf, ids, mode, allowUninitStack, rule)) return false;
  }
  if (old.refs.length !== cur.refs.length || (old.activeRcuLock === true) !== (cur.activeRcuLock === true)) return false;
  for (let i = 0; i < old.refs.length; i++) {
    const o = old.refs[i]!;
    const c = cur.refs[i]!;
    if (o.kind !== c.kind || o.ptr !== c.ptr || !ids.check(o.id, c.id)) return false;
  }
  return true;
}
