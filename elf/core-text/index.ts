// The text llvm-objdump prints for CO-RE relocation records (`disasm -r`).

export { type CoreRecordText, describeCoreRecord } from './describe.js';
export { type CoreRelocationNote, type CoreRelocationNotes, coreRelocationNotes } from './notes.js';
