// PTR_TO_BTF_ID registers ('ptr' with the name of a kernel struct): how trusted they are
// (is_trusted_reg, is_rcu_reg), the pointer a kfunc or helper returns, and loads through them
// (check_ptr_to_btf_access) walked in the kernel's BTF (btf-walk.ts).

import { formatTnum, tnumIsConst } from '../scalar/tnum.js';
import type { AccessKind, HelperReturnType } from '../tables/types.js';
import type { Env } from './env.js';
import { notModelled, reject } from './outcome.js';
import { pointerReg, type RegFlags, type RegState, unknownReg } from './reg.js';
import { structId, walkBtfStruct } from './btf-walk.js';
import { checkTcpCaStore } from './tcp-ca-store.js';
import { walkedPointerReg } from './btf-walked-pointer.js';

/** is_trusted_reg: a referenced pointer, or one marked trusted with no unsafe modifier (NULL, RCU, untrusted). */
export function isTrustedReg(r: RegState): boolean {
  if (r.refObjId !== 0) return true;
  if (r.type === 'sock' || r.type === 'sock_common' || r.type === 'tcp_sock') return !r.flags.maybeNull;
  return r.type === 'ptr' && r.flags.trusted === true && !r.flags.maybeNull && r.flags.rcu !== true && r.flags.untrusted !== true;
}

/** is_rcu_reg. */
export const isRcuReg = (r: RegState): boolean => r.flags.rcu === true;

/** A pointer to the kernel struct `btfName`. */
export function btfPointer(btfName: string, flags: Partial<RegFlags> = {}): RegState {
  return pointerReg('ptr', { btfName, flags: { maybeNull: false, rdonly: false, ringbuf: false, ...flags } });
}

const STORE_CHECKING_TYPES = new Set(['sched_cls', 'sched_act', 'xdp', 'struct_ops']);

/** check_mem_access through a (non-NULL) BTF pointer: `off` includes the register's fixed offset. */
export function checkBtfPointerAccess(env: Env, reg: RegState, regno: number, off: number, size: number, kind: AccessKind): RegState {
  const btf = env.opts.kernelBtf;
  const name = reg.btfName;
  if (btf === undefined || name === undefined) notModelled('loads through BTF pointers without the kernel BTF');
  if (!env.opts.gpl) reject('EINVAL', `Cannot access kernel 'struct ${name}' from non-GPL compatible program`);
  if (off < 0) reject('EACCES', `R${regno} is ptr_${name} invalid negative access: off=${off}`);
  if (!tnumIsConst(reg.s.varOff) || reg.s.varOff.value !== 0n) {
    reject('EACCES', `R${regno} is ptr_${name} invalid variable offset: off=${off}, var_off=${formatTnum(reg.s.varOff)}`);
  }
  if (kind === 'write') {
    // Only tc, xdp and struct_ops programs have a btf_struct_access of their own for stores
    // (of struct_ops, tcp_congestion_ops: tcp-ca-store.ts).
    if (reg.flags.untrusted === true || !STORE_CHECKING_TYPES.has(env.opts.progType)) reject('EACCES', 'only read is supported');
    if (env.opts.progType === 'struct_ops' && env.opts.attach?.structOps === 'tcp_congestion_ops') {
      checkTcpCaStore(btf, name, off, size);
      return unknownReg();
    }
    notModelled(`stores through BTF pointers in ${env.opts.progType} programs`);
  }
  const id = structId(btf, name);
  if (id === undefined) notModelled(`struct ${name} is not in the kernel BTF`);
  const walked = walkBtfStruct(btf, id, off, size);
  return walked === 'scalar' ? unknownReg() : walkedPointerReg(env, btf, reg, id, walked);
}

/** R0 of a helper returning RET_PTR_TO_BTF_ID_TRUSTED (bpf_get_current_task_btf). */
export function btfHelperReturn(ret: HelperReturnType): RegState | undefined {
  return ret.startsWith('btf_id_trusted:') ? btfPointer(ret.slice('btf_id_trusted:'.length), { trusted: true }) : undefined;
}
