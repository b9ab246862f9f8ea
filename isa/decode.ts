// Bytes → instruction model, with strict validation: reserved fields set,
// unknown opcodes, bad registers and truncated ld_imm64 are DecodeErrors.

import { DecodeError } from './errors.js';
import type { AluOp, AtomicOp, Instruction, JumpOp, Register, Size, Width } from './instruction.js';
import { ADDR_SPACE_CAST_OFF, AluCode, AtomicImm, Class, JmpCode, LD_IMM64_OPCODE, Mode, SizeCode, SRC_X } from './opcodes.js';
import { type ByteOrder, type RawSlot, readSlot, SLOT_SIZE } from './slot.js';

const aluOps = new Map<number, AluOp>([
  [AluCode.add, 'add'], [AluCode.sub, 'sub'], [AluCode.mul, 'mul'], [AluCode.div, 'div'],
  [AluCode.or, 'or'], [AluCode.and, 'and'], [AluCode.lsh, 'lsh'], [AluCode.rsh, 'rsh'],
  [AluCode.mod, 'mod'], [AluCode.xor, 'xor'], [AluCode.mov, 'mov'], [AluCode.arsh, 'arsh'],
]);

const jumpOps = new Map<number, JumpOp>([
  [JmpCode.jeq, 'jeq'], [JmpCode.jgt, 'jgt'], [JmpCode.jge, 'jge'], [JmpCode.jset, 'jset'],
  [JmpCode.jne, 'jne'], [JmpCode.jsgt, 'jsgt'], [JmpCode.jsge, 'jsge'], [JmpCode.jlt, 'jlt'],
  [JmpCode.jle, 'jle'], [JmpCode.jslt, 'jslt'], [JmpCode.jsle, 'jsle'],
]);

const sizeOf: Record<number, Size> = { [SizeCode.B]: 1, [SizeCode.H]: 2, [SizeCode.W]: 4, [SizeCode.DW]: 8 };

const rmwOps = new Map<number, { op: AtomicOp; fetch: boolean }>([
  [AtomicImm.add, { op: 'add', fetch: false }], [AtomicImm.add | AtomicImm.fetch, { op: 'add', fetch: true }],
  [AtomicImm.or, { op: 'or', fetch: false }], [AtomicImm.or | AtomicImm.fetch, { op: 'or', fetch: true }],
  [AtomicImm.and, { op: 'and', fetch: false }], [AtomicImm.and | AtomicImm.fetch, { op: 'and', fetch: true }],
  [AtomicImm.xor, { op: 'xor', fetch: false }], [AtomicImm.xor | AtomicImm.fetch, { op: 'xor', fetch: true }],
  [AtomicImm.xchg, { op: 'xchg', fetch: true }], [AtomicImm.cmpxchg, { op: 'cmpxchg', fetch: true }],
]);

const hex = (n: number): string => `0x${n.toString(16).padStart(2, '0')}`;

/** Decoding state for one slot, so that checks can name the instruction. */
class SlotReader {
  constructor(readonly raw: RawSlot, readonly index: number, readonly byteOffset: number) {}

  fail(reason: string): never {
    throw new DecodeError(reason, this.index, this.byteOffset);
  }

  unknown(): never {
    this.fail(`unknown opcode ${hex(this.raw.opcode)}`);
  }

  zero(field: 'dst' | 'src' | 'offset' | 'imm'): void {
    const v = this.raw[field];
    if (v !== 0) this.fail(`reserved field ${field} must be 0 (is ${v})`);
  }

  reg(field: 'dst' | 'src'): Register {
    const v = this.raw[field];
    if (v > 10) this.fail(`invalid ${field} register r${v}`);
    return v as Register;
  }
}

