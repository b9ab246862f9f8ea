// The reference engine: one instruction at a time, 64-bit values as BigInt, written to read like
// the kernel's semantics rather than to be fast. The compiled engine (compile.ts) must agree with
// it on every program (test/vm-engines.test.ts).

import type { AluOp, Instruction, JumpOp, Width } from '../isa/index.js';
import { fault, FaultSignal } from './fault.js';
import { FRAME_SIZE, type Machine, MAX_FRAMES, MAY_GOTO_BUDGET } from './machine.js';
import type { PreparedProgram } from './program.js';

const u = (w: Width, v: bigint): bigint => BigInt.asUintN(w, v);
const s = (w: number, v: bigint): bigint => BigInt.asIntN(w, v);

/** The operand as the instruction sees it: an immediate is sign-extended to 64 bits, then cut to the width. */
const immOf = (w: Width, v: number): bigint => u(w, BigInt(v));

/** dst OP src at width w (both already cut to w bits); the result is zero-extended to 64. */
export function aluReference(op: AluOp, w: Width, a: bigint, b: bigint): bigint {
  const sh = b & BigInt(w - 1);
  switch (op) {
    case 'add': return u(w, a + b);
    case 'sub': return u(w, a - b);
    case 'mul': return u(w, a * b);
    case 'div': return b === 0n ? 0n : a / b;
    case 'sdiv': return b === 0n ? 0n : u(w, s(w, a) / s(w, b)); // BigInt division truncates, as C does
    case 'mod': return b === 0n ? a : a % b;
    case 'smod': return b === 0n ? a : u(w, s(w, a) % s(w, b)); // the sign follows the dividend
    case 'or': return a | b;
    case 'and': return a & b;
    case 'xor': return a ^ b;
    case 'lsh': return u(w, a << sh);
    case 'rsh': return a >> sh;
    case 'arsh': return u(w, s(w, a) >> sh);
    case 'mov': return b;
  }
}

export function jumpReference(op: JumpOp, w: Width, a: bigint, b: bigint): boolean {
  switch (op) {
    case 'jeq': return a === b;
    case 'jne': return a !== b;
    case 'jgt': return a > b;
    case 'jge': return a >= b;
    case 'jlt': return a < b;
    case 'jle': return a <= b;
    case 'jset': return (a & b) !== 0n;
    case 'jsgt': return s(w, a) > s(w, b);
    case 'jsge': return s(w, a) >= s(w, b);
    case 'jslt': return s(w, a) < s(w, b);
    case 'jsle': return s(w, a) <= s(w, b);
  }
}

function swap(v: bigint, bits: number): bigint {
  let out = 0n;
  for (let i = 0; i < bits; i += 8) out = (out << 8n) | ((v >> BigInt(i)) & 0xffn);
  return out;
}

export interface Frame {
  readonly ret: number;
  readonly saved: bigint[];
  mayGoto: number;
}

export interface EngineResult {
  readonly r0: bigint;
  /** The run ended in bpf_tail_call (Machine.tailCall names the target). */
  readonly tail: boolean;
}

/**
 * Runs `prog` from `entry` with r1..r5 = args in frame `depth` until its outermost exit.
 * Faults are thrown as FaultSignal (caught by the runner); the instruction count goes to m.count.
 */
/** An engine's state at a block boundary, for the compiled engine to hand the last steps before the limit over. */
export interface ResumeState {
  readonly regs: bigint[];
  readonly frames: Frame[];
  readonly mayGoto: number;
}

export function interpret(prog: PreparedProgram, m: Machine, entry: number, args: readonly bigint[], depth: number, resume?: ResumeState): EngineResult {
  try {
    return steps(prog, m, entry, args, depth, resume);
  } catch (e) {
    // This engine counts every instruction as it starts, so the count is already exact.
    if (e instanceof FaultSignal) e.counted = true;
    throw e;
  }
}

