// `tsbpf disasm`: an ELF object or bare bytecode → text. The LLVM format is
// byte-identical to `llvm-objdump-19 -d [-r] --mcpu=v4 FILE`; the kernel
// format prints `N: (op) text` lines as the verifier log does.

import {
  coreRelocationNotes, type ElfFile, type ElfSectionHeader, EM_BPF, ElfError, isElf, readElf, SHF, SHT, STT,
} from '../../elf/reading.js';
import {
  type ByteOrder, DecodeError, decodeInstructions, formatInstructionKernel, type ListingRelocation, type ListingSymbol,
  llvmInstructionLines, llvmSectionListing, slotCount, TextBuffer,
} from '../../isa/index.js';

export interface DisasmOptions {
  /**
   * Print relocation lines after the instructions they patch (objdump `-r`):
   * the CO-RE relocation record of .BTF.ext at an instruction, then its ELF
   * relocations.
   */
  relocations?: boolean;
  /** Called with a one-line message when .BTF or .BTF.ext does not decode (the listing then has no CO-RE lines). */
  onWarning?: (message: string) => void;
  format?: 'llvm' | 'kernel';
  /**
   * Sections to print (objdump `-j`): named sections are printed whatever
   * their flags, in file order; names that match nothing are ignored (objdump
   * only warns). Without it, every executable section with content.
   */
  sections?: string[];
  /** Byte order of bare bytecode (ELF objects carry their own); default 'le'. */
  byteOrder?: ByteOrder;
}

function selectedSections(elf: ElfFile, names: readonly string[] | undefined): ElfSectionHeader[] {
  const wanted = names === undefined ? undefined : new Set(names);
  return elf.sections.filter((s) => {
    if (s.index === 0 || s.size === 0) return false;
    if (wanted !== undefined) return wanted.has(s.name);
    return (s.flags & SHF.EXECINSTR) !== 0 && s.type !== SHT.NOBITS;
  });
}

/** objdump's symbols for a section: defined in it, named, neither STT_SECTION nor STT_FILE. */
function sectionSymbols(elf: ElfFile, section: ElfSectionHeader): ListingSymbol[] {
  const isText = (section.flags & SHF.EXECINSTR) !== 0;
  const out: ListingSymbol[] = [];
  for (const sym of elf.symbols) {
    if (sym.index === 0 || sym.shndx !== section.index || sym.name === '') continue;
    if (sym.type === STT.section || sym.type === STT.file) continue;
    // objdump takes an STT_COMMON symbol's value for an alignment: it sits at 0.
    const common = sym.type === STT_COMMON;
    out.push({ name: sym.name, address: common ? 0 : sym.value, isData: isText && (sym.type === STT.object || common) });
  }
  return out;
}

const STT_COMMON = 5;

function sectionRelocations(elf: ElfFile, section: ElfSectionHeader): ListingRelocation[] {
  const list = elf.relocations.get(section.index) ?? [];
  return list.map((r) => {
    const sym = elf.symbols[r.symbol];
    let name = '';
    if (r.symbol === 0 || sym === undefined) name = '*ABS*';
    else if (sym.type === STT.section) name = elf.sections[sym.shndx]?.name ?? '';
    else name = sym.name;
    return { offset: r.offset, type: r.typeName ?? 'Unknown', symbol: name };
  });
}

function llvmElf(elf: ElfFile, fileName: string, options: DisasmOptions): TextBuffer {
  const sections = selectedSections(elf, options.sections);
  // About 7 bytes of text per byte of code; the buffer grows if that is short.
  const out = new TextBuffer(sections.reduce((n, s) => n + s.data.length * 7, 4096));
  out.text(`\n${fileName}:\tfile format elf64-bpf\n`);
  let notes;
  if (options.relocations === true) {
    const core = coreRelocationNotes(elf);
    if (core.warning !== undefined) options.onWarning?.(core.warning);
    notes = core.notes;
  }
  for (const section of sections) {
    out.text(`\nDisassembly of section ${section.name}:\n`);
    const nobits = section.type === SHT.NOBITS;
    llvmSectionListing({
      name: section.name,
      bytes: section.data,
      byteOrder: elf.byteOrder,
      symbols: sectionSymbols(elf, section),
      relocations: options.relocations === true && !nobits ? sectionRelocations(elf, section) : undefined,
      notes: nobits ? undefined : notes?.get(section.index),
      nobitsSize: nobits ? section.size : undefined,
    }, out);
  }
  return out;
}

function kernelLines(bytes: Uint8Array, byteOrder: ByteOrder, out: string[], where?: string): void {
  let insns;
  try {
    insns = decodeInstructions(bytes, { byteOrder });
  } catch (e) {
    if (e instanceof DecodeError && where !== undefined) throw new DecodeError(`${where}: ${e.reason}`, e.index, e.byteOffset);
    throw e;
  }
  let index = 0;
  for (const insn of insns) {
    out.push(formatInstructionKernel(insn, index));
    index += slotCount(insn);
  }
}

function kernelElf(elf: ElfFile, options: DisasmOptions): string {
  const out: string[] = [];
  for (const section of selectedSections(elf, options.sections)) {
    if (section.type === SHT.NOBITS) continue;
    if (out.length > 0) out.push('');
    out.push(`${section.name}:`);
    kernelLines(section.data, elf.byteOrder, out, `section ${section.name}`);
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

function render(bytes: Uint8Array, fileName: string, options: DisasmOptions): TextBuffer | string {
  const format = options.format ?? 'llvm';
  if (isElf(bytes)) {
    const elf = readElf(bytes);
    if (elf.machine !== EM_BPF) throw new ElfError(`machine ${elf.machine} is not BPF (${EM_BPF})`, 18);
    return format === 'kernel' ? kernelElf(elf, options) : llvmElf(elf, fileName, options);
  }
  if (bytes.length % 8 !== 0) {
    throw new DecodeError(`length ${bytes.length} is not a multiple of 8`, Math.floor(bytes.length / 8), bytes.length - (bytes.length % 8));
  }
  if (format === 'kernel') {
    const out: string[] = [];
    kernelLines(bytes, options.byteOrder ?? 'le', out);
    return out.length === 0 ? '' : `${out.join('\n')}\n`;
  }
  const out = new TextBuffer(bytes.length * 7 + 64);
  llvmInstructionLines(bytes, options.byteOrder ?? 'le', out);
  return out;
}

/**
 * Disassembles an ELF object (as llvm-objdump-19 would) or bare bytecode
 * (instruction lines only). Throws ElfError for a malformed or non-BPF
 * object and DecodeError for bytecode that is not whole slots, or, in the
 * kernel format, for an invalid instruction.
 */
export function disassembleFile(bytes: Uint8Array, fileName: string, options: DisasmOptions = {}): string {
  const out = render(bytes, fileName, options);
  return typeof out === 'string' ? out : out.toString();
}

/**
 * As disassembleFile, returning the text UTF-8 encoded: for writing a large
 * listing to a file or stdout without building (and re-encoding) a string.
 */
export function disassembleFileBytes(bytes: Uint8Array, fileName: string, options: DisasmOptions = {}): Uint8Array {
  const out = render(bytes, fileName, options);
  return typeof out === 'string' ? new TextEncoder().encode(out) : out.bytes();
}
