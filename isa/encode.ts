// Instruction model → bytes.

import { EncodeError } from './errors.js';
import type { AtomicOp, Instruction, Operand, Size } from './instruction.js';
import { slotCount } from './instruction.js';
import {
  ADDR_SPACE_CAST_OFF, AluCode, AtomicImm, CallSrc, Class, JmpCode, LD_IMM64_OPCODE, Mode, SizeCode, SRC_X,
} from './opcodes.js';
import { type ByteOrder, type RawSlot, SLOT_SIZE, writeSlot } from './slot.js';

const sizeCode: Record<Size, number> = { 1: SizeCode.B, 2: SizeCode.H, 4: SizeCode.W, 8: SizeCode.DW };

function aluCode(op: string): number {
  switch (op) {
    case 'sdiv': return AluCode.div;
    case 'smod': return AluCode.mod;
    default: return AluCode[op as keyof typeof AluCode];
  }
}

function operandBits(src: Operand): { x: number; src: number; imm: number } {
  return src.kind === 'reg' ? { x: SRC_X, src: src.reg, imm: 0 } : { x: 0, src: 0, imm: src.value };
}

function check(cond: boolean, reason: string, index: number): void {
  if (!cond) throw new EncodeError(reason, index);
}

function checkFields(slot: RawSlot, index: number): RawSlot {
  check(slot.dst >= 0 && slot.dst <= 10 && Number.isInteger(slot.dst), `invalid dst register ${slot.dst}`, index);
  check(slot.src >= 0 && slot.src <= 15 && Number.isInteger(slot.src), `invalid src field ${slot.src}`, index);
  check(Number.isInteger(slot.offset) && slot.offset >= -0x8000 && slot.offset <= 0x7fff,
    `offset ${slot.offset} is not a signed 16-bit integer`, index);
  check(Number.isInteger(slot.imm) && slot.imm >= -0x80000000 && slot.imm <= 0x7fffffff,
    `immediate ${slot.imm} is not a signed 32-bit integer`, index);
  return slot;
}

function slot(opcode: number, dst: number, src: number, offset: number, imm: number): RawSlot {
  return { opcode, dst, src, offset, imm };
}

