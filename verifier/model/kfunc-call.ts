// kfunc calls (check_kfunc_call, check_kfunc_args): the call's imm is the BTF id of a kernel
// function in the kernel's BTF; the model knows the flags and availability of the kfuncs of
// tables/kfuncs.ts, checks each argument against the BTF prototype (scalars, pointers to kernel
// structs with the trust the flags demand), releases and acquires references, keeps the RCU read
// section of bpf_rcu_read_lock/unlock, clobbers R1-R5 and gives R0 the return type.

import type { Btf, BtfType } from '../../elf/index.js';
import { KFUNCS, type KfuncEntry, kfuncAvailable } from '../tables/kfuncs.js';
import { type Env, regs } from './env.js';
import { notModelled, reject } from './outcome.js';
import { isNullScalar, notInit, type RegState, regStr, unknownReg } from './reg.js';
import { btfPointer, isRcuReg, isTrustedReg } from './btf-pointer.js';
import { checkPtrOffReg } from './memory.js';
import { acquireReference, releaseReference } from './references.js';
import { rcuLockKfunc } from './rcu.js';
import { type IterArg, iterMethod, iterNextFork, iterNextReturn, processIterArg } from './iterators.js';
import { castReturn, checkKernCtxArg, constantArg, isCastKfunc } from './casts.js';
import { markPrecise } from './precision.js';
import type { VerifierState } from './state.js';
import { isIntOrEnum, resolvedType } from './btf-types.js';

const resolved = resolvedType;

/** Argument structs the kernel treats specially (dynptrs, iterators, graph nodes, contexts): not modelled. */
const SPECIAL_STRUCT = /^(bpf_(dynptr|iter_.*|list_head|list_node|rb_root|rb_node|refcount|wq|timer|spin_lock|res_spin_lock)|__sk_buff|sk_buff|xdp_md|xdp_buff|pt_regs|bpf_sock_ops|sk_msg_md|bpf_perf_event_data|bpf_raw_tracepoint_args)$/;

/** btf_struct_ids_match: the same struct, or (unless strict) a struct found at offset 0 of the register's, recursively. */
function structMatches(btf: Btf, have: string, want: string, strict: boolean): boolean {
  if (have === want) return true;
  if (strict) return false;
  let t = btf.findByName(have, 'STRUCT').map((id) => btf.type(id))[0];
  for (let depth = 0; depth < 32 && t?.kind === 'STRUCT'; depth++) {
    const first = t.members[0];
    if (first === undefined || first.bitsOffset !== 0) return false;
    let m = resolved(btf, first.type);
    for (let d = 0; d < 32 && m?.kind === 'ARRAY'; d++) m = resolved(btf, m.type);
    if (m?.kind !== 'STRUCT') return false;
    if (m.name === want) return true;
    t = m;
  }
  return false;
}

/** __btf_type_is_scalar_struct: a struct whose members are all scalars, arrays of them or such structs. */
function isScalarStruct(btf: Btf, t: BtfType | undefined, depth: number): boolean {
  if (t?.kind !== 'STRUCT' || depth > 4) return false;
  return t.members.every((m) => {
    let mt = resolved(btf, m.type);
    for (let d = 0; d < 32 && mt?.kind === 'ARRAY'; d++) mt = resolved(btf, mt.type);
    return isIntOrEnum(mt) || (mt?.kind === 'STRUCT' && isScalarStruct(btf, mt, depth + 1));
  });
}

interface ArgMeta {
  refObjId: number;
  releaseRegno: number;
  /** The iterator of a next or destroy method. */
  iter?: IterArg;
  /** The value of a `__k` argument. */
  constant?: bigint;
}

