// A loader with CAP_BPF but without CAP_PERFMON (allow_ptr_leaks, allow_uninit_stack and
// bypass_spec_v1/v4 all off, bpf_capable on). The walk runs unprivileged; this module stops it
// ('not modelled') before each instruction whose unprivileged checks the model does not reproduce
// exactly: Spectre v1 sanitation of pointer arithmetic with a register, speculative paths of
// decided branches, pointers stored to memory or passed as plain values, reference release.

import type { AluInstruction, Instruction } from '../../isa/index.js';
import { tnumIsConst } from '../scalar/tnum.js';
import { type Env, regs } from './env.js';
import { touchesMapField } from './map-fields.js';
import { notModelled, reject } from './outcome.js';
import { isPointer, type RegState } from './reg.js';
import { storeNeedsBarrier } from './speculative.js';
import { isSpilledSlot } from './stack.js';
import { Byte, MAX_BPF_STACK, SLOT_BYTES, slotAt, spiOf } from './state.js';

const TAIL_CALL = 12;

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
        if (src !== undefined && isPointer(src) && insn.width === 32) notModelled('a 32-bit copy of a pointer without CAP_PERFMON');
        return false;
      }
      // pointer OP= scalar on a real path is checked by sanitizeRegisterOffset (via ptr-alu.ts).
      if (src !== undefined && (isPointer(src) || isPointer(dst)) && (isPointer(src) || fenced || env.state.speculative === true)) notModelled('pointer arithmetic with a register without CAP_PERFMON (Spectre v1 sanitation)');
      if (insn.src.kind === 'imm' && isPointer(dst) && insn.width === 64 && (insn.op === 'add' || insn.op === 'sub')) constantPointerMove(insn.dst, dst, insn.op === 'add' ? insn.src.value : -insn.src.value);
      return false;
    }
    case 'movsx': case 'addrSpaceCast':
      if (isPointer(rs[insn.src]!)) notModelled('a sign-extending copy of a pointer without CAP_PERFMON');
      return false;
    case 'ldx':
      if (rs[insn.src]!.type === 'ptr') notModelled('a BTF pointer read without CAP_PERFMON');
      return false;
    case 'st': case 'stx': {
      const dst = rs[insn.dst]!;
      const value = insn.kind === 'stx' ? rs[insn.src]! : undefined;
      if (dst.type !== 'stack') {
        if (value !== undefined && isPointer(value)) notModelled('a pointer stored to memory without CAP_PERFMON');
        return false;
      }
      if (!tnumIsConst(dst.s.varOff)) notModelled('a variable-offset stack write without CAP_PERFMON');
      const off = dst.off + insn.offset + Number(BigInt.asIntN(64, dst.s.varOff.value));
      const wholeSlot = insn.size === SLOT_BYTES && off % SLOT_BYTES === 0;
      if (value !== undefined && isPointer(value) && !wholeSlot) notModelled('a partial spill of a pointer without CAP_PERFMON');
      if (!wholeSlot && touchesSpilledPointer(env, dst, off, insn.size)) notModelled('a partial write over a spilled pointer without CAP_PERFMON');
      return storeNeedsBarrier(env, env.state.frames[dst.frameno]!, off, insn.size, insn.kind === 'stx' ? insn.src : -1);
    }
    case 'atomic':
      return notModelled('an atomic operation without CAP_PERFMON');
    case 'call':
      if (insn.callee !== 'helper') notModelled(`a ${insn.callee === 'local' ? 'bpf-to-bpf' : 'kernel function'} call without CAP_PERFMON`);
      // A tail call through different maps on different paths is refused after the walk ('tail_call abusing map_ptr').
      if (insn.imm === TAIL_CALL) notModelled('bpf_tail_call without CAP_PERFMON');
      return false;
    case 'ldImm64':
      if (insn.pseudo === 4) notModelled('a callback without CAP_PERFMON');
      return false;
    default:
      return false;
  }
}

/**
 * sanitize_ptr_alu before `ptr += reg` / `ptr -= reg` (the pointer in dst): an offset of unknown
 * sign, a pointer that is neither stack nor map value, or a masking limit beyond the object are
 * refused; when none applies the kernel masks the offset and walks the truncated result
 * speculatively, which the model does not (it gives no verdict).
 */
export function sanitizeRegisterOffset(insn: AluInstruction, ptr: RegState, off: RegState): never {
  if (insn.src.kind !== 'reg') return notModelled('pointer arithmetic without CAP_PERFMON');
  const why = 'pointer arithmetic with it prohibited for !root';
  const o = off.s;
  const offIsNeg = o.smin < 0n;
  if (!tnumIsConst(o.varOff) && offIsNeg !== o.smax < 0n) reject('EACCES', `R${insn.src.reg} has unknown scalar with mixed signed bounds, ${why}`);
  const maskToLeft = insn.op === 'add' ? offIsNeg : !offIsNeg;
  let max: bigint;
  let limit: bigint;
  if (ptr.type === 'stack') {
    max = BigInt(MAX_BPF_STACK + (maskToLeft ? 1 : 0));
    limit = -(ptr.s.varOff.value + BigInt(ptr.off));
  } else if (ptr.type === 'map_value' && ptr.map !== undefined) {
    max = BigInt(ptr.map.valueSize);
    limit = (maskToLeft ? ptr.s.smin : ptr.s.umax) + BigInt(ptr.off);
  } else {
    return reject('EACCES', `R${insn.dst} has pointer with unsupported alu operation, ${why}`);
  }
  // The kernel's limits are u32.
  if (BigInt.asUintN(32, limit) >= max) reject('EACCES', `R${insn.dst} tried to ${insn.op === 'add' ? 'add' : 'sub'} beyond pointer bounds, ${why}`);
  return notModelled('pointer arithmetic with a register without CAP_PERFMON (Spectre v1 masking)');
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

/** A helper call: pointers passed as plain values and released references are not modelled. */
export function guardCapBpfHelperArgs(env: Env, args: readonly string[], releases: boolean): void {
  if (releases) notModelled('a helper releasing a reference without CAP_PERFMON');
  const rs = regs(env);
  args.forEach((a, i) => {
    if (a === 'anything' && isPointer(rs[i + 1]!)) notModelled('a pointer passed as a plain helper argument without CAP_PERFMON');
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
    if (isSpilledSlot(slot) && slot.spilled!.type === 'scalar') continue;
    if (b === Byte.Iter || write) notModelled('a helper access over unwritten stack or a spilled pointer without CAP_PERFMON');
    reject('EACCES', `invalid read from stack R${regno} off ${minOff}+${i - minOff} size ${maxOff - minOff}`);
  }
}
