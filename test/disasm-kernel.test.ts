// The kernel format against the running kernel (Linux 6.18). Programs are
// written with writeElf (section `socket`, a `license` section, subprograms
// in `.text`) and loaded with `bpftool -d prog load … type socket`, which
// prints the verifier log. Its "Live regs before insn" table lists every
// instruction once, in the kernel's own disasm format and before any
// rewriting, even when verification later fails; each line must equal
// formatInstructionKernel of the instruction we wrote.
//
// Where the kernel does not print an instruction as written:
// * libbpf moves `.text` subprograms behind the main program and rewrites
//   the local call's imm accordingly (the expected line is computed from the
//   final layout);
// * callx (0x8d) and ld_imm64 with a pseudo source (map fds, BTF ids…) are
//   refused before the log prints them, so they are not covered; kfunc calls
//   are checked by name through a resolver, the kernel naming them from BTF;
// * programs that do verify are also dumped with `bpftool prog dump xlated`:
//   text and raw bytes of the same (rewritten) instructions are compared,
//   except helper calls (the kernel replaces their imm by an address that
//   bpftool names through kallsyms) and v4 instructions, which bpftool v7.1's
//   older copy of the kernel disassembler misprints (`BUG_alu64_d7`,
//   `w2 = w1` for movsx, `if w0 jmp` for gotol).

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { type ObjectRelocation, type RelocatableObject, writeElf } from '../elf/index.js';
import { decodeInstructions } from '../isa/index.js';
import { formatInstructionKernel, KERNEL_HELPER_NAMES } from '../isa/index.js';
import { encodeInstructions } from '../isa/index.js';
import type { AluOp, AtomicOp, Instruction, JumpOp, Register, Size } from '../isa/index.js';
import { slotCount } from '../isa/index.js';
import { instructionByKind, aluOps, jumpOps } from './support/arbitraries.js';
import { kernelAvailable } from './support/dsl-kernel.js';

const ok = kernelAvailable();

