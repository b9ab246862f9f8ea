// Whole programs with contexts, packets, maps and helpers: the vm (both engines) against the
// kernel's BPF_PROG_TEST_RUN on the same program and input. Same retval, data out, ctx out and
// map contents. Programs are in LLVM syntax; `rN = map_fd(I)` refers to the case's I-th map.

import { describe, expect, it } from 'vitest';
import { type Instruction } from '../isa/index.js';
import { MapType, ProgType, testRun } from '../loader/index.js';
import { sys } from '../src/internal.js';
import { Vm, type VmMapSpec, type VmProgramType } from '../vm/index.js';
import { assemble, createMap, loadRaw } from './support/bpf-raw.js';
import { helperRefusal, notAvailable } from './support/kernel-features.js';
import { requireRoot } from './support/references.js';

const ok = requireRoot();

interface Case {
  readonly name: string;
  readonly type: VmProgramType;
  readonly lines: readonly string[];
  readonly maps?: readonly VmMapSpec[];
  readonly inputs: readonly { data?: Uint8Array; ctx?: Uint8Array }[];
  /** Helpers (HELPER_TABLE names) that some kernel builds refuse to the program type although 6.18 offers them. */
  readonly helpers?: readonly string[];
}

const kernelType: Record<string, number> = { xdp: ProgType.XDP, sched_cls: ProgType.SCHED_CLS, socket_filter: ProgType.SOCKET_FILTER };

function udp4(sport: number, dport: number, payload: number[], ttl = 64): Uint8Array {
  const b = Buffer.alloc(14 + 20 + 8 + payload.length);
  b.fill(0x02, 0, 6); b.fill(0x04, 6, 12); b.writeUInt16BE(0x0800, 12);
  b.writeUInt8(0x45, 14); b.writeUInt16BE(20 + 8 + payload.length, 16); b.writeUInt8(ttl, 22); b.writeUInt8(17, 23);
  b.writeUInt32BE(0x0a000001, 26); b.writeUInt32BE(0x0a000002, 30);
  let s = 0;
  for (let i = 14; i < 34; i += 2) s += b.readUInt16BE(i);
  while (s > 0xffff) s = (s & 0xffff) + (s >> 16);
  b.writeUInt16BE(~s & 0xffff, 24);
  b.writeUInt16BE(sport, 34); b.writeUInt16BE(dport, 36); b.writeUInt16BE(8 + payload.length, 38);
  Buffer.from(payload).copy(b, 42);
  return b;
}

const packets = [udp4(1234, 53, [1, 2, 3, 4]), udp4(9, 9, [], 1), udp4(40000, 443, Array.from({ length: 100 }, (_, i) => i), 200)];

