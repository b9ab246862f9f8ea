// Sections under assembly: a growing byte buffer, the fixups to patch or turn
// into relocations once every label is known, and the ELF attributes.

import type { AsmRelocation } from '../asm-object.js';
import type { SymExpr } from './expressions.js';

/** What a fixup patches, named after the LLVM fixup kinds the BPF backend uses. */
export const FIX = {
  /** FK_PCRel_2: 16-bit slot offset in the `off` field (jump targets, and any other symbolic imm32 operand). */
  PCREL16: 0,
  /** FK_PCRel_4 of `call sym`: pc-relative slot count in imm, src_reg = 1; relocatable (R_BPF_64_32). */
  CALL: 1,
  /** FK_BPF_PCRel_4 of `gotol sym`: pc-relative slot count in imm; same section only. */
  GOTOL: 2,
  /** FK_SecRel_8 of `rN = sym ll`: always a relocation (R_BPF_64_64) with the addend in imm. */
  LDIMM64: 3,
  /** FK_Data_8: `.quad sym` (R_BPF_64_ABS64). */
  DATA8: 4,
  /** FK_Data_4: `.long sym` (R_BPF_64_ABS32 or R_BPF_64_NODYLD32). */
  DATA4: 5,
  /** `.short`/`.byte` of a label difference (no relocation exists for them). */
  DATA2: 6,
  DATA1: 7,
  /** A symbol in an imm32 operand: llvm-mc still makes it FK_PCRel_2 (the `off` field), as PCREL16. */
  IMM16: 8,
} as const;

export interface Fixup {
  readonly kind: number;
  /** Byte offset of the instruction or datum in its section. */
  readonly offset: number;
  readonly expr: SymExpr;
  /** Source offset of the operand, for error messages. */
  readonly pos: number;
}

export class Section {
  buf: Uint8Array;
  view: DataView;
  /** Bytes used (for nobits sections: the size). */
  len = 0;
  align: number;
  readonly fixups: Fixup[] = [];
  readonly relocations: AsmRelocation[] = [];
  /** Index among the object's sections, in order of creation. */
  readonly index: number;

  constructor(
    readonly name: string,
    public type: 'progbits' | 'nobits',
    public alloc: boolean,
    public write: boolean,
    public exec: boolean,
    /** SHF_MERGE (kept for relocation decisions; the object model has no field for it). */
    public merge: boolean,
    index: number,
    align = 1,
  ) {
    this.index = index;
    this.align = align;
    this.buf = new Uint8Array(type === 'nobits' ? 0 : 256);
    this.view = new DataView(this.buf.buffer);
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    const need = this.len + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const nb = new Uint8Array(size);
    nb.set(this.buf.subarray(0, this.len));
    this.buf = nb;
    this.view = new DataView(nb.buffer);
  }

  /** Appends `count` copies of byte `value`. */
  fill(count: number, value: number): void {
    if (this.type === 'nobits') { this.len += count; return; }
    this.ensure(count);
    if (value !== 0) this.buf.fill(value, this.len, this.len + count);
    this.len += count;
  }

  bytes(): Uint8Array {
    return this.type === 'nobits' ? new Uint8Array(0) : this.buf.slice(0, this.len);
  }
}
