// Whole programs of a program type, built from self-contained pieces (ALU, stack, atomics,
// forward branches, counted loops, helper calls, bpf-to-bpf calls to a generated subprogram,
// tail calls, packet and context reads, map lookups and updates) so that
// every register holds a scalar at each piece boundary and the verifier can accept them; with
// `accepted: true` (the default) only those the verifier model accepts are kept. A failing
// property shrinks to fewer and simpler pieces: a minimal program that still fails.

import fc from 'fast-check';
import { type AluOp, formatInstructionLlvm, type Instruction, type JumpOp, type Register, type Size } from '../../../isa/index.js';
import { type VmMapSpec, VmMapType } from '../../../vm/index.js';
import { TestingError } from '../errors.js';
import type { RawTestProgram } from '../subject.js';
import { modelVerdict } from '../verdict.js';

/** Program types arbProgram builds for: the ones the vm runs and the verifier model has context tables for. */
export type GeneratedProgramType = 'socket_filter' | 'sched_cls' | 'sched_act' | 'xdp' | 'kprobe' | 'tracepoint';
export const GENERATED_PROGRAM_TYPES: readonly GeneratedProgramType[] = ['socket_filter', 'sched_cls', 'sched_act', 'xdp', 'kprobe', 'tracepoint'];

export interface ProgramOptions {
  readonly type: GeneratedProgramType;
  /** Most instructions (slots); at least 16. Default 64. */
  readonly maxLength?: number;
  /** Keep only programs the verifier model accepts (default true). */
  readonly accepted?: boolean;
  /** Include map lookups and updates on a hash map and an array map (default true). */
  readonly maps?: boolean;
  /** Include helper calls (ktime, prandom, CPU id; default true). */
  readonly helpers?: boolean;
  /** Include bounded loops: a counter to at most 8 around a few ALU instructions (default true). */
  readonly loops?: boolean;
  /** Include bpf-to-bpf calls of a generated subprogram after the main program (default true). */
  readonly calls?: boolean;
  /** Include bpf_tail_call through the prog array of GENERATED_PROGRAM_MAPS (default true; needs `maps`). It is empty, so the call falls through. */
  readonly tailCalls?: boolean;
}

/** A generated program; prints as its LLVM-syntax listing in fast-check's reports. */
export interface GeneratedProgram extends RawTestProgram {
  readonly type: GeneratedProgramType;
  readonly insns: readonly Instruction[];
  readonly maps: readonly VmMapSpec[];
}

/** The maps a generated program may use: index 0 a hash map, 1 an array map (u32 keys, u64 values), 2 a prog array (tail calls). */
export const GENERATED_PROGRAM_MAPS: readonly VmMapSpec[] = [
  { name: 'hash', type: VmMapType.HASH, keySize: 4, valueSize: 8, maxEntries: 16 },
  { name: 'array', type: VmMapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 8 },
  { name: 'progs', type: VmMapType.PROG_ARRAY, keySize: 4, valueSize: 4, maxEntries: 4 },
];
const PROG_ARRAY_INDEX = 2;

const SCALARS: Register[] = [0, 1, 2, 3, 4, 5, 7, 8, 9];
/** Registers a packet read may load into: not r2-r4, which the piece uses for pointers. */
const LOAD_DST: Register[] = [0, 1, 5, 7, 8, 9];
const ALU_OPS: AluOp[] = ['add', 'sub', 'mul', 'div', 'sdiv', 'or', 'and', 'lsh', 'rsh', 'mod', 'smod', 'xor', 'mov', 'arsh'];
const JUMP_OPS: JumpOp[] = ['jeq', 'jgt', 'jge', 'jset', 'jne', 'jsgt', 'jsge', 'jlt', 'jle', 'jslt', 'jsle'];

const mov = (dst: Register, value: number): Instruction => ({ kind: 'alu', width: 64, op: 'mov', dst, src: { kind: 'imm', value } });
const reinit = (from: number): Instruction[] => [1, 2, 3, 4, 5].map((r) => mov(r as Register, r * from));

