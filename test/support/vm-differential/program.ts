// Random eBPF programs the kernel's verifier accepts, for running in the kernel and in the vm side
// by side (differential testing). A program is a tree of pieces (ALU, stack, context, packet,
// map and helper pieces, structured branches and bounded loops) over a fixed register
// discipline that keeps pointers out of the values the kernel and the vm could disagree on:
//   r6 = ctx; r0, r7, r8, r9 = scalars every piece may use; r1..r5 = temporaries a piece sets
//   before it uses them (helper calls clobber them).
// The stack has a zeroed 64-byte data region (r10-64..r10-1) and fixed slots for loop counters
// and map keys/values. Map 0 is `out`, a one-element array the epilogue writes the scalars and
// the stack region into, so that the run's whole state is observable as map contents.

import fc from 'fast-check';
import type { AluOp, Instruction, JumpOp, Register, Size } from '../../../isa/index.js';

export type DiffProgramType = 'socket_filter' | 'xdp' | 'sched_cls' | 'syscall';
export const DIFF_PROGRAM_TYPES: readonly DiffProgramType[] = ['socket_filter', 'xdp', 'sched_cls', 'syscall'];

/** Map types the generator uses (enum bpf_map_type). */
export const DiffMapType = { HASH: 1, ARRAY: 2, PERCPU_HASH: 5, PERCPU_ARRAY: 6 } as const;

export interface DiffMap {
  readonly name: string;
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
}

type S = 0 | 7 | 8 | 9;
const SCALARS: readonly S[] = [0, 7, 8, 9];
type Src = { kind: 'imm'; value: number } | { kind: 'reg'; reg: S };

/** A load, store or atomic relative to a pointer register (packet, map value, stack). */
export type MemOp =
  | { op: 'load'; size: Size; signed: boolean; dst: S; off: number }
  | { op: 'store'; size: Size; src: Src; off: number }
  | { op: 'atomic'; size: 4 | 8; aop: 'add' | 'or' | 'and' | 'xor' | 'xchg' | 'cmpxchg'; fetch: boolean; src: S; off: number };

export type Piece =
  | { p: 'alu'; width: 32 | 64; op: AluOp; dst: S; src: Src }
  | { p: 'neg'; width: 32 | 64; dst: S }
  | { p: 'endian'; order: 'le' | 'be' | 'swap'; bits: 16 | 32 | 64; dst: S }
  | { p: 'movsx'; width: 32 | 64; bits: 8 | 16 | 32; dst: S; src: S }
  | { p: 'imm64'; dst: S; value: bigint }
  | { p: 'stack'; mem: MemOp }
  | { p: 'if'; width: 32 | 64; op: JumpOp; dst: S; src: Src; body: Piece[]; orElse: Piece[] }
  | { p: 'loop'; count: number; body: Piece[] }
  | { p: 'ctxLoad'; off: number; size: Size; dst: S }
  | { p: 'ctxStore'; off: number; size: Size; src: Src }
  | { p: 'packet'; meta: boolean; len: number; ops: MemOp[] }
  | { p: 'ldAbs'; size: 1 | 2 | 4; imm: number }
  | { p: 'ldInd'; size: 1 | 2 | 4; src: S; imm: number }
  | { p: 'lookup'; map: number; key: S; mask: number; ops: MemOp[] }
  | { p: 'update'; map: number; key: S; mask: number; value: S; flags: number }
  | { p: 'delete'; map: number; key: S; mask: number }
  | { p: 'mapValue'; map: number; ops: MemOp[] }
  | { p: 'cpu' }
  | { p: 'csumDiff'; from: number; fromSize: number; to: number; toSize: number; seed: S }
  | { p: 'xdpAdjust'; helper: 'head' | 'tail' | 'meta'; delta: number }
  | { p: 'skbLoadBytes'; off: S; mask: number; to: number; len: number }
  | { p: 'skbStoreBytes'; off: S; mask: number; from: number; len: number }
  | { p: 'csumReplace'; l4: boolean; off: S; mask: number; from: S; to: S; flags: number };

export interface DiffInput {
  readonly data?: Uint8Array;
  readonly ctx?: Uint8Array;
}

