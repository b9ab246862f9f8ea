// Disassembly: llvm-objdump-19's text and listing layout, and the kernel's
// verifier-log text.

export { formatInstructionLlvm } from './llvm-format.js';
export { llvmSlotText, llvmBranchSlots } from './llvm-text.js';
export {
  llvmSectionListing, llvmInstructionLines, orderListingSymbols,
  type ListingNote, type ListingRelocation, type ListingSymbol, type SectionListingInput,
} from './listing.js';
export { formatInstructionKernel, type KernelFormatOptions } from './kernel.js';
export { KERNEL_HELPER_NAMES } from './kernel-helpers.js';
export { TextBuffer } from './text-buffer.js';
