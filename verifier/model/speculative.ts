// Speculative paths of a loader without CAP_PERFMON (bypass_spec_v1/v4 off; 6.18's behaviour):
// at a conditional jump it decides, the kernel also walks the side not taken, as a speculative
// path whose compared registers are unknown (sanitize_speculative_path). A speculative path ends
// without rejecting the program where a check fails with EPERM, EACCES or EINVAL: the kernel
// puts a barrier (nospec) before that instruction, and every later speculative path stops there.
// It also ends after a store that needs a Spectre v4 barrier behind it (nospec_result).

import type { Instruction } from '../../isa/index.js';
import { type Env, regs } from './env.js';
import type { ModelErrno } from './outcome.js';
import { isPointer, unknownReg } from './reg.js';
import { Byte, cloneState, curFrame, type FrameState, slotAt, spiOf, type VerifierState } from './state.js';

/** The per-instruction barriers the walk has placed (the kernel's insn_aux nospec, nospec_result). */
export interface Barriers {
  /** Speculative paths stop before these instructions. */
  readonly before: Set<number>;
  /** Speculative paths stop after these (stack stores that need a Spectre v4 barrier). */
  readonly after: Set<number>;
}

export const newBarriers = (): Barriers => ({ before: new Set(), after: new Set() });

/** error_recoverable_with_nospec: errors that end a speculative path only. */
export const recoverableOnSpeculativePath = (errno: ModelErrno): boolean => errno === 'EPERM' || errno === 'EACCES' || errno === 'EINVAL';

/** The speculative path of a decided `if`: the current state with the compared registers unknown. */
export function speculativeBranchState(env: Env, insn: Extract<Instruction, { kind: 'jump' }>): VerifierState {
  const s = cloneState(env.state);
  s.speculative = true;
  const rs = curFrame(s).regs;
  rs[insn.dst] = unknownReg();
  if (insn.src.kind === 'reg') rs[insn.src.reg] = unknownReg();
  return s;
}

/**
 * check_stack_write_fixed_off without bypass_spec_v4: a store of a pointer, or over stack bytes
 * that were not plain data (the kernel looks at slot_type[0..size) of the slot written).
 */
export function storeNeedsBarrier(env: Env, frame: FrameState, off: number, size: number, valueReg: number): boolean {
  if (valueReg >= 0 && isPointer(regs(env)[valueReg]!)) return true;
  const slot = slotAt(frame, spiOf(off));
  for (let i = 0; i < size; i++) if (slot.bytes[i] !== Byte.Misc && slot.bytes[i] !== Byte.Zero) return true;
  return false;
}
