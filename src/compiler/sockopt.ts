// bpf_setsockopt and bpf_getsockopt as sock_ops and cgroup sock_addr programs call them: the
// context first (their prototypes there take ARG_PTR_TO_CTX; the tracing and struct_ops ones take
// a BTF socket, so the generator finds the prototypes differ and leaves them to this file), then
// level, optname and the option's bytes with their size. The kernel answers -EINVAL at run time
// for a level other than SOL_SOCKET, SOL_IP, SOL_IPV6 and SOL_TCP (net/core/filter.c,
// __bpf_setsockopt / __bpf_getsockopt); a constant level outside them is an error at its line.

import type TS from 'typescript';
import type { HelperCall } from './helper-calls.generated.js';
import type { Lowering } from './lower.js';

export const SOCKOPT_CALLS: Readonly<Record<string, HelperCall>> = {
  setsockopt: { helper: 'setsockopt', id: 49, args: [{ ctx: true }, { int: 's32' }, { int: 's32' }, { mem: 'read' }], ret: 's64' },
  getsockopt: { helper: 'getsockopt', id: 57, args: [{ ctx: true }, { int: 's32' }, { int: 's32' }, { mem: 'write' }], ret: 's64' },
};

/** SOL_IP, SOL_SOCKET, SOL_TCP (IPPROTO_TCP), SOL_IPV6 (IPPROTO_IPV6). */
const LEVELS: ReadonlyMap<bigint, string> = new Map([[0n, 'SOL_IP'], [1n, 'SOL_SOCKET'], [6n, 'SOL_TCP'], [41n, 'SOL_IPV6']]);

/** A constant level the kernel has no options for is an error at the argument. */
export function checkSockoptLevel(L: Lowering, name: string, level: TS.Expression): void {
  const v = L.ts.isNumericLiteral(level) ? BigInt(level.text) : undefined;
  if (v === undefined || LEVELS.has(v)) return;
  L.fail(level, `${name}: level ${v} has no options a program may ${name === 'setsockopt' ? 'set' : 'read'} (the kernel answers -EINVAL): SOL_SOCKET 1, SOL_TCP 6, SOL_IP 0 or SOL_IPV6 41`);
}
