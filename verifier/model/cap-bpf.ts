// A loader with CAP_BPF but without CAP_PERFMON (allow_ptr_leaks, allow_uninit_stack and
// bypass_spec_v1/v4 all off, bpf_capable on). The walk runs unprivileged; this module stops it
// ('not modelled') before each instruction whose unprivileged checks the model does not reproduce
// exactly: Spectre v1 sanitation of pointer arithmetic with a register, speculative paths of
// decided branches, pointers stored to memory or passed as plain values. A loader without CAP_BPF
// (env.ts `unprivileged`) has the same checks.

import type { Instruction } from '../../isa/index.js';
import { sanitizeScalarAlu } from './cap-bpf-alu.js';
import { tnumIsConst } from '../scalar/tnum.js';
import { type Env, regs } from './env.js';
import { touchesMapField } from './map-fields.js';
import { notModelled, reject } from './outcome.js';
import { isPointer, type RegState } from './reg.js';
import { storeNeedsBarrier } from './speculative.js';
import { isSpilledSlot } from './stack.js';
import { Byte, MAX_BPF_STACK, SLOT_BYTES, slotAt, spiOf } from './state.js';

/**
 * The guard for one instruction, before the walk checks it. True for a stack store after which
 * the kernel places a Spectre v4 barrier (speculative.ts).
 */
export function guardCapBpfInsn(env: Env, insn: Instruction, fenced: boolean): boolean {
  const rs = regs(env);
  switch (insn.kind) {
    case 'alu': {
      const src = insn.src.kind === 'reg' ? rs[insn.src.reg]! : undefined;
      const dst = rs[insn.dst]!;
      if (insn.op === 'mov') {
        // R1 = (u32) R2 leaks the pointer's low half (after the operands' checks).
        if (insn.src.kind === 'reg' && isPointer(src!) && insn.width === 32 && insn.dst !== 10) reject('EACCES', `R${insn.src.reg} partial copy of pointer`);
        return false;
      }
      // pointer OP= scalar is sanitised in cap-bpf-alu.ts (via ptr-alu.ts); behind a barrier the kernel may skip that.
      // pointer OP pointer is refused as for any loader without allow_ptr_leaks (ptr-alu.ts).
      if (src !== undefined && (isPointer(src) || isPointer(dst)) && !(isPointer(src) && isPointer(dst)) && fenced) notModelled('pointer arithmetic with a register without CAP_PERFMON (Spectre v1 sanitation)');
      if (src !== undefined && src.type === 'scalar' && dst.type === 'scalar') sanitizeScalarAlu(env, insn, fenced);
      if (insn.src.kind === 'imm' && isPointer(dst) && insn.width === 64 && (insn.op === 'add' || insn.op === 'sub')) constantPointerMove(insn.dst, dst, insn.op === 'add' ? insn.src.value : -insn.src.value);
      return false;
    }
    case 'movsx':
      // After the operands' checks (r10 is read only): the 32-bit form is a partial copy.
      if (isPointer(rs[insn.src]!) && insn.dst !== 10) reject('EACCES', `R${insn.src} ${insn.width === 64 ? 'sign-extension part of pointer' : 'partial copy of pointer'}`);
      return false;
    case 'addrSpaceCast':
      if (isPointer(rs[insn.src]!)) notModelled('a sign-extending copy of a pointer without CAP_PERFMON');
      return false;
    case 'ldx':
      if (rs[insn.src]!.type === 'ptr') notModelled('a BTF pointer read without CAP_PERFMON');
      return false;
    case 'st': case 'stx': {
      const dst = rs[insn.dst]!;
      const value = insn.kind === 'stx' ? rs[insn.src]! : undefined;
      if (dst.type !== 'stack') {
        // Into a map value it is 'leaks addr into map' (memory.ts); into the context the first check
        // after the alignment (which only BPF_F_STRICT_ALIGNMENT makes strict there).
        if (value !== undefined && isPointer(value) && dst.type === 'ctx' && insn.kind === 'stx' && env.opts.strictAlignment !== true) reject('EACCES', `R${insn.src} leaks addr into ctx`);
        // Through a map pointer every access is refused (map-ptr-access.ts).
        if (value !== undefined && isPointer(value) && !(dst.type === 'map_value' && !dst.flags.maybeNull) && dst.type !== 'map_ptr') notModelled('a pointer stored to memory without CAP_PERFMON');
        return false;
      }
      if (!tnumIsConst(dst.s.varOff)) notModelled('a variable-offset stack write without CAP_PERFMON');
      const off = dst.off + insn.offset + Number(BigInt.asIntN(64, dst.s.varOff.value));
      const wholeSlot = insn.size === SLOT_BYTES && off % SLOT_BYTES === 0;
      // A partial spill of a pointer over anything else is refused by the walk as for root ('invalid size of register spill').
      if (!wholeSlot && touchesSpilledPointer(env, dst, off, insn.size)) {
        // check_stack_write_fixed_off without allow_ptr_leaks, once the operands are read and the access is aligned and inside the stack.
        const frame = env.state.frames[dst.frameno]!;
        const slot = slotAt(frame, spiOf(off));
        const checked = (value === undefined || value.type !== 'not_init') && off % insn.size === 0 && off >= -MAX_BPF_STACK && off + insn.size <= 0;
        if (checked && isSpilledSlot(slot) && slot.spilled!.type !== 'scalar') reject('EACCES', 'attempt to corrupt spilled pointer on stack');
        notModelled('a partial write over a spilled pointer without CAP_PERFMON');
      }
      return storeNeedsBarrier(env, env.state.frames[dst.frameno]!, off, insn.size, insn.kind === 'stx' ? insn.src : -1);
    }
    case 'atomic':
      return guardAtomic(env, insn);
    case 'call':
      if (insn.callee === 'kfunc') notModelled('a kernel function call without CAP_PERFMON');
      return false;
    case 'ldImm64':
      if (insn.pseudo === 4) notModelled('a callback without CAP_PERFMON');
      return false;
    default:
      return false;
  }
}

