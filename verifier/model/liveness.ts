// Liveness in pruning, as Linux 6.15 and later use it: two states meeting at an instruction are
// compared only on the registers some path from there reads before writing (func_states_equal
// gates regsafe with insn_aux_data.live_regs_before: a backward data-flow fixpoint over the
// control flow graph, computed once per program in live-regs.ts). A caller's frame is compared
// on the registers live before its call instruction.

import { notInit } from './reg.js';
import type { VerifierState } from './state.js';

/** R0..R10: every register counts (no liveness known). */
export const ALL_REGS = 0b11111111111;
/** R10 is always compared: the frame pointer. */
const FP = 1 << 10;

/** What pruning at an instruction needs: its index and each instruction's live registers. */
export interface LiveAt {
  readonly regsBefore: Int32Array;
  readonly insn: number;
}

/** The registers of frame `f` of `old` to compare (frame_insn_idx: the top frame's instruction, else the callee frame's callsite). */
export function liveRegsOfFrame(live: LiveAt, old: VerifierState, f: number): number {
  const at = f === old.frames.length - 1 ? live.insn : old.frames[f + 1]!.callsite;
  const mask = live.regsBefore[at];
  return mask === undefined ? ALL_REGS : mask | FP;
}

/**
 * Stack slot liveness (Linux 6.18, kernel/bpf/liveness.c): the walk records, per instruction,
 * the slots it may read (the union over the paths that ran it) and the slots it surely writes
 * whole (an aligned 8-byte store; the intersection over those paths); a slot is live before an
 * instruction when some path from it may read the slot before writing it — a backward fixpoint
 * over the control flow graph, recomputed only when the marks changed. A state kept at a prune
 * point whose paths are all explored has every read below it recorded, so its dead slots (and
 * dead registers) are forgotten before it is compared (clean_verifier_state): it then covers
 * paths that differ only there. The marks are per call chain in the kernel; the model keeps
 * them for programs of one frame only (no bpf-to-bpf calls, callbacks or kfuncs), and leaves
 * the others' stacks compared whole — pruning less, never more.
 */
export class StackLiveness {
  private readonly mayRead: Uint32Array;
  private readonly mustWrite: Uint32Array;
  private readonly mustWriteSet: Uint8Array;
  private readonly liveBefore: Uint32Array;
  private dirty = false;
  /** The instruction whose whole-slot writes are being gathered, and the slots so far. */
  private pending = -1;
  private readonly acc = new Uint32Array(2);

  constructor(private readonly succ: readonly (readonly number[] | undefined)[]) {
    const n = succ.length;
    // Two 32-bit words per instruction: slots 0..31 and 32..63.
    this.mayRead = new Uint32Array(2 * n);
    this.mustWrite = new Uint32Array(2 * n);
    this.mustWriteSet = new Uint8Array(n);
    this.liveBefore = new Uint32Array(2 * n);
  }

  /** An instruction starts (bpf_reset_stack_write_marks); the previous one's writes are committed. */
  begin(idx: number): void {
    this.commit();
    this.pending = idx;
    this.acc[0] = 0;
    this.acc[1] = 0;
  }

  /** Bytes [minOff, maxOff) of the frame's stack may be read at the current instruction (bpf_mark_stack_read). */
  read(idx: number, minOff: number, maxOff: number): void {
    for (let spi = spiOfOff(maxOff - 1); spi <= spiOfOff(minOff); spi++) {
      const w = 2 * idx + (spi >> 5);
      const b = (1 << (spi & 31)) >>> 0;
      if ((this.mayRead[w]! & b) !== 0) continue;
      this.mayRead[w] = (this.mayRead[w]! | b) >>> 0;
      if ((this.liveBefore[w]! & b) === 0) this.dirty = true;
    }
  }

  /** A store of `size` bytes at `off` (check_stack_write_fixed_off): only an aligned whole slot counts as written. */
  write(off: number, size: number): void {
    if (off % 8 !== 0 || size !== 8) return;
    const spi = spiOfOff(off);
    this.acc[spi >> 5] = (this.acc[spi >> 5]! | (1 << (spi & 31))) >>> 0;
  }

  private commit(): void {
    const idx = this.pending;
    if (idx < 0) return;
    this.pending = -1;
    for (let k = 0; k < 2; k++) {
      const w = 2 * idx + k;
      const mask = this.mustWriteSet[idx] === 1 ? (this.mustWrite[w]! & this.acc[k]!) >>> 0 : this.acc[k]!;
      if (mask !== this.mustWrite[w]) { this.mustWrite[w] = mask; this.dirty = true; }
    }
    this.mustWriteSet[idx] = 1;
  }

  /** Whether slot `spi` is live before instruction `idx` (bpf_stack_slot_alive). */
  alive(idx: number, spi: number): boolean {
    this.commit();
    if (this.dirty) this.propagate();
    return (this.liveBefore[2 * idx + (spi >> 5)]! & (1 << (spi & 31))) !== 0;
  }

  /** live_before = (∪ live_before of the successors \ must_write) ∪ may_read, to the fixpoint. */
  private propagate(): void {
    this.dirty = false;
    const n = this.succ.length;
    for (let changed = true; changed;) {
      changed = false;
      for (let i = n - 1; i >= 0; i--) {
        const out = this.succ[i];
        // No successor (exit): live_before stays as it is (update_insn).
        if (out === undefined || out.length === 0) continue;
        for (let k = 0; k < 2; k++) {
          let after = 0;
          for (const s of out) if (s >= 0 && s < n) after |= this.liveBefore[2 * s + k]!;
          const w = 2 * i + k;
          const before = ((after & ~this.mustWrite[w]!) | this.mayRead[w]!) >>> 0;
          if (before !== this.liveBefore[w]) { this.liveBefore[w] = before; changed = true; }
        }
      }
    }
  }
}

const spiOfOff = (off: number): number => Math.floor((-off - 1) / 8);

/**
 * clean_verifier_state for a one-frame state kept at `idx`: registers not live there become
 * uninitialised and dead stack slots invalid, so that they match anything when compared.
 */
export function cleanState(state: VerifierState, idx: number, regsBefore: Int32Array, stack: StackLiveness): void {
  const f = state.frames[0]!;
  const live = regsBefore[idx] ?? ALL_REGS;
  for (let r = 0; r < 10; r++) if ((live & (1 << r)) === 0 && f.regs[r]!.type !== 'not_init') f.regs[r] = notInit();
  const slots = Math.ceil(f.allocated / 8);
  for (let spi = 0; spi < slots; spi++) if (f.stack[spi] !== undefined && !stack.alive(idx, spi)) f.stack[spi] = undefined;
}
