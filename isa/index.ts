// Public surface of tsbpf/isa: the instruction model, its codec, and the
// assembly syntaxes of instructions (LLVM's and the conformance suite's).
// Assembling a whole LLVM source into an object (sections, symbols,
// relocations) is tsbpf/elf's assembleLlvm.

export * from './instruction.js';
export * from './errors.js';
export { QUOTE_MAX, escapeControls, shown } from './quote-source.js';
export * from './opcodes.js';
export { ByteRangeError, ByteReader, ByteWriter } from './bytes.js';
export { type ByteOrder, type RawSlot, SLOT_SIZE, readSlot, writeSlot, writeSlotFields } from './slot.js';
export { encodeInstruction, encodeInstructions, encodedLength, toRawSlot, writeInstruction } from './encode.js';
export { decodeInstructions, decodeRawSlot, type DecodeOptions } from './decode.js';
export { assembleUbpf, formatUbpf, formatUbpfProgram, parseConformanceData, ubpfUnsupportedReason, type ConformanceData, type UbpfAssembleOptions } from './ubpf/index.js';
export { formatAsmLlvm, llvmExpressible } from './asm-format.js';
export {
  formatInstructionLlvm, formatInstructionKernel,
  type KernelFormatOptions, KERNEL_HELPER_NAMES, llvmSectionListing, llvmInstructionLines, llvmSlotText, llvmBranchSlots,
  orderListingSymbols, type ListingNote, type ListingRelocation, type ListingSymbol, type SectionListingInput, TextBuffer,
} from './disasm/index.js';