export interface DiffProgram {
  readonly type: DiffProgramType;
  readonly maps: readonly DiffMap[];
  readonly init: readonly bigint[];
  readonly pieces: readonly Piece[];
  readonly inputs: readonly DiffInput[];
}

// Stack layout (offsets from r10).
const REGION = -64; // data region: -64..-1
const LOOP_SLOT = [-72, -80] as const; // loop counters by nesting depth
const KEY_SLOT = -88;
const VALUE_SLOT = -120; // up to 32 bytes of value for map updates
export const OUT_VALUE_SIZE = 96;
export const SYSCALL_CTX_SIZE = 64;

// ---- arbitraries -------------------------------------------------------------------------

const ALU_OPS: AluOp[] = ['add', 'sub', 'mul', 'div', 'sdiv', 'mod', 'smod', 'or', 'and', 'xor', 'lsh', 'rsh', 'arsh', 'mov'];
const JUMP_OPS: JumpOp[] = ['jeq', 'jne', 'jgt', 'jge', 'jlt', 'jle', 'jset', 'jsgt', 'jsge', 'jslt', 'jsle'];
const arbS = fc.constantFrom(...SCALARS);
const arbWidth = fc.constantFrom(32 as const, 64 as const);
const arbImm = fc.oneof(fc.integer({ min: -2147483648, max: 2147483647 }), fc.integer({ min: -20, max: 70 }), fc.constantFrom(-2147483648, 2147483647, 0xffff, 0x8000));
const arbSrc: fc.Arbitrary<Src> = fc.oneof(arbImm.map((value) => ({ kind: 'imm' as const, value })), arbS.map((reg) => ({ kind: 'reg' as const, reg })));
const arbSize = fc.constantFrom<Size>(1, 2, 4, 8);
const arb64 = fc.oneof(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.constantFrom(0n, 1n, 0xffffffffn, 0x80000000n, 0x8000000000000000n, 0xffffffffffffffffn, 0x7fffffffffffffffn));

/** Memory operations within [0, len) (aligned as the verifier demands when `aligned`). */
function arbMemOps(len: number, opts: { atomics: boolean; aligned: boolean; write: boolean }): fc.Arbitrary<MemOp[]> {
  const offFor = (size: number): fc.Arbitrary<number> => fc.integer({ min: 0, max: Math.floor((len - size) / (opts.aligned ? size : 1)) }).map((i) => i * (opts.aligned ? size : 1));
  const sized = <T>(sizes: readonly Size[], f: (size: Size) => fc.Arbitrary<T>): fc.Arbitrary<T> => fc.constantFrom(...sizes.filter((s) => s <= len)).chain(f);
  const all: Size[] = [1, 2, 4, 8];
  const load = sized(all, (size) => fc.record({ op: fc.constant('load' as const), size: fc.constant(size), signed: size === 8 ? fc.constant(false) : fc.boolean(), dst: arbS, off: offFor(size) }));
  const store = sized(all, (size) => fc.record({ op: fc.constant('store' as const), size: fc.constant(size), src: arbSrc, off: offFor(size) }));
  const atomic = (): fc.Arbitrary<MemOp> => sized([4, 8], (size) => fc.record({
    op: fc.constant('atomic' as const), size: fc.constant(size as 4 | 8), aop: fc.constantFrom('add' as const, 'or' as const, 'and' as const, 'xor' as const, 'xchg' as const, 'cmpxchg' as const),
    fetch: fc.boolean(), src: arbS, off: fc.integer({ min: 0, max: Math.floor((len - size) / size) }).map((i) => i * size),
  }));
  const kinds: fc.Arbitrary<MemOp>[] = [load];
  if (opts.write) kinds.push(store);
  if (opts.atomics && len >= 4) kinds.push(atomic());
  return fc.array(fc.oneof(...kinds), { minLength: 1, maxLength: 5 });
}

/** __sk_buff u32 fields a program may read, per type; writable ones. */
const SKB_READ = [0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60, 64, 68];
const CTX_READ: Record<DiffProgramType, number[]> = { socket_filter: SKB_READ, sched_cls: [...SKB_READ, 72], xdp: [12, 16], syscall: [] };
const CTX_WRITE: Record<DiffProgramType, number[]> = { socket_filter: [48, 52, 56, 60, 64], sched_cls: [8, 32, 44, 48, 52, 56, 60, 64, 72], xdp: [], syscall: [] };

