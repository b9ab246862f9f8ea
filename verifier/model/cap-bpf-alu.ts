// Spectre v1 sanitation of `pointer += register` / `pointer -= register` for a loader without
// CAP_PERFMON (sanitize_ptr_alu, sanitize_val_alu, sanitize_check_bounds). The kernel checks the
// offset's sign and the pointer's masking limit before the move and again after it, remembers
// each instruction's limit across paths (a different one later is refused), and walks the
// masked result (the unmoved pointer) as a speculative path from the next instruction. Once an
// offset is not a constant, pruning compares scalars exactly (explore_alu_limits).

import type { AluInstruction } from '../../isa/index.js';
import { tnumIsConst } from '../scalar/tnum.js';
import type { Env } from './env.js';
import type { MapInfo } from './map-info.js';
import { checkMapFieldAccess } from './map-fields.js';
import { checkMemRegion, tnumText } from './memory.js';
import { notModelled, reject, Rejection } from './outcome.js';
import { cloneReg, type RegState } from './reg.js';
import { cloneState, curFrame, MAX_BPF_STACK, type VerifierState } from './state.js';

/** The kernel's alu_state bits (BPF_ALU_SANITIZE_SRC …). */
const SANITIZE_SRC = 1;
const SANITIZE_DST = 2;
const NEG_VALUE = 4;
const NON_POINTER = 8;
const IMMEDIATE = 16;

/** What the sanitation keeps across the paths of one walk. */
export interface AluSanitation {
  /** insn_aux_data's alu_state and alu_limit, by instruction. */
  readonly aux: Map<number, { readonly state: number; readonly limit: number }>;
  /** env->explore_alu_limits: set by the first offset that is not a constant, never cleared. */
  exploreAluLimits: boolean;
  /** push_stack of a speculative path that goes on at `insn`. */
  readonly pushSpeculative: (state: VerifierState, insn: number) => void;
  /** The prog array of each bpf_tail_call by instruction (tail-call.ts), 'poisoned' once it saw two. */
  readonly tailCallMaps: Map<number, MapInfo | 'poisoned'>;
}

export const newAluSanitation = (pushSpeculative: AluSanitation['pushSpeculative']): AluSanitation => ({ aux: new Map(), exploreAluLimits: false, pushSpeculative, tailCallMaps: new Map() });

/** The first half's findings, for the check after the move (the kernel's bpf_sanitize_info). */
export interface SanitationWindow {
  readonly state: number;
  readonly limit: number;
  readonly maskToLeft: boolean;
}

const WHY = 'pointer arithmetic with it prohibited for !root';

/** retrieve_ptr_limit: the masking limit (u32), or undefined for REASON_TYPE / REASON_LIMIT. */
function pointerLimit(ptr: RegState, maskToLeft: boolean): { limit: number } | 'type' | 'limit' {
  let max: bigint;
  let limit: bigint;
  if (ptr.type === 'stack') {
    max = BigInt(MAX_BPF_STACK + (maskToLeft ? 1 : 0));
    limit = -(ptr.s.varOff.value + BigInt(ptr.off));
  } else if (ptr.type === 'map_value' && ptr.map !== undefined) {
    max = BigInt(ptr.map.valueSize);
    limit = (maskToLeft ? ptr.s.smin : ptr.s.umax) + BigInt(ptr.off);
  } else {
    return 'type';
  }
  const u32 = BigInt.asUintN(32, limit);
  return u32 >= max ? 'limit' : { limit: Number(u32) };
}

/** An instruction seen behind a barrier, where the kernel may or may not have recorded its state. */
const UNSURE = -1;

/** update_alu_sanitation_state: one instruction keeps one state and limit over all its paths. */
function record(env: Env, san: AluSanitation, insn: AluInstruction, state: number, limit: number): void {
  const old = san.aux.get(env.insnIdx);
  if (old?.state === UNSURE) notModelled('pointer arithmetic where a barrier stood before without CAP_PERFMON');
  if (old !== undefined && (old.state !== state || old.limit !== limit)) reject('EACCES', `R${insn.dst} tried to ${insn.op === 'add' ? 'add' : 'sub'} from different maps, paths or scalars, ${WHY}`);
  san.aux.set(env.insnIdx, { state, limit });
}

const sanitationOf = (env: Env): AluSanitation => env.aluSanitation ?? notModelled('pointer arithmetic with a register without CAP_PERFMON');

/**
 * sanitize_ptr_alu before the move (`swapped`: scalar += pointer). Refuses what cannot be masked;
 * pushes the speculative path of the masked move; returns what the check after the move needs
 * (undefined on a speculative path, where the kernel only simulates).
 */
