// Single instructions of the typed model in llvm-objdump-19's spelling.

import { toRawSlot } from '../encode.js';
import type { Instruction } from '../instruction.js';
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