function arbMaps(): fc.Arbitrary<DiffMap[]> {
  const one = fc.record({
    type: fc.constantFrom(DiffMapType.HASH, DiffMapType.ARRAY, DiffMapType.PERCPU_HASH, DiffMapType.PERCPU_ARRAY),
    valueSize: fc.constantFrom(8, 16, 24, 32), maxEntries: fc.constantFrom(1, 4, 8),
  });
  return fc.array(one, { minLength: 0, maxLength: 3 }).map((ms) => [
    { name: 'out', type: DiffMapType.ARRAY, keySize: 4, valueSize: OUT_VALUE_SIZE, maxEntries: 1 },
    ...ms.map((m, i) => ({ name: `m${i + 1}`, keySize: 4, ...m })),
  ]);
}

function arbPieces(type: DiffProgramType, maps: readonly DiffMap[], refused: ReadonlySet<string>): fc.Arbitrary<Piece[]> {
  const straight: fc.Arbitrary<Piece>[] = [
    fc.record({ p: fc.constant('alu' as const), width: arbWidth, op: fc.constantFrom(...ALU_OPS), dst: arbS, src: arbSrc }),
    fc.record({ p: fc.constant('alu' as const), width: arbWidth, op: fc.constantFrom(...ALU_OPS), dst: arbS, src: arbSrc }),
    fc.record({ p: fc.constant('alu' as const), width: arbWidth, op: fc.constantFrom(...ALU_OPS), dst: arbS, src: arbSrc }),
    fc.record({ p: fc.constant('neg' as const), width: arbWidth, dst: arbS }),
    fc.record({ p: fc.constant('endian' as const), order: fc.constantFrom('le' as const, 'be' as const, 'swap' as const), bits: fc.constantFrom(16 as const, 32 as const, 64 as const), dst: arbS }),
    fc.record({ p: fc.constant('movsx' as const), width: arbWidth, bits: fc.constantFrom(8 as const, 16 as const, 32 as const), dst: arbS, src: arbS }).map((m) => (m.bits === 32 ? { ...m, width: 64 as const } : m)),
    fc.record({ p: fc.constant('imm64' as const), dst: arbS, value: arb64 }),
    arbMemOps(64, { atomics: true, aligned: true, write: true }).map((ops) => ({ p: 'stack' as const, mem: ops[0]! })),
    arbMemOps(64, { atomics: true, aligned: true, write: true }).map((ops) => ({ p: 'stack' as const, mem: ops[0]! })),
    fc.constant({ p: 'cpu' as const }),
  ];
  const reads = CTX_READ[type];
  if (reads.length > 0) straight.push(fc.record({ p: fc.constant('ctxLoad' as const), off: fc.constantFrom(...reads), size: fc.constant<Size>(4), dst: arbS }));
  const writes = CTX_WRITE[type];
  if (writes.length > 0) straight.push(fc.record({ p: fc.constant('ctxStore' as const), off: fc.constantFrom(...writes), size: fc.constant<Size>(4), src: arbSrc }));
  if (type === 'syscall') {
    straight.push(fc.constantFrom<Size>(1, 2, 4, 8).chain((size) => fc.record({ p: fc.constant('ctxLoad' as const), off: fc.integer({ min: 0, max: SYSCALL_CTX_SIZE / size - 1 }).map((i) => i * size), size: fc.constant(size), dst: arbS })));
    straight.push(fc.constantFrom<Size>(1, 2, 4, 8).chain((size) => fc.record({ p: fc.constant('ctxStore' as const), off: fc.integer({ min: 0, max: SYSCALL_CTX_SIZE / size - 1 }).map((i) => i * size), size: fc.constant(size), src: arbSrc })));
  }
  if (type === 'xdp' || type === 'sched_cls') {
    const packet = (meta: boolean) => fc.integer({ min: 1, max: meta ? 8 : 40 }).chain((len) => fc.record({
      p: fc.constant('packet' as const), meta: fc.constant(meta), len: fc.constant(len), ops: arbMemOps(len, { atomics: false, aligned: false, write: true }),
    }));
    straight.push(packet(false), packet(false));
    if (type === 'xdp') straight.push(packet(true));
  }
  if (type === 'socket_filter' || type === 'sched_cls') {
    straight.push(fc.record({ p: fc.constant('ldAbs' as const), size: fc.constantFrom(1 as const, 2 as const, 4 as const), imm: fc.oneof(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 2000 })) }));
    straight.push(fc.record({ p: fc.constant('ldInd' as const), size: fc.constantFrom(1 as const, 2 as const, 4 as const), src: arbS, imm: fc.integer({ min: -4, max: 40 }) }));
    straight.push(fc.record({ p: fc.constant('skbLoadBytes' as const), off: arbS, mask: fc.constantFrom(15, 63, 255), to: fc.integer({ min: 0, max: 56 }), len: fc.integer({ min: 1, max: 8 }) }));
  }
  if (type === 'sched_cls') {
    straight.push(fc.record({ p: fc.constant('skbStoreBytes' as const), off: arbS, mask: fc.constantFrom(15, 63, 255), from: fc.integer({ min: 0, max: 56 }), len: fc.integer({ min: 1, max: 8 }) }));
    straight.push(fc.record({ p: fc.constant('csumReplace' as const), l4: fc.boolean(), off: arbS, mask: fc.constantFrom(15, 63), from: arbS, to: arbS, flags: fc.constantFrom(2, 4) }));
  }
  if (type === 'xdp' || type === 'sched_cls') {
    straight.push(fc.record({ p: fc.constant('csumDiff' as const), from: fc.integer({ min: 0, max: 8 }).map((i) => i * 4), fromSize: fc.integer({ min: 0, max: 8 }).map((i) => i * 4), to: fc.integer({ min: 0, max: 8 }).map((i) => i * 4), toSize: fc.integer({ min: 0, max: 8 }).map((i) => i * 4), seed: arbS })
      .filter((c) => c.fromSize + c.toSize > 0));
  }
  if (type === 'xdp') {
    straight.push(fc.record({ p: fc.constant('xdpAdjust' as const), helper: fc.constantFrom('head' as const, 'tail' as const), delta: fc.integer({ min: -40, max: 40 }) }));
    if (!refused.has('xdp_adjust_meta')) straight.push(fc.record({ p: fc.constant('xdpAdjust' as const), helper: fc.constant('meta' as const), delta: fc.constantFrom(-12, -8, -4, 0, 4, 8, 3) }));
  }
  maps.forEach((m, i) => {
    if (i === 0) return;
    const keyed = { map: fc.constant(i), key: arbS, mask: fc.constantFrom(m.maxEntries - 1, m.maxEntries * 2 - 1) };
    straight.push(fc.record({ p: fc.constant('lookup' as const), ...keyed, ops: arbMemOps(m.valueSize, { atomics: true, aligned: true, write: true }) }));
    straight.push(fc.record({ p: fc.constant('update' as const), ...keyed, value: arbS, flags: fc.constantFrom(0, 0, 1, 2) }));
    if (m.type === DiffMapType.HASH || m.type === DiffMapType.PERCPU_HASH) straight.push(fc.record({ p: fc.constant('delete' as const), ...keyed }));
    // Direct value addresses (BPF_PSEUDO_MAP_VALUE): the kernel allows them only into one-element arrays.
    if (m.type === DiffMapType.ARRAY && m.maxEntries === 1) straight.push(fc.record({ p: fc.constant('mapValue' as const), map: fc.constant(i), ops: arbMemOps(m.valueSize, { atomics: true, aligned: true, write: true }) }));
  });
  const arbStraight = fc.oneof(...straight);
  // Branches and loops nest two deep at most (the verifier walks every loop iteration).
  const level = (depth: number): fc.Arbitrary<Piece[]> => {
    const options: fc.WeightedArbitrary<Piece>[] = [{ weight: 10, arbitrary: arbStraight }];
    if (depth < 2) {
      const inner = level(depth + 1);
      options.push({ weight: 2, arbitrary: fc.record({ p: fc.constant('if' as const), width: arbWidth, op: fc.constantFrom(...JUMP_OPS), dst: arbS, src: arbSrc, body: inner, orElse: fc.oneof(fc.constant<Piece[]>([]), inner) }) });
      options.push({ weight: 1, arbitrary: fc.record({ p: fc.constant('loop' as const), count: fc.integer({ min: 1, max: depth === 0 ? 8 : 3 }), body: inner }) });
    }
    return fc.array(fc.oneof(...options), { minLength: 1, maxLength: depth === 0 ? 24 : 4 });
  };
  return level(0);
}

