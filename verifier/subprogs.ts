// Subprogram boundaries. Two kernel passes, in this order:
// 1. every bpf-to-bpf call (`call` with src_reg 1) and every function
//    reference (ld_imm64 with src_reg 4) starts a subprogram at
//    slot + imm + 1, which must be a slot of the program; kfunc calls are
//    resolved in the same walk;
// 2. every jump must land inside the subprogram it belongs to, and the last
//    slot of each subprogram must be `exit`, `ja` or `gotol`.
// Both walks look at every slot, including second halves of ld_imm64 (which
// are only validated later), and at every jump-class opcode, known or not.
// Then, for a program loaded without BTF function info, subprograms other
// than the main one may contain neither legacy packet loads nor tail calls.

import { BTF_KIND } from '../elf/index.js';
import type { RawSlot } from '../isa/index.js';
import { Class, JmpCode, Mode } from '../isa/index.js';
import { type Assumptions, fail, type PassFailure } from './failure.js';
import { type FunctionInfo, type ResolvedOptions } from './options.js';
import { classOf, isFunctionReference, isJumpClass, isKfuncCall, isLocalCall, modeOf, opOf } from './slots.js';

/** BPF_MAX_SUBPROGS: the main program counts as one. */
export const MAX_SUBPROGRAMS = 256;

const EXIT = Class.JMP | JmpCode.exit;
const JA = Class.JMP | JmpCode.ja;
const GOTOL = Class.JMP32 | JmpCode.ja;

function checkKfuncCall(slot: RawSlot, index: number, options: ResolvedOptions, assumptions: Assumptions): PassFailure | undefined {
  const id = slot.imm >>> 0;
  // A call with id 0 and offset 0 is left for dead-code elimination to remove;
  // if it survives, the load fails at the very end of verification.
  if (id === 0 && slot.offset === 0) return undefined;
  if (slot.offset < 0) {
    return fail('EINVAL', ['negative offset disallowed for kernel module function call', 'failed to find BTF for kernel function'], index);
  }
  if (slot.offset > 0) {
    if (!options.fdArray) {
      return fail('EPROTO', ['kfunc offset > 0 without fd_array is invalid', 'failed to find BTF for kernel function'], index);
    }
    assumptions.add(`fd_array[${slot.offset}] is a module BTF in which id ${id} is a callable kernel function`);
    return undefined;
  }
  if (options.kernelBtfKind === undefined) {
    assumptions.add(`kernel BTF id ${id} is a callable kernel function`);
    return undefined;
  }
  if (options.kernelBtfKind(id) !== BTF_KIND.FUNC) return fail('EINVAL', `kernel btf_id ${id} is not a function`, index);
  assumptions.add(`kernel function with BTF id ${id} has an address and a valid prototype`);
  return undefined;
}

/**
 * Collects subprogram starts (sorted, 0 first) from calls and function
 * references, and resolves kfunc calls, in slot order.
 */
export function findSubprograms(
  slots: readonly RawSlot[], options: ResolvedOptions, assumptions: Assumptions,
): { readonly starts: readonly number[] } | PassFailure {
  const starts = new Set<number>([0]);
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i]!;
    // Without CAP_BPF the first call, function reference or kfunc call ends the load.
    if (!options.privileged && (isLocalCall(slot) || isFunctionReference(slot) || isKfuncCall(slot))) {
      return fail('EPERM', 'loading/calling other bpf or kernel functions are allowed for CAP_BPF and CAP_SYS_ADMIN');
    }
    if (isLocalCall(slot) || isFunctionReference(slot)) {
      const target = (i + slot.imm + 1) | 0;
      if (target < 0 || target >= slots.length) return fail('EINVAL', 'call to invalid destination', i);
      if (starts.has(target)) continue;
      if (starts.size >= MAX_SUBPROGRAMS) return fail('E2BIG', 'too many subprograms', i);
      starts.add(target);
    } else if (isKfuncCall(slot)) {
      const failure = checkKfuncCall(slot, i, options, assumptions);
      if (failure !== undefined) return failure;
    }
  }
  return { starts: [...starts].sort((a, b) => a - b) };
}