/**
 * One piece: instructions that keep every scalar register a scalar; `skip` pieces are a forward
 * branch. A local call's imm is set when the program is laid out (the subprogram follows main).
 */
type Piece = { readonly insns: readonly Instruction[]; readonly skip?: undefined } | { readonly branch: Instruction; readonly skip: number };

const scalar = fc.constantFrom(...SCALARS);
const imm32 = fc.oneof(fc.integer({ min: -2147483648, max: 2147483647 }), fc.constantFrom(0, 1, -1, 2, 7, 255, 0x7fffffff, -2147483648));
const width = fc.constantFrom(32 as const, 64 as const);

const aluPiece: fc.Arbitrary<Piece> = fc.tuple(width, fc.constantFrom(...ALU_OPS), scalar, fc.oneof(scalar.map((r) => ({ kind: 'reg' as const, reg: r })), imm32.map((v) => ({ kind: 'imm' as const, value: v }))))
  .map(([w, op, dst, src]) => {
    // The verifier refuses a constant divisor of 0 and a constant shift of the width or more.
    let s = src;
    if (s.kind === 'imm' && (op === 'div' || op === 'sdiv' || op === 'mod' || op === 'smod') && s.value === 0) s = { kind: 'imm', value: 1 };
    if (s.kind === 'imm' && (op === 'lsh' || op === 'rsh' || op === 'arsh')) s = { kind: 'imm', value: ((s.value % w) + w) % w };
    return { insns: [{ kind: 'alu', width: w, op, dst, src: s } as Instruction] };
  });

const unaryPiece: fc.Arbitrary<Piece> = fc.oneof(
  fc.tuple(width, scalar).map(([w, dst]) => ({ insns: [{ kind: 'neg', width: w, dst } as Instruction] })),
  fc.tuple(fc.constantFrom('le' as const, 'be' as const, 'swap' as const), fc.constantFrom(16 as const, 32 as const, 64 as const), scalar).map(([order, bits, dst]) => ({ insns: [{ kind: 'endian', order, bits, dst } as Instruction] })),
  fc.tuple(scalar, scalar, fc.constantFrom(8 as const, 16 as const, 32 as const), width).map(([dst, src, bits, w]) => ({ insns: [{ kind: 'movsx', width: bits === 32 ? 64 : w, dst, src, bits } as Instruction] })),
  fc.tuple(scalar, fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })).map(([dst, v]) => ({ insns: [{ kind: 'ldImm64', dst, pseudo: 0, imm: Number(BigInt.asIntN(32, v)), nextImm: Number(BigInt.asIntN(32, v >> 32n)) } as Instruction] })),
);

/** A stack slot written then read back (same size and offset), possibly with an atomic between. */
const stackPiece: fc.Arbitrary<Piece> = fc.tuple(fc.constantFrom<Size>(1, 2, 4, 8), fc.integer({ min: 1, max: 60 }), scalar, scalar, fc.boolean(), fc.boolean(), imm32)
  .map(([size, slot, src, dst, signed, useImm, value]) => {
    const offset = -slot * 8;
    const store: Instruction = useImm ? { kind: 'st', size, dst: 10, offset, imm: value } : { kind: 'stx', size, dst: 10, src, offset };
    return { insns: [store, { kind: 'ldx', size, signed: signed && size !== 8, dst, src: 10, offset }] };
  });

const atomicPiece: fc.Arbitrary<Piece> = fc.tuple(fc.constantFrom(4 as const, 8 as const), fc.constantFrom('add' as const, 'or' as const, 'and' as const, 'xor' as const, 'xchg' as const, 'cmpxchg' as const), fc.boolean(), fc.integer({ min: 1, max: 60 }), scalar, scalar, scalar)
  .map(([size, op, fetch, slot, init, src, dst]) => {
    const offset = -slot * 8;
    return {
      insns: [
        { kind: 'stx', size, dst: 10, src: init, offset },
        { kind: 'atomic', size, op, fetch: op === 'xchg' || op === 'cmpxchg' ? true : fetch, dst: 10, src, offset },
        { kind: 'ldx', size, signed: false, dst, src: 10, offset },
      ] as Instruction[],
    };
  });

