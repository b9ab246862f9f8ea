// The raw 8-byte instruction slot and its byte-order-aware reader and writer.

export type ByteOrder = 'le' | 'be';

/** One 8-byte slot with its fields as numbers (off and imm signed). */
export interface RawSlot {
  opcode: number;
  dst: number;
  src: number;
  offset: number;
  imm: number;
}

export const SLOT_SIZE = 8;

/**
 * Reads the slot at byte `pos`. In big-endian objects the register byte holds
 * dst in its high nibble (the C bitfield order flips with the byte order).
 */
export function readSlot(view: DataView, pos: number, order: ByteOrder): RawSlot {
  const regs = view.getUint8(pos + 1);
  const le = order === 'le';
  return {
    opcode: view.getUint8(pos),
    dst: le ? regs & 0x0f : regs >> 4,
    src: le ? regs >> 4 : regs & 0x0f,
    offset: view.getInt16(pos + 2, le),
    imm: view.getInt32(pos + 4, le),
  };
}

export function writeSlot(view: DataView, pos: number, slot: RawSlot, order: ByteOrder): void {
  const le = order === 'le';
  view.setUint8(pos, slot.opcode);
  view.setUint8(pos + 1, le ? (slot.src << 4) | slot.dst : (slot.dst << 4) | slot.src);
  view.setInt16(pos + 2, slot.offset, le);
  view.setInt32(pos + 4, slot.imm, le);
}

/**
 * Writes one slot from its fields straight into a byte array (the layout of
 * writeSlot, without a RawSlot object or a DataView): for encoders that
 * produce many slots. off and imm may be given signed or unsigned.
 */
export function writeSlotFields(
  buf: Uint8Array, pos: number, opcode: number, dst: number, src: number, offset: number, imm: number, le: boolean,
): void {
  buf[pos] = opcode;
  if (le) {
    buf[pos + 1] = (src << 4) | dst;
    buf[pos + 2] = offset;
    buf[pos + 3] = offset >> 8;
    buf[pos + 4] = imm;
    buf[pos + 5] = imm >> 8;
    buf[pos + 6] = imm >> 16;
    buf[pos + 7] = imm >> 24;
  } else {
    buf[pos + 1] = (dst << 4) | src;
    buf[pos + 2] = offset >> 8;
    buf[pos + 3] = offset;
    buf[pos + 4] = imm >> 24;
    buf[pos + 5] = imm >> 16;
    buf[pos + 6] = imm >> 8;
    buf[pos + 7] = imm;
  }
}