export function sanitizePointerAlu(env: Env, insn: AluInstruction, ptr: RegState, off: RegState, swapped: boolean): SanitationWindow | undefined {
  if (insn.src.kind !== 'reg' || (insn.op !== 'add' && insn.op !== 'sub')) return undefined;
  const san = sanitationOf(env);
  const offIsImm = tnumIsConst(off.s.varOff);
  const offIsNeg = off.s.smin < 0n;
  let window: SanitationWindow | undefined;
  if (env.state.speculative !== true) {
    if (!offIsImm && offIsNeg !== off.s.smax < 0n) reject('EACCES', `R${insn.src.reg} has unknown scalar with mixed signed bounds, ${WHY}`);
    const maskToLeft = insn.op === 'add' ? offIsNeg : !offIsNeg;
    const l = pointerLimit(ptr, maskToLeft);
    if (l === 'type') reject('EACCES', `R${insn.dst} has pointer with unsupported alu operation, ${WHY}`);
    if (l === 'limit') reject('EACCES', `R${insn.dst} tried to ${insn.op} beyond pointer bounds, ${WHY}`);
    const state = (offIsNeg ? NEG_VALUE : 0) | (offIsImm ? IMMEDIATE : 0) | (swapped ? SANITIZE_DST : SANITIZE_SRC);
    window = { state, limit: l.limit, maskToLeft };
    if (!offIsImm) san.exploreAluLimits = true;
  }
  // A constant offset is rewritten to an immediate: nothing to mask, nothing to simulate.
  if (offIsImm) return window;
  const spec = cloneState(env.state);
  spec.speculative = true;
  if (swapped) {
    const p = cloneReg(ptr);
    p.id = ptr.id;
    curFrame(spec).regs[insn.dst] = p;
  }
  san.pushSpeculative(spec, env.insnIdx + 1);
  return window;
}

/**
 * After the move: sanitize_check_bounds (the result must stay inside the stack or the map
 * value), then sanitize_ptr_alu's commit (the moved pointer's limit; the instruction's state).
 */
export function commitPointerAlu(env: Env, insn: AluInstruction, moved: RegState, window: SanitationWindow | undefined): void {
  if (insn.src.kind !== 'reg' || (insn.op !== 'add' && insn.op !== 'sub')) return;
  checkUnprivilegedBounds(insn.dst, moved);
  if (window === undefined) return;
  const l = pointerLimit(moved, window.maskToLeft);
  if (l === 'type') reject('EACCES', `R${insn.dst} has pointer with unsupported alu operation, ${WHY}`);
  if (l === 'limit') reject('EACCES', `R${insn.dst} tried to ${insn.op} beyond pointer bounds, ${WHY}`);
  // abs() of the u32 difference, taken as an int.
  record(env, sanitationOf(env), insn, window.state, Math.abs((window.limit - l.limit) | 0) >>> 0);
}

/** sanitize_check_bounds for a moved stack or map value pointer. */
function checkUnprivilegedBounds(dst: number, moved: RegState): void {
  if (moved.type === 'stack') {
    const off = Number(BigInt.asIntN(32, BigInt(moved.off) + moved.s.varOff.value));
    if (!tnumIsConst(moved.s.varOff)) reject('EACCES', `R${dst} variable stack access prohibited for !root, var_off=${tnumText(moved.s.varOff)} off=${off}`);
    if (off >= 0 || off < -MAX_BPF_STACK) reject('EACCES', `R${dst} stack pointer arithmetic goes out of range, prohibited for !root; off=${off}`);
    return;
  }
  if (moved.type !== 'map_value' || moved.map === undefined) return;
  try {
    checkMemRegion(moved, dst, moved.off, 1, moved.map.valueSize, false);
    checkMapFieldAccess(moved, moved.off, 1, false);
  } catch (e) {
    if (!(e instanceof Rejection)) throw e;
    reject('EACCES', ...e.lines, `R${dst} pointer arithmetic of map value goes out of range, prohibited for !root`);
  }
}

/** sanitize_val_alu: a scalar add or sub with a register marks its instruction as such. */
export function sanitizeScalarAlu(env: Env, insn: AluInstruction, fenced: boolean): void {
  const san = env.aluSanitation;
  if (insn.src.kind !== 'reg' || (insn.op !== 'add' && insn.op !== 'sub') || san === undefined) return;
  const old = san.aux.get(env.insnIdx);
  if (old === undefined || old.state === UNSURE) {
    san.aux.set(env.insnIdx, { state: fenced && old === undefined ? UNSURE : NON_POINTER, limit: 0 });
    return;
  }
  if (fenced && old.state !== NON_POINTER) notModelled('scalar arithmetic behind a barrier where a pointer moved without CAP_PERFMON');
  record(env, san, insn, NON_POINTER, 0);
}