/**
 * check_atomic_rmw without allow_ptr_leaks: after the operands are read, a pointer to compare
 * (R0 of cmpxchg) or to store is a leak; a stack operand is a write the Spectre v4 barrier may
 * follow (check_stack_write_fixed_off with no value register).
 */
function guardAtomic(env: Env, insn: Extract<Instruction, { kind: 'atomic' }>): boolean {
  if (insn.op === 'loadAcquire' || insn.op === 'storeRelease') return notModelled('load-acquire and store-release without CAP_PERFMON');
  const rs = regs(env);
  const src = rs[insn.src]!;
  const dst = rs[insn.dst]!;
  const cmpxchg = insn.op === 'cmpxchg';
  // An operand never written: the walk refuses it first (check_reg_arg).
  if (src.type === 'not_init' || dst.type === 'not_init' || (cmpxchg && rs[0]!.type === 'not_init')) return false;
  if (cmpxchg && isPointer(rs[0]!)) reject('EACCES', 'R0 leaks addr into mem');
  if (isPointer(src)) reject('EACCES', `R${insn.src} leaks addr into mem`);
  if (dst.type !== 'stack') return false;
  if (!tnumIsConst(dst.s.varOff)) notModelled('a variable-offset atomic stack access without CAP_PERFMON');
  const off = dst.off + insn.offset + Number(BigInt.asIntN(64, dst.s.varOff.value));
  // Out of the stack or misaligned: the walk refuses it as root would.
  if (off >= 0 || off < -MAX_BPF_STACK || off % insn.size !== 0) return false;
  if (touchesSpilledPointer(env, dst, off, insn.size)) {
    // The walk's read of the operand refuses a spilled pointer first (check_stack_read_fixed_off):
    // part of it is 'invalid size of register fill', all of it, read into no register without
    // allow_ptr_leaks, 'leaking pointer from stack off N'. An iterator's slots are another matter.
    const slot = slotAt(env.state.frames[dst.frameno]!, spiOf(off));
    if (slot.bytes.some((b) => b === Byte.Iter)) notModelled('an atomic operation over an iterator without CAP_PERFMON');
    return false;
  }
  return storeNeedsBarrier(env, env.state.frames[dst.frameno]!, off, insn.size, -1);
}

