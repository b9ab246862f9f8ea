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
 * The registers of each frame that a conditional jump at `insn` links with a compared scalar's
 * copies: Linux 6.18's collect_linked_regs takes the live registers only (spilled copies as before).
 */
export function linkableRegs(regsBefore: Int32Array | undefined, state: VerifierState, insn: number): (frame: number) => number {
  if (regsBefore === undefined) return () => ALL_REGS;
  return (f) => liveRegsOfFrame({ regsBefore, insn }, state, f);
}

/**
 * Stack slot liveness (Linux 6.18, kernel/bpf/liveness.c), per call chain: a subprogram reached
 * through one chain of calls is a function instance, with, per instruction and per frame of the
 * chain, the slots the instruction may read (the union over the paths that ran it) and the slots
 * it surely writes whole (an aligned 8-byte store; the intersection over those paths). A slot is
 * live before an instruction when some path from it may read the slot before writing it — a
 * backward fixpoint over the subprogram's control flow graph — and the slots a callee surely
 * writes before returning (must_write_acc) count as written by its call. The callee's marks on
 * its callers' frames reach the caller's instance at the call instruction when the callee's
 * instance is brought up to date: after a path is taken from the stack and when a subprogram
 * exits, as the kernel does (bpf_update_live_stack). A state kept at a prune point whose paths
 * are all explored has every read below it recorded, so its dead slots (and dead registers) are
 * forgotten before it is compared (clean_verifier_state): it then covers paths that differ only
 * there. Programs with callbacks or kfuncs (stack reads the model does not record: iterators,
 * dynptrs, a callback's frame) get none of this and compare stacks whole — pruning less, never more.
 */
export class StackLiveness {
  private readonly instances = new Map<string, Instance>();
  /** The instance of the current state's top frame (cur_instance); undefined after a call, an exit or a pop. */
  private cur: Instance | undefined;
  /** The instruction whose whole-slot writes are being gathered, its instance, and the slots so far per frame. */
  private pendingIdx = -1;
  private pendingIn: Instance | undefined;
  private readonly acc: Uint32Array = new Uint32Array(2 * MAX_FRAMES);

  /** `starts`: the subprograms' first instructions (main first); `succ`: each instruction's successors. */
  constructor(private readonly succ: readonly (readonly number[] | undefined)[], private readonly starts: readonly number[]) {}

  /** An instruction of `state` starts (bpf_reset_stack_write_marks); the previous one's writes are committed. */
  begin(state: VerifierState, idx: number): void {
    this.commitPending();
    this.cur ??= this.instanceOf(state, state.frames.length - 1);
    this.pendingIn = this.cur;
    this.pendingIdx = idx;
    this.acc.fill(0);
  }

  /** Bytes [minOff, maxOff) of frame `frame`'s stack may be read at the current instruction (bpf_mark_stack_read). */
  read(frame: number, idx: number, minOff: number, maxOff: number): void {
    const inst = this.pendingIn;
    if (inst === undefined) return;
    let lo = 0;
    let hi = 0;
    for (let spi = spiOfOff(maxOff - 1); spi <= spiOfOff(minOff); spi++) if (spi < 32) lo |= 1 << spi; else hi |= 1 << (spi - 32);
    inst.markRead(frame, idx, lo >>> 0, hi >>> 0);
  }

  /** A store of `size` bytes at `off` of frame `frame`'s stack (check_stack_write_fixed_off): only an aligned whole slot counts as written. */
  write(frame: number, off: number, size: number): void {
    if (off % 8 !== 0 || size !== 8) return;
    const spi = spiOfOff(off);
    const w = 2 * frame + (spi >> 5);
    this.acc[w] = (this.acc[w]! | (1 << (spi & 31))) >>> 0;
  }

  /** A bpf-to-bpf call entered its subprogram: the call's own (empty) writes are not committed, and the chain changes. */
  enteredSubprogram(): void {
    this.pendingIn = undefined;
    this.pendingIdx = -1;
    this.cur = undefined;
  }

  /**
   * bpf_update_live_stack: when a path ends or is taken from the stack, and at a subprogram's exit,
   * instances with new marks are brought up to date, innermost first. The kernel updates the
   * chains of the states at hand; every instance with new marks is updated here (the same marks,
   * or more live slots), so that a path pruned inside a callee has its reads of the callers'
   * frames counted at the call before a caller's state is cleaned.
   */
  update(state: VerifierState): void {
    this.commitPending();
    this.cur = undefined;
    for (let f = state.frames.length - 1; f >= 0; f--) this.instanceOf(state, f);
    for (let depth = MAX_FRAMES - 1; depth >= 0; depth--) {
      for (const inst of this.instances.values()) if (inst.depth === depth && inst.updated) inst.update(this.succ);
    }
  }

