// Single instructions of the typed model in llvm-objdump-19's spelling, and a
// variant that llvm-mc-19 assembles back to the same bytes.

import { encodeInstruction, toRawSlot } from '../encode.js';
import type { Instruction } from '../instruction.js';
import type { ByteOrder } from '../slot.js';
import { llvmSlotText } from './llvm-text.js';

/**
 * The instruction text exactly as `llvm-objdump-19 -d --mcpu=v4` prints it,
 * without the ` <symbol+offset>` target annotation it adds to branches in a
 * listing. Forms LLVM 19 does not decode print as `<unknown>` (load-acquire
 * and store-release of 1 and 2 bytes, store-release of 4 and 8), and
 * load-acquire of 4 and 8 bytes prints as LLVM 19 misreads it,
 * `lock *(u64 *)(r1 + 0x0) += r2`.
 */
export function formatInstructionLlvm(insn: Instruction): string {
  const raw = toRawSlot(insn);
  const next = insn.kind === 'ldImm64' ? insn.nextImm : 0;
  return llvmSlotText(raw.opcode, raw.dst, raw.src, raw.offset, raw.imm, next) ?? '<unknown>';
}

/**
 * Why objdump's text of this instruction does not assemble back to the same
 * bytes with llvm-mc-19, or null when it does.
 */
export function llvmAsmUnsupported(insn: Instruction): string | null {
  switch (insn.kind) {
    case 'call':
      if (insn.callee === 'local') return 'objdump prints a local call as `call IMM`, which assembles as a helper call';
      if (insn.callee === 'kfunc') return 'LLVM 19 has no syntax for kfunc calls';
      return null;
    case 'gotol':
      return insn.imm >= -0x8000 && insn.imm <= 0x7fff ? null : 'llvm-mc-19 accepts 16-bit gotol literals only';
    case 'ldInd':
      return insn.imm === 0 ? null : 'LLVM 19 writes `skb[rN]` with imm 0 only';
    case 'ldImm64':
      // llvm-mc-19 encodes only the low 32 bits of ld_pseudo's operand.
      return insn.pseudo === 0 || insn.nextImm === 0 ? null : 'ld_pseudo cannot set the second immediate';
    case 'atomic':
      return insn.op === 'loadAcquire' || insn.op === 'storeRelease' ? 'load-acquire/store-release came after LLVM 19' : null;
    default:
      return null;
  }
}

export interface LlvmAsmOptions {
  /** Byte order of the `.byte` fallback; default 'le'. */
  readonly byteOrder?: ByteOrder;
}

/**
 * LLVM assembly of one instruction that llvm-mc-19 re-assembles to the same
 * bytes: objdump's spelling where that round-trips, otherwise a `.byte`
 * directive holding the encoding (see `llvmAsmUnsupported`).
 */
export function formatInstructionLlvmAsm(insn: Instruction, options: LlvmAsmOptions = {}): string {
  if (llvmAsmUnsupported(insn) === null) return formatInstructionLlvm(insn);
  const bytes = encodeInstruction(insn, options.byteOrder ?? 'le');
  return `.byte ${Array.from(bytes, (b) => `0x${b.toString(16).padStart(2, '0')}`).join(', ')}`;
}
