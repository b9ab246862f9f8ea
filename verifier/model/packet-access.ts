// Which program types may touch packet bytes, directly or through helpers
// (may_access_direct_pkt_data).

import type { HelperPrototype } from '../tables/types.js';
import { mayAccessPacket } from './memory.js';

/**
 * A packet pointer as a helper's memory argument: the program type must read packets directly and
 * the helper's prototype must allow packet access (pkt_access), except in cgroup_sockopt
 * programs, whose packet is the socket option buffer and which every helper may access.
 */
export function mayHelperAccessPacket(progType: string, fn: HelperPrototype): boolean {
  if (progType === 'cgroup_sockopt') return true;
  return mayAccessPacket(progType, 'read') && fn.pktAccess === true;
}
