// The context of a cgroup sock_addr program per hook: struct bpf_sock_addr (linux/bpf.h) as the
// struct the hook's parameter type names. IPv4 hooks see user_ip4, IPv6 hooks user_ip6[4]
// (`Arr<u32, 4>`, indexed by a constant: the verifier refuses a variable offset into the
// context), sendmsg4/6 also the source address msg_src_ip4 / msg_src_ip6[4]. A field another
// family's hook has is missing from the struct, so reading it is an error at its line (the
// verifier would refuse the load: net/core/filter.c, sock_addr_is_valid_access).

import type TS from 'typescript';
import { array, struct, u32 } from '../dsl/index.js';
import { U32 } from './int-type.js';
import { type Aggregate, intLType, type LType } from './layout.js';
import type { Lowering } from './lower.js';
import type { Val } from './values.js';

/** The hooks of the language and the attach types they are (section `cgroup/HOOK`). */
export const SOCK_ADDR_HOOKS = ['connect4', 'connect6', 'bind4', 'bind6', 'sendmsg4', 'sendmsg6', 'recvmsg4', 'recvmsg6', 'getpeername4', 'getpeername6', 'getsockname4', 'getsockname6'] as const;
export type SockAddrHook = typeof SOCK_ADDR_HOOKS[number];
/** Hooks whose program must return 1 (the kernel's return range is [1, 1]: they only rewrite the address). */
export const RETURNS_ONE: ReadonlySet<string> = new Set(['recvmsg4', 'recvmsg6', 'getpeername4', 'getpeername6', 'getsockname4', 'getsockname6']);

/** struct bpf_sock_addr's fields the language names, as the language's names, and their offsets. */
const COMMON: readonly [string, number][] = [['userFamily', 0], ['userPort', 24], ['family', 28], ['type', 32], ['protocol', 36]];
const ctype = struct('bpf_sock_addr', {
  user_family: u32, user_ip4: u32, user_ip6: array(u32, 4), user_port: u32, family: u32, type: u32, protocol: u32, msg_src_ip4: u32, msg_src_ip6: array(u32, 4),
});
const INT = intLType(U32);
const IP6: LType = { kind: 'array', elem: INT, length: 4, size: 16, align: 4, ctype: array(u32, 4) };

/** The parameter type of each hook (lang.ts), by its name. */
export function sockAddrContextType(hook: string): string {
  if (hook === 'sendmsg4') return 'SendMsg4Addr';
  if (hook === 'sendmsg6') return 'SendMsg6Addr';
  return hook.endsWith('6') ? 'SockAddr6' : 'SockAddr';
}

const layouts = new Map<string, Aggregate>();
/** The context of `hook` as a struct over bpf_sock_addr. */
export function sockAddrLayout(hook: string): Aggregate {
  const name = sockAddrContextType(hook);
  const known = layouts.get(name);
  if (known !== undefined) return known;
  const v6 = hook.endsWith('6');
  const fields = new Map<string, { off: number; type: LType }>(COMMON.map(([n, off]) => [n, { off, type: INT }]));
  if (v6) fields.set('userIp6', { off: 8, type: IP6 }); else fields.set('userIp4', { off: 4, type: INT });
  if (hook === 'sendmsg4') fields.set('msgSrcIp4', { off: 40, type: INT });
  if (hook === 'sendmsg6') fields.set('msgSrcIp6', { off: 44, type: IP6 });
  const l: Aggregate = { kind: 'struct', name, fields, size: ctype.size, align: ctype.align, ctype };
  layouts.set(name, l);
  return l;
}

/** A return of a hook that must return 1 (recvmsg, getpeername, getsockname) returns the constant 1. */
export function checkSockAddrReturn(L: Lowering, r: Val, node: TS.Node | undefined): void {
  if (L.prog.kind !== 'cgroupSockAddr') return;
  const hook = L.prog.section.slice('cgroup/'.length);
  if (!RETURNS_ONE.has(hook) || (r.k === 'const' && r.c === 1n)) return;
  const what = r.k === 'const' ? `returns ${r.c}` : 'returns a computed value';
  L.fail(node ?? L.prog.body, `a ${hook} program only rewrites the address: it returns 1 on every path (this one ${what}; the kernel refuses anything else)`);
}
