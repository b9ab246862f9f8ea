// bpf_tail_call (helper 12): after its arguments (ctx, a prog array, an
// index) no reference may be held, since the called program cannot release
// it. A failed tail call falls through to the next instruction; in a
// subprogram a successful one returns whatever the called program returns to
// the subprogram's caller (the walk explores both). Subprograms that tail
// call limit the stack of their callers (checkCombinedStack).

import type { Instruction } from '../../isa/index.js';
import type { AluSanitation } from './cap-bpf-alu.js';
import type { Env } from './env.js';
import type { MapInfo } from './map-info.js';
import { notModelled, reject } from './outcome.js';
import { markPrecise } from './precision.js';
import { curFrame } from './state.js';
import { tnumIsConst } from '../scalar/tnum.js';

/** BPF_FUNC_tail_call. */
export const TAIL_CALL = 12;

export const isTailCall = (insn: Instruction | undefined): boolean => insn?.kind === 'call' && insn.callee === 'helper' && insn.imm === TAIL_CALL;

/** The checks of check_helper_call for bpf_tail_call once its arguments passed. */
export function checkTailCall(env: Env): void {
  const leak = env.state.refs[0];
  if (leak !== undefined) reject('EINVAL', `Unreleased reference id=${leak.id} alloc_insn=${leak.insn}`, 'tail_call would lead to reference leak');
  if (curFrame(env.state).callback !== undefined) notModelled('tail calls inside a callback');
}

/** record_func_key: an index (R3) known to be in the prog array's range is relied on, so precise. */
export function markTailCallKey(env: Env, map: MapInfo): void {
  const key = curFrame(env.state).regs[3]!;
  if (key.type === 'scalar' && tnumIsConst(key.s.varOff) && key.s.varOff.value < BigInt(map.maxEntries)) markPrecise(env, 3);
}

/**
 * record_func_map without CAP_PERFMON: a tail call remembers its prog array; one that sees
 * another on some path is poisoned (the map is assumed created by the loader, so not bypass_spec_v1).
 */
export function recordTailCallMap(san: AluSanitation, insn: number, map: MapInfo | undefined): void {
  const old = san.tailCallMaps.get(insn);
  if (old === undefined) { if (map !== undefined) san.tailCallMaps.set(insn, map); return; }
  if (old !== 'poisoned' && old !== map) san.tailCallMaps.set(insn, 'poisoned');
}

/** do_misc_fixups after a walk that passed: a poisoned tail call cannot have its index masked. */
export function checkTailCallMaps(san: AluSanitation | undefined): void {
  if (san !== undefined && [...san.tailCallMaps.values()].includes('poisoned')) reject('EINVAL', 'tail_call abusing map_ptr');
}