function decodeAlu(r: SlotReader, width: Width): Instruction {
  const { opcode, offset, imm } = r.raw;
  const code = opcode & 0xf0;
  const x = (opcode & SRC_X) !== 0;
  const dst = r.reg('dst');
  if (code === AluCode.neg) {
    if (x) r.unknown();
    r.zero('src'); r.zero('offset'); r.zero('imm');
    return { kind: 'neg', width, dst };
  }
  if (code === AluCode.end) {
    if (x && width === 64) r.unknown();
    r.zero('src'); r.zero('offset');
    if (imm !== 16 && imm !== 32 && imm !== 64) r.fail(`invalid byte swap width ${imm}`);
    const order = width === 64 ? 'swap' : x ? 'be' : 'le';
    return { kind: 'endian', order, bits: imm, dst };
  }
  const base = aluOps.get(code);
  if (base === undefined) r.unknown();
  if (x) {
    const src = r.reg('src');
    if (base === 'mov' && offset !== 0) {
      if (width === 64 && offset === ADDR_SPACE_CAST_OFF) {
        return { kind: 'addrSpaceCast', dst, src, dstAddrSpace: imm >>> 16, srcAddrSpace: imm & 0xffff };
      }
      r.zero('imm');
      if (offset === 8 || offset === 16 || (offset === 32 && width === 64)) {
        return { kind: 'movsx', width, dst, src, bits: offset };
      }
      r.fail(`invalid mov offset ${offset}`);
    }
    r.zero('imm');
    return { kind: 'alu', width, op: signedOp(r, base), dst, src: { kind: 'reg', reg: src } };
  }
  r.zero('src');
  return { kind: 'alu', width, op: signedOp(r, base), dst, src: { kind: 'imm', value: imm } };
}

/** div and mod use off=1 for their signed forms; every other ALU op needs off=0. */
function signedOp(r: SlotReader, op: AluOp): AluOp {
  const off = r.raw.offset;
  if (off === 0) return op;
  if (off === 1 && op === 'div') return 'sdiv';
  if (off === 1 && op === 'mod') return 'smod';
  return r.fail(`reserved field offset must be 0 (is ${off})`);
}

function decodeJmp(r: SlotReader, width: Width): Instruction {
  const { opcode, src, offset, imm } = r.raw;
  const code = opcode & 0xf0;
  const x = (opcode & SRC_X) !== 0;
  switch (code) {
    case JmpCode.ja:
      if (x) r.unknown();
      r.zero('dst'); r.zero('src');
      if (width === 64) { r.zero('imm'); return { kind: 'ja', offset }; }
      r.zero('offset');
      return { kind: 'gotol', imm };
    case JmpCode.call:
      if (width === 32) r.unknown();
      if (x) { r.zero('src'); r.zero('offset'); r.zero('imm'); return { kind: 'callx', dst: r.reg('dst') }; }
      r.zero('dst');
      if (src > 2) r.fail(`invalid call source ${src}`);
      if (src !== 2) r.zero('offset');
      return { kind: 'call', callee: src === 0 ? 'helper' : src === 1 ? 'local' : 'kfunc', imm, offset };
    case JmpCode.exit:
      if (width === 32 || x) r.unknown();
      r.zero('dst'); r.zero('src'); r.zero('offset'); r.zero('imm');
      return { kind: 'exit' };
    case JmpCode.jcond:
      if (width === 32 || x) r.unknown();
      r.zero('dst'); r.zero('src'); r.zero('imm');
      return { kind: 'mayGoto', offset };
  }
  const op = jumpOps.get(code);
  if (op === undefined) r.unknown();
  const dst = r.reg('dst');
  if (x) {
    r.zero('imm');
    return { kind: 'jump', width, op, dst, src: { kind: 'reg', reg: r.reg('src') }, offset };
  }
  r.zero('src');
  return { kind: 'jump', width, op, dst, src: { kind: 'imm', value: imm }, offset };
}

function decodeLd(r: SlotReader, next: RawSlot | undefined): Instruction {
  const { opcode } = r.raw;
  const mode = opcode & 0xe0;
  const size = sizeOf[opcode & 0x18]!;
  if (opcode === LD_IMM64_OPCODE) {
    const dst = r.reg('dst');
    r.zero('offset');
    if (r.raw.src > 6) r.fail(`invalid ld_imm64 pseudo source ${r.raw.src}`);
    if (next === undefined) r.fail('truncated ld_imm64: the second slot is missing');
    if (next.opcode !== 0 || next.dst !== 0 || next.src !== 0 || next.offset !== 0) {
      r.fail('ld_imm64 second slot must have opcode, registers and offset 0');
    }
    return { kind: 'ldImm64', dst, pseudo: r.raw.src as 0, imm: r.raw.imm, nextImm: next.imm };
  }
  if ((mode !== Mode.ABS && mode !== Mode.IND) || size === 8) r.unknown();
  r.zero('dst'); r.zero('offset');
  if (mode === Mode.ABS) { r.zero('src'); return { kind: 'ldAbs', size, imm: r.raw.imm }; }
  return { kind: 'ldInd', size, src: r.reg('src'), imm: r.raw.imm };
}