function arbPacket(): fc.Arbitrary<Uint8Array> {
  const ipv4 = fc.tuple(fc.uint8Array({ minLength: 20, maxLength: 100 }), fc.constantFrom(6, 17, 1)).map(([rest, proto]) => {
    const b = new Uint8Array(14 + 20 + rest.length);
    b.fill(2, 0, 6); b.fill(4, 6, 12); b[12] = 0x08; b[13] = 0x00;
    b[14] = 0x45; b[16] = (20 + rest.length) >> 8; b[17] = (20 + rest.length) & 0xff; b[22] = 64; b[23] = proto;
    b.set([10, 0, 0, 1, 10, 0, 0, 2], 26);
    b.set(rest, 34);
    return b;
  });
  // Random bytes under the IPv4 or IPv6 EtherType: headers cut short, which the test run refuses.
  const short = fc.tuple(fc.uint8Array({ minLength: 14, maxLength: 70 }), fc.constantFrom(0x0800, 0x86dd)).map(([b, t]) => { b[12] = t >> 8; b[13] = t & 0xff; return b; });
  return fc.oneof({ weight: 4, arbitrary: fc.uint8Array({ minLength: 14, maxLength: 128 }) }, { weight: 4, arbitrary: ipv4 }, { weight: 1, arbitrary: short });
}