const branchPiece: fc.Arbitrary<Piece> = fc.tuple(width, fc.constantFrom(...JUMP_OPS), scalar, fc.oneof(scalar.map((r) => ({ kind: 'reg' as const, reg: r })), imm32.map((v) => ({ kind: 'imm' as const, value: v }))), fc.integer({ min: 0, max: 6 }))
  .map(([w, op, dst, src, skip]) => ({ branch: { kind: 'jump', width: w, op, dst, src, offset: 0 } as Instruction, skip }));

const HELPERS = [5 /* ktime_get_ns */, 7 /* get_prandom_u32 */, 8 /* get_smp_processor_id */];
const helperPiece: fc.Arbitrary<Piece> = fc.tuple(fc.constantFrom(...HELPERS), fc.integer({ min: 1, max: 1000 }))
  .map(([id, k]) => ({ insns: [{ kind: 'call', callee: 'helper', imm: id, offset: 0 } as Instruction, ...reinit(k)] }));

const insnsOf = (p: Piece): Instruction[] => (p.skip === undefined ? [...p.insns] : []);

/** A counted loop: c = 0; a few ALU instructions on the other scalars; c += 1; if c < n goto the body. */
const loopPiece: fc.Arbitrary<Piece> = fc.tuple(scalar, fc.integer({ min: 1, max: 8 }), fc.array(aluPiece, { minLength: 1, maxLength: 3 }))
  .map(([c, n, body]) => {
    // The counter is the loop's own: an instruction that would write it writes r0 (or r1) instead.
    const ops = body.flatMap(insnsOf).map((i) => (i.kind === 'alu' && i.dst === c ? { ...i, dst: (c === 0 ? 1 : 0) as Register } : i));
    return {
      insns: [
        mov(c, 0), ...ops,
        { kind: 'alu', width: 64, op: 'add', dst: c, src: { kind: 'imm', value: 1 } },
        { kind: 'jump', width: 64, op: 'jlt', dst: c, src: { kind: 'imm', value: n }, offset: -(ops.length + 2) },
      ] as Instruction[],
    };
  });

/** A call of the subprogram (r1-r5 its arguments, r0 its result); r1-r5 are set again after it. */
const callPiece: fc.Arbitrary<Piece> = fc.integer({ min: 1, max: 1000 })
  .map((k) => ({ insns: [{ kind: 'call', callee: 'local', imm: 0, offset: 0 } as Instruction, ...reinit(k)] }));

/** The subprogram: r0 = r1, then ALU on r0-r5 (what a callee may read), exit. */
const ARG_REGS: Register[] = [0, 1, 2, 3, 4, 5];
const subprogram: fc.Arbitrary<Instruction[]> = fc.array(aluPiece, { maxLength: 6 })
  .map((body) => [
    { kind: 'alu', width: 64, op: 'mov', dst: 0, src: { kind: 'reg', reg: 1 } } as Instruction,
    ...body.flatMap(insnsOf).map((i) => {
      if (i.kind !== 'alu') return i;
      const dst = ARG_REGS.includes(i.dst) ? i.dst : 0;
      const src = i.src.kind === 'reg' && !ARG_REGS.includes(i.src.reg) ? { kind: 'reg' as const, reg: 2 as Register } : i.src;
      return { ...i, dst, src };
    }),
    { kind: 'exit' } as Instruction,
  ]);

/** bpf_tail_call(ctx, the prog array, index): the array is empty, so the program goes on after it. */
const tailCallPiece: fc.Arbitrary<Piece> = fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 1, max: 1000 }))
  .map(([index, k]) => ({
    insns: [
      { kind: 'alu', width: 64, op: 'mov', dst: 1, src: { kind: 'reg', reg: 6 } },
      { kind: 'ldImm64', dst: 2, pseudo: 1, imm: PROG_ARRAY_INDEX, nextImm: 0 },
      mov(3, index), { kind: 'call', callee: 'helper', imm: 12, offset: 0 }, mov(0, k), ...reinit(k),
    ] as Instruction[],
  }));