function decodeMem(r: SlotReader, cls: number): Instruction {
  const { opcode, offset, imm } = r.raw;
  const mode = opcode & 0xe0;
  const size = sizeOf[opcode & 0x18]!;
  if (cls === Class.LDX) {
    if (mode !== Mode.MEM && !(mode === Mode.MEMSX && size !== 8)) r.unknown();
    r.zero('imm');
    return { kind: 'ldx', size, signed: mode === Mode.MEMSX, dst: r.reg('dst'), src: r.reg('src'), offset };
  }
  if (cls === Class.ST) {
    if (mode !== Mode.MEM) r.unknown();
    r.zero('src');
    return { kind: 'st', size, dst: r.reg('dst'), offset, imm };
  }
  if (mode === Mode.MEM) {
    r.zero('imm');
    return { kind: 'stx', size, dst: r.reg('dst'), src: r.reg('src'), offset };
  }
  if (mode !== Mode.ATOMIC) r.unknown();
  const dst = r.reg('dst');
  const src = r.reg('src');
  if (imm === AtomicImm.loadAcquire) return { kind: 'atomic', size, op: 'loadAcquire', fetch: false, dst, src, offset };
  if (imm === AtomicImm.storeRelease) return { kind: 'atomic', size, op: 'storeRelease', fetch: false, dst, src, offset };
  const rmw = rmwOps.get(imm);
  if (rmw === undefined) r.fail(`invalid atomic operation ${hex(imm)}`);
  if (size !== 4 && size !== 8) r.fail(`invalid atomic operand size ${size}`);
  return { kind: 'atomic', size, op: rmw.op, fetch: rmw.fetch, dst, src, offset };
}

/**
 * Decodes the instruction at slot `index` (byte offset index*8 + base) given
 * its raw slot and, for ld_imm64, the following slot.
 */
export function decodeRawSlot(raw: RawSlot, next: RawSlot | undefined, index: number, byteOffset: number): Instruction {
  const r = new SlotReader(raw, index, byteOffset);
  const cls = raw.opcode & 0x07;
  switch (cls) {
    case Class.ALU: return decodeAlu(r, 32);
    case Class.ALU64: return decodeAlu(r, 64);
    case Class.JMP: return decodeJmp(r, 64);
    case Class.JMP32: return decodeJmp(r, 32);
    case Class.LD: return decodeLd(r, next);
    default: return decodeMem(r, cls);
  }
}

export interface DecodeOptions {
  byteOrder?: ByteOrder;
}

/**
 * Decodes a whole instruction buffer. Throws DecodeError naming the slot
 * index and byte offset of the first invalid instruction.
 */
export function decodeInstructions(bytes: Uint8Array, options: DecodeOptions = {}): Instruction[] {
  const order = options.byteOrder ?? 'le';
  if (bytes.length % SLOT_SIZE !== 0) {
    throw new DecodeError(`length ${bytes.length} is not a multiple of 8`, Math.floor(bytes.length / SLOT_SIZE),
      bytes.length - (bytes.length % SLOT_SIZE));
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Instruction[] = [];
  const slots = bytes.length / SLOT_SIZE;
  for (let i = 0; i < slots; i++) {
    const raw = readSlot(view, i * SLOT_SIZE, order);
    const next = raw.opcode === LD_IMM64_OPCODE && i + 1 < slots ? readSlot(view, (i + 1) * SLOT_SIZE, order) : undefined;
    const insn = decodeRawSlot(raw, next, i, i * SLOT_SIZE);
    out.push(insn);
    if (insn.kind === 'ldImm64') i++;
  }
  return out;
}