/** The slot a jump-class instruction jumps to, or undefined for call and exit. */
export function jumpTarget(slot: RawSlot, index: number): number | undefined {
  if (!isJumpClass(slot.opcode)) return undefined;
  const op = opOf(slot.opcode);
  if (op === JmpCode.exit || op === JmpCode.call) return undefined;
  // The kernel computes this in a C int, so far gotol targets wrap around.
  return (index + (slot.opcode === GOTOL ? slot.imm : slot.offset) + 1) | 0;
}

/** Jumps stay inside their subprogram; subprograms end in exit, ja or gotol. */
export function checkJumpRanges(slots: readonly RawSlot[], starts: readonly number[]): PassFailure | undefined {
  let sub = 0;
  let start = 0;
  let end = starts[1] ?? slots.length;
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i]!;
    const target = jumpTarget(slot, i);
    if (target !== undefined && (target < start || target >= end)) {
      return fail('EINVAL', `jump out of range from insn ${i} to ${target}`, i);
    }
    if (i === end - 1) {
      if (slot.opcode !== EXIT && slot.opcode !== JA && slot.opcode !== GOTOL) {
        return fail('EINVAL', 'last insn is not an exit or jmp', i);
      }
      sub++;
      start = end;
      end = starts[sub + 1] ?? slots.length;
    }
  }
  return undefined;
}

/** BPF_FUNC_tail_call. */
const TAIL_CALL_HELPER = 12;

const isLegacyPacketLoad = (slot: RawSlot): boolean =>
  classOf(slot.opcode) === Class.LD && (modeOf(slot.opcode) === Mode.ABS || modeOf(slot.opcode) === Mode.IND);

const isTailCall = (slot: RawSlot): boolean =>
  slot.opcode === (Class.JMP | JmpCode.call) && slot.src === 0 && slot.imm === TAIL_CALL_HELPER;

/**
 * Without BTF function info the kernel cannot check how a subprogram returns,
 * so subprograms (not the main program) may not use legacy packet loads or
 * tail calls. Subprograms are checked in order, packet loads first. The test
 * looks at the opcode class and mode only, so it also counts undefined sizes
 * and second halves of ld_imm64.
 */
export function checkSubprogramContents(slots: readonly RawSlot[], starts: readonly number[]): PassFailure | undefined {
  for (let sub = 1; sub < starts.length; sub++) {
    const body = slots.slice(starts[sub], starts[sub + 1] ?? slots.length);
    const packetLoad = body.findIndex(isLegacyPacketLoad);
    if (packetLoad >= 0) return fail('EINVAL', 'LD_ABS is not allowed in subprogs without BTF', starts[sub]! + packetLoad);
    const tailCall = body.findIndex(isTailCall);
    if (tailCall >= 0) return fail('EINVAL', 'tail_call is not allowed in subprogs without BTF', starts[sub]! + tailCall);
  }
  return undefined;
}

/**
 * With BTF function info (check_btf_func), a subprogram whose prototype does not return an
 * integer may use neither legacy packet loads nor tail calls: the kernel's hidden early exit
 * returns 0 from it.
 */
export function checkFunctionReturns(slots: readonly RawSlot[], starts: readonly number[], functions: readonly FunctionInfo[]): PassFailure | undefined {
  for (let sub = 1; sub < starts.length; sub++) {
    if (functions.find((f) => f.start === starts[sub])?.scalarReturn !== false) continue;
    const body = slots.slice(starts[sub], starts[sub + 1] ?? slots.length);
    if (body.some(isLegacyPacketLoad)) return fail('EINVAL', "LD_ABS is only allowed in functions that return 'int'.");
    if (body.some(isTailCall)) return fail('EINVAL', "tail_call is only allowed in functions that return 'int'.");
  }
  return undefined;
}