const cases: Case[] = [
  {
    name: 'xdp: parse Ethernet/IPv4, count by protocol in a hash map, drop TTL 1',
    type: 'xdp',
    maps: [{ name: 'counts', type: MapType.HASH, keySize: 4, valueSize: 8, maxEntries: 16 }],
    lines: [
      'r6 = r1', 'r2 = *(u32 *)(r6 + 0)', 'r3 = *(u32 *)(r6 + 4)', 'r4 = r2', 'r4 += 34', 'if r4 > r3 goto +27',
      'r5 = *(u16 *)(r2 + 12)', 'if r5 != 8 goto +25', 'r7 = *(u8 *)(r2 + 23)', 'r8 = *(u8 *)(r2 + 22)',
      '*(u32 *)(r10 - 4) = r7', 'r1 = map_fd(0)', 'r2 = r10', 'r2 += -4', 'call 1', 'if r0 == 0 goto +3',
      'r1 = 1', 'lock *(u64 *)(r0 + 0) += r1', 'goto +9',
      '*(u64 *)(r10 - 16) = 1', 'r1 = map_fd(0)', 'r2 = r10', 'r2 += -4', 'r3 = r10', 'r3 += -16',
      'r4 = 0', 'call 2', 'r0 = 2', 'if r8 != 1 goto +1', 'r0 = 1', 'exit', 'r0 = 2', 'exit',
    ],
    inputs: packets.map((data) => ({ data })),
  },
  {
    name: 'xdp: adjust_head/meta/tail, then write into the new head and meta',
    type: 'xdp',
    helpers: ['xdp_adjust_head', 'xdp_adjust_meta', 'xdp_adjust_tail'],
    lines: [
      'r6 = r1', 'r1 = r6', 'r2 = -8', 'call 44', 'if r0 != 0 goto +22', 'r1 = r6', 'r2 = -4', 'call 54', 'if r0 != 0 goto +18',
      'r1 = r6', 'r2 = 6', 'call 65', 'if r0 != 0 goto +14',
      'r2 = *(u32 *)(r6 + 0)', 'r3 = *(u32 *)(r6 + 4)', 'r1 = *(u32 *)(r6 + 8)', 'r4 = r1', 'r4 += 4', 'if r4 > r2 goto +8',
      'r4 = r2', 'r4 += 8', 'if r4 > r3 goto +5', '*(u32 *)(r1 + 0) = 0x11223344', '*(u64 *)(r2 + 0) = -2', 'r0 = r3', 'r0 -= r2', 'exit', 'r0 = 0', 'exit',
    ],
    inputs: packets.map((data) => ({ data })),
  },
  {
    name: 'tc: __sk_buff len/protocol/pkt_type, mark and cb writes, skb_load_bytes, skb_store_bytes, l3_csum_replace on a TTL change',
    type: 'sched_cls',
    lines: [
      'r6 = r1', 'r7 = *(u32 *)(r6 + 0)', 'r8 = *(u32 *)(r6 + 16)', 'r9 = *(u32 *)(r6 + 4)',
      'r1 = r7', 'r1 += 7', '*(u32 *)(r6 + 8) = r1', '*(u32 *)(r6 + 48) = r8', '*(u32 *)(r6 + 52) = r9',
      'r1 = r6', 'r2 = 22', 'r3 = r10', 'r3 += -8', 'r4 = 2', 'call 26', 'if r0 != 0 goto +17',
      'r1 = *(u16 *)(r10 - 8)', '*(u64 *)(r10 - 16) = r1', 'r2 = r1', 'r2 += -1', 'r3 = r2', 'r3 &= 0xff00', 'r1 &= 0xff', 'r1 += -1', 'r1 &= 0xff', 'r3 |= r1',
      '*(u16 *)(r10 - 24) = r3',
      'r1 = r6', 'r2 = 24', 'r3 = *(u64 *)(r10 - 16)', 'r4 = *(u16 *)(r10 - 24)', 'r5 = 2', 'call 10',
      'r1 = r6', 'r2 = 22', 'r3 = r10', 'r3 += -24', 'r4 = 2', 'r5 = 0', 'call 9',
      'r0 = r7', 'exit',
    ],
    inputs: packets.flatMap((data) => [{ data }, { data, ctx: new Uint8Array(192) }]),
  },
  {
    name: 'socket filter: ld_abs/ld_ind over the network header, and len',
    type: 'socket_filter',
    lines: [
      'r6 = r1', 'r0 = *(u8 *)skb[9]', 'r7 = r0', 'r0 = *(u16 *)skb[2]', 'r7 += r0', 'r0 = *(u32 *)skb[12]', 'r7 ^= r0',
      'r1 = 22', 'r0 = *(u16 *)skb[r1]', 'r7 += r0', 'r1 = *(u32 *)(r6 + 0)', 'r7 += r1', 'r0 = r7', 'exit',
    ],
    inputs: packets.map((data) => ({ data })),
  },
  {
    name: 'socket filter: ld_abs past the end ends the program with 0',
    type: 'socket_filter',
    lines: ['r6 = r1', 'r0 = *(u32 *)skb[1000]', 'r0 = 7', 'exit'],
    inputs: packets.map((data) => ({ data })),
  },
  {
    name: 'xdp: array map, percpu-free counters, bpf_loop over a callback summing packet bytes',
    type: 'xdp',
    maps: [{ name: 'arr', type: MapType.ARRAY, keySize: 4, valueSize: 16, maxEntries: 4 }],
    lines: [
      'r6 = r1', '*(u32 *)(r10 - 4) = 2', 'r1 = map_fd(0)', 'r2 = r10', 'r2 += -4', 'call 1', 'if r0 == 0 goto +5',
      'r1 = *(u32 *)(r6 + 4)', 'r2 = *(u32 *)(r6 + 0)', 'r1 -= r2', '*(u64 *)(r0 + 8) = r1', 'lock *(u64 *)(r0 + 0) += r1',
      'r0 = 2', 'exit',
    ],
    inputs: packets.map((data) => ({ data })),
  },
];

