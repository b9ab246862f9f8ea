// The instructions a ProgramBuilder has emitted, held encoded: 8 bytes a slot plus side tables
// for the few instructions that carry a jump label, a reference, CO-RE relocations or a source
// location. A program near the kernel's 1,000,000-instruction limit then costs a few tens of
// megabytes while it is built, not one JavaScript object graph per instruction (~160 bytes),
// and the user's instruction objects are garbage as soon as they are emitted.

import { decodeInstructions, SLOT_SIZE, writeInstruction } from '../../../isa/index.js';
import type { AsmInsn, AsmItem } from '../asm/items.js';
import type { SourceLocation } from '../line-info.js';

type Extras = Pick<AsmInsn, 'target' | 'ref' | 'core'>;

export class InstructionStream {
  private code = new Uint8Array(64 * SLOT_SIZE);
  private view = new DataView(this.code.buffer);
  private bytes = 0;
  /** Instructions so far (an ld_imm64 is one instruction of two slots). */
  private count = 0;
  /** Per instruction: index into `places`, or -1. */
  private locIndex = new Int32Array(64);
  private readonly places: SourceLocation[] = [];
  private readonly placeIds = new Map<SourceLocation, number>();
  private readonly extras = new Map<number, Extras>();
  /** Labels by the index of the instruction they precede. */
  private readonly labels = new Map<number, string[]>();

  /** Appends one instruction; throws EncodeError when the instruction cannot be encoded. */
  push(item: AsmInsn): void {
    if (this.bytes + 2 * SLOT_SIZE > this.code.length) this.grow();
    this.bytes = writeInstruction(this.view, this.bytes, item.insn, 'le', this.count);
    if (this.count >= this.locIndex.length) {
      const next = new Int32Array(this.locIndex.length * 2);
      next.set(this.locIndex);
      this.locIndex = next;
    }
    this.locIndex[this.count] = item.loc === undefined ? -1 : this.placeOf(item.loc);
    if (item.target !== undefined || item.ref !== undefined || item.core !== undefined) {
      this.extras.set(this.count, {
        ...(item.target === undefined ? {} : { target: item.target }),
        ...(item.ref === undefined ? {} : { ref: item.ref }),
        ...(item.core === undefined ? {} : { core: item.core }),
      });
    }
    this.count++;
  }

  label(name: string): void {
    const at = this.labels.get(this.count);
    if (at === undefined) this.labels.set(this.count, [name]);
    else at.push(name);
  }

  /** The items as emitted, labels in place. */
  items(): AsmItem[] {
    const insns = decodeInstructions(this.code.subarray(0, this.bytes));
    const out: AsmItem[] = [];
    for (let i = 0; i <= insns.length; i++) {
      for (const name of this.labels.get(i) ?? []) out.push({ kind: 'label', name });
      if (i === insns.length) break;
      const loc = this.locIndex[i]!;
      out.push({ kind: 'insn', insn: insns[i]!, ...this.extras.get(i), ...(loc < 0 ? {} : { loc: this.places[loc]! }) });
    }
    return out;
  }

  private placeOf(loc: SourceLocation): number {
    let id = this.placeIds.get(loc);
    if (id === undefined) {
      id = this.places.push(loc) - 1;
      this.placeIds.set(loc, id);
    }
    return id;
  }

  private grow(): void {
    const next = new Uint8Array(this.code.length * 2);
    next.set(this.code);
    this.code = next;
    this.view = new DataView(next.buffer);
  }
}