/** Offsets of the packet pointers in the context: xdp_md data/data_end, __sk_buff data/data_end. */
const PACKET_POINTERS: Partial<Record<GeneratedProgramType, readonly [number, number]>> = { xdp: [0, 4], sched_cls: [76, 80], sched_act: [76, 80] };
/** Context fields each type may read (offset, size). */
const CTX_READS: Record<GeneratedProgramType, readonly (readonly [number, Size])[]> = {
  xdp: [[12, 4], [16, 4]],
  sched_cls: [[0, 4], [8, 4], [16, 4], [32, 4], [40, 4], [48, 4]],
  sched_act: [[0, 4], [8, 4], [16, 4], [32, 4], [40, 4], [48, 4]],
  socket_filter: [[0, 4], [16, 4], [48, 4]],
  kprobe: [[0, 8], [8, 8], [16, 8], [80, 8], [112, 8], [160, 8]],
  tracepoint: [[8, 8], [16, 8], [24, 4], [32, 8]],
};

function packetPiece(type: GeneratedProgramType): fc.Arbitrary<Piece> | undefined {
  const ptrs = PACKET_POINTERS[type];
  if (ptrs !== undefined) {
    return fc.tuple(fc.constantFrom<Size>(1, 2, 4, 8), fc.integer({ min: 0, max: 80 }), fc.constantFrom(...LOAD_DST), fc.integer({ min: 1, max: 100 }))
      .map(([size, at, dst, k]) => ({
        insns: [
          { kind: 'ldx', size: 4, signed: false, dst: 2, src: 6, offset: ptrs[0] },
          { kind: 'ldx', size: 4, signed: false, dst: 3, src: 6, offset: ptrs[1] },
          { kind: 'alu', width: 64, op: 'mov', dst: 4, src: { kind: 'reg', reg: 2 } },
          { kind: 'alu', width: 64, op: 'add', dst: 4, src: { kind: 'imm', value: at + size } },
          { kind: 'jump', width: 64, op: 'jgt', dst: 4, src: { kind: 'reg', reg: 3 }, offset: 1 },
          { kind: 'ldx', size, signed: false, dst, src: 2, offset: at },
          mov(2, k), mov(3, k + 1), mov(4, k + 2),
        ] as Instruction[],
      }));
  }
  if (type === 'socket_filter') {
    // The legacy packet loads: r6 holds the context, r0 receives the value, r1-r5 are clobbered.
    return fc.tuple(fc.constantFrom(1 as const, 2 as const, 4 as const), fc.integer({ min: 0, max: 80 }), fc.integer({ min: 1, max: 100 }))
      .map(([size, at, k]) => ({ insns: [{ kind: 'ldAbs', size, imm: at } as Instruction, ...reinit(k)] }));
  }
  return undefined;
}

function ctxPiece(type: GeneratedProgramType): fc.Arbitrary<Piece> {
  return fc.tuple(fc.constantFrom(...CTX_READS[type]), scalar).map(([[offset, size], dst]) => ({ insns: [{ kind: 'ldx', size, signed: false, dst, src: 6, offset } as Instruction] }));
}