function arbInput(type: DiffProgramType): fc.Arbitrary<DiffInput> {
  if (type === 'syscall') return fc.uint8Array({ minLength: SYSCALL_CTX_SIZE, maxLength: SYSCALL_CTX_SIZE }).map((ctx) => ({ ctx }));
  if (type === 'xdp') {
    return fc.tuple(arbPacket(), fc.option(fc.tuple(fc.constantFrom(0, 4, 8), fc.constantFrom(0, 1)), { nil: undefined })).map(([data, c]) => {
      if (c === undefined) return { data };
      const ctx = new Uint8Array(24);
      const dv = new DataView(ctx.buffer);
      dv.setUint32(0, c[0], true); dv.setUint32(4, data.length, true); dv.setUint32(12, c[1], true);
      return { data, ctx };
    });
  }
  // __sk_buff in: mark, priority and cb[] may be set (the test run refuses other fields).
  return fc.tuple(arbPacket(), fc.option(fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }), fc.uint8Array({ minLength: 20, maxLength: 20 })), { nil: undefined })).map(([data, c]) => {
    if (c === undefined) return { data };
    const ctx = new Uint8Array(192);
    const dv = new DataView(ctx.buffer);
    dv.setUint32(8, c[0], true); dv.setUint32(32, c[1], true); ctx.set(c[2], 48);
    return { data, ctx };
  });
}

/**
 * Random programs of `types`. `refused` names helpers (HELPER_TABLE's names) the running kernel
 * refuses although Linux 6.18 offers them (a kernel build or policy): no piece calls them.
 */
export function arbDiffProgram(types: readonly DiffProgramType[] = DIFF_PROGRAM_TYPES, refused: ReadonlySet<string> = new Set()): fc.Arbitrary<DiffProgram> {
  return fc.constantFrom(...types).chain((type) => arbMaps().chain((maps) => fc.record({
    type: fc.constant(type), maps: fc.constant(maps), init: fc.array(arb64, { minLength: 4, maxLength: 4 }),
    pieces: arbPieces(type, maps, refused), inputs: fc.array(arbInput(type), { minLength: 1, maxLength: 4 }),
  })));
}

// ---- lowering ----------------------------------------------------------------------------

