// The stack of a frame: 64 slots of 8 bytes, each byte invalid (never
// written), misc (some data), zero, or part of a spilled register. Stores of
// whole registers at a slot start keep the register (spill); loads restore it
// (fill). Offsets here are relative to the frame top (r10), negative.

import type { Scalar } from '../scalar/scalar.js';
import { tnumIsConst } from '../scalar/tnum.js';
import { type Env } from './env.js';
import { notModelled, reject } from './outcome.js';
import { cloneReg, constReg, isNullScalar, isSpillable, type RegState, unknownReg } from './reg.js';
import { noteStackAccess } from './precision.js';
import { Byte, type FrameState, SLOT_BYTES, slotAt, spiOf, type StackSlot } from './state.js';

const slotOf = (off: number): { spi: number; idx: number } => ({ spi: spiOf(off), idx: (-off - 1) % SLOT_BYTES });

function setSlot(frame: FrameState, spi: number, slot: StackSlot): void {
  frame.stack[spi] = slot;
}

export const isSpilledSlot = (slot: StackSlot): boolean => slot.bytes[SLOT_BYTES - 1] === Byte.Spill;

/** A spilled register or an iterator (is_stack_slot_special): a partial write scrubs the whole slot. */
const isSpecialSlot = (slot: StackSlot): boolean => isSpilledSlot(slot) || slot.bytes[SLOT_BYTES - 1] === Byte.Iter;

/** Accesses the model leaves to the kernel: a variable offset or a helper over an iterator's bytes. */
function checkNoIter(frame: FrameState, minOff: number, maxOff: number, what: string): void {
  // Byte by byte without an object per byte: every helper stack access comes here.
  for (let i = minOff; i < maxOff; i++) {
    if (slotAt(frame, spiOf(i)).bytes[(-i - 1) % SLOT_BYTES] === Byte.Iter) notModelled(`${what} over an iterator on the stack`);
  }
}

/** The frame grows to cover an access down to `minOff` (grow_stack_state). */
export function growStack(frame: FrameState, minOff: number): void {
  if (-minOff > frame.allocated) frame.allocated = Math.ceil(-minOff / SLOT_BYTES) * SLOT_BYTES;
}

/** The number of low bits that can be non-zero (get_reg_width). */
export function regWidth(r: RegState): number {
  return r.s.umax === 0n ? 0 : r.s.umax.toString(2).length;
}

/** A register saved in the slot, its size bytes at the slot start marked spilled (save_register_state). */
function saveRegister(frame: FrameState, spi: number, reg: RegState, size: number): void {
  const old = slotAt(frame, spi);
  const bytes = [...old.bytes];
  for (let i = SLOT_BYTES; i > SLOT_BYTES - size; i--) bytes[i - 1] = Byte.Spill;
  // The rest of the slot: zero and (privileged) invalid bytes stay as they are, the others become misc.
  for (let i = SLOT_BYTES - size; i > 0; i--) {
    const b = bytes[i - 1]!;
    if (b !== Byte.Zero && b !== Byte.Invalid) bytes[i - 1] = Byte.Misc;
  }
  setSlot(frame, spi, { bytes, spilled: cloneReg(reg) });
}

/** Spilled and other special bytes become misc when part of the slot is overwritten (scrub_spilled_slot). */
function scrubbed(slot: StackSlot): Byte[] {
  return slot.bytes.map((b) => (b === Byte.Invalid ? Byte.Invalid : Byte.Misc));
}

/**
 * A store of `size` bytes at constant offset `off` (check_stack_write_fixed_off). `value` is the
 * stored register (undefined for BPF_ST and helper writes); `stImm` the immediate of a BPF_ST.
 * Returns whether the bytes became zero because the stored register is a known 0 without being
 * spilled (the kernel then marks that register precise).
 */
