// Open-coded iterators (bpf_iter_<type>_new/next/destroy, KF_ITER_* in tables/kfuncs.ts): the
// iterator lives in the stack slots of its struct (STACK_ITER), its first slot holding the
// reference bpf_iter_<type>_new acquires; next and destroy need an initialised one, destroy
// releases it. At next the kernel forks the path (process_iter_next_call): the current path goes
// on with the iterator drained and R0 = NULL, an active copy with R0 not NULL is queued. The
// loop converges when next is reached again in a state within one still being explored there
// (is_state_visited, RANGE_WITHIN), after the scalars that changed since that state and are not
// precise are widened (widen_imprecise_scalars, widen.ts).

import type { Btf } from '../../elf/index.js';
import { tnumIsConst } from '../scalar/tnum.js';
import type { KfuncEntry } from '../tables/kfuncs.js';
import { widenImpreciseScalars } from './widen.js';
import { resolvedType } from './btf-types.js';
import { type Env, regs } from './env.js';
import { checkMemAccess } from './memory.js';
import { notModelled, reject } from './outcome.js';
import { constReg, isNullScalar, pointerReg, type RegState } from './reg.js';
import { acquireReference, releaseReference } from './references.js';
import { Byte, cloneState, EMPTY_SLOT, type FrameState, type IterSlot, SLOT_BYTES, slotAt, spiOf, type VerifierState } from './state.js';

export type IterMethod = 'new' | 'next' | 'destroy';

export function iterMethod(e: KfuncEntry): IterMethod | undefined {
  if (e.flags.includes('iterNew')) return 'new';
  if (e.flags.includes('iterNext')) return 'next';
  return e.flags.includes('iterDestroy') ? 'destroy' : undefined;
}

/** The iterator a next or destroy call found (meta->iter). */
export interface IterArg {
  readonly frameno: number;
  readonly spi: number;
  readonly refObjId: number;
}

const resolved = resolvedType;

const ITER_PREFIX = 'bpf_iter_';

/** stack_slot_obj_get_spi for an iterator of `nrSlots` slots: the slot of its lowest address, or why not. */
function iterSpi(frame: FrameState, reg: RegState, nrSlots: number): { spi: number } | { line: string } | 'range' {
  const off = reg.off + Number(BigInt.asIntN(64, reg.s.varOff.value));
  if (off % SLOT_BYTES !== 0) return { line: `cannot pass in iter at an offset=${off}` };
  const spi = spiOf(off);
  if (spi + 1 < nrSlots) return { line: `cannot pass in iter at an offset=${off}` };
  if (!(spi - nrSlots + 1 >= 0 && spi < frame.allocated / SLOT_BYTES)) return 'range';
  return { spi };
}

/** process_iter_arg: the iterator argument (always the first) of an iterator method. */
export function processIterArg(env: Env, btf: Btf, method: IterMethod, paramType: number): IterArg | undefined {
  const reg = regs(env)[1]!;
  const ptr = resolved(btf, paramType);
  const t = ptr?.kind === 'PTR' ? resolved(btf, ptr.type) : undefined;
  if (t?.kind !== 'STRUCT' || !t.name.startsWith(ITER_PREFIX)) notModelled(`an iterator method whose first argument is not an iterator`);
  const type = t.name.slice(ITER_PREFIX.length);
  // Every pointer argument not tagged __nullable (6.18; 6.12 checked trusted arguments only).
  if (isNullScalar(reg) || reg.flags.maybeNull) reject('EACCES', 'Possibly NULL pointer passed to trusted arg0');
  if (reg.type !== 'stack') {
    // check_func_arg_reg_off runs first: only an unmodified pointer or a constant reaches the type check.
    if (reg.off !== 0 || !tnumIsConst(reg.s.varOff) || (reg.type !== 'scalar' && reg.s.varOff.value !== 0n) || reg.type === 'not_init') {
      notModelled(`an iterator argument of ${reg.type}`);
    }
    reject('EINVAL', 'arg#0 expected pointer to an iterator on stack');
  }
  if (!tnumIsConst(reg.s.varOff)) notModelled('an iterator at a variable stack offset');
  if (t.size % SLOT_BYTES !== 0 || t.size === 0) notModelled(`iterator struct ${t.name} of ${t.size} bytes`);
  const nrSlots = t.size / SLOT_BYTES;
  const frame = env.state.frames[reg.frameno]!;
  const at = iterSpi(frame, reg, nrSlots);
  if (method === 'new') {
    const uninit = `expected uninitialized iter_${type} as arg #0`;
    if (typeof at === 'object' && 'line' in at) reject('EINVAL', at.line, uninit);
    if (typeof at === 'object') {
      for (let i = 0; i < nrSlots; i++) if (slotAt(frame, at.spi - i).bytes.includes(Byte.Iter)) reject('EINVAL', uninit);
    }
    for (let i = 0; i < nrSlots * SLOT_BYTES; i += SLOT_BYTES) checkMemAccess(env, 1, i, 8, 'write', { valueRegno: -1 });
    const after = iterSpi(frame, regs(env)[1]!, nrSlots);
    if (typeof after !== 'object' || !('spi' in after)) notModelled('an iterator outside the allocated stack');
    const id = acquireReference(env);
    for (let i = 0; i < nrSlots; i++) {
      const iter: IterSlot = { type, refObjId: i === 0 ? id : 0, state: 'active', depth: 0 };
      frame.stack[after.spi - i] = { bytes: Array<Byte>(SLOT_BYTES).fill(Byte.Iter), iter };
    }
    return undefined;
  }
  const init = `expected an initialized iter_${type} as arg #0`;
  if (typeof at !== 'object') reject('EINVAL', init);
  if ('line' in at) reject('EINVAL', at.line, init);
  for (let i = 0; i < nrSlots; i++) {
    const slot = slotAt(frame, at.spi - i);
    const it = slot.iter;
    const ok = it !== undefined && slot.bytes.every((b) => b === Byte.Iter) && it.type === type && (i === 0 ? it.refObjId !== 0 : it.refObjId === 0);
    if (!ok) reject('EINVAL', init);
  }
  const refObjId = slotAt(frame, at.spi).iter!.refObjId;
  if (method === 'destroy') {
    releaseReference(env, refObjId);
    for (let i = 0; i < nrSlots; i++) frame.stack[at.spi - i] = EMPTY_SLOT;
  }
  return { frameno: reg.frameno, spi: at.spi, refObjId };
}