const imm = (value: number): { kind: 'imm'; value: number } => ({ kind: 'imm', value });
const reg = (r: Register): { kind: 'reg'; reg: Register } => ({ kind: 'reg', reg: r });
const mov = (dst: Register, value: number): Instruction => ({ kind: 'alu', width: 64, op: 'mov', dst, src: imm(value) });
const movReg = (dst: Register, src: Register): Instruction => ({ kind: 'alu', width: 64, op: 'mov', dst, src: reg(src) });
const add = (dst: Register, value: number): Instruction => ({ kind: 'alu', width: 64, op: 'add', dst, src: imm(value) });
const call = (id: number): Instruction => ({ kind: 'call', callee: 'helper', imm: id, offset: 0 });
const ld64 = (dst: Register, v: bigint): Instruction => ({ kind: 'ldImm64', dst, pseudo: 0, imm: Number(BigInt.asIntN(32, v)), nextImm: Number(BigInt.asIntN(32, v >> 32n)) });

/** Instructions with forward/backward jumps to labels, resolved to slot offsets. */
class Emitter {
  readonly insns: (Instruction | { label: number; jump: Instruction })[] = [];
  private readonly labels: number[] = [];
  newLabel(): number {
    this.labels.push(-1);
    return this.labels.length - 1;
  }
  place(label: number): void {
    this.labels[label] = this.insns.length;
  }
  emit(...insns: Instruction[]): void {
    this.insns.push(...insns);
  }
  jumpTo(label: number, jump: Instruction): void {
    this.insns.push({ label, jump });
  }
  finish(): Instruction[] {
    const slotAt: number[] = [];
    let s = 0;
    for (const i of this.insns) {
      slotAt.push(s);
      s += 'label' in i ? 1 : i.kind === 'ldImm64' ? 2 : 1;
    }
    slotAt.push(s);
    return this.insns.map((i, at) => {
      if (!('label' in i)) return i;
      const target = this.labels[i.label]!;
      return { ...i.jump, offset: slotAt[target]! - (slotAt[at]! + 1) } as Instruction;
    });
  }
}

function src(s: Src, width: 32 | 64, op: AluOp): { kind: 'imm'; value: number } | { kind: 'reg'; reg: Register } {
  if (s.kind === 'reg') return reg(s.reg);
  let v = s.value;
  // The verifier refuses constant zero divisors and out-of-range constant shifts.
  if ((op === 'div' || op === 'sdiv' || op === 'mod' || op === 'smod') && v === 0) v = 1;
  if (op === 'lsh' || op === 'rsh' || op === 'arsh') v = ((v % width) + width) % width;
  return imm(v);
}

function memOp(e: Emitter, base: Register, delta: number, m: MemOp): void {
  const offset = delta + m.off;
  if (m.op === 'load') e.emit({ kind: 'ldx', size: m.size, signed: m.signed, dst: m.dst, src: base, offset });
  else if (m.op === 'store') {
    if (m.src.kind === 'imm') e.emit({ kind: 'st', size: m.size, dst: base, offset, imm: m.src.value });
    else e.emit({ kind: 'stx', size: m.size, dst: base, src: m.src.reg, offset });
  } else e.emit({ kind: 'atomic', size: m.size, op: m.aop, fetch: m.aop === 'xchg' || m.aop === 'cmpxchg' ? true : m.fetch, dst: base, src: m.src, offset });
}

/** r1 = key register & mask, stored as the u32 key at KEY_SLOT; r2 = its address. */
function key(e: Emitter, k: S, mask: number): void {
  e.emit(movReg(1, k), { kind: 'alu', width: 64, op: 'and', dst: 1, src: imm(mask) }, { kind: 'stx', size: 4, dst: 10, src: 1, offset: KEY_SLOT }, movReg(2, 10), add(2, KEY_SLOT));
}

const mapRef = (dst: Register, map: number): Instruction => ({ kind: 'ldImm64', dst, pseudo: 1, imm: map, nextImm: 0 });

function lowerPieces(e: Emitter, pieces: readonly Piece[], prog: DiffProgram, depth: number): void {
  for (const piece of pieces) lowerPiece(e, piece, prog, depth);
}

