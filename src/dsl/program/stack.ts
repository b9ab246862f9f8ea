// The stack frame of one function: named slots allocated downwards from R10 (512 bytes at most).

import { DslError } from '../errors.js';
import { callerLocation } from '../line-info.js';
import type { StackSlot } from './refs.js';

export const MAX_STACK = 512;

export class StackFrame {
  private used = 0;
  private readonly slots = new Map<string, StackSlot>();

  /** Bytes used so far. */
  get size(): number { return this.used; }

  /** A slot of `size` bytes aligned to `align` (default: the size's natural alignment, at most 8). */
  alloc(name: string, size: number, align = Math.min(8, 1 << Math.floor(Math.log2(Math.max(1, size))))): StackSlot {
    if (this.slots.has(name)) throw new DslError(`stack slot '${name}' exists already`, callerLocation());
    if (!Number.isInteger(size) || size <= 0) throw new DslError(`stack slot '${name}': size ${size} must be a positive integer`, callerLocation());
    const end = Math.ceil((this.used + size) / align) * align;
    if (end > MAX_STACK) throw new DslError(`stack slot '${name}' needs ${end} bytes of stack; the limit is ${MAX_STACK}`, callerLocation());
    this.used = end;
    const slot: StackSlot = { dslKind: 'stack', name, offset: -end, size };
    this.slots.set(name, slot);
    return slot;
  }

  get(name: string): StackSlot | undefined { return this.slots.get(name); }
}