function steps(prog: PreparedProgram, m: Machine, entry: number, args: readonly bigint[], depth: number, resume?: ResumeState): EngineResult {
  const r: bigint[] = resume?.regs ?? new Array<bigint>(11).fill(0n);
  if (resume === undefined) {
    for (let i = 0; i < args.length; i++) r[i + 1] = BigInt.asUintN(64, args[i]!);
    r[10] = m.framePointer(depth);
  }
  const frames: Frame[] = resume?.frames ?? [];
  let mayGoto = resume?.mayGoto ?? MAY_GOTO_BUDGET;
  let pc = entry;
  const slots = prog.slots;
  const mem = m.mem;
  for (;;) {
    const insn: Instruction | undefined = slots[pc];
    if (insn === undefined) fault('instruction', pc, pc >= slots.length ? 'execution ran off the end of the program' : 'jump into the middle of an ld_imm64');
    if (++m.count > m.maxInsns) fault('limit', pc, `the instruction limit (${m.maxInsns}) was reached`);
    const at = pc;
    pc++;
    switch (insn.kind) {
      case 'alu': {
        const w = insn.width;
        const b = insn.src.kind === 'imm' ? immOf(w, insn.src.value) : u(w, r[insn.src.reg]!);
        r[insn.dst] = aluReference(insn.op, w, u(w, r[insn.dst]!), b);
        break;
      }
      case 'neg': r[insn.dst] = u(insn.width, -r[insn.dst]!); break;
      case 'movsx': r[insn.dst] = u(insn.width, s(insn.bits, r[insn.src]! & ((1n << BigInt(insn.bits)) - 1n))); break;
      case 'addrSpaceCast': {
        const v = r[insn.src]!;
        if (insn.dstAddrSpace === 1) r[insn.dst] = v & 0xffffffffn;
        else r[insn.dst] = (v & 0xffffffffn) === 0n ? 0n : (BigInt(m.arenaHi) << 32n) | (v & 0xffffffffn);
        break;
      }
      case 'endian': {
        const v = r[insn.dst]! & ((1n << BigInt(insn.bits)) - 1n);
        r[insn.dst] = insn.order === 'le' ? v : swap(v, insn.bits);
        break;
      }
      case 'ja': pc += insn.offset; break;
      case 'gotol': pc += insn.imm; break;
      case 'jump': {
        const w = insn.width;
        const b = insn.src.kind === 'imm' ? immOf(w, insn.src.value) : u(w, r[insn.src.reg]!);
        if (jumpReference(insn.op, w, u(w, r[insn.dst]!), b)) pc += insn.offset;
        break;
      }
      case 'mayGoto':
        if (mayGoto === 0) pc += insn.offset;
        else mayGoto--;
        break;
      case 'call':
      case 'callx': {
        if (insn.kind === 'call' && insn.callee === 'local') {
          if (depth + frames.length + 1 >= MAX_FRAMES) fault('call', at, `call depth exceeds ${MAX_FRAMES - 1} frames`);
          frames.push({ ret: pc, saved: [r[6]!, r[7]!, r[8]!, r[9]!, r[10]!], mayGoto });
          r[10] = r[10]! - BigInt(FRAME_SIZE);
          mayGoto = MAY_GOTO_BUDGET;
          pc = pc + insn.imm;
          break;
        }
        if (insn.kind === 'call' && insn.callee === 'kfunc') fault('helper', at, `kfunc calls (BTF id ${insn.imm}) are not supported by the vm`);
        // callx (uBPF's indirect call; Linux refuses it) calls the helper whose id is in the register.
        const id = insn.kind === 'call' ? insn.imm : Number(r[insn.dst]! & 0xffffffffn);
        r[0] = BigInt.asUintN(64, m.callHelper(id, [r[1]!, r[2]!, r[3]!, r[4]!, r[5]!], at, depth + frames.length));
        if (m.tailCall !== undefined) return { r0: r[0]!, tail: true };
        break;
      }
      case 'exit': {
        const f = frames.pop();
        if (f === undefined) return { r0: r[0]!, tail: false };
        for (let i = 0; i < 5; i++) r[6 + i] = f.saved[i]!;
        mayGoto = f.mayGoto;
        pc = f.ret;
        break;
      }
      case 'ldImm64': r[insn.dst] = prog.imm64.get(at)!; pc++; break;
      case 'ldx': {
        const v = mem.loadBig(u(64, r[insn.src]! + BigInt(insn.offset)), insn.size, at);
        r[insn.dst] = insn.signed ? u(64, s(insn.size * 8 as Width, v)) : v;
        break;
      }
      case 'st': mem.storeBig(u(64, r[insn.dst]! + BigInt(insn.offset)), insn.size, u(64, BigInt(insn.imm)), at); break;
      case 'stx': mem.storeBig(u(64, r[insn.dst]! + BigInt(insn.offset)), insn.size, r[insn.src]!, at); break;
      case 'atomic': {
        const size = insn.size;
        if (insn.op === 'loadAcquire') { r[insn.dst] = mem.loadBig(u(64, r[insn.src]! + BigInt(insn.offset)), size, at); break; }
        const addr = u(64, r[insn.dst]! + BigInt(insn.offset));
        if (insn.op === 'storeRelease') { mem.storeBig(addr, size, r[insn.src]!, at); break; }
        const w = size * 8 as Width;
        const old = mem.loadBig(addr, size, at);
        const v = u(w, r[insn.src]!);
        switch (insn.op) {
          case 'add': mem.storeBig(addr, size, u(w, old + v), at); break;
          case 'or': mem.storeBig(addr, size, old | v, at); break;
          case 'and': mem.storeBig(addr, size, old & v, at); break;
          case 'xor': mem.storeBig(addr, size, old ^ v, at); break;
          case 'xchg': mem.storeBig(addr, size, v, at); break;
          case 'cmpxchg':
            if (old === u(w, r[0]!)) mem.storeBig(addr, size, v, at);
            r[0] = old;
            break;
        }
        if (insn.fetch && insn.op !== 'cmpxchg') r[insn.src] = old;
        break;
      }
      case 'ldAbs':
      case 'ldInd': {
        // The kernel adds imm to the 64-bit register, then passes the sum as an int (found by the differential campaign).
        const off = insn.kind === 'ldAbs' ? insn.imm | 0 : Number(BigInt.asIntN(32, r[insn.src]! + BigInt(insn.imm)));
        const v = m.ldAbs(off, insn.size);
        if (v === undefined) return { r0: 0n, tail: false }; // the kernel ends the program with r0 = 0
        r[0] = v;
        break;
      }
    }
  }
}
