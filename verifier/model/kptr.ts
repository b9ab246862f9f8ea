// Kptr fields of map values (check_map_kptr_access, map_kptr_match_type, process_kptr_func):
// a load gives a PTR_TO_BTF_ID to the field's struct that may be NULL — untrusted for a
// __kptr_untrusted field, MEM_RCU for a referenced __kptr to an RCU-protected struct inside an RCU
// read section, untrusted otherwise; only __kptr_untrusted fields may be stored to (NULL, or a
// pointer to the same struct); bpf_kptr_xchg swaps a referenced pointer in and out of a
// referenced field. Percpu kptrs and kptrs to program-local types (bpf_obj_new) are not modelled.

import { tnumIsConst } from '../scalar/tnum.js';
import type { AccessKind } from '../tables/types.js';
import type { Env } from './env.js';
import type { MapKptr } from './map-info.js';
import { checkPtrOffReg } from './memory.js';
import { notModelled, reject } from './outcome.js';
import { btfPointer } from './btf-pointer.js';
import { structId, structIdsMatch } from './btf-walk.js';
import { isNullScalar, type RegState, regStr, regTypeStr } from './reg.js';
import { markPrecise } from './precision.js';
import { heldLock } from './references.js';
import { forEachReg } from './state.js';

/** The kptr field that starts at `off` of the map value `reg` points to (btf_record_find). */
export function kptrFieldAt(reg: RegState, off: number): MapKptr | undefined {
  if (reg.map?.kptrs === undefined || !tnumIsConst(reg.s.varOff)) return undefined;
  const at = BigInt(off) + reg.s.varOff.value;
  return reg.map.kptrs.find((k) => BigInt(k.off) === at);
}

/** Structs whose referenced kptrs load as RCU pointers (the kernel's rcu_protected_types). */
const RCU_PROTECTED = new Set(['prog_test_ref_kfunc', 'cgroup', 'bpf_cpumask', 'task_struct', 'bpf_crypto_ctx']);

/** in_rcu_cs: inside bpf_rcu_read_lock, holding a spin lock, or any non-sleepable program. */
const inRcuCs = (env: Env): boolean => env.state.activeRcuLock === true || heldLock(env) !== undefined || env.opts.sleepable !== true;

/** The field's struct must be the kernel's (a program-local type is a bpf_obj_new object). */
function kernelTarget(env: Env, field: MapKptr): string {
  const btf = env.opts.kernelBtf;
  if (btf === undefined) notModelled('kptrs without the kernel BTF');
  if (field.kind === 'percpu') notModelled('percpu kptrs');
  if (structId(btf, field.target) === undefined) notModelled(`kptrs to struct ${field.target}, which is not in the kernel BTF`);
  return field.target;
}

/** mark_btf_ld_reg with btf_ld_kptr_type: what a load of the field gives. */
function loadedKptr(env: Env, field: MapKptr): RegState {
  const target = kernelTarget(env, field);
  const rcu = field.kind === 'ref' && RCU_PROTECTED.has(target) && inRcuCs(env);
  const r = btfPointer(target, rcu ? { maybeNull: true, rcu: true } : { maybeNull: true, untrusted: true });
  r.id = env.nextId();
  return r;
}

export interface KptrAccess {
  readonly kind: AccessKind;
  /** The register a load writes or a store reads (-1 for BPF_ST and atomics). */
  readonly valueRegno: number;
  /** A BPF_ST's immediate. */
  readonly stImm?: number;
  readonly atomic?: boolean;
}

/** check_map_kptr_access, after check_map_access allowed it: the loaded register for a load. */
export function checkMapKptrAccess(env: Env, field: MapKptr, a: KptrAccess, value: RegState | undefined): RegState | undefined {
  if (a.atomic === true) reject('EACCES', 'kptr in map can only be accessed using BPF_MEM instruction mode');
  if (a.kind === 'write' && field.kind !== 'unref') reject('EACCES', 'store to referenced kptr disallowed');
  if (a.kind === 'read') return loadedKptr(env, field);
  if (a.valueRegno >= 0) {
    // NULL always fits; anything else must be a pointer to the field's struct.
    if (!isNullScalar(value!)) kptrMatchType(env, field, value!, a.valueRegno);
    // The store is valid only because the scalar is 0: another scalar must not be pruned against it.
    else markPrecise(env, a.valueRegno);
  } else if (a.stImm !== 0) {
    reject('EACCES', `BPF_ST imm must be 0 when storing to kptr at off=${field.off}`);
  }
  return undefined;
}