  /** bpf_stack_slot_alive: whether slot `spi` of frame `frameno` of `state`, kept at `idx`, may still be read. */
  alive(state: VerifierState, idx: number, frameno: number, spi: number): boolean {
    const top = state.frames.length - 1;
    const inner = this.instanceOf(state, top);
    if (inner.liveBefore(frameno, idx, spi)) return true;
    // A caller's slot: live after the call that made the next frame.
    for (let i = frameno; i < top; i++) {
      if (this.instanceOf(state, i).liveBefore(frameno, state.frames[i + 1]!.callsite + 1, spi)) return true;
    }
    return false;
  }

  private commitPending(): void {
    const inst = this.pendingIn;
    if (inst === undefined || this.pendingIdx < 0) return;
    inst.commitWrites(this.pendingIdx, this.acc);
    this.pendingIn = undefined;
    this.pendingIdx = -1;
  }

  /** The instance of frames 0..f of `state` (lookup_instance), made when first reached. */
  private instanceOf(state: VerifierState, f: number): Instance {
    let key = '';
    for (let i = 1; i <= f; i++) key += `${state.frames[i]!.callsite},`;
    const sub = state.frames[f]!.subprog;
    key += sub;
    let inst = this.instances.get(key);
    if (inst === undefined) {
      const start = this.starts[sub] ?? 0;
      const end = this.starts[sub + 1] ?? this.succ.length;
      const outer = f === 0 ? undefined : { instance: this.instanceOf(state, f - 1), callsite: state.frames[f]!.callsite };
      inst = new Instance(f, start, end - start, outer);
      this.instances.set(key, inst);
    }
    return inst;
  }
}

/** MAX_CALL_FRAMES. */
const MAX_FRAMES = 8;

/** Two 32-bit words per instruction (slots 0..31 and 32..63), for one frame of an instance. */
interface FrameMasks {
  readonly mayRead: Uint32Array;
  readonly mustWrite: Uint32Array;
  readonly mustWriteAcc: Uint32Array;
  readonly live: Uint32Array;
}

/** A subprogram reached through one chain of calls (func_instance): `depth` is its frame's number. */
class Instance {
  private readonly frames: (FrameMasks | undefined)[] = [];
  private readonly mustWriteSet: Uint8Array;
  updated = false;
  private mustWriteDropped = false;

  constructor(readonly depth: number, readonly start: number, readonly len: number, readonly outer: { readonly instance: Instance; readonly callsite: number } | undefined) {
    this.mustWriteSet = new Uint8Array(len);
  }

  private masks(frame: number): FrameMasks {
    let m = this.frames[frame];
    if (m === undefined) {
      const n = 2 * this.len;
      m = { mayRead: new Uint32Array(n), mustWrite: new Uint32Array(n), mustWriteAcc: new Uint32Array(n), live: new Uint32Array(n) };
      this.frames[frame] = m;
    }
    return m;
  }

  markRead(frame: number, idx: number, lo: number, hi: number): void {
    if (lo === 0 && hi === 0) return;
    const m = this.masks(frame);
    const w = 2 * (idx - this.start);
    const nlo = (m.mayRead[w]! | lo) >>> 0;
    const nhi = (m.mayRead[w + 1]! | hi) >>> 0;
    // Only a read not already live there needs the fixpoint again.
    if ((nlo !== m.mayRead[w] || nhi !== m.mayRead[w + 1]) && (((nlo | m.live[w]!) >>> 0) !== m.live[w] || ((nhi | m.live[w + 1]!) >>> 0) !== m.live[w + 1])) this.updated = true;
    m.mayRead[w] = nlo;
    m.mayRead[w + 1] = nhi;
  }

  /** commit_stack_write_marks: the first visit sets must_write, later ones intersect it. */
  commitWrites(idx: number, acc: Uint32Array): void {
    const rel = idx - this.start;
    const seen = this.mustWriteSet[rel] === 1;
    for (let f = 0; f <= this.depth; f++) {
      let lo = acc[2 * f]!;
      let hi = acc[2 * f + 1]!;
      if (lo === 0 && hi === 0 && !seen) continue;
      const m = this.masks(f);
      const w = 2 * rel;
      const olo = m.mustWrite[w]!;
      const ohi = m.mustWrite[w + 1]!;
      if (seen) { lo = (lo & olo) >>> 0; hi = (hi & ohi) >>> 0; }
      if (lo !== olo || hi !== ohi) { m.mustWrite[w] = lo; m.mustWrite[w + 1] = hi; this.updated = true; }
      if (((olo & ~lo) | (ohi & ~hi)) !== 0) this.mustWriteDropped = true;
    }
    this.mustWriteSet[rel] = 1;
  }