export function stackWriteFixed(env: Env, frame: FrameState, off: number, size: number, value: RegState | undefined, stImm: number | undefined, link: (r: RegState) => void): boolean {
  const foreign = frame !== env.state.frames[env.state.frames.length - 1];
  const { spi, idx } = slotOf(off);
  const aligned = off % SLOT_BYTES === 0;
  // Without CAP_BPF a scalar store is plain data, not a spill (the fill reads an unknown or zero).
  const spillsScalars = env.opts.unprivileged !== true;
  if (value !== undefined && aligned && value.type === 'scalar' && spillsScalars) {
    const fits = regWidth(value) <= size * 8;
    if (fits) link(value);
    saveRegister(frame, spi, value, size);
    if (!fits) frame.stack[spi] = { ...frame.stack[spi]!, spilled: { ...frame.stack[spi]!.spilled!, id: 0 } };
    noteStackAccess(env, frame.frameno, off);
    return false;
  }
  if (value === undefined && aligned && stImm !== undefined && spillsScalars) {
    saveRegister(frame, spi, constReg(BigInt.asUintN(64, BigInt(stImm))), size);
    noteStackAccess(env, frame.frameno, off);
    return false;
  }
  if (value !== undefined && isSpillable(value)) {
    if (size !== SLOT_BYTES) reject('EACCES', 'invalid size of register spill');
    if (foreign && value.type === 'stack') reject('EINVAL', 'cannot spill pointers to stack into stack frame of the caller');
    saveRegister(frame, spi, value, size);
    noteStackAccess(env, frame.frameno, off);
    return false;
  }
  const old = slotAt(frame, spi);
  const bytes = isSpecialSlot(old) ? scrubbed(old) : [...old.bytes];
  const zero = (value !== undefined && isNullScalar(value)) || (value === undefined && stImm === 0);
  for (let i = 0; i < size; i++) bytes[(idx - i) % SLOT_BYTES] = zero ? Byte.Zero : Byte.Misc;
  setSlot(frame, spi, { bytes });
  return zero && value !== undefined;
}

/**
 * A store at a variable offset covering [minOff, maxOff) (check_stack_write_var_off). A spilled
 * scalar 0 stays when zero is written; other spilled registers in range are forgotten, and the
 * bytes of their slots the store does not reach become misc data (Linux 6.18 accepts a fill of
 * such a slot: a live-labelled case in verifier-cases-precision.ts). Returns whether the store
 * relied on writing zero (the kernel marks the value precise).
 */
export function stackWriteVar(frame: FrameState, minOff: number, maxOff: number, writingZero: boolean): boolean {
  let zeroUsed = false;
  checkNoIter(frame, minOff, maxOff, 'a variable-offset stack write');
  for (let i = minOff; i < maxOff; i++) {
    const { spi, idx } = slotOf(i);
    const old = slotAt(frame, spi);
    const b = old.bytes[idx]!;
    if (writingZero && b === Byte.Spill && isSpilledSlot(old) && old.spilled?.type === 'scalar'
      && tnumIsConst(old.spilled.s.varOff) && old.spilled.s.varOff.value === 0n) {
      zeroUsed = true;
      continue;
    }
    const bytes = [...old.bytes];
    if (writingZero && b === Byte.Zero) zeroUsed = true;
    bytes[idx] = writingZero && b === Byte.Zero ? Byte.Zero : Byte.Misc;
    // The spilled register is gone: the slot's other spill bytes become misc data (scrub_spilled_slot).
    if (old.spilled !== undefined) for (let k = 0; k < SLOT_BYTES; k++) if (bytes[k] === Byte.Spill) bytes[k] = Byte.Misc;
    setSlot(frame, spi, { bytes });
  }
  return zeroUsed;
}

/** Bytes [minOff, maxOff) all zero: the read gives 0, otherwise an unknown scalar (mark_reg_stack_read). */
function readMisc(frame: FrameState, minOff: number, maxOff: number): RegState {
  for (let i = minOff; i < maxOff; i++) {
    const { spi, idx } = slotOf(i);
    if (slotAt(frame, spi).bytes[idx] !== Byte.Zero) return unknownReg();
  }
  return constReg(0n);
}

/**
 * A load of `size` bytes at constant offset `off` (check_stack_read_fixed_off). Returns the
 * loaded register (before truncation to `size`), or undefined when nothing is loaded into a register.
 */
