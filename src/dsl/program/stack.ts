// The stack frame of one function: named slots allocated downwards from R10 (512 bytes at most).

import { DslError } from '../errors.js';
import { callerLocation } from '../line-info.js';
import { quoted } from '../quote.js';
import type { StackSlot } from './refs.js';

export const MAX_STACK = 512;

export class StackFrame {
  private used = 0;
  private readonly slots = new Map<string, StackSlot>();

  /** Bytes used so far. */
  get size(): number { return this.used; }

  /** A slot of `size` bytes aligned to `align` (default: the size's natural alignment, at most 8). */
  alloc(name: string, size: number, alignment?: number): StackSlot {
    if (typeof name !== 'string') throw new DslError(`a stack slot's name must be a string (got ${quoted(name)})`, callerLocation());
    if (this.slots.has(name)) throw new DslError(`stack slot '${quoted(name)}' exists already`, callerLocation());
    if (typeof size !== 'number' || !Number.isInteger(size) || size <= 0) throw new DslError(`stack slot '${quoted(name)}': size ${quoted(size)} must be a positive integer`, callerLocation());
    const align = alignment ?? Math.min(8, 1 << Math.floor(Math.log2(size)));
    if (typeof align !== 'number' || !Number.isInteger(align) || align <= 0 || align > 8 || (align & (align - 1)) !== 0) throw new DslError(`stack slot '${quoted(name)}': alignment ${quoted(align)} must be 1, 2, 4 or 8`, callerLocation());
    const end = Math.ceil((this.used + size) / align) * align;
    if (end > MAX_STACK) throw new DslError(`stack slot '${name}' needs ${end} bytes of stack; the limit is ${MAX_STACK}`, callerLocation());
    this.used = end;
    const slot: StackSlot = { dslKind: 'stack', name, offset: -end, size };
    this.slots.set(name, slot);
    return slot;
  }

  get(name: string): StackSlot | undefined { return this.slots.get(name); }
}