/** map_kptr_match_type: `reg` may be stored in (or exchanged into) the field. */
export function kptrMatchType(env: Env, field: MapKptr, reg: RegState, regno: number): void {
  const target = kernelTarget(env, field);
  const unref = field.kind === 'unref';
  const bad = (name: string): never => {
    const alt = unref ? ` or ${regTypeStr('ptr', { untrusted: true })}${target}` : '';
    reject('EACCES', `invalid kptr access, R${regno} type=${regStr(reg)}${name} expected=${regTypeStr('ptr')}${target}${alt}`);
  };
  if (reg.type !== 'ptr' || reg.btfName === undefined) bad('');
  // Flags other than MAYBE_NULL, TRUSTED and RCU (and UNTRUSTED for an untrusted field) do not fit.
  if ((reg.flags.untrusted === true && !unref) || reg.flags.rdonly || reg.flags.ringbuf) bad('');
  checkPtrOffReg(reg, regno, true);
  if (!structIdsMatch(env.opts.kernelBtf!, reg.btfName!, reg.off, target, !unref)) bad(reg.btfName!);
}

/** process_kptr_func: the field bpf_kptr_xchg's destination (a map value pointer) names. */
export function processKptrFunc(reg: RegState, regno: number): MapKptr {
  const map = reg.map!;
  if (map.valueFieldsKnown !== true) reject('EINVAL', `map '${map.name ?? ''}' has to have BTF in order to use bpf_kptr_xchg`);
  if (!tnumIsConst(reg.s.varOff)) reject('EINVAL', `R${regno} doesn't have constant offset. kptr has to be at the constant offset`);
  if (map.kptrs === undefined || map.kptrs.length === 0) reject('EINVAL', `R${regno} has no valid kptr`);
  const at = Number(BigInt.asIntN(32, BigInt(reg.off) + reg.s.varOff.value));
  const field = kptrFieldAt(reg, reg.off);
  if (field === undefined) reject('EACCES', `off=${at} doesn't point to kptr`);
  if (field.kind === 'unref') reject('EACCES', `off=${at} kptr isn't referenced kptr`);
  return field;
}

/** check_reg_type for bpf_kptr_xchg's destination (ARG_KPTR_XCHG_DEST). */
export function checkKptrXchgDest(reg: RegState, regno: number): void {
  if (reg.type === 'map_value' && !reg.flags.maybeNull) return;
  reject('EACCES', `R${regno} type=${regStr(reg)} expected=map_value, ptr_`);
}

/** check_reg_type for bpf_kptr_xchg's new value (ARG_PTR_TO_BTF_ID_OR_NULL | OBJ_RELEASE), NULL aside. */
export function checkKptrXchgValue(env: Env, reg: RegState, regno: number, field: MapKptr | undefined): void {
  const f = reg.flags;
  const plain = reg.type === 'ptr' && f.untrusted !== true && !f.rdonly && !f.ringbuf && !(f.trusted === true && f.rcu === true);
  if (!plain) reject('EACCES', `R${regno} type=${regStr(reg)} expected=ptr_, trusted_ptr_, rcu_ptr_`);
  if (f.maybeNull) reject('EACCES', `Possibly NULL pointer passed to helper arg${regno}`);
  if (field === undefined) notModelled('bpf_kptr_xchg without its destination');
  kptrMatchType(env, field, reg, regno);
}

/** R0 of bpf_kptr_xchg: the old pointer, possibly NULL (the caller makes it a reference). */
export function kptrXchgReturn(env: Env, field: MapKptr | undefined): RegState {
  if (field === undefined) notModelled('bpf_kptr_xchg without its destination');
  const r = btfPointer(kernelTarget(env, field), { maybeNull: true });
  r.id = env.nextId();
  return r;
}

/** bpf_rcu_read_unlock: MEM_RCU pointers lose their protection and become untrusted (and not NULL-tracked). */
export function untrustRcuPointers(env: Env): void {
  forEachReg(env.state, (r) => {
    if (r.flags.rcu === true) {
      r.flags = { ...r.flags, rcu: false, maybeNull: false, untrusted: true };
    }
  });
}
