// Byte order of constants, folded in TypeScript (bpf_htons(ETH_P_IP) in C is a constant too).
// eBPF objects here are little-endian; the builder methods ntohs/htons … convert registers.

import { DslError } from './errors.js';
import { callerLocation } from './line-info.js';

/** The value as an integer of `bits`, or a DslError at the caller's line (any other kind of value is the caller's mistake). */
function integer(v: unknown, bits: 16 | 32, fn: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < -(2 ** (bits - 1)) || v >= 2 ** bits) {
    const shown = typeof v === 'bigint' ? `${v}n` : typeof v === 'number' ? String(v) : typeof v;
    throw new DslError(`${fn}: ${shown} is not a ${bits}-bit integer`, callerLocation());
  }
  return v;
}

const swap16 = (x: number): number => { const v = integer(x, 16, 'htons/ntohs'); return ((v & 0xff) << 8) | ((v >>> 8) & 0xff); };
const swap32 = (x: number): number => {
  const v = integer(x, 32, 'htonl/ntohl');
  return (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | ((v >>> 24) & 0xff)) >>> 0;
};

/** Host (little-endian) to network order, 16 bits. */
export const htons = swap16;
export const ntohs = swap16;
/** Host (little-endian) to network order, 32 bits (unsigned result). */
export const htonl = swap32;
export const ntohl = swap32;