/** The first (or only) raw slot of an instruction; ld_imm64's second slot is separate. */
export function toRawSlot(insn: Instruction, index = 0): RawSlot {
  switch (insn.kind) {
    case 'alu': {
      const o = operandBits(insn.src);
      const cls = insn.width === 64 ? Class.ALU64 : Class.ALU;
      const off = insn.op === 'sdiv' || insn.op === 'smod' ? 1 : 0;
      return checkFields(slot(aluCode(insn.op) | o.x | cls, insn.dst, o.src, off, o.imm), index);
    }
    case 'neg':
      return checkFields(slot(AluCode.neg | (insn.width === 64 ? Class.ALU64 : Class.ALU), insn.dst, 0, 0, 0), index);
    case 'movsx':
      check(insn.bits !== 32 || insn.width === 64, 'movsx32 with 32-bit source needs width 64', index);
      return checkFields(
        slot(AluCode.mov | SRC_X | (insn.width === 64 ? Class.ALU64 : Class.ALU), insn.dst, insn.src, insn.bits, 0), index);
    case 'addrSpaceCast':
      check(insn.dstAddrSpace >= 0 && insn.dstAddrSpace <= 0xffff && insn.srcAddrSpace >= 0 && insn.srcAddrSpace <= 0xffff,
        'address space out of 16-bit range', index);
      return checkFields(slot(AluCode.mov | SRC_X | Class.ALU64, insn.dst, insn.src, ADDR_SPACE_CAST_OFF,
        ((insn.dstAddrSpace << 16) | insn.srcAddrSpace) | 0), index);
    case 'endian': {
      const opcode = insn.order === 'swap' ? AluCode.end | Class.ALU64
        : AluCode.end | (insn.order === 'be' ? SRC_X : 0) | Class.ALU;
      return checkFields(slot(opcode, insn.dst, 0, 0, insn.bits), index);
    }
    case 'ja':
      return checkFields(slot(JmpCode.ja | Class.JMP, 0, 0, insn.offset, 0), index);
    case 'gotol':
      return checkFields(slot(JmpCode.ja | Class.JMP32, 0, 0, 0, insn.imm), index);
    case 'jump': {
      const o = operandBits(insn.src);
      const cls = insn.width === 64 ? Class.JMP : Class.JMP32;
      return checkFields(slot(JmpCode[insn.op] | o.x | cls, insn.dst, o.src, insn.offset, o.imm), index);
    }
    case 'call':
      return checkFields(slot(JmpCode.call | Class.JMP, 0, CallSrc[insn.callee], insn.offset, insn.imm), index);
    case 'callx':
      return checkFields(slot(JmpCode.call | SRC_X | Class.JMP, insn.dst, 0, 0, 0), index);
    case 'exit':
      return slot(JmpCode.exit | Class.JMP, 0, 0, 0, 0);
    case 'mayGoto':
      return checkFields(slot(JmpCode.jcond | Class.JMP, 0, 0, insn.offset, 0), index);
    case 'ldImm64':
      check(Number.isInteger(insn.nextImm) && insn.nextImm >= -0x80000000 && insn.nextImm <= 0x7fffffff,
        `next immediate ${insn.nextImm} is not a signed 32-bit integer`, index);
      check(insn.pseudo >= 0 && insn.pseudo <= 6, `invalid ld_imm64 pseudo source ${insn.pseudo}`, index);
      return checkFields(slot(LD_IMM64_OPCODE, insn.dst, insn.pseudo, 0, insn.imm), index);
    case 'ldx':
      check(!(insn.signed && insn.size === 8), 'sign-extending load of 8 bytes does not exist', index);
      return checkFields(slot((insn.signed ? Mode.MEMSX : Mode.MEM) | sizeCode[insn.size] | Class.LDX,
        insn.dst, insn.src, insn.offset, 0), index);
    case 'st':
      return checkFields(slot(Mode.MEM | sizeCode[insn.size] | Class.ST, insn.dst, 0, insn.offset, insn.imm), index);
    case 'stx':
      return checkFields(slot(Mode.MEM | sizeCode[insn.size] | Class.STX, insn.dst, insn.src, insn.offset, 0), index);
    case 'atomic':
      return checkFields(slot(Mode.ATOMIC | sizeCode[insn.size] | Class.STX, insn.dst, insn.src, insn.offset,
        atomicImm(insn.op, insn.fetch, index)), index);
    case 'ldAbs':
      return checkFields(slot(Mode.ABS | sizeCode[insn.size] | Class.LD, 0, 0, 0, insn.imm), index);
    case 'ldInd':
      return checkFields(slot(Mode.IND | sizeCode[insn.size] | Class.LD, 0, insn.src, 0, insn.imm), index);
  }
}

function atomicImm(op: AtomicOp, fetch: boolean, index: number): number {
  switch (op) {
    case 'add': case 'or': case 'and': case 'xor':
      return AtomicImm[op] | (fetch ? AtomicImm.fetch : 0);
    case 'xchg': case 'cmpxchg':
      check(fetch, `${op} always fetches: set fetch to true`, index);
      return AtomicImm[op];
    case 'loadAcquire': case 'storeRelease':
      check(!fetch, `${op} has no fetch form`, index);
      return AtomicImm[op];
    default:
      throw new EncodeError(`unknown atomic operation ${op}`, index);
  }
}

/** Encoded length in bytes of an instruction sequence. */
export function encodedLength(insns: readonly Instruction[]): number {
  let slots = 0;
  for (const insn of insns) slots += slotCount(insn);
  return slots * SLOT_SIZE;
}

/** Writes one instruction at byte `pos`; returns the position after it. */
export function writeInstruction(view: DataView, pos: number, insn: Instruction, order: ByteOrder, index = 0): number {
  writeSlot(view, pos, toRawSlot(insn, index), order);
  if (insn.kind === 'ldImm64') {
    writeSlot(view, pos + SLOT_SIZE, { opcode: 0, dst: 0, src: 0, offset: 0, imm: insn.nextImm }, order);
    return pos + 2 * SLOT_SIZE;
  }
  return pos + SLOT_SIZE;
}

/** Encodes an instruction sequence; throws EncodeError naming the instruction index. */
export function encodeInstructions(insns: readonly Instruction[], order: ByteOrder = 'le'): Uint8Array {
  const bytes = new Uint8Array(encodedLength(insns));
  const view = new DataView(bytes.buffer);
  let pos = 0;
  for (let i = 0; i < insns.length; i++) pos = writeInstruction(view, pos, insns[i]!, order, i);
  return bytes;
}

export function encodeInstruction(insn: Instruction, order: ByteOrder = 'le'): Uint8Array {
  return encodeInstructions([insn], order);
}
