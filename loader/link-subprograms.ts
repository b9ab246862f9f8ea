// bpf-to-bpf linking: an entry program followed by the .text subprograms it reaches, appended in
// the order libbpf appends them (depth-first, at the first call or function-address load that
// needs each), with call and ld_imm64 offsets rewritten and func_info/line_info carried along.
// The result is raw instructions plus the references still to be relocated.

import { encodeInstructions, type Instruction } from '../isa/index.js';
import type { BpfObject, BpfProgram, InsnReference } from '../elf/index.js';
import type { FuncInfoRecord, LineInfoRecord } from './program-load.js';
import { TsbpfError } from '../isa/index.js';

export class SubprogramLinkError extends TsbpfError {
  override readonly name = 'SubprogramLinkError';
}

export interface LinkedProgram {
  readonly entry: BpfProgram;
  /** Entry first, then each appended subprogram with its first slot. */
  readonly parts: readonly { readonly program: BpfProgram; readonly start: number }[];
  /** Instruction bytes (8 per slot, little-endian), calls already resolved. */
  readonly insns: Uint8Array;
  readonly funcInfo: readonly FuncInfoRecord[];
  readonly lineInfo: readonly LineInfoRecord[];
  /** References left for relocate.ts: maps, globals, externs, kfuncs — by slot. */
  readonly references: readonly { readonly slot: number; readonly ref: InsnReference; readonly insn: Instruction }[];
}

const slotsOf = (insn: Instruction): number => (insn.kind === 'ldImm64' ? 2 : 1);

/** Where each program starts (in slots) inside its section; programs tile sections in order. */
export function sectionStarts(object: BpfObject): Map<BpfProgram, number> {
  const next = new Map<string, number>();
  const starts = new Map<BpfProgram, number>();
  for (const p of object.programs) {
    const s = next.get(p.section) ?? 0;
    starts.set(p, s);
    next.set(p.section, s + p.instructions.reduce((n, i) => n + slotsOf(i.insn), 0));
  }
  return starts;
}

function writeImm(bytes: Uint8Array, slot: number, imm: number): void {
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setInt32(slot * 8 + 4, imm, true);
}

function setPseudoFunc(bytes: Uint8Array, slot: number): void {
  bytes[slot * 8 + 1] = (bytes[slot * 8 + 1]! & 0x0f) | (4 << 4);
}

export function linkProgram(object: BpfObject, entry: BpfProgram, starts = sectionStarts(object)): LinkedProgram {
  const text = object.programs.filter((p) => p.section === '.text');
  const textAt = (slot: number, from: string): BpfProgram => {
    const p = text.find((q) => starts.get(q) === slot);
    if (p === undefined) throw new SubprogramLinkError(`${from}: no .text function starts at instruction ${slot}`);
    return p;
  };
  const chunks: Uint8Array[] = [];
  const parts: { program: BpfProgram; start: number }[] = [];
  const placed = new Map<BpfProgram, number>();
  const funcInfo: FuncInfoRecord[] = [];
  const lineInfo: LineInfoRecord[] = [];
  const references: { slot: number; ref: InsnReference; insn: Instruction }[] = [];
  let total = 0;

  const append = (program: BpfProgram): number => {
    const start = total;
    placed.set(program, start);
    parts.push({ program, start });
    const bytes = encodeInstructions(program.instructions.map((i) => i.insn), 'le');
    chunks.push(bytes);
    total += bytes.length / 8;
    if (program.funcInfo !== undefined) funcInfo.push({ insnOff: start, typeId: program.funcInfo });
    let slot = 0;
    for (const bi of program.instructions) {
      const l = bi.lineInfo;
      if (l !== undefined) lineInfo.push({ insnOff: start + slot, fileNameOff: l.fileNameOffset, lineOff: l.lineOffset, lineCol: (l.line << 10) | l.column });
      slot += slotsOf(bi.insn);
    }
    // Resolve this program's calls, appending callees depth-first.
    slot = 0;
    for (const bi of program.instructions) {
      const insn = bi.insn;
      const here = start + slot;
      const ref = bi.reference;
      const where = `${program.name}+${slot}`;
      const isLocalCall = insn.kind === 'call' && insn.callee === 'local' && ref?.kind !== 'kfunc';
      // clang emits a function address as a plain ld_imm64 relocated against .text (or a .text
      // function); libbpf turns it into BPF_PSEUDO_FUNC.
      const rel0 = bi.relocation;
      const isFuncAddr = insn.kind === 'ldImm64' && (insn.pseudo === 4 ||
        (rel0 !== undefined && (rel0.sectionSymbol ? rel0.symbol === '.text' : text.some((p) => p.name === rel0.symbol))));
      if (isLocalCall || isFuncAddr) {
        let target: number;
        const rel = bi.relocation;
        const own = starts.get(program)!;
        if (rel !== undefined) {
          // Against a section symbol the immediate carries the position; against a function symbol
          // its start plus the immediate (-1 for calls, as clang emits).
          const base = rel.sectionSymbol ? 0 : starts.get(text.find((p) => p.name === rel.symbol) ?? textAt(-1, where))!;
          target = isLocalCall ? base + insn.imm + 1 : base + Math.trunc(insn.imm / 8);
        } else {
          if (program.section !== '.text') throw new SubprogramLinkError(`${where}: call without relocation outside .text`);
          target = own + slot + insn.imm + 1;
        }
        const callee = textAt(target, where);
        const at = placed.get(callee) ?? append(callee);
        // Patch in the chunk holding this program (chunks are kept per program).
        const idx = parts.findIndex((p) => p.program === program);
        writeImm(chunks[idx]!, slot, at - here - 1);
        if (isFuncAddr) setPseudoFunc(chunks[idx]!, slot);
      } else if (ref !== undefined && ref.kind !== 'subprogram') {
        references.push({ slot: here, ref, insn });
      }
      slot += slotsOf(insn);
    }
    return start;
  };

  append(entry);
  const insns = new Uint8Array(total * 8);
  let off = 0;
  for (const c of chunks) { insns.set(c, off); off += c.length; }
  return { entry, parts, insns, funcInfo, lineInfo, references };
}