/** R0 of a next method returning a pointer to a scalar: read-only memory tied to the iterator, or NULL. */
export function iterNextReturn(env: Env, btf: Btf, name: string, retType: number, iter: IterArg): RegState {
  const t = resolved(btf, retType);
  const to = t?.kind === 'PTR' ? resolved(btf, t.type) : undefined;
  if (to?.kind !== 'INT') notModelled(`the return type of ${name}`);
  return pointerReg('mem', { memSize: to.size, refObjId: iter.refObjId, id: env.nextId(), flags: { maybeNull: true, rdonly: true, ringbuf: false } });
}

function setIter(state: VerifierState, iter: IterArg, change: (it: IterSlot) => IterSlot): void {
  const frame = state.frames[iter.frameno]!;
  const slot = slotAt(frame, iter.spi);
  frame.stack[iter.spi] = { ...slot, iter: change(slot.iter!) };
}

/**
 * process_iter_next_call, after R0 is set: the current path goes on drained with R0 = 0; for an
 * active iterator the returned state (queued by the walk) goes on one iteration deeper with R0
 * not NULL. `prev` is the state kept at this call by an earlier iteration of the path.
 */
export function iterNextFork(env: Env, iter: IterArg, prev: VerifierState | undefined): VerifierState | undefined {
  const cur = env.state;
  const it = slotAt(cur.frames[iter.frameno]!, iter.spi).iter!;
  let queued: VerifierState | undefined;
  if (it.state === 'active') {
    queued = cloneState(cur);
    setIter(queued, iter, (x) => ({ ...x, state: 'active', depth: x.depth + 1 }));
    // widen_imprecise_scalars against the state kept at this call by the previous iteration.
    if (prev !== undefined) widenImpreciseScalars(prev, queued);
    const r0 = queued.frames[queued.frames.length - 1]!.regs[0]!;
    r0.flags = { ...r0.flags, maybeNull: false };
  }
  setIter(cur, iter, (x) => ({ ...x, state: 'drained' }));
  regs(env)[0] = constReg(0n);
  return queued;
}

/** Whether a kfunc call's imm names an iterator's next method (a forced checkpoint: mark_force_checkpoint). */
export function isIterNextCall(btf: Btf | undefined, imm: number, kfuncs: Readonly<Record<string, KfuncEntry>>): boolean {
  if (btf === undefined) return false;
  const fn = btf.type(imm);
  if (fn?.kind !== 'FUNC') return false;
  return kfuncs[fn.name]?.flags.includes('iterNext') === true;
}

/** The iterator R1 points to at a next call, if it is active (is_state_visited's test before a loop hit). */
function activeIterAtR1(s: VerifierState): boolean {
  const r1 = s.frames[s.frames.length - 1]!.regs[1]!;
  if (r1.type !== 'stack' || !tnumIsConst(r1.s.varOff)) return false;
  const off = r1.off + Number(BigInt.asIntN(64, r1.s.varOff.value));
  if (off >= 0 || off % SLOT_BYTES !== 0) return false;
  const frame = s.frames[r1.frameno];
  return frame !== undefined && slotAt(frame, spiOf(off)).iter?.state === 'active';
}

/**
 * At an iterator's next call, whether the current path closes the loop over `old`, a state still
 * being explored there: `within` is the model's range-within comparison of the two.
 */
export function iterLoopConverges(old: VerifierState, cur: VerifierState, within: (o: VerifierState, c: VerifierState) => boolean): boolean {
  return within(old, cur) && activeIterAtR1(cur);
}

/** iter_active_depths_differ: an active iterator one iteration deeper is not an infinite loop. */
export function iterDepthsDiffer(old: VerifierState, cur: VerifierState): boolean {
  for (let f = 0; f < old.frames.length && f < cur.frames.length; f++) {
    const o = old.frames[f]!;
    const c = cur.frames[f]!;
    for (let spi = 0; spi < o.stack.length; spi++) {
      const oi = o.stack[spi]?.iter;
      if (oi?.state === 'active' && oi.depth !== c.stack[spi]?.iter?.depth) return true;
    }
  }
  return false;
}

/** stacksafe for an iterator slot: the same type and state, the same reference up to renaming; the depth is ignored. */
export function iterSlotsSafe(o: IterSlot | undefined, c: IterSlot | undefined, sameIds: (o: number, c: number) => boolean): boolean {
  if (o === undefined || c === undefined) return o === c;
  return o.type === c.type && o.state === c.state && sameIds(o.refObjId, c.refObjId);
}
