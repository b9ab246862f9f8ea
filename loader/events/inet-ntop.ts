// inet_ntop for addresses found in events (socket tracepoints, kprobe'd sockaddrs, packet headers):
// the bytes in network order, formatted as glibc's inet_ntop(3) prints them, so that an address
// decoded from a ring buffer compares equal to what the OS reports for the socket (Node's
// socket.remoteAddress, ss, getpeername + inet_ntop).

import { TsbpfError } from '../../isa/index.js';

/** The address families of <sys/socket.h> that inetNtop formats. */
export const AF_INET = 2;
export const AF_INET6 = 10;

/** An address that is not 4 (AF_INET) or 16 (AF_INET6) bytes, or a family other than those two. */
export class InetAddressError extends TsbpfError {
  override readonly name = 'InetAddressError';
}

function bytesOf(addr: ArrayLike<number>, size: number, what: string): number[] {
  if (addr.length < size) throw new InetAddressError(`${what} address needs ${size} bytes, got ${addr.length}`);
  const b = Array.from({ length: size }, (_, i) => addr[i]!);
  const bad = b.findIndex((x) => !Number.isInteger(x) || x < 0 || x > 255);
  if (bad >= 0) throw new InetAddressError(`${what} address byte ${bad} is ${String(b[bad])}, not 0..255`);
  return b;
}

/** inet_ntop(AF_INET, …): the first 4 bytes, network order, dotted decimal. */
export function inetNtop4(addr: ArrayLike<number>): string {
  return bytesOf(addr, 4, 'an IPv4').join('.');
}

/**
 * inet_ntop(AF_INET6, …) as glibc writes it: eight lower-case hex groups without leading zeros;
 * the first longest run of two or more zero groups as `::`; a dotted IPv4 tail for the
 * IPv4-compatible (`::a.b.c.d`, the first six groups zero) and IPv4-mapped (`::ffff:a.b.c.d`) forms.
 */
export function inetNtop6(addr: ArrayLike<number>): string {
  const b = bytesOf(addr, 16, 'an IPv6');
  const g = Array.from({ length: 8 }, (_, i) => (b[2 * i]! << 8) | b[2 * i + 1]!);
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  // ::a.b.c.d needs exactly groups 0-5 zero (with group 6 zero too the run is longer: ::1 stays ::1).
  if (best === 0 && (bestLen === 6 || (bestLen === 5 && g[5] === 0xffff))) {
    return `::${bestLen === 5 ? 'ffff:' : ''}${b.slice(12).join('.')}`;
  }
  const hex = (xs: number[]): string => xs.map((x) => x.toString(16)).join(':');
  if (bestLen < 2) return hex(g);
  return `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}

/** inet_ntop(family, addr) for AF_INET (4 bytes) and AF_INET6 (16 bytes). */
export function inetNtop(family: number, addr: ArrayLike<number>): string {
  if (family === AF_INET) return inetNtop4(addr);
  if (family === AF_INET6) return inetNtop6(addr);
  throw new InetAddressError(`address family ${family} is neither AF_INET (${AF_INET}) nor AF_INET6 (${AF_INET6})`);
}