const dir = mkdtempSync(join(tmpdir(), 'tsbpf-disasm-kernel-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;

interface Program {
  /** The main program, in section `socket`. */
  main: Instruction[];
  /** A subprogram in `.text`, called from main by `call sub` relocations. */
  sub?: Instruction[];
  /** Indices (in main's instruction list) of local calls to `sub`. */
  callsToSub?: number[];
}

function slotsOf(insns: readonly Instruction[]): number {
  return insns.reduce((n, i) => n + slotCount(i), 0);
}

function objectOf(p: Program): Uint8Array {
  const code = encodeInstructions(p.main);
  const relocations: ObjectRelocation[] = (p.callsToSub ?? []).map((k) => ({
    offset: 8 * slotsOf(p.main.slice(0, k)), type: 'R_BPF_64_32', symbol: '.text',
  }));
  const exec = { alloc: true, write: false, exec: true };
  const sections: RelocatableObject['sections'][number][] = [
    { name: 'socket', type: 'progbits', flags: exec, align: 8, data: code, size: code.length, relocations },
    { name: 'license', type: 'progbits', flags: { alloc: true, write: true, exec: false }, align: 1, data: new TextEncoder().encode('GPL\0'), size: 4, relocations: [] },
  ];
  const symbols: RelocatableObject['symbols'][number][] = [{ name: 'prog', section: 'socket', value: 0, size: code.length, binding: 'global', type: 'func' }];
  if (p.sub !== undefined) {
    const sub = encodeInstructions(p.sub);
    sections.unshift({ name: '.text', type: 'progbits', flags: exec, align: 8, data: sub, size: sub.length, relocations: [] });
    symbols.push({ name: 'sub', section: '.text', value: 0, size: sub.length, binding: 'global', type: 'func' });
  }
  return writeElf({ byteOrder: 'le', sections, symbols });
}

interface LoadResult {
  /** Instruction lines of the "Live regs before insn" table by index: `3: (b7) r0 = 0`. */
  table: Map<number, string>;
  log: string;
  /** Raw xlated bytes and bpftool's text, when the program verified. */
  xlated?: { bytes: Uint8Array; text: string };
}

function load(p: Program): LoadResult {
  const n = counter++;
  const obj = join(dir, `k${n}.o`);
  writeFileSync(obj, objectOf(p));
  const pin = `/sys/fs/bpf/tsbpf-test-disasm-${process.pid}-${n}`;
  try {
    const r = spawnSync('bpftool', ['-d', 'prog', 'load', obj, pin, 'type', 'socket'], { encoding: 'utf8', maxBuffer: 1 << 28 });
    const log = `${r.stdout}\n${r.stderr}`;
    const table = new Map<number, string>();
    const lines = log.split('\n');
    const start = lines.indexOf('Live regs before insn:');
    if (start >= 0) {
      for (const line of lines.slice(start + 1)) {
        const m = /^ *(?:\d+ +)?(\d+): [.0-9]{10} (.*)$/.exec(line);
        if (m === null) break;
        table.set(Number(m[1]), `${m[1]}: ${m[2]}`);
      }
    }
    let xlated: LoadResult['xlated'];
    if (r.status === 0 && existsSync(pin)) {
      const raw = join(dir, `k${n}.xlated`);
      const d = spawnSync('bpftool', ['prog', 'dump', 'xlated', 'pinned', pin, 'file', raw], { encoding: 'utf8' });
      const t = spawnSync('bpftool', ['prog', 'dump', 'xlated', 'pinned', pin], { encoding: 'utf8' });
      if (d.status !== 0 || t.status !== 0) throw new Error(`bpftool prog dump xlated failed: ${d.stderr}${t.stderr}`);
      xlated = { bytes: new Uint8Array(readFileSync(raw)), text: t.stdout };
    }
    return { table, log, xlated };
  } finally {
    rmSync(pin, { force: true });
  }
}

/** Compares formatInstructionKernel with the log's table line of every instruction of main. */
function expectTableMatches(p: Program, result: LoadResult, format = (insn: Instruction, index: number): string => formatInstructionKernel(insn, index)): void {
  if (result.table.size === 0) throw new Error(`no "Live regs" table in the verifier log:\n${result.log.split('\n').filter((l) => !l.startsWith('libbpf: elf') && !l.startsWith('libbpf: sec')).join('\n').slice(-3000)}`);
  let index = 0;
  for (const insn of p.main) {
    const want = result.table.get(index);
    const got = format(insn, index);
    if (want !== got) throw new Error(`instruction ${index} ${JSON.stringify(insn)}:\n  kernel: ${want}\n  tsbpf:  ${got}`);
    index += slotCount(insn);
  }
}

const r0zero: Instruction = { kind: 'alu', width: 64, op: 'mov', dst: 0, src: { kind: 'imm', value: 0 } };
const exit: Instruction = { kind: 'exit' };

const REGS: Register[] = [0, 1, 6, 10];
const IMMS = [0, 1, 7, -1, -7, 0x7fffffff, -0x80000000, 4660];
const OFFS = [0, 4, -8, 0x7fff, -0x8000];
const SIZES: Size[] = [1, 2, 4, 8];
const ALU_OPS = aluOps;
const JUMP_OPS = jumpOps;

/** Every instruction form the kernel prints unchanged, laid out so that check_cfg accepts the program. */
function kernelForms(): Instruction[] {
  const out: Instruction[] = [];
  for (const width of [32, 64] as const) {
    for (const op of ALU_OPS) {
      for (const value of IMMS) out.push({ kind: 'alu', width, op, dst: 1, src: { kind: 'imm', value } });
      for (const reg of REGS) out.push({ kind: 'alu', width, op, dst: 6, src: { kind: 'reg', reg } });
    }
    out.push({ kind: 'neg', width, dst: 3 });
    for (const bits of width === 64 ? [8, 16, 32] as const : [8, 16] as const) out.push({ kind: 'movsx', width, dst: 2, src: 7, bits });
    for (const op of JUMP_OPS) {
      for (const value of IMMS) out.push({ kind: 'jump', width, op, dst: 1, src: { kind: 'imm', value }, offset: 0 });
      for (const reg of REGS) out.push({ kind: 'jump', width, op, dst: 9, src: { kind: 'reg', reg }, offset: 1 }, r0zero);
    }
  }
  for (const [dstAddrSpace, srcAddrSpace] of [[0, 1], [1, 0]] as const) out.push({ kind: 'addrSpaceCast', dst: 1, src: 2, dstAddrSpace, srcAddrSpace });
  for (const order of ['le', 'be', 'swap'] as const) for (const bits of [16, 32, 64] as const) out.push({ kind: 'endian', order, bits, dst: 4 });
  for (const size of SIZES) {
    for (const offset of OFFS) {
      out.push({ kind: 'ldx', size, signed: false, dst: 1, src: 10, offset });
      if (size !== 8) out.push({ kind: 'ldx', size, signed: true, dst: 0, src: 5, offset });
      out.push({ kind: 'st', size, dst: 10, offset, imm: IMMS[(offset & 7) % IMMS.length]! });
      out.push({ kind: 'stx', size, dst: 10, src: 1, offset });
      const ops: [AtomicOp, boolean][] = size >= 4
        ? [['add', false], ['add', true], ['or', false], ['or', true], ['and', false], ['and', true], ['xor', false],
          ['xor', true], ['xchg', true], ['cmpxchg', true], ['loadAcquire', false], ['storeRelease', false]]
        : [['loadAcquire', false], ['storeRelease', false]];
      for (const [op, fetch] of ops) out.push({ kind: 'atomic', size: size as 4, op, fetch, dst: 10, src: 2, offset });
    }
  }
  for (const [imm, nextImm] of [[0, 0], [-1, -1], [0x55667788, 0x11223344], [-1, 0], [5, -1]] as const) {
    out.push({ kind: 'ldImm64', dst: 1, pseudo: 0, imm, nextImm });
  }
  for (const size of [1, 2, 4] as const) {
    for (const imm of [0, 4, -4, 0x7fffffff]) out.push({ kind: 'ldAbs', size, imm }, { kind: 'ldInd', size, src: 7, imm });
  }
  for (const imm of [1, 7, 14, 211, 212, 999, -1, -7, 0x7fffffff]) out.push({ kind: 'call', callee: 'helper', imm, offset: 0 });
  out.push({ kind: 'ja', offset: 0 }, { kind: 'gotol', imm: 0 }, { kind: 'mayGoto', offset: 0 });
  // Forward jumps over an instruction that a conditional jump keeps reachable.
  const over: Instruction = { kind: 'jump', width: 64, op: 'jeq', dst: 1, src: { kind: 'imm', value: 0 }, offset: 1 };
  out.push(over, { kind: 'ja', offset: 1 }, r0zero, over, { kind: 'gotol', imm: 1 }, r0zero, { kind: 'mayGoto', offset: 1 }, r0zero);
  // A loop: backward jumps are fine for check_cfg with CAP_BPF.
  out.push({ kind: 'jump', width: 64, op: 'jeq', dst: 1, src: { kind: 'imm', value: 0 }, offset: 1 }, { kind: 'ja', offset: -2 });
  out.push({ kind: 'jump', width: 64, op: 'jeq', dst: 1, src: { kind: 'imm', value: 0 }, offset: 1 }, { kind: 'gotol', imm: -2 });
  out.push({ kind: 'jump', width: 64, op: 'jeq', dst: 1, src: { kind: 'imm', value: 0 }, offset: 1 }, { kind: 'mayGoto', offset: -2 });
  out.push(r0zero, exit);
  return out;
}

describe.skipIf(!ok)('kernel format against the Linux verifier log', () => {
  it('prints every instruction form as the kernel does', () => {
    const main = kernelForms();
    expectTableMatches({ main }, load({ main }));
  });

  it('prints random instructions as the kernel does (3 programs × 2,000 instructions)', () => {
    // Everything the kernel prints before verifying: no exits or jumps that
    // would leave code unreachable, no callx/kfunc/local calls/pseudo loads.
    const straight = fc.oneof(
      instructionByKind.alu, instructionByKind.neg, instructionByKind.movsx, instructionByKind.endian,
      instructionByKind.ldx, instructionByKind.st, instructionByKind.stx, instructionByKind.atomic,
      instructionByKind.ldAbs, instructionByKind.ldInd,
      instructionByKind.ldImm64.map((i) => ({ ...i, pseudo: 0 as const })),
      instructionByKind.jump.map((i) => ({ ...i, offset: 0 })),
      instructionByKind.addrSpaceCast.map((i) => ({ ...i, dstAddrSpace: i.dstAddrSpace & 1, srcAddrSpace: i.srcAddrSpace & 1 })),
      fc.integer({ min: -300, max: 300 }).map((imm): Instruction => ({ kind: 'call', callee: 'helper', imm, offset: 0 })),
    );
    for (const seed of [1, 2, 3]) {
      const main = [...fc.sample(straight, { numRuns: 2000, seed }), r0zero, exit];
      expectTableMatches({ main }, load({ main }));
    }
  });

  it('names every helper id as the kernel does, and unknown ids as unknown#N', () => {
    const main: Instruction[] = [];
    for (let id = 0; id < KERNEL_HELPER_NAMES.length + 40; id++) main.push({ kind: 'call', callee: 'helper', imm: id, offset: 0 });
    main.push(r0zero, exit);
    expectTableMatches({ main }, load({ main }));
  });

  it('prints local calls as pc-relative, after libbpf appended the subprogram', () => {
    const main: Instruction[] = [
      { kind: 'call', callee: 'local', imm: -1, offset: 0 },
      { kind: 'alu', width: 64, op: 'mov', dst: 6, src: { kind: 'reg', reg: 0 } },
      { kind: 'call', callee: 'local', imm: -1, offset: 0 },
      r0zero, exit,
    ];
    const sub: Instruction[] = [r0zero, exit];
    const result = load({ main, sub, callsToSub: [0, 2] });
    const subStart = slotsOf(main);
    // libbpf sets imm to the distance from the call to the appended subprogram.
    const placed = main.map((insn, k) => (insn.kind === 'call' ? { ...insn, imm: subStart - k - 1 } : insn));
    expectTableMatches({ main: placed }, result);
    expect(result.table.get(0)).toBe('0: (85) call pc+4');
    expect(result.table.get(subStart)).toBe(formatInstructionKernel(r0zero, subStart));
  });

  it('prints kfunc calls as the kernel does when given the BTF name', () => {
    const btf = spawnSync('bpftool', ['btf', 'dump', 'file', '/sys/kernel/btf/vmlinux', 'format', 'raw'], { encoding: 'utf8', maxBuffer: 1 << 30 });
    const ids = new Map<string, number>();
    for (const m of btf.stdout.matchAll(/^\[(\d+)\] FUNC '(bpf_rcu_read_lock|bpf_rcu_read_unlock)'/gm)) ids.set(m[2]!, Number(m[1]));
    expect(ids.size).toBe(2);
    const names = new Map([...ids].map(([name, id]) => [id, name]));
    const main: Instruction[] = [
      { kind: 'call', callee: 'kfunc', imm: ids.get('bpf_rcu_read_lock')!, offset: 0 },
      { kind: 'call', callee: 'kfunc', imm: ids.get('bpf_rcu_read_unlock')!, offset: 0 },
      r0zero, exit,
    ];
    expectTableMatches({ main }, load({ main }), (insn, index) => formatInstructionKernel(insn, index, { kfuncName: (id) => names.get(id) }));
    expect(formatInstructionKernel(main[0]!)).toBe(`(85) call kfunc#${ids.get('bpf_rcu_read_lock')!}`);
  });
});

describe.skipIf(!ok)('kernel format against bpftool prog dump xlated', () => {
  it('prints the xlated instructions of a verified program as bpftool does', () => {
    const mov = (dst: Register, value: number): Instruction => ({ kind: 'alu', width: 64, op: 'mov', dst, src: { kind: 'imm', value } });
    const main: Instruction[] = [
      { kind: 'alu', width: 64, op: 'mov', dst: 6, src: { kind: 'reg', reg: 1 } },
      { kind: 'ldx', size: 4, signed: false, dst: 7, src: 6, offset: 0 },
      mov(0, 0), mov(1, 7), mov(2, -3),
      ...(['add', 'sub', 'mul', 'or', 'and', 'xor'] as AluOp[]).flatMap((op): Instruction[] => [
        { kind: 'alu', width: 64, op, dst: 1, src: { kind: 'imm', value: -5 } },
        { kind: 'alu', width: 32, op, dst: 2, src: { kind: 'reg', reg: 7 } },
        { kind: 'alu', width: 64, op, dst: 7, src: { kind: 'reg', reg: 1 } },
      ]),
      { kind: 'alu', width: 64, op: 'lsh', dst: 1, src: { kind: 'imm', value: 3 } },
      { kind: 'alu', width: 32, op: 'rsh', dst: 2, src: { kind: 'imm', value: 2 } },
      { kind: 'alu', width: 64, op: 'arsh', dst: 7, src: { kind: 'imm', value: 1 } },
      { kind: 'alu', width: 64, op: 'div', dst: 1, src: { kind: 'imm', value: 3 } },
      { kind: 'alu', width: 32, op: 'mod', dst: 2, src: { kind: 'imm', value: 5 } },
      { kind: 'neg', width: 64, dst: 1 }, { kind: 'neg', width: 32, dst: 2 },
      { kind: 'endian', order: 'be', bits: 32, dst: 1 }, { kind: 'endian', order: 'le', bits: 16, dst: 2 },
      { kind: 'ldImm64', dst: 3, pseudo: 0, imm: 0x55667788, nextImm: 0x11223344 },
      { kind: 'ldImm64', dst: 4, pseudo: 0, imm: -1, nextImm: -1 },
      { kind: 'st', size: 8, dst: 10, offset: -8, imm: 4660 },
      { kind: 'st', size: 4, dst: 10, offset: -16, imm: -1 },
      { kind: 'st', size: 2, dst: 10, offset: -12, imm: 7 },
      { kind: 'st', size: 1, dst: 10, offset: -10, imm: 255 },
      { kind: 'stx', size: 8, dst: 10, offset: -24, src: 3 },
      { kind: 'stx', size: 4, dst: 10, offset: -32, src: 7 },
      { kind: 'ldx', size: 8, signed: false, dst: 5, src: 10, offset: -8 },
      { kind: 'ldx', size: 4, signed: false, dst: 5, src: 10, offset: -16 },
      { kind: 'ldx', size: 2, signed: false, dst: 5, src: 10, offset: -12 },
      { kind: 'ldx', size: 1, signed: false, dst: 5, src: 10, offset: -10 },
      { kind: 'atomic', size: 8, op: 'add', fetch: false, dst: 10, src: 1, offset: -8 },
      { kind: 'atomic', size: 4, op: 'or', fetch: false, dst: 10, src: 2, offset: -16 },
      { kind: 'atomic', size: 8, op: 'add', fetch: true, dst: 10, src: 1, offset: -8 },
      { kind: 'atomic', size: 4, op: 'xor', fetch: true, dst: 10, src: 2, offset: -16 },
      { kind: 'atomic', size: 8, op: 'xchg', fetch: true, dst: 10, src: 1, offset: -8 },
      { kind: 'atomic', size: 8, op: 'cmpxchg', fetch: true, dst: 10, src: 1, offset: -8 },
      { kind: 'jump', width: 64, op: 'jgt', dst: 7, src: { kind: 'imm', value: 5 }, offset: 1 },
      mov(7, 1),
      { kind: 'jump', width: 32, op: 'jne', dst: 7, src: { kind: 'reg', reg: 2 }, offset: 1 },
      mov(2, 1),
      { kind: 'jump', width: 64, op: 'jslt', dst: 7, src: { kind: 'imm', value: -1 }, offset: 2 },
      { kind: 'ldAbs', size: 2, imm: 12 },
      { kind: 'ldInd', size: 1, src: 7, imm: 14 },
      { kind: 'alu', width: 64, op: 'mov', dst: 0, src: { kind: 'reg', reg: 7 } },
      exit,
    ];
    const result = load({ main });
    expect(result.xlated, result.log.slice(-2000)).toBeDefined();
    const text = new Map<number, string>();
    for (const line of result.xlated!.text.split('\n')) {
      const m = /^ *(\d+): (\(.*)$/.exec(line);
      if (m !== null) text.set(Number(m[1]), `${m[1]}: ${m[2]}`);
    }
    const insns = decodeInstructions(result.xlated!.bytes);
    let index = 0;
    let compared = 0;
    for (const insn of insns) {
      if (insn.kind !== 'call') {
        expect(formatInstructionKernel(insn, index)).toBe(text.get(index));
        compared++;
      }
      index += slotCount(insn);
    }
    expect(compared).toBeGreaterThan(50);
  });
});
