// Socket pointers (sock_common, sock, tcp_sock, xdp_sock and their _or_null forms): what
// a helper argument of a socket kind accepts (check_reg_type's sock_types and
// btf_id_sock_common_types), the pointer a socket helper returns, and loads
// through a socket pointer (check_sock_access with the uapi struct layouts
// bpf_sock and bpf_tcp_sock).

import { sockReadAllowed } from '../tables/ctx-probed.js';
import type { AccessKind, HelperArgType, HelperReturnType } from '../tables/types.js';
import type { Env } from './env.js';
import { notModelled, reject } from './outcome.js';
import { pointerReg, type RegState, type RegType, regStr, unknownReg } from './reg.js';

const SOCK_TYPES: readonly RegType[] = ['sock_common', 'sock', 'tcp_sock', 'xdp_sock'];

export const isSockPointer = (t: RegType): boolean => SOCK_TYPES.includes(t);

/** check_reg_type for ARG_PTR_TO_SOCK_COMMON and ARG_PTR_TO_BTF_ID_SOCK_COMMON. */
export function checkSockArg(regno: number, reg: RegState, arg: HelperArgType): void {
  if (isSockPointer(reg.type) && !reg.flags.maybeNull) return;
  // The BTF pointers the model makes are sockets (struct sock_common comes first in each).
  if (arg === 'btf_id_sock_common' && reg.type === 'ptr' && !reg.flags.maybeNull && reg.btfName !== undefined) return;
  const expected = ['sock_common', 'sock', 'tcp_sock', 'xdp_sock'];
  if (arg === 'btf_id_sock_common') expected.push('ptr_', 'trusted_ptr_');
  reject('EACCES', `R${regno} type=${regStr(reg)} expected=${expected.join(', ')}`);
}

/** R0 of a helper returning a socket pointer that may be NULL (a fresh id for the null check). */
export function sockReturn(env: Env, ret: HelperReturnType): RegState | undefined {
  if (ret.startsWith('btf_id_or_null:')) {
    return pointerReg('ptr', { flags: { maybeNull: true, rdonly: false, ringbuf: false }, id: env.nextId(), btfName: ret.slice('btf_id_or_null:'.length) });
  }
  const type: RegType | undefined = ret === 'socket_or_null' ? 'sock' : ret === 'tcp_sock_or_null' ? 'tcp_sock' : ret === 'sock_common_or_null' ? 'sock_common' : undefined;
  if (type === undefined) return undefined;
  return pointerReg(type, { flags: { maybeNull: true, rdonly: false, ringbuf: false }, id: env.nextId() });
}

/** bpf_tcp_sock_is_valid_access over struct bpf_tcp_sock (112 bytes; bytes_received and bytes_acked are u64). */
function tcpSockValid(off: number, size: number): boolean {
  if (off < 0 || off >= 112 || off % size !== 0) return false;
  return off === 80 || off === 88 ? size === 8 : size === 4;
}

/** check_mem_access on a socket pointer: read only, fields by the uapi layout; a load gives an unknown scalar. */
export function checkSockAccess(reg: RegState, regno: number, off: number, size: number, kind: AccessKind): RegState {
  if (kind === 'write') reject('EACCES', `R${regno} cannot write into ${regStr(reg)}`);
  if (reg.s.smin < 0n) reject('EACCES', `R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`);
  let valid: boolean;
  switch (reg.type) {
    case 'sock_common': case 'sock': valid = sockReadAllowed(reg.type, off, size); break;
    case 'tcp_sock': valid = tcpSockValid(off, size); break;
    // bpf_xdp_sock_is_valid_access: struct bpf_xdp_sock has one field, the u32 queue_id.
    case 'xdp_sock': valid = off === 0 && size === 4; break;
    default: notModelled(`loads through ${regStr(reg)}`);
  }
  if (!valid) reject('EACCES', `R${regno} invalid ${regStr(reg)} access off=${off} size=${size}`);
  return unknownReg();
}