/** BPF_MAX_VAR_OFF: larger constants are refused by check_reg_sane_offset first. */
const MAX_VAR_OFF = 1 << 29;

/**
 * sanitize_check_bounds for pointer += constant: a stack pointer must stay in [-512, 0) and a map
 * value pointer on a byte of the value that is no special field (check_map_access as a helper).
 */
function constantPointerMove(dstNo: number, ptr: RegState, delta: number): void {
  if (ptr.type !== 'stack' && ptr.type !== 'map_value') return;
  // The frame pointer is read only; a maybe-NULL value and huge constants are refused before.
  if (dstNo === 10 || ptr.flags.maybeNull || Math.abs(delta) >= MAX_VAR_OFF) return;
  if (!tnumIsConst(ptr.s.varOff)) notModelled('variable pointer arithmetic without CAP_PERFMON');
  const off = ptr.off + delta + Number(BigInt.asIntN(64, ptr.s.varOff.value));
  if (Math.abs(off) >= MAX_VAR_OFF) notModelled('a pointer moved out of bounds without CAP_PERFMON');
  if (ptr.type === 'stack') {
    if (off >= 0 || off < -MAX_BPF_STACK) reject('EACCES', `R${dstNo} stack pointer arithmetic goes out of range, prohibited for !root; off=${off}`);
    return;
  }
  if (ptr.map === undefined) notModelled('map value pointer arithmetic without the map');
  if (off < 0 || off >= ptr.map.valueSize || touchesMapField(ptr.map, off, 1)) reject('EACCES', `R${dstNo} pointer arithmetic of map value goes out of range, prohibited for !root`);
}

function touchesSpilledPointer(env: Env, dst: RegState, off: number, size: number): boolean {
  const frame = env.state.frames[dst.frameno]!;
  for (let i = off; i < off + size; i++) {
    if (i >= 0 || i < -MAX_BPF_STACK) return false;
    const slot = slotAt(frame, spiOf(i));
    if (isSpilledSlot(slot) && slot.spilled!.type !== 'scalar') return true;
    if (slot.bytes.some((b) => b === Byte.Iter)) return true;
  }
  return false;
}

/** A helper call: its stack writes on a speculative path are not modelled. */
export function guardCapBpfHelperArgs(env: Env, args: readonly string[]): void {
  const rs = regs(env);
  args.forEach((a, i) => {
    // The helper's stack writes may want a Spectre v4 barrier after the call (6.18's handling varies by release).
    if (env.state.speculative === true && (a === 'uninit_mem' || a === 'uninit_map_value') && rs[i + 1]!.type === 'stack') notModelled('a helper writing the stack on a speculative path');
  });
}

/**
 * A helper reads (or, not as uninitialised memory, writes) stack bytes [minOff, maxOff) at a
 * constant offset (check_stack_range_initialized without allow_uninit_stack): never-written bytes
 * and spilled pointers are refused.
 */
export function stackHelperReadUnprivileged(env: Env, frameno: number, regno: number, minOff: number, maxOff: number, write: boolean): void {
  const frame = env.state.frames[frameno]!;
  for (let i = minOff; i < maxOff; i++) {
    const slot = slotAt(frame, spiOf(i));
    const b = slot.bytes[(-i - 1) % SLOT_BYTES];
    if (b === Byte.Misc || b === Byte.Zero) continue;
    // Only the bytes a scalar spill wrote count as written (a 4-byte spill leaves the others).
    if (b === Byte.Spill && isSpilledSlot(slot) && slot.spilled!.type === 'scalar') continue;
    if (b === Byte.Iter || write) notModelled('a helper access over unwritten stack or a spilled pointer without CAP_PERFMON');
    reject('EACCES', `invalid read from stack R${regno} off ${minOff}+${i - minOff} size ${maxOff - minOff}`);
  }
}
