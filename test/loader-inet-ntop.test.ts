// inetNtop (loader/events/inet-ntop.ts), the address formatter for decoded events, against
// glibc's inet_ntop through python3's socket.inet_ntop: random addresses biased towards what
// the compression rules care about (runs of zero groups of every length and place, ties between
// runs, the IPv4-compatible ::a.b.c.d and IPv4-mapped ::ffff:a.b.c.d forms and their near misses).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AF_INET, AF_INET6, InetAddressError, inetNtop, inetNtop4, inetNtop6 } from '../loader/index.js';
import { requireReferences, run } from './support/references.js';

const byte = fc.integer({ min: 0, max: 255 });
const bytes = (n: number): fc.Arbitrary<number[]> => fc.array(byte, { minLength: n, maxLength: n });
const group = fc.oneof(fc.constant(0), fc.constant(0), fc.constant(0xffff), fc.constant(1), fc.integer({ min: 0, max: 0xffff }));
const fromGroups = (g: number[]): number[] => g.flatMap((x) => [x >> 8, x & 255]);

/** 16-byte IPv6 addresses, mostly of the shapes where inet_ntop's output has special cases. */
const ipv6 = fc.oneof(
  fc.array(group, { minLength: 8, maxLength: 8 }).map(fromGroups),
  // A run of zero groups of any length at any place in otherwise random groups.
  fc.tuple(fc.array(group, { minLength: 8, maxLength: 8 }), fc.nat(7), fc.integer({ min: 1, max: 8 }))
    .map(([g, at, len]) => fromGroups(g.map((x, i) => (i >= at && i < at + len ? 0 : x)))),
  // ::a.b.c.d, ::ffff:a.b.c.d, and prefixes one group off those (::1:a.b.c.d, 0:…:ffff:…).
  fc.tuple(fc.constantFrom(0, 0xffff, 1, 0xfffe), fc.array(fc.constantFrom(0, 0, 0, 1), { minLength: 5, maxLength: 5 }), bytes(4))
    .map(([g5, head, tail]) => [...fromGroups([...head, g5]), ...tail]),
  bytes(16),
);

/** Each address through python3's socket.inet_ntop (glibc's inet_ntop), in one process. */
function reference(family: 'AF_INET' | 'AF_INET6', addrs: number[][]): string[] {
  const py = `import socket,sys\nfor l in sys.stdin.read().split():\n  print(socket.inet_ntop(socket.${family}, bytes.fromhex(l)))\n`;
  return run('python3', ['-c', py], addrs.map((a) => Buffer.from(a).toString('hex')).join('\n')).trim().split('\n');
}

describe.skipIf(!requireReferences('python3'))('inetNtop against glibc inet_ntop (python3 socket.inet_ntop)', () => {
  it('IPv6: the same text for random addresses with zero runs, IPv4-compatible and IPv4-mapped forms', () => {
    // One python3 per batch of addresses; fast-check shrinks a failing batch to the address at fault.
    fc.assert(fc.property(fc.array(ipv6, { minLength: 1, maxLength: 400 }), (addrs) => {
      expect(addrs.map((a) => inetNtop(AF_INET6, a))).toEqual(reference('AF_INET6', addrs));
    }), { numRuns: 8 });
  });
  it('IPv4: dotted decimal of the bytes in network order', () => {
    fc.assert(fc.property(fc.array(bytes(4), { minLength: 1, maxLength: 200 }), (addrs) => {
      expect(addrs.map((a) => inetNtop(AF_INET, Uint8Array.from(a)))).toEqual(reference('AF_INET', addrs));
    }), { numRuns: 3 });
  });
});

describe('inetNtop: inputs', () => {
  it('reads the first 4 or 16 bytes of any array-like (a decodeValue number[] or a Uint8Array view)', () => {
    fc.assert(fc.property(bytes(20), (b) => {
      expect(inetNtop4(b)).toBe(inetNtop4(Uint8Array.from(b).subarray(0, 4)));
      expect(inetNtop6(Uint8Array.from(b))).toBe(inetNtop6(b.slice(0, 16)));
    }), { numRuns: 50 });
  });
  it('refuses a short address, a non-byte and an unknown family with an InetAddressError that says which', () => {
    expect(() => inetNtop(AF_INET6, new Uint8Array(4))).toThrow(/IPv6 address needs 16 bytes, got 4/);
    expect(() => inetNtop4([1, 2, 300, 4])).toThrow(InetAddressError);
    expect(() => inetNtop4([1, 2, 300, 4])).toThrow(/byte 2 is 300/);
    expect(() => inetNtop(1, new Uint8Array(16))).toThrow(/address family 1 is neither AF_INET \(2\) nor AF_INET6 \(10\)/);
  });
});