  liveBefore(frame: number, idx: number, spi: number): boolean {
    const m = this.frames[frame];
    const rel = idx - this.start;
    if (m === undefined || rel < 0 || rel >= this.len) return false;
    return (m.live[2 * rel + (spi >> 5)]! & (1 << (spi & 31))) !== 0;
  }

  /** update_instance: live_before and must_write_acc to the fixpoint, then the caller's call instruction learns the entry's. */
  update(succ: readonly (readonly number[] | undefined)[]): void {
    this.updated = false;
    if (this.mustWriteDropped) for (const m of this.frames) m?.mustWriteAcc.fill(0);
    this.mustWriteDropped = false;
    for (let changed = true; changed;) {
      changed = false;
      for (const m of this.frames) {
        if (m === undefined) continue;
        for (let rel = this.len - 1; rel >= 0; rel--) {
          const out = succ[this.start + rel];
          // No successor (exit): its marks stay as they are (update_insn).
          if (out === undefined || out.length === 0) continue;
          for (let k = 0; k < 2; k++) {
            let after = 0;
            let acc = 0xffffffff;
            for (const s of out) {
              const r = s - this.start;
              // A successor outside the subprogram has no marks.
              const sl = r >= 0 && r < this.len ? m.live[2 * r + k]! : 0;
              const sa = r >= 0 && r < this.len ? m.mustWriteAcc[2 * r + k]! : 0;
              after |= sl;
              acc &= sa;
            }
            const w = 2 * rel + k;
            const before = ((after & ~m.mustWrite[w]!) | m.mayRead[w]!) >>> 0;
            const wacc = (acc | m.mustWrite[w]!) >>> 0;
            if (before !== m.live[w] || wacc !== m.mustWriteAcc[w]) { m.live[w] = before; m.mustWriteAcc[w] = wacc; changed = true; }
          }
        }
      }
    }
    if (this.outer !== undefined) this.propagateToOuter(this.outer.instance, this.outer.callsite);
  }

  /** propagate_to_outer_instance: the callers' frames' reads and sure writes from the entry belong to the call. */
  private propagateToOuter(outer: Instance, callsite: number): void {
    const acc = new Uint32Array(2 * MAX_FRAMES);
    for (let f = 0; f < this.depth; f++) {
      const m = this.frames[f];
      if (m === undefined) continue;
      acc[2 * f] = m.mustWriteAcc[0]!;
      acc[2 * f + 1] = m.mustWriteAcc[1]!;
      outer.markRead(f, callsite, m.live[0]!, m.live[1]!);
    }
    outer.commitWrites(callsite, acc);
  }
}

const spiOfOff = (off: number): number => Math.floor((-off - 1) / 8);

/** frame_insn_idx: the instruction frame `f` of `state` (kept at `idx`) is at: the top frame's, else the call that made the next frame. */
const frameInsn = (state: VerifierState, f: number, idx: number): number => (f === state.frames.length - 1 ? idx : state.frames[f + 1]!.callsite);

/** Whether some frame of `state` (kept at `idx`) is in a loop: its liveness may not be complete yet (incomplete_read_marks). */
export function inLoop(state: VerifierState, idx: number, loops: Int32Array): boolean {
  for (let f = 0; f < state.frames.length; f++) if (loops[frameInsn(state, f, idx)] !== 0) return true;
  return false;
}

/**
 * clean_verifier_state for a state kept at `idx`: in each frame, registers not live at the frame's
 * instruction become uninitialised and dead stack slots invalid, so that they match anything when
 * compared.
 */
export function cleanState(state: VerifierState, idx: number, regsBefore: Int32Array, stack: StackLiveness): void {
  for (let fi = 0; fi < state.frames.length; fi++) {
    const f = state.frames[fi]!;
    const live = regsBefore[frameInsn(state, fi, idx)] ?? ALL_REGS;
    for (let r = 0; r < 10; r++) if ((live & (1 << r)) === 0 && f.regs[r]!.type !== 'not_init') f.regs[r] = notInit();
    const slots = Math.ceil(f.allocated / 8);
    for (let spi = 0; spi < slots; spi++) if (f.stack[spi] !== undefined && !stack.alive(state, idx, fi, spi)) f.stack[spi] = undefined;
  }
}
