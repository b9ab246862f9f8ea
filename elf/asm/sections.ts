// Sections under assembly: a growing byte buffer, the fixups to patch or turn
// into relocations once every label is known, and the ELF attributes.

import { shown, TsbpfError } from '../../isa/index.js';
import type { ObjectRelocation } from '../object-model.js';
import type { SymExpr } from './expressions.js';

// Size limits (docs/isa.md): the kernel loads at most 1,000,000 instructions
// (8 MB of code) per program and a global-data map value is at most
// KMALLOC_MAX_SIZE (4 MiB), so no loadable section comes near these; they stop
// `.zero 2000000000` and its kind after the statement that asks, not 2 GB later.
/** Largest section (2 × the kernel's largest program). */
export const MAX_SECTION_SIZE = 16 * 1024 * 1024;
/** Largest sum of the sizes of an object's sections. */
export const MAX_OBJECT_SIZE = 32 * 1024 * 1024;
/**
 * Largest section alignment: a page. The ELF file pads each section to its
 * alignment, so `.p2align 30` on an empty section would still write 1 GB.
 */
export const MAX_ALIGNMENT = 4096;

/** A section or the object would outgrow its limit; the assembler reports it at the statement. */
export class SizeLimitError extends TsbpfError {
  override readonly name = 'SizeLimitError';
}

/**
 * The object's size budget, shared by its sections: `used` is the sum of their
 * rooms (bytes each may reach without asking again), never above MAX_OBJECT_SIZE.
 */
export class SizeBudget {
  used = 0;
  readonly sections: Section[] = [];
}

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

/**
 * A section's fixups in arrays (no object per fixup: a large program has one
 * per jump): fixup i is kind[i] at byte offset[i] of the section, against
 * expr[i], written at source offset pos[i] (for error messages).
 */
export class FixupList {
  count = 0;
  kind = new Uint8Array(64);
  offset = new Int32Array(64);
  pos = new Int32Array(64);
  readonly expr: SymExpr[] = [];

  add(kind: number, offset: number, expr: SymExpr, pos: number): void {
    const i = this.count;
    if (i === this.kind.length) this.grow();
    this.kind[i] = kind;
    this.offset[i] = offset;
    this.pos[i] = pos;
    this.expr.push(expr);
    this.count = i + 1;
  }

  private grow(): void {
    const n = this.kind.length * 2;
    const kind = new Uint8Array(n); kind.set(this.kind); this.kind = kind;
    const offset = new Int32Array(n); offset.set(this.offset); this.offset = offset;
    const pos = new Int32Array(n); pos.set(this.pos); this.pos = pos;
  }
}

export class Section {
  buf: Uint8Array;
  view: DataView;
  /** Bytes used (for nobits sections: the size). */
  len = 0;
  align: number;
  readonly fixups = new FixupList();
  readonly relocations: ObjectRelocation[] = [];
  /** Index among the object's sections, in order of creation. */
  readonly index: number;
  /**
   * Size the section may reach without calling ensure() (its share of the
   * budget); writers that add a few bytes at a time compare against it.
   */
  room = 0;
  private readonly budget: SizeBudget;

  constructor(
    readonly name: string,
    public type: 'progbits' | 'nobits',
    public alloc: boolean,
    public write: boolean,
    public exec: boolean,
    /** SHF_MERGE (kept for relocation decisions; the object model has no field for it). */
    public merge: boolean,
    index: number,
    budget: SizeBudget,
    align = 1,
  ) {
    this.index = index;
    this.budget = budget;
    budget.sections.push(this);
    this.align = align;
    this.buf = new Uint8Array(type === 'nobits' ? 0 : 256);
    this.view = new DataView(this.buf.buffer);
  }

  /**
   * Makes room for `n` more bytes (for nobits sections: checks the size only).
   * Throws SizeLimitError past MAX_SECTION_SIZE or MAX_OBJECT_SIZE.
   */
  ensure(n: number): void {
    const need = this.len + n;
    if (need <= this.room) return;
    this.reserve(need);
  }

  private reserve(need: number): void {
    if (need > MAX_SECTION_SIZE) {
      throw new SizeLimitError(`section '${shown(this.name)}' would grow to ${need} bytes, over the limit of ${MAX_SECTION_SIZE} bytes (16 MiB) for a section`);
    }
    const b = this.budget;
    if (b.used - this.room + need > MAX_OBJECT_SIZE) {
      // Take back the room other sections hold but have not used, then check again.
      for (const s of b.sections) { b.used -= s.room - s.len; s.room = s.len; }
      if (b.used - this.room + need > MAX_OBJECT_SIZE) {
        throw new SizeLimitError(`the sections would grow to ${b.used - this.room + need} bytes together, over the limit of ${MAX_OBJECT_SIZE} bytes (32 MiB) for an object`);
      }
    }
    let capacity = need;
    if (this.type !== 'nobits') {
      if (need > this.buf.length) {
        let size = Math.max(this.buf.length * 2, 256);
        while (size < need) size *= 2;
        const nb = new Uint8Array(Math.min(size, MAX_SECTION_SIZE));
        nb.set(this.buf.subarray(0, this.len));
        this.buf = nb;
        this.view = new DataView(nb.buffer);
      }
      capacity = this.buf.length;
    }
    const room = Math.min(capacity, MAX_OBJECT_SIZE - (b.used - this.room));
    b.used += room - this.room;
    this.room = room;
  }

  /** Appends `count` copies of byte `value`. */
  fill(count: number, value: number): void {
    this.ensure(count);
    if (this.type === 'nobits') { this.len += count; return; }
    if (value !== 0) this.buf.fill(value, this.len, this.len + count);
    this.len += count;
  }

  bytes(): Uint8Array {
    return this.type === 'nobits' ? new Uint8Array(0) : this.buf.slice(0, this.len);
  }
}