function checkArgs(env: Env, btf: Btf, name: string, e: KfuncEntry, params: readonly { readonly name: string; readonly type: number }[]): ArgMeta {
  const release = e.flags.includes('release');
  const trustedArgs = e.flags.includes('trustedArgs') || release;
  const rcu = e.flags.includes('rcu');
  const meta: ArgMeta = { refObjId: 0, releaseRegno: 0 };
  if (params.length > 5) notModelled(`kfunc ${name} with ${params.length} arguments`);
  const method = iterMethod(e);
  params.forEach((p, i) => {
    const regno = i + 1;
    const reg = regs(env)[regno]!;
    if (p.name.endsWith('__ign')) return;
    if (i === 0 && method !== undefined) { meta.iter = processIterArg(env, btf, method, p.type); return; }
    if (name === 'bpf_cast_to_kern_ctx') { checkKernCtxArg(reg, regno); return; }
    if (p.name.endsWith('__k') && isCastKfunc(name)) { meta.constant = constantArg(reg, regno); markPrecise(env, regno); return; }
    // Parameter name suffixes (__k, __sz, __nullable, __ign …) change how an argument is checked.
    if (/__[a-z]+$/.test(p.name) || /buf_size$/.test(p.name)) notModelled(`kfunc argument ${p.name} of ${name}`);
    const t = resolved(btf, p.type);
    if (isIntOrEnum(t)) {
      if (reg.type !== 'scalar') reject('EINVAL', `R${regno} is not a scalar`);
      return;
    }
    if (t?.kind !== 'PTR') notModelled(`kfunc argument of kind ${t?.kind ?? 'void'}`);
    if ((trustedArgs || rcu) && (isNullScalar(reg) || reg.flags.maybeNull)) reject('EACCES', `Possibly NULL pointer passed to trusted arg${i}`);
    if (reg.refObjId !== 0) {
      if (release && meta.refObjId !== 0) notModelled('a release kfunc given two referenced arguments');
      meta.refObjId = reg.refObjId;
      if (release) meta.releaseRegno = regno;
    }
    const ref = resolved(btf, t.type);
    if (ref?.kind !== 'STRUCT' || SPECIAL_STRUCT.test(ref.name)) notModelled(`kfunc argument pointing to ${ref?.kind ?? 'void'} ${ref?.name ?? ''}`);
    if (reg.type !== 'ptr' || reg.btfName === undefined) {
      // Not a BTF pointer: memory the kfunc reads, which a struct with pointers cannot be (get_kfunc_ptr_arg_type).
      const sockLike = reg.type === 'sock' || reg.type === 'sock_common' || reg.type === 'tcp_sock';
      const sized = /__szk?$/.test(params[i + 1]?.name ?? '');
      if (sockLike || sized || isScalarStruct(btf, ref, 0)) notModelled(`a ${regStr(reg)} passed as a kernel struct pointer`);
      reject('EINVAL', `arg#${i} pointer type STRUCT ${ref.name} must point to scalar, or struct with scalar`);
    }
    if ((trustedArgs || rcu) && !isTrustedReg(reg)) {
      if (!rcu) reject('EINVAL', `R${regno} must be referenced or trusted`);
      if (!isRcuReg(reg)) reject('EINVAL', `R${regno} must be a rcu pointer`);
    }
    if (release && reg.refObjId !== 0) {
      if (reg.off !== 0) reject('EINVAL', `R${regno} must have zero offset when passed to release func or trusted arg to kfunc`);
      checkPtrOffReg(reg, regno, false);
    } else {
      if (reg.off !== 0) notModelled('a BTF pointer with a fixed offset as a kfunc argument');
      checkPtrOffReg(reg, regno, true);
    }
    if (!structMatches(btf, reg.btfName, ref.name, release && reg.refObjId !== 0)) {
      reject('EINVAL', `kernel function ${name} args#${i} expected pointer to STRUCT ${ref.name} but R${regno} has a pointer to STRUCT ${reg.btfName}`);
    }
  });
  if (release && meta.releaseRegno === 0) reject('EINVAL', `release kernel function ${name} expects refcounted PTR_TO_BTF_ID`);
  return meta;
}

/** R0 after the call, from the prototype's return type. */
function returnReg(env: Env, btf: Btf, name: string, e: KfuncEntry, retType: number): RegState {
  const t = resolved(btf, retType);
  if (t === undefined) return notInit();
  if (isIntOrEnum(t)) return unknownReg();
  if (t.kind !== 'PTR') notModelled(`the return type of kfunc ${name}`);
  const to = resolved(btf, t.type);
  if (to?.kind !== 'STRUCT') notModelled(`kfunc ${name} returning a pointer to ${to?.kind ?? 'void'}`);
  const r0 = btfPointer(to.name);
  if (e.flags.includes('retNull')) {
    r0.flags = { ...r0.flags, maybeNull: true };
    r0.id = env.nextId();
  }
  if (e.flags.includes('acquire')) {
    const ref = acquireReference(env);
    if (e.flags.includes('retNull')) r0.id = ref;
    r0.refObjId = ref;
  }
  return r0;
}

/**
 * check_kfunc_call for a call whose imm is a kernel BTF id (imm 0 is left to the walk). An
 * iterator's next method returns the state the walk queues (its active iteration); `loopEntry`
 * gives the state kept at this call by an earlier iteration of the path.
 */
export function checkKfuncCall(env: Env, btfId: number, moduleBtf: number, loopEntry?: () => VerifierState | undefined): VerifierState | undefined {
  if (moduleBtf !== 0) notModelled('kfuncs of module BTF');
  const btf = env.opts.kernelBtf;
  if (btf === undefined) notModelled('kfunc calls without the kernel BTF');
  const fn = btf.type(btfId);
  if (fn?.kind !== 'FUNC') notModelled(`kfunc BTF id ${btfId}`);
  const name = fn.name;
  const e = KFUNCS[name];
  const available = kfuncAvailable(name, env.opts.progType);
  if (e === undefined || available === undefined) notModelled(`kfunc ${name} for program type ${env.opts.progType}`);
  if (!available) reject('EACCES', `calling kernel function ${name} is not allowed`);
  if (e.flags.includes('sleepable') || e.flags.includes('destructive')) notModelled(`kfunc ${name}`);
  const proto = btf.type(fn.type);
  if (proto?.kind !== 'FUNC_PROTO') notModelled(`kfunc ${name} without a prototype`);
  const meta = checkArgs(env, btf, name, e, proto.params);
  rcuLockKfunc(env, name);
  if (meta.releaseRegno !== 0) releaseReference(env, meta.refObjId);
  const rs = regs(env);
  for (const r of [1, 2, 3, 4, 5]) rs[r] = notInit();
  if (meta.iter !== undefined && e.flags.includes('iterNext')) {
    rs[0] = iterNextReturn(env, btf, name, proto.returnType, meta.iter);
    return iterNextFork(env, meta.iter, loopEntry?.());
  }
  rs[0] = isCastKfunc(name) ? castReturn(env, btf, name, meta.constant) : returnReg(env, btf, name, e, proto.returnType);
  return undefined;
}