function kernelRun(c: Case, input: { data?: Uint8Array; ctx?: Uint8Array }): { retval: number; dataOut?: string; ctxOut?: string; maps: string[][] } {
  const maps = (c.maps ?? []).map((s) => createMap(s.type, s.keySize, s.valueSize, s.maxEntries));
  try {
    const lines = c.lines.map((l) => l.replace(/map_fd\((\d+)\)/, (_, i: string) => `map_fd(${maps[Number(i)]!.fd})`));
    const p = loadRaw(kernelType[c.type]!, lines, { name: 'vm_programs' });
    try {
      const r = testRun({ fd: p.fd }, { ...(input.data ? { data: input.data } : {}), ...(input.ctx ? { ctx: input.ctx } : {}) });
      return { retval: r.retval, ...(r.dataOut ? { dataOut: Buffer.from(r.dataOut).toString('hex') } : {}), ...(r.ctxOut ? { ctxOut: Buffer.from(r.ctxOut).toString('hex') } : {}), maps: maps.map((m, i) => dumpKernel(m.fd, c.maps![i]!)) };
    } finally {
      p.close();
    }
  } finally {
    for (const m of maps) m.close();
  }
}

function dumpKernel(fd: number, s: VmMapSpec): string[] {
  const out: string[] = [];
  let key: Buffer | undefined;
  for (;;) {
    const nextKey = sys.pointee(s.keySize);
    try {
      sys.bpf(sys.BpfCommand.MAP_GET_NEXT_KEY, sys.encodeAttr(sys.MapElemAttr, { map_fd: fd, key: key === undefined ? 0n : sys.pointee(key), next_key: nextKey }));
    } catch {
      break;
    }
    const next = Buffer.from(nextKey.bytes);
    const value = sys.pointee(s.valueSize);
    sys.bpf(sys.BpfCommand.MAP_LOOKUP_ELEM, sys.encodeAttr(sys.MapElemAttr, { map_fd: fd, key: sys.pointee(next), value }));
    const v = Buffer.from(value.bytes);
    out.push(`${next.toString('hex')}=${v.toString('hex')}`);
    key = next;
  }
  return out.sort();
}

function vmRun(c: Case, input: { data?: Uint8Array; ctx?: Uint8Array }, engine: 'compiled' | 'interpreter'): ReturnType<typeof kernelRun> {
  const vm = new Vm({ engine });
  for (const s of c.maps ?? []) vm.addMap(s);
  const insns: Instruction[] = assemble(c.lines);
  vm.addProgram('p', c.type, insns);
  const r = vm.run('p', input);
  expect(r.fault).toBeNull();
  return {
    retval: r.retval, ...(r.dataOut ? { dataOut: Buffer.from(r.dataOut).toString('hex') } : {}), ...(r.ctxOut ? { ctxOut: Buffer.from(r.ctxOut).toString('hex') } : {}),
    maps: (c.maps ?? []).map((s) => vm.map(s.name).entries().map(([k, v]) => `${Buffer.from(k).toString('hex')}=${Buffer.from(v).toString('hex')}`).sort()),
  };
}

describe.skipIf(!ok)('vm programs against the kernel test run', () => {
  it.for(cases)('$name', (c, ctx) => {
    for (const helper of c.helpers ?? []) {
      const refusal = helperRefusal(c.type, helper);
      if (refusal.refused) ctx.skip(notAvailable(`bpf_${helper} in ${c.type} programs`, refusal));
    }
    for (const input of c.inputs) {
      const want = kernelRun(c, input);
      expect(vmRun(c, input, 'interpreter')).toEqual(want);
      expect(vmRun(c, input, 'compiled')).toEqual(want);
    }
  });
});