function lowerPiece(e: Emitter, x: Piece, prog: DiffProgram, depth: number): void {
  switch (x.p) {
    case 'alu': e.emit({ kind: 'alu', width: x.width, op: x.op, dst: x.dst, src: src(x.src, x.width, x.op) }); return;
    case 'neg': e.emit({ kind: 'neg', width: x.width, dst: x.dst }); return;
    case 'endian': e.emit({ kind: 'endian', order: x.order, bits: x.bits, dst: x.dst }); return;
    case 'movsx': e.emit({ kind: 'movsx', width: x.width, bits: x.bits, dst: x.dst, src: x.src }); return;
    case 'imm64': e.emit(ld64(x.dst, x.value)); return;
    case 'stack': memOp(e, 10, REGION, x.mem); return;
    case 'if': {
      const orElse = e.newLabel();
      const end = e.newLabel();
      e.jumpTo(orElse, { kind: 'jump', width: x.width, op: x.op, dst: x.dst, src: src(x.src, 64, 'add'), offset: 0 });
      lowerPieces(e, x.body, prog, depth);
      if (x.orElse.length > 0) e.jumpTo(end, { kind: 'ja', offset: 0 });
      e.place(orElse);
      lowerPieces(e, x.orElse, prog, depth);
      e.place(end);
      e.emit(mov(1, 0)); // a landing instruction (labels at the very end need one)
      return;
    }
    case 'loop': {
      const slot = LOOP_SLOT[depth]!;
      const top = e.newLabel();
      e.emit({ kind: 'st', size: 8, dst: 10, offset: slot, imm: x.count });
      e.place(top);
      lowerPieces(e, x.body, prog, depth + 1);
      e.emit({ kind: 'ldx', size: 8, signed: false, dst: 1, src: 10, offset: slot }, add(1, -1), { kind: 'stx', size: 8, dst: 10, src: 1, offset: slot });
      e.jumpTo(top, { kind: 'jump', width: 64, op: 'jne', dst: 1, src: imm(0), offset: 0 });
      return;
    }
    case 'ctxLoad': e.emit({ kind: 'ldx', size: x.size, signed: false, dst: x.dst, src: 6, offset: x.off }); return;
    case 'ctxStore':
      if (x.src.kind === 'imm') e.emit({ kind: 'st', size: x.size, dst: 6, offset: x.off, imm: x.src.value });
      else e.emit({ kind: 'stx', size: x.size, dst: 6, src: x.src.reg, offset: x.off });
      return;
    case 'packet': {
      // r4 = start, r5 = end; if r4 + len > r5 skip.
      const [startOff, endOff] = prog.type === 'xdp' ? (x.meta ? [8, 0] : [0, 4]) : [76, 80];
      const skip = e.newLabel();
      e.emit({ kind: 'ldx', size: 4, signed: false, dst: 4, src: 6, offset: startOff }, { kind: 'ldx', size: 4, signed: false, dst: 5, src: 6, offset: endOff }, movReg(1, 4), add(1, x.len));
      e.jumpTo(skip, { kind: 'jump', width: 64, op: 'jgt', dst: 1, src: reg(5), offset: 0 });
      for (const m of x.ops) memOp(e, 4, 0, m);
      e.place(skip);
      e.emit(mov(1, 0));
      return;
    }
    case 'ldAbs': e.emit({ kind: 'ldAbs', size: x.size, imm: x.imm }); return;
    case 'ldInd': e.emit({ kind: 'ldInd', size: x.size, src: x.src, imm: x.imm }); return;
    case 'lookup': {
      const miss = e.newLabel();
      key(e, x.key, x.mask);
      e.emit(mapRef(1, x.map), call(1));
      e.jumpTo(miss, { kind: 'jump', width: 64, op: 'jeq', dst: 0, src: imm(0), offset: 0 });
      e.emit(movReg(1, 0), mov(0, 0));
      for (const m of x.ops) memOp(e, 1, 0, m);
      e.place(miss);
      e.emit(mov(1, 0));
      return;
    }
    case 'update': {
      const size = prog.maps[x.map]!.valueSize;
      for (let o = 0; o < size; o += 8) e.emit({ kind: 'stx', size: 8, dst: 10, src: x.value, offset: VALUE_SLOT + o }, add(x.value === 0 ? 7 : x.value, 1));
      key(e, x.key, x.mask);
      e.emit(mapRef(1, x.map), movReg(3, 10), add(3, VALUE_SLOT), mov(4, x.flags), call(2));
      return;
    }
    case 'delete': key(e, x.key, x.mask); e.emit(mapRef(1, x.map), call(3)); return;
    case 'mapValue':
      e.emit({ kind: 'ldImm64', dst: 1, pseudo: 2, imm: x.map, nextImm: 0 });
      for (const m of x.ops) memOp(e, 1, 0, m);
      return;
    case 'cpu': e.emit(call(8)); return;
    case 'csumDiff':
      e.emit(movReg(1, 10), add(1, REGION + x.from), mov(2, x.fromSize), movReg(3, 10), add(3, REGION + x.to), mov(4, x.toSize), movReg(5, x.seed), call(28));
      return;
    case 'xdpAdjust':
      e.emit(movReg(1, 6), mov(2, x.delta), call(x.helper === 'head' ? 44 : x.helper === 'tail' ? 65 : 54));
      return;
    case 'skbLoadBytes':
      e.emit(movReg(2, x.off), { kind: 'alu', width: 64, op: 'and', dst: 2, src: imm(x.mask) }, movReg(1, 6), movReg(3, 10), add(3, REGION + x.to), mov(4, Math.min(x.len, 64 - x.to)), call(26));
      return;
    case 'skbStoreBytes':
      e.emit(movReg(2, x.off), { kind: 'alu', width: 64, op: 'and', dst: 2, src: imm(x.mask) }, movReg(1, 6), movReg(3, 10), add(3, REGION + x.from), mov(4, Math.min(x.len, 64 - x.from)), mov(5, 0), call(9));
      return;
    case 'csumReplace':
      e.emit(movReg(2, x.off), { kind: 'alu', width: 64, op: 'and', dst: 2, src: imm(x.mask) }, movReg(3, x.from), movReg(4, x.to), movReg(1, 6), mov(5, x.flags), call(x.l4 ? 11 : 10));
      return;
  }
}

