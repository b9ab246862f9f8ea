// `tsbpf asm`: assembly text → relocatable ELF object, raw bytecode or hex.

import { assembleLlvm, type RelocatableObject, writeElf } from '../../elf/index.js';
import { type ByteOrder, type Instruction, assembleUbpf, encodeInstructions, parseConformanceData } from '../../isa/index.js';
import { UsageError } from '../cli/usage-error.js';

export type AsmSyntax = 'llvm' | 'ubpf';
export type AsmOutputFormat = 'elf' | 'raw' | 'hex';

export interface AsmOptions {
  syntax?: AsmSyntax;
  format?: AsmOutputFormat;
  byteOrder?: ByteOrder;
  /** The source's bytes when they are all ASCII (the LLVM assembler then scans them, not the string). */
  asciiBytes?: Uint8Array;
}

const DETECT_BYTES = 64 * 1024;

/** A `-- asm` / `-- raw` section header of a conformance `.data` file. */
const DATA_HEADER = /^[ \t]*--[ \t]*(asm|raw)\b/m;
/** A line in uBPF syntax: a lower-case mnemonic, then operands naming a `%rN` register. */
const UBPF_LINE = /^[ \t]*[a-z][a-z0-9]*[ \t]+[^=#]*%r\d/;
/** A line only LLVM syntax writes: an assignment to a register, a directive, or if/goto/lock/a store. */
const LLVM_LINE = /^[ \t]*(?:\.[A-Za-z_]|(?:if|goto|gotol|may_goto|lock)\b|\*|[rw]\d+[ \t]*[^ \t\w]*=)/;

/**
 * The conformance suite's files (`-- asm` sections, `%rN` registers) are uBPF
 * syntax. Otherwise the lines of the file's head vote: a file is uBPF only when
 * more of its lines read as uBPF than as LLVM syntax, so that one stray `%r1`
 * in an LLVM file is reported where it is, not taken as the file's syntax.
 */
export function detectSyntax(source: string, file: string): AsmSyntax {
  // The head of the file decides; scanning megabytes of assembly is wasted work.
  const head = source.length > DETECT_BYTES ? source.slice(0, DETECT_BYTES) : source;
  if (file.endsWith('.data') || DATA_HEADER.test(head)) return 'ubpf';
  if (!head.includes('%r')) return 'llvm';
  let votes = 0;
  for (const line of head.split('\n')) {
    if (UBPF_LINE.test(line)) votes++;
    else if (LLVM_LINE.test(line)) votes--;
  }
  return votes > 0 ? 'ubpf' : 'llvm';
}

function ubpfObject(insns: Instruction[], byteOrder: ByteOrder): RelocatableObject {
  const data = encodeInstructions(insns, byteOrder);
  return {
    byteOrder,
    sections: [{ name: '.text', type: 'progbits', flags: { alloc: true, write: false, exec: true }, align: 8, data, size: data.length, relocations: [] }],
    symbols: [],
  };
}

function assembleUbpfSource(source: string, file: string): Instruction[] {
  if (!/^[ \t]*--[ \t]*\w/m.test(source)) return assembleUbpf(source, file);
  const parsed = parseConformanceData(source, file);
  if (parsed.asm === undefined) throw new UsageError(`${file}: conformance file has no -- asm section`);
  // Error lines count from the top of the whole file.
  return assembleUbpf(parsed.asm.text, file, { firstLine: parsed.asm.line });
}

function hexLines(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += 8) {
    lines.push(Array.from(bytes.subarray(i, i + 8), (b) => b.toString(16).padStart(2, '0')).join(' '));
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

/** The executable section of an object as bare bytecode; relocations cannot be kept in that form. */
function bareCode(obj: RelocatableObject, file: string): Uint8Array {
  const code = obj.sections.filter((s) => s.flags.exec && s.size > 0);
  if (code.length !== 1) {
    throw new UsageError(`${file}: raw output needs exactly one non-empty code section, found ${code.length}`);
  }
  const sec = code[0]!;
  if (sec.relocations.length > 0) {
    throw new UsageError(`${file}: raw output cannot hold the ${sec.relocations.length} relocation(s) of ${sec.name}; use --format elf`);
  }
  return sec.data;
}

export function assembleSource(source: string, file: string, options: AsmOptions = {}): Uint8Array | string {
  const syntax = options.syntax ?? detectSyntax(source, file);
  const byteOrder = options.byteOrder ?? 'le';
  const obj = syntax === 'llvm' ? assembleLlvm(source, file, { byteOrder, asciiBytes: options.asciiBytes }) : ubpfObject(assembleUbpfSource(source, file), byteOrder);
  switch (options.format ?? 'elf') {
    case 'elf': return writeElf(obj);
    case 'raw': return bareCode(obj, file);
    case 'hex': return hexLines(bareCode(obj, file));
  }
}
