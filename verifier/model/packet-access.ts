// Which program types may touch packet bytes, directly or through helpers
// (may_access_direct_pkt_data), and the alignment of packet accesses.

import { tnumAdd, tnumConst, tnumIsAligned } from '../scalar/tnum.js';
import type { HelperPrototype } from '../tables/types.js';
import { mayAccessPacket, tnumText } from './memory.js';
import { reject } from './outcome.js';
import type { RegState } from './reg.js';

/**
 * A packet pointer as a helper's memory argument: the program type must read packets directly and
 * the helper's prototype must allow packet access (pkt_access), except in cgroup_sockopt
 * programs, whose packet is the socket option buffer and which every helper may access.
 */
export function mayHelperAccessPacket(progType: string, fn: HelperPrototype): boolean {
  if (progType === 'cgroup_sockopt') return true;
  return mayAccessPacket(progType, 'read') && fn.pktAccess === true;
}

/** NET_IP_ALIGN as BPF_F_STRICT_ALIGNMENT assumes it: the packet starts 2 bytes past an aligned address. */
const STRICT_IP_ALIGN = 2;

/** check_pkt_ptr_alignment under BPF_F_STRICT_ALIGNMENT (single bytes are always aligned). */
export function checkPacketAlignment(reg: RegState, off: number, size: number): void {
  if (size === 1) return;
  const at = tnumAdd(reg.s.varOff, tnumConst(BigInt.asUintN(64, BigInt(STRICT_IP_ALIGN + reg.off + off))));
  if (!tnumIsAligned(at, BigInt(size))) {
    reject('EACCES', `misaligned packet access off ${STRICT_IP_ALIGN}+${tnumText(reg.s.varOff)}+${reg.off}+${off} size ${size}`);
  }
}