/** Lookup (then read and write the value when found) or update, on map 0 or 1. */
const mapPiece: fc.Arbitrary<Piece> = fc.tuple(fc.constantFrom(0, 1), fc.integer({ min: 0, max: 20 }), fc.constantFrom('lookup' as const, 'update' as const, 'add' as const), scalar, scalar, fc.integer({ min: 1, max: 1000 }))
  .map(([map, key, what, a, b, k]) => {
    const setup: Instruction[] = [
      { kind: 'st', size: 4, dst: 10, offset: -4, imm: key },
      { kind: 'ldImm64', dst: 1, pseudo: 1, imm: map, nextImm: 0 },
      { kind: 'alu', width: 64, op: 'mov', dst: 2, src: { kind: 'reg', reg: 10 } },
      { kind: 'alu', width: 64, op: 'add', dst: 2, src: { kind: 'imm', value: -4 } },
    ];
    if (what === 'update') {
      return {
        insns: [
          { kind: 'stx', size: 8, dst: 10, src: a, offset: -16 } as Instruction, ...setup,
          { kind: 'alu', width: 64, op: 'mov', dst: 3, src: { kind: 'reg', reg: 10 } }, { kind: 'alu', width: 64, op: 'add', dst: 3, src: { kind: 'imm', value: -16 } },
          mov(4, 0), { kind: 'call', callee: 'helper', imm: 2, offset: 0 }, ...reinit(k),
        ] as Instruction[],
      };
    }
    const use: Instruction = what === 'add' ? { kind: 'atomic', size: 8, op: 'add', fetch: false, dst: 0, src: a, offset: 0 } : { kind: 'stx', size: 8, dst: 0, src: a, offset: 0 };
    // b is read back before the store: a register other than r0 (the value pointer) and r1-r5 (reset after).
    const dst = b === 0 || b <= 5 ? 7 : b;
    return {
      insns: [
        // a must survive the call: park it in r7-r9 when it is a caller-saved register.
        ...setup, { kind: 'call', callee: 'helper', imm: 1, offset: 0 },
        { kind: 'jump', width: 64, op: 'jeq', dst: 0, src: { kind: 'imm', value: 0 }, offset: 2 },
        { kind: 'ldx', size: 8, signed: false, dst, src: 0, offset: 0 }, { ...use, src: a === 0 || a <= 5 ? 8 : a } as Instruction,
        mov(0, k), ...reinit(k),
      ] as Instruction[],
    };
  });

const slots = (insns: readonly Instruction[]): number => insns.reduce((n, i) => n + (i.kind === 'ldImm64' ? 2 : 1), 0);

/**
 * Lays the pieces out after a prologue (r6 = ctx, scalars set) and before `exit`, within maxLength
 * slots; when a piece calls the subprogram, it follows main's exit (within maxLength too).
 */
export function layoutProgram(pieces: readonly Piece[], inits: readonly number[], maxLength: number, sub: readonly Instruction[] = []): Instruction[] {
  const prologue: Instruction[] = [{ kind: 'alu', width: 64, op: 'mov', dst: 6, src: { kind: 'reg', reg: 1 } }, ...SCALARS.map((r, i) => mov(r, inits[i] ?? 0))];
  let budget = maxLength - slots(prologue) - 1;
  const kept: Piece[] = [];
  const calls = (p: Piece): boolean => p.skip === undefined && p.insns.some((i) => i.kind === 'call' && i.callee === 'local');
  let withSub = false;
  for (const p of pieces) {
    const n = (p.skip === undefined ? slots(p.insns) : 1) + (calls(p) && !withSub ? slots(sub) : 0);
    if (n > budget) break;
    budget -= n;
    withSub ||= calls(p);
    kept.push(p);
  }
  // Slot where each piece starts, then the branch offsets (forward, to a piece start or the exit).
  const starts: number[] = [];
  let at = slots(prologue);
  for (const p of kept) { starts.push(at); at += p.skip === undefined ? slots(p.insns) : 1; }
  starts.push(at);
  const body = kept.flatMap((p, i) => {
    if (p.skip === undefined) return p.insns;
    const target = starts[Math.min(i + 1 + p.skip, kept.length)]!;
    return [{ ...(p.branch as Instruction & { kind: 'jump' }), offset: target - (starts[i]! + 1) }];
  });
  const main: Instruction[] = [...prologue, ...body, { kind: 'exit' }];
  if (!withSub) return main;
  // Local calls: imm is the subprogram's start relative to the next slot.
  const subStart = slots(main);
  let slot = 0;
  return [...main.map((i) => {
    const at = slot;
    slot += i.kind === 'ldImm64' ? 2 : 1;
    return i.kind === 'call' && i.callee === 'local' ? { ...i, imm: subStart - (at + 1) } : i;
  }), ...sub];
}

