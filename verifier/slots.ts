// The program as the kernel sees it: an array of raw 8-byte slots, with no
// validation beyond the field widths of struct bpf_insn.

import { type ByteOrder, type RawSlot, readSlot, SLOT_SIZE } from '../isa/index.js';
import { Class, JmpCode, LD_IMM64_OPCODE, SRC_X } from '../isa/index.js';

/** Raw slots of a program: its bytes (a multiple of 8) or already-split slots. */
export type ProgramInput = Uint8Array | readonly RawSlot[];

function checkField(value: number, min: number, max: number, name: string, index: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`slot ${index}: ${name} ${value} does not fit struct bpf_insn (${min}..${max})`);
  }
}

/**
 * Normalises the input to raw slots. Bytes are read in `order` (the kernel
 * reads host order; BPF hosts are little-endian unless stated otherwise).
 */
export function toRawSlots(input: ProgramInput, order: ByteOrder = 'le'): readonly RawSlot[] {
  if (input instanceof Uint8Array) {
    if (input.length % SLOT_SIZE !== 0) {
      throw new RangeError(`program length ${input.length} is not a multiple of ${SLOT_SIZE} bytes`);
    }
    const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
    const slots: RawSlot[] = [];
    for (let pos = 0; pos < input.length; pos += SLOT_SIZE) slots.push(readSlot(view, pos, order));
    return slots;
  }
  input.forEach((s, i) => {
    checkField(s.opcode, 0, 0xff, 'opcode', i);
    checkField(s.dst, 0, 15, 'dst', i);
    checkField(s.src, 0, 15, 'src', i);
    checkField(s.offset, -0x8000, 0x7fff, 'offset', i);
    checkField(s.imm, -0x80000000, 0x7fffffff, 'imm', i);
  });
  return input;
}

export const classOf = (opcode: number): number => opcode & 0x07;
export const opOf = (opcode: number): number => opcode & 0xf0;
export const modeOf = (opcode: number): number => opcode & 0xe0;
export const sizeBitsOf = (opcode: number): number => opcode & 0x18;
export const usesSrcReg = (opcode: number): boolean => (opcode & SRC_X) !== 0;

export const isJumpClass = (opcode: number): boolean =>
  classOf(opcode) === Class.JMP || classOf(opcode) === Class.JMP32;

export const isLdImm64 = (slot: RawSlot): boolean => slot.opcode === LD_IMM64_OPCODE;

/** `call` with src_reg BPF_PSEUDO_CALL, whatever its other fields (the kernel looks at these two only). */
export const isLocalCall = (slot: RawSlot): boolean => slot.opcode === (Class.JMP | JmpCode.call) && slot.src === 1;

/** `call` with src_reg BPF_PSEUDO_KFUNC_CALL. */
export const isKfuncCall = (slot: RawSlot): boolean => slot.opcode === (Class.JMP | JmpCode.call) && slot.src === 2;

/** ld_imm64 with src_reg BPF_PSEUDO_FUNC: the address of a subprogram. */
export const isFunctionReference = (slot: RawSlot): boolean => isLdImm64(slot) && slot.src === 4;

export const hex2 = (n: number): string => (n >>> 0).toString(16).padStart(2, '0');