/**
 * The program's instructions. ld_imm64 map references carry the map's index in imm (pseudo 1,
 * and pseudo 2 for a map value); the kernel runner replaces the index with the map's fd.
 */
/** The bpf_xdp_adjust_* helpers a program calls (HELPER_TABLE names): one kernel build was seen refusing adjust_meta. */
export function xdpAdjustHelpersCalled(pieces: readonly Piece[]): Set<string> {
  const found = new Set<string>();
  const visit = (list: readonly Piece[]): void => {
    for (const x of list) {
      if (x.p === 'xdpAdjust') found.add(`xdp_adjust_${x.helper}`);
      else if (x.p === 'if') { visit(x.body); visit(x.orElse); } else if (x.p === 'loop') visit(x.body);
    }
  };
  visit(pieces);
  return found;
}

export function lowerProgram(prog: DiffProgram): Instruction[] {
  const e = new Emitter();
  e.emit(movReg(6, 1));
  SCALARS.forEach((r, i) => e.emit(ld64(r, prog.init[i]!)));
  e.emit(mov(1, 0));
  for (let o = REGION; o < 0; o += 8) e.emit({ kind: 'stx', size: 8, dst: 10, src: 1, offset: o });
  lowerPieces(e, prog.pieces, prog, 0);
  // Epilogue: the scalars and the stack region into `out`, then return r0.
  e.emit({ kind: 'ldImm64', dst: 1, pseudo: 2, imm: 0, nextImm: 0 });
  SCALARS.forEach((r, i) => e.emit({ kind: 'stx', size: 8, dst: 1, src: r, offset: i * 8 }));
  for (let o = 0; o < 64; o += 8) e.emit({ kind: 'ldx', size: 8, signed: false, dst: 2, src: 10, offset: REGION + o }, { kind: 'stx', size: 8, dst: 1, src: 2, offset: 32 + o });
  e.emit({ kind: 'exit' });
  return e.finish();
}

// ---- fixed cases -------------------------------------------------------------------------

/** A program as JSON text (bigints as "123n", byte arrays as hex), the form fixed cases are kept in. */
export function programToJson(prog: DiffProgram): string {
  return JSON.stringify(prog, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v));
}

export function programFromJson(text: string): DiffProgram {
  return JSON.parse(text, (k, v: unknown) => {
    if (typeof v === 'string' && /^-?\d+n$/.test(v)) return BigInt(v.slice(0, -1));
    if ((k === 'data' || k === 'ctx') && typeof v === 'string') return new Uint8Array(Buffer.from(v, 'hex'));
    return v;
  }) as DiffProgram;
}