export function stackReadFixed(env: Env, frame: FrameState, off: number, size: number, toRegister: boolean): RegState | undefined {
  const { spi, idx } = slotOf(off);
  const slot = slotAt(frame, spi);
  const privileged = env.opts.privileged;
  if (isSpilledSlot(slot)) {
    const reg = slot.spilled!;
    let spillSize = 1;
    for (let i = SLOT_BYTES - 1; i > 0 && slot.bytes[i - 1] === Byte.Spill; i--) spillSize++;
    if (size !== SLOT_BYTES || spillSize !== SLOT_BYTES) {
      if (reg.type !== 'scalar') reject('EACCES', 'invalid size of register fill');
      if (!toRegister) return undefined;
      if (size <= spillSize && off % SLOT_BYTES === 0) {
        const r = cloneReg(reg);
        if (regWidth(reg) > size * 8) r.id = 0;
        noteStackAccess(env, frame.frameno, off);
        return r;
      }
      let spills = 0;
      let zeros = 0;
      for (let i = 0; i < size; i++) {
        const b = slot.bytes[(idx - i) % SLOT_BYTES];
        if (b === Byte.Spill) { spills++; continue; }
        if (b === Byte.Misc) continue;
        if (b === Byte.Zero) { zeros++; continue; }
        if (b === Byte.Invalid && privileged) continue;
        reject('EACCES', `invalid read from stack off ${off}+${i} size ${size}`);
      }
      if (spills === size && tnumIsConst(reg.s.varOff) && reg.s.varOff.value === 0n) { noteStackAccess(env, frame.frameno, off); return constReg(0n); }
      if (zeros === size) return constReg(0n);
      return unknownReg();
    }
    noteStackAccess(env, frame.frameno, off);
    if (toRegister) return cloneReg(reg);
    if (reg.type !== 'scalar' && !privileged) reject('EACCES', `leaking pointer from stack off ${off}`);
    return undefined;
  }
  for (let i = 0; i < size; i++) {
    const b = slot.bytes[(idx - i) % SLOT_BYTES];
    if (b === Byte.Misc || b === Byte.Zero) continue;
    if (b === Byte.Invalid && privileged) continue;
    reject('EACCES', `invalid read from stack off ${off}+${i} size ${size}`);
  }
  return toRegister ? readMisc(frame, off, off + size) : undefined;
}

/** A load at a variable offset: bytes [minOff, maxOff) may be read (check_stack_read_var_off, privileged). */
export function stackReadVar(frame: FrameState, minOff: number, maxOff: number): RegState {
  checkNoIter(frame, minOff, maxOff, 'a variable-offset stack read');
  return readMisc(frame, minOff, maxOff);
}

/**
 * A helper reads or writes [minOff, maxOff) (check_stack_range_initialized, privileged):
 * everything may be read; a write turns zero and invalid bytes to misc and forgets spilled registers.
 */
export function stackHelperAccess(frame: FrameState, minOff: number, maxOff: number, clobber: boolean): void {
  checkNoIter(frame, minOff, maxOff, 'a helper access');
  if (!clobber) return;
  for (let i = minOff; i < maxOff; i++) {
    const { spi, idx } = slotOf(i);
    const slot = slotAt(frame, spi);
    if (isSpilledSlot(slot)) {
      setSlot(frame, spi, { bytes: scrubbed(slot) });
      continue;
    }
    const b = slot.bytes[idx];
    if (b === Byte.Zero || b === Byte.Invalid) {
      const bytes = [...slot.bytes];
      bytes[idx] = Byte.Misc;
      setSlot(frame, spi, { bytes });
    }
  }
}

/**
 * get_constant_map_key: the constant a map key on the stack at `off` holds, from zero bytes or a
 * spilled scalar of exactly `keySize` bytes; `spi` names the spilled slot the value came from.
 */
export function constantStackValue(frame: FrameState, off: number, keySize: number): { value: bigint; spi?: number } | undefined {
  const { spi, idx } = slotOf(off);
  const slot = slotAt(frame, spi);
  let zeroSize = 0;
  for (let i = idx; i >= 0 && slot.bytes[i] === Byte.Zero; i--) zeroSize++;
  if (zeroSize >= keySize) return { value: 0n };
  if (!isSpilledSlot(slot) || slot.spilled!.type !== 'scalar') return undefined;
  let spillSize = 0;
  for (let i = idx; i >= 0 && slot.bytes[i] === Byte.Spill; i--) spillSize++;
  if (spillSize !== keySize) return undefined;
  const s: Scalar = slot.spilled!.s;
  return tnumIsConst(s.varOff) ? { value: s.varOff.value, spi } : undefined;
}
