// The vm's ALU, byte-order, sign-extension and atomic corner cases against the running kernel:
// one program computes hundreds of (op, a, b) results and stores each 64-bit result into an array
// map's value (kernel, via BPF_PROG_TEST_RUN) or into the run's memory (vm, both engines); the
// two result blocks must be byte-identical. Operands are the edge values (0, ±1, INT_MIN, …) and
// seeded random ones; divisors and shift amounts come from registers, since the verifier refuses
// constant zero divisors and out-of-range constant shifts.

import { describe, expect, it } from 'vitest';
import { type AluOp, type Instruction, type JumpOp, type Register, splitImm64 } from '../isa/index.js';
import { MapType, ProgType, testRun } from '../loader/index.js';
import { sys } from '../src/internal.js';
import { compiledEngine, interpret, runRaw } from '../vm/index.js';
import { createMap, loadRaw } from './support/bpf-raw.js';
import { requireRoot } from './support/references.js';
import { seededRng } from './support/seeded-rng.js';

const ok = requireRoot();

const EDGES = [0n, 1n, 2n, 3n, 7n, 31n, 32n, 33n, 63n, 64n, 0x7fn, 0x80n, 0xffn, 0x8000n, 0xffffn, 0x7fffffffn, 0x80000000n,
  0xffffffffn, 0x100000000n, 0x7fffffffffffffffn, 0x8000000000000000n, 0xffffffffffffffffn, 0xfffffffffffffffen,
  0xffffffff80000000n, 0x123456789abcdef0n];

const ld = (dst: Register, v: bigint): Instruction => ({ kind: 'ldImm64', dst, pseudo: 0, ...splitImm64(v) });
const ALU: AluOp[] = ['add', 'sub', 'mul', 'div', 'sdiv', 'mod', 'smod', 'or', 'and', 'xor', 'lsh', 'rsh', 'arsh', 'mov'];
const JMP: JumpOp[] = ['jeq', 'jne', 'jgt', 'jge', 'jlt', 'jle', 'jset', 'jsgt', 'jsge', 'jslt', 'jsle'];

/** Case bodies: each leaves its result in r1 (r1, r2 hold a, b; r10-8 is scratch). */
function cases(rng: () => number): Instruction[][] {
  const rand = (): bigint => (BigInt(Math.floor(rng() * 2 ** 32)) << 32n) | BigInt(Math.floor(rng() * 2 ** 32));
  const pairs: [bigint, bigint][] = [];
  for (let i = 0; i < 60; i++) pairs.push([EDGES[Math.floor(rng() * EDGES.length)]!, EDGES[Math.floor(rng() * EDGES.length)]!]);
  for (let i = 0; i < 20; i++) pairs.push([rand(), rng() < 0.5 ? rand() : EDGES[Math.floor(rng() * EDGES.length)]!]);
  const out: Instruction[][] = [];
  for (const [a, b] of pairs) {
    const ab = [ld(1, a), ld(2, b)];
    for (const op of ALU) {
      for (const width of [32, 64] as const) {
        out.push([...ab, { kind: 'alu', width, op, dst: 1, src: { kind: 'reg', reg: 2 } }]);
        const imm = Number(BigInt.asIntN(32, b));
        const refusedImm = ((op === 'div' || op === 'sdiv' || op === 'mod' || op === 'smod') && imm === 0)
          || ((op === 'lsh' || op === 'rsh' || op === 'arsh') && (imm < 0 || imm >= width));
        if (!refusedImm) out.push([...ab, { kind: 'alu', width, op, dst: 1, src: { kind: 'imm', value: imm } }]);
      }
    }
    for (const op of JMP) {
      for (const width of [32, 64] as const) {
        // r1 = (a OP b) ? 1 : 2
        out.push([...ab, { kind: 'jump', width, op, dst: 1, src: { kind: 'reg', reg: 2 }, offset: 2 },
          { kind: 'alu', width: 64, op: 'mov', dst: 1, src: { kind: 'imm', value: 2 } }, { kind: 'ja', offset: 1 },
          { kind: 'alu', width: 64, op: 'mov', dst: 1, src: { kind: 'imm', value: 1 } }]);
      }
    }
    for (const width of [32, 64] as const) out.push([...ab, { kind: 'neg', width, dst: 1 }]);
    for (const bits of [16, 32, 64] as const) {
      for (const order of ['le', 'be', 'swap'] as const) out.push([...ab, { kind: 'endian', order, bits, dst: 1 }]);
    }
    for (const bits of [8, 16, 32] as const) {
      out.push([...ab, { kind: 'movsx', width: 64, dst: 1, src: 2, bits }]);
      if (bits !== 32) out.push([...ab, { kind: 'movsx', width: 32, dst: 1, src: 2, bits }]);
    }
    for (const size of [1, 2, 4, 8] as const) {
      for (const signed of size === 8 ? [false] : [false, true]) {
        out.push([...ab, { kind: 'stx', size: 8, dst: 10, src: 2, offset: -8 }, { kind: 'ldx', size, signed, dst: 1, src: 10, offset: -8 }]);
      }
    }
    for (const size of [4, 8] as const) {
      for (const [op, fetch] of [['add', true], ['or', true], ['and', true], ['xor', true], ['xchg', true], ['add', false]] as const) {
        // memory = a; r2 = b; atomic; r1 = memory + 3 * r2 (both effects in one value)
        out.push([...ab, { kind: 'stx', size: 8, dst: 10, src: 1, offset: -8 }, { kind: 'atomic', size, op, fetch, dst: 10, src: 2, offset: -8 },
          { kind: 'ldx', size: 8, signed: false, dst: 1, src: 10, offset: -8 }, { kind: 'alu', width: 64, op: 'mul', dst: 2, src: { kind: 'imm', value: 3 } },
          { kind: 'alu', width: 64, op: 'add', dst: 1, src: { kind: 'reg', reg: 2 } }]);
      }
      // cmpxchg with r0 = a (equal) and r0 = b (usually not)
      for (const r0 of [a, b]) {
        out.push([...ab, ld(0, r0), { kind: 'stx', size: 8, dst: 10, src: 1, offset: -8 }, { kind: 'atomic', size, op: 'cmpxchg', fetch: true, dst: 10, src: 2, offset: -8 },
          { kind: 'ldx', size: 8, signed: false, dst: 1, src: 10, offset: -8 }, { kind: 'alu', width: 64, op: 'mul', dst: 0, src: { kind: 'imm', value: 5 } },
          { kind: 'alu', width: 64, op: 'add', dst: 1, src: { kind: 'reg', reg: 0 } }]);
      }
    }
  }
  return out;
}