/** Programs of a type that the verifier model accepts (unless `accepted: false`). */
export function arbProgram(options: ProgramOptions): fc.Arbitrary<GeneratedProgram> {
  const { type } = options;
  if (!GENERATED_PROGRAM_TYPES.includes(type)) throw new TestingError(`arbProgram: type ${String(type)} is not one it builds (${GENERATED_PROGRAM_TYPES.join(', ')})`);
  const maxLength = options.maxLength ?? 64;
  if (!Number.isInteger(maxLength) || maxLength < 16) throw new TestingError(`arbProgram: maxLength ${maxLength} is below 16 (the prologue and exit take 11)`);
  const withMaps = options.maps ?? true;
  const kinds: { weight: number; arbitrary: fc.Arbitrary<Piece> }[] = [
    { weight: 8, arbitrary: aluPiece }, { weight: 2, arbitrary: unaryPiece }, { weight: 3, arbitrary: stackPiece }, { weight: 1, arbitrary: atomicPiece },
    { weight: 3, arbitrary: branchPiece }, { weight: 2, arbitrary: ctxPiece(type) },
  ];
  if (options.loops ?? true) kinds.push({ weight: 1, arbitrary: loopPiece });
  if (options.helpers ?? true) kinds.push({ weight: 1, arbitrary: helperPiece });
  if (withMaps) kinds.push({ weight: 2, arbitrary: mapPiece });
  // Without BTF, the kernel refuses ld_abs and tail calls in a program that has subprograms: a
  // program either calls its subprogram or uses those.
  const packet = packetPiece(type);
  const legacyPacket = type === 'socket_filter';
  const alone: { weight: number; arbitrary: fc.Arbitrary<Piece> }[] = [];
  if (packet !== undefined) (legacyPacket ? alone : kinds).push({ weight: 2, arbitrary: packet });
  if (withMaps && (options.tailCalls ?? true)) alone.push({ weight: 1, arbitrary: tailCallPiece });
  const withCalls = [...kinds, { weight: 3, arbitrary: callPiece }];
  const withoutCalls = [...kinds, ...alone];
  const pieces = (ks: typeof kinds): fc.Arbitrary<Piece[]> => fc.array(fc.oneof(...ks), { maxLength: Math.ceil(maxLength / 2) });
  const body: fc.Arbitrary<[Piece[], Instruction[]]> = (options.calls ?? true)
    ? fc.oneof(fc.tuple(pieces(withoutCalls), fc.constant<Instruction[]>([])), fc.tuple(pieces(withCalls), subprogram))
    : fc.tuple(pieces(withoutCalls), fc.constant<Instruction[]>([]));
  const program = fc.tuple(body, fc.array(imm32, { minLength: SCALARS.length, maxLength: SCALARS.length }))
    .map(([[ps, sub], inits]): GeneratedProgram => generated(type, layoutProgram(ps, inits, maxLength, sub), withMaps ? GENERATED_PROGRAM_MAPS : []));
  return options.accepted === false ? program : program.filter((p) => modelVerdict(p).verdict === 'accept');
}

function generated(type: GeneratedProgramType, insns: Instruction[], maps: readonly VmMapSpec[]): GeneratedProgram {
  const p: GeneratedProgram = { type, insns, maps, name: 'generated' };
  const listing = (): string => `${type} program (${insns.length} instructions):\n${insns.map((i, n) => `  ${String(n).padStart(3)}: ${formatInstructionLlvm(i)}`).join('\n')}`;
  Object.defineProperty(p, fc.toStringMethod, { value: listing, enumerable: false });
  Object.defineProperty(p, 'toString', { value: listing, enumerable: false });
  return p;
}
