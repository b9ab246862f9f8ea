// A scalar whose tnum has exactly one member inside its unsigned 64-bit range is that constant.
// Linux 6.18's reg_bounds_sync finds it (a branch can cut the range between two members of the
// tnum: {1, 3} below 3 is 1), where the classic steps only tighten the tnum to the range's
// covering tnum and keep both.

import type { Tnum } from './tnum.js';

const U64 = (1n << 64n) - 1n;

/** The member of `t` after `x` (itself a member), or undefined after the largest. */
function nextMember(t: Tnum, x: bigint): bigint | undefined {
  // Counting in the unknown bits only: the known ones are carried through by setting them first.
  const free = (((x & t.mask) | (~t.mask & U64)) + 1n) & t.mask;
  return free === 0n ? undefined : t.value | free;
}

/** The smallest member of `t` that is at least `z`, or undefined. */
function firstMemberFrom(t: Tnum, z: bigint): bigint | undefined {
  if (z <= t.value) return t.value;
  if (z > (t.value | t.mask)) return undefined;
  if ((z & ~t.mask & U64) === t.value) return z;
  // From the top bit down, x follows z while it can; the lowest unknown bit where z has 0 is where
  // x may go above z instead, with every unknown bit below it 0.
  let x = 0n;
  let above: bigint | undefined;
  for (let b = 63n; b >= 0n; b--) {
    const bit = 1n << b;
    const zb = z & bit;
    if ((t.mask & bit) !== 0n) {
      if (zb === 0n) above = x | bit | (t.value & (bit - 1n));
      x |= zb;
      continue;
    }
    const vb = t.value & bit;
    if (vb === zb) { x |= vb; continue; }
    if (vb !== 0n) return x | (t.value & ((bit << 1n) - 1n));
    return above;
  }
  return x;
}

/** The one member of `t` in [umin, umax] when there is exactly one (and `t` is not a constant). */
export function singleMemberInRange(t: Tnum, umin: bigint, umax: bigint): bigint | undefined {
  if (t.mask === 0n || umin > umax) return undefined;
  const first = firstMemberFrom(t, umin);
  if (first === undefined || first > umax) return undefined;
  const next = nextMember(t, first);
  return next !== undefined && next <= umax ? undefined : first;
}
