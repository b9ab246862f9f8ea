// The verifier state of one path: registers and the 512-byte stack of each
// frame, and the references the path holds. Stack slots are immutable objects
// replaced on write, so that copying a state at a branch is cheap.

import type { HistEntry } from './precision.js';
import { cloneReg, copyRegForState, pointerReg, type RegState, notInitRegs } from './reg.js';

/** MAX_BPF_STACK: bytes of stack per frame. */
export const MAX_BPF_STACK = 512;
export const SLOT_BYTES = 8;
export const SLOTS = MAX_BPF_STACK / SLOT_BYTES;

/** Per-byte kinds of a stack slot (the kernel's STACK_INVALID, STACK_SPILL, STACK_MISC, STACK_ZERO, STACK_ITER). */
export const enum Byte { Invalid = 0, Spill = 1, Misc = 2, Zero = 3, Iter = 4 }

/** The state of an open-coded iterator in the slots of its struct (iterators.ts; the kernel's spilled_ptr.iter). */
export interface IterSlot {
  /** The iterator struct's name without `bpf_iter_` (iter_type_str). */
  readonly type: string;
  /** The reference the iterator holds: set in its first (highest) slot only. */
  readonly refObjId: number;
  readonly state: 'active' | 'drained';
  /** Iterations of the loop this state is in (iter.depth): not compared when pruning. */
  readonly depth: number;
}

/**
 * One 8-byte slot. `bytes[i]` describes the byte at offset `-(spi*8) - 1 - i`
 * from the frame top... that is, the kernel's slot_type[i]: index 7 is the
 * lowest address (the slot's start), index 0 the highest.
 */
export interface StackSlot {
  readonly bytes: readonly Byte[];
  /** The spilled register when bytes[7] is Spill. */
  readonly spilled?: RegState;
  /** The iterator when the bytes are Iter. */
  readonly iter?: IterSlot;
}

export const EMPTY_SLOT: StackSlot = { bytes: [0, 0, 0, 0, 0, 0, 0, 0] };

export interface FrameState {
  regs: RegState[];
  /** Index spi covers bytes [-(spi+1)*8, -spi*8). */
  stack: (StackSlot | undefined)[];
  /** Bytes of stack the frame has touched (the kernel's allocated_stack). */
  allocated: number;
  frameno: number;
  /** The call instruction that created this frame (-1 for the main program). */
  callsite: number;
  subprog: number;
  /** Callback iterations this frame has started from its current call (the kernel's callback_depth). */
  callbackDepth?: number;
  /** Set for a callback's frame: the range R0 must return in, and the references held on entry. */
  callback?: { readonly retMin: number; readonly retMax: number; readonly refs: number };
}

export interface Reference {
  readonly id: number;
  readonly insn: number;
  /** A held spin lock (the kernel's REF_TYPE_LOCK, id of the map value pointer) rather than an object reference. */
  readonly kind?: 'lock';
  /** For a lock: the map whose value holds it. */
  readonly ptr?: object;
}

export interface VerifierState {
  frames: FrameState[];
  refs: Reference[];
  /** Callback bodies entered on this path (the kernel's callback_unroll_depth). */
  callbackUnrollDepth?: number;
  /** Inside bpf_rcu_read_lock() (the kernel's active_rcu_lock). */
  activeRcuLock?: boolean;
  /** may_goto instructions passed on this path through their fall-through (the kernel's may_goto_depth). */
  mayGotoDepth?: number;
  /** A path the kernel walks only to check speculative execution (cap-bpf loads, speculative.ts). */
  speculative?: boolean;
  /** Precision backtracking (precision.ts): the checkpoint this state continues from, the instruction it started at, the last one processed before it, and the path's history. */
  parent?: VerifierState;
  firstIdx?: number;
  lastIdx?: number;
  hist?: HistEntry;
  histLen?: number;
}

export function initialState(): VerifierState {
  const regs = notInitRegs();
  regs[1] = pointerReg('ctx');
  regs[10] = pointerReg('stack');
  return { frames: [{ regs, stack: [], allocated: 0, frameno: 0, callsite: -1, subprog: 0 }], refs: [] };
}

/** Every field of a FrameState and of a VerifierState, the optional ones too: a field added there must be copied below (tsc says so). */
type EveryFrameField = { [K in keyof Required<FrameState>]: FrameState[K] };
type EveryStateField = { [K in keyof Required<VerifierState>]: VerifierState[K] };

// Field by field, not spreads: every copy has one shape, and a spread of objects whose optional
// fields vary was most of the time spent copying (states are copied at every branch and checkpoint).
// Optional fields absent in the original are undefined in the copy: every reader treats them alike.
export function cloneFrame(f: FrameState): FrameState {
  const r = f.regs;
  const regs = r.length === 11
    ? [copyRegForState(r[0]!), copyRegForState(r[1]!), copyRegForState(r[2]!), copyRegForState(r[3]!), copyRegForState(r[4]!), copyRegForState(r[5]!), copyRegForState(r[6]!), copyRegForState(r[7]!), copyRegForState(r[8]!), copyRegForState(r[9]!), copyRegForState(r[10]!)]
    : r.map(copyRegForState);
  // slice keeps the holes of a sparse stack where a spread made them undefined: every reader treats them alike.
  const c: EveryFrameField = {
    regs, stack: f.stack.slice(), allocated: f.allocated, frameno: f.frameno, callsite: f.callsite, subprog: f.subprog,
    callbackDepth: f.callbackDepth, callback: f.callback,
  };
  return c;
}

export function cloneState(s: VerifierState): VerifierState {
  const frames = s.frames.length === 1 ? [cloneFrame(s.frames[0]!)] : s.frames.map(cloneFrame);
  const c: EveryStateField = {
    frames, refs: s.refs.slice(), callbackUnrollDepth: s.callbackUnrollDepth, activeRcuLock: s.activeRcuLock, mayGotoDepth: s.mayGotoDepth,
    speculative: s.speculative, parent: s.parent, firstIdx: s.firstIdx, lastIdx: s.lastIdx, hist: s.hist, histLen: s.histLen,
  };
  return c;
}

export const curFrame = (s: VerifierState): FrameState => s.frames[s.frames.length - 1]!;

/** The slot (stack[spi]) that holds the byte at `off` from the frame pointer (off < 0). */
export const spiOf = (off: number): number => Math.floor((-off - 1) / SLOT_BYTES);

/** The scalar spilled in a slot (is_spilled_scalar_reg), or undefined. */
export const spilledScalar = (slot: StackSlot | undefined): RegState | undefined =>
  (slot !== undefined && slot.bytes[SLOT_BYTES - 1] === Byte.Spill && slot.spilled?.type === 'scalar' ? slot.spilled : undefined);

export function slotAt(f: FrameState, spi: number): StackSlot {
  return f.stack[spi] ?? EMPTY_SLOT;
}

/** Every register of every frame, and every spilled register, of a state (bpf_for_each_reg_in_vstate). */
export function forEachReg(s: VerifierState, fn: (r: RegState) => void): void {
  for (const f of s.frames) {
    for (const r of f.regs) fn(r);
    f.stack.forEach((slot, spi) => {
      if (slot?.spilled !== undefined) {
        const copy = cloneReg(slot.spilled);
        fn(copy);
        f.stack[spi] = { bytes: slot.bytes, spilled: copy };
      }
    });
  }
}