/** r6 = where results go; case i stores r1 at r6 + 8*i; returns 2 (XDP_PASS). */
function program(prologue: Instruction[], bodies: Instruction[][]): Instruction[] {
  const out = [...prologue];
  bodies.forEach((b, i) => { out.push(...b, { kind: 'stx', size: 8, dst: 6, src: 1, offset: 8 * i }); });
  out.push({ kind: 'alu', width: 64, op: 'mov', dst: 0, src: { kind: 'imm', value: 2 } }, { kind: 'exit' });
  return out;
}

const CHUNK = 400; // results per program (map value of 3200 bytes; programs of a few thousand insns)

describe.skipIf(!ok)('vm corner cases against the kernel', () => {
  const all = cases(seededRng(0x5eed));

  it(`${all.length} ALU/jump/byte-order/sign-extension/atomic results equal the kernel's, with both engines`, () => {
    let compared = 0;
    for (let start = 0; start < all.length; start += CHUNK) {
      const bodies = all.slice(start, start + CHUNK);
      const size = bodies.length * 8;
      const map = createMap(MapType.ARRAY, 4, size, 1);
      try {
        const kernelProg = program([{ kind: 'ldImm64', dst: 6, pseudo: 2, imm: map.fd, nextImm: 0 }], bodies);
        const p = loadRaw(ProgType.XDP, [], { name: 'vm_corners', insns: kernelProg, logSize: 1 << 24 });
        try {
          testRun({ fd: p.fd }, { data: new Uint8Array(64) });
        } finally {
          p.close();
        }
        const value = sys.pointee(size);
        sys.bpf(sys.BpfCommand.MAP_LOOKUP_ELEM, sys.encodeAttr(sys.MapElemAttr, { map_fd: map.fd, key: sys.pointee(Buffer.alloc(4)), value }));
        const v = Buffer.from(value.bytes);
        const vmProg = program([{ kind: 'alu', width: 64, op: 'mov', dst: 6, src: { kind: 'reg', reg: 1 } }], bodies);
        for (const engine of [interpret, compiledEngine]) {
          const mem = new Uint8Array(size);
          const r = runRaw(vmProg, { memory: mem, engine });
          expect(r.fault).toBeNull();
          expect(r.r0).toBe(2n);
          const got = Buffer.from(r.memory);
          for (let i = 0; i < bodies.length; i++) {
            const want = v.readBigUInt64LE(8 * i);
            const have = got.readBigUInt64LE(8 * i);
            if (want !== have) expect({ case: start + i, body: bodies[i], have: `0x${have.toString(16)}` }).toEqual({ case: start + i, body: bodies[i], have: `0x${want.toString(16)}` });
          }
        }
        compared += bodies.length;
      } finally {
        map.close();
      }
    }
    expect(compared).toBe(all.length);
    console.log(`vm corner cases: ${compared} results equal the kernel's`);
  });
});
