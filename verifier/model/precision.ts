// Precision marks (mark_chain_precision): a scalar whose exact value a check relied on — a
// decided branch, pointer arithmetic, a size argument — is marked precise in the states kept at
// prune points on the current path, together with every register and spilled slot its value came
// from. The marks are found by walking the path's instructions backwards (backtrack_insn) through
// the checkpoints (each state's `parent`), using the history of non-sequential steps and stack
// accesses the walk records. Pruning ignores the scalars a finished state never relied on
// (prune.ts), loops widen the imprecise ones (widen.ts), and the kernel's log shows the marks (`R0=P0`).

import type { Instruction } from '../../isa/index.js';
import { callsCallback } from './callbacks.js';
import { linkableRegs } from './liveness.js';
import type { Env } from './env.js';
import type { RegState } from './reg.js';
import { spiOf, spilledScalar, type StackSlot, type VerifierState } from './state.js';

/** One entry of a path's history (bpf_insn_hist_entry), newest first; shared by the paths forked after it. */
export interface HistEntry {
  readonly idx: number;
  /** The instruction processed before `idx` on this path. */
  readonly prevIdx: number;
  readonly older: HistEntry | undefined;
  /** The walk step that made it (an entry is extended only within its own step). */
  readonly step: number;
  /** The stack slot a load or store at `idx` accessed (INSN_F_STACK_ACCESS). */
  stack?: { readonly frame: number; readonly spi: number };
  /** Scalars sharing an id at a conditional jump (linked_regs): precise together. */
  linked?: readonly LinkedReg[];
  /** A conditional jump's operands that were stack pointers (INSN_F_DST_REG_STACK 1, INSN_F_SRC_REG_STACK 2): not backtracked. */
  stackOperands?: number;
}

interface LinkedReg { readonly frame: number; readonly reg: number; readonly spi: number }

/** What backtracking needs from the walk. */
export interface PrecisionContext {
  readonly insns: readonly (Instruction | undefined)[];
  /** The current walk step (processed instructions). */
  step: number;
  /** First instructions of the global functions: their calls are stepped over, not entered. */
  readonly globalStarts: ReadonlySet<number>;
  /**
   * Instructions backtracking may still walk: past it no more marks are made, and `exhausted` is
   * set. Missing marks would let pruning ignore a scalar a check relied on, so pruning then
   * compares every scalar again (prune.ts).
   */
  budget: number;
  exhausted: boolean;
  /** The level-2 log's `mark_precise:` and `propagating` lines (log-level2.ts), when that log is asked for. */
  log?: PrecisionLog;
}

/** Where backtracking reports its steps, as the kernel's level-2 log does. */
export interface PrecisionLog {
  /** A state's segment of the path is walked back from `last` to `first`. */
  chain(frame: number, last: number, first: number, subseq: number): void;
  /** Instruction `idx` is backtracked with these registers and slots (of `frame`) still needed. */
  before(frame: number, regs: number, slots: bigint, idx: number): void;
  /** The parent state's frame `fr` after marking, with what is still needed in it. */
  parent(fr: number, regs: number, slots: bigint, st: VerifierState): void;
  fallback(frame: number): void;
  /** Precise registers and slots of a pruning state, carried to the current path. */
  propagating(fr: number, items: readonly string[]): void;
}

const MAX_FRAMES = 8;
/** Backtracked instructions per program before marking stops (a hostile loop must not make it quadratic). */
const BACKTRACK_BUDGET = 2_000_000;
const REGS_ARGS = 0b111110;

/** A walk's backtracking context, its budget full. */
export function precisionContext(insns: PrecisionContext['insns'], globalStarts: ReadonlySet<number>): PrecisionContext {
  return { insns, step: 0, globalStarts, budget: BACKTRACK_BUDGET, exhausted: false };
}

/** The registers and stack slots still to be found, per frame (struct backtrack_state). */
class Backtrack {
  frame: number;
  // Literals of MAX_FRAMES elements: a Backtrack is made at every decided branch, and a filled
  // new Array(n) is a slower, holey array.
  readonly regs: number[] = [0, 0, 0, 0, 0, 0, 0, 0];
  readonly slots: bigint[] = [0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n];
  constructor(frame: number) { this.frame = frame; }
  empty(): boolean {
    for (let f = 0; f <= this.frame; f++) if (this.regs[f] !== 0 || this.slots[f] !== 0n) return false;
    return true;
  }
  isReg(r: number, f = this.frame): boolean { return (this.regs[f]! & (1 << r)) !== 0; }
  setReg(r: number, f = this.frame): void { this.regs[f]! |= 1 << r; }
  clearReg(r: number, f = this.frame): void { this.regs[f]! &= ~(1 << r); }
  isSlot(spi: number, f: number): boolean { return (this.slots[f]! & (1n << BigInt(spi))) !== 0n; }
  setSlot(spi: number, f: number): void { this.slots[f]! |= 1n << BigInt(spi); }
  clearSlot(spi: number, f: number): void { this.slots[f]! &= ~(1n << BigInt(spi)); }
}

/** push_insn_history: a non-sequential step (a jump, call, return or a popped path). */
export function noteStep(env: Env, idx: number, prevIdx: number): void {
  const ctx = env.precision;
  if (ctx === undefined || idx === prevIdx + 1) return;
  env.state.hist = { idx, prevIdx, older: env.state.hist, step: ctx.step };
  env.state.histLen = (env.state.histLen ?? 0) + 1;
}

/** The entry of the current step, made if this step has none yet. */
function stepEntry(env: Env, ctx: PrecisionContext): HistEntry {
  const h = env.state.hist;
  if (h !== undefined && h.step === ctx.step && h.idx === env.insnIdx) return h;
  const e: HistEntry = { idx: env.insnIdx, prevIdx: env.insnIdx - 1, older: h, step: ctx.step };
  env.state.hist = e;
  env.state.histLen = (env.state.histLen ?? 0) + 1;
  return e;
}

/** A load or store of the current instruction at a constant stack offset of `frame`. */
export function noteStackAccess(env: Env, frame: number, off: number): void {
  const ctx = env.precision;
  if (ctx === undefined) return;
  stepEntry(env, ctx).stack = { frame, spi: spiOf(off) };
}

/** collect_linked_regs at a conditional jump: the scalars that share the compared registers' ids. */
export function noteLinkedRegs(env: Env, a: number, b: number): void {
  const ctx = env.precision;
  if (ctx === undefined || (a === 0 && b === 0)) return;
  const linked: LinkedReg[] = [];
  const isLinked = (id: number): boolean => id !== 0 && (id === a || id === b);
  const live = linkableRegs(env.liveRegsBefore, env.state, env.insnIdx);
  env.state.frames.forEach((f, fi) => {
    const regs = live(fi);
    f.regs.forEach((r, ri) => { if ((regs & (1 << ri)) !== 0 && r.type === 'scalar' && isLinked(r.id)) linked.push({ frame: fi, reg: ri, spi: -1 }); });
    f.stack.forEach((s, spi) => { const sc = spilledScalar(s); if (sc !== undefined && isLinked(sc.id)) linked.push({ frame: fi, reg: -1, spi }); });
  });
  if (linked.length > 1) stepEntry(env, ctx).linked = linked;
}

/** A conditional jump compares a stack pointer (dst, src): backtracking leaves that operand alone. */
export function noteJumpStackOperands(env: Env, dst: boolean, src: boolean): void {
  const ctx = env.precision;
  if (ctx === undefined || (!dst && !src)) return;
  stepEntry(env, ctx).stackOperands = (dst ? 1 : 0) | (src ? 2 : 0);
}

function syncLinked(bt: Backtrack, hist: HistEntry | undefined): void {
  const linked = hist?.linked;
  if (linked === undefined) return;
  if (!linked.some((e) => (e.reg >= 0 ? bt.isReg(e.reg, e.frame) : bt.isSlot(e.spi, e.frame)))) return;
  for (const e of linked) if (e.reg >= 0) bt.setReg(e.reg, e.frame); else bt.setSlot(e.spi, e.frame);
}

type Step = 'ok' | 'fallback';

/** backtrack_insn: what instruction `idx` needs precise before it, given what is needed after it. */
function backtrackInsn(ctx: PrecisionContext, idx: number, subseq: number, hist: HistEntry | undefined, bt: Backtrack): Step {
  const insns = ctx.insns;
  const insn = insns[idx];
  if (insn === undefined) return 'fallback';
  syncLinked(bt, hist);
  switch (insn.kind) {
    case 'alu': case 'neg': case 'endian': case 'movsx': case 'addrSpaceCast': {
      if (!bt.isReg(insn.dst)) return 'ok';
      if (insn.kind === 'neg' || insn.kind === 'endian') return 'ok';
      if (insn.kind === 'movsx' || insn.kind === 'addrSpaceCast' || insn.op === 'mov') {
        bt.clearReg(insn.dst);
        const src = insn.kind === 'alu' ? (insn.src.kind === 'reg' ? insn.src.reg : -1) : insn.src;
        if (src >= 0 && src !== 10) bt.setReg(src);
      } else if (insn.src.kind === 'reg' && insn.src.reg !== 10) bt.setReg(insn.src.reg);
      break;
    }
    case 'ldx': case 'atomic': {
      let load = insn.dst;
      if (insn.kind === 'atomic') {
        if (!insn.fetch) break;
        load = insn.op === 'cmpxchg' ? 0 : insn.src;
      }
      if (!bt.isReg(load)) return 'ok';
      bt.clearReg(load);
      if (hist?.stack === undefined) return 'ok';
      bt.setSlot(hist.stack.spi, hist.stack.frame);
      break;
    }
    case 'stx': case 'st': {
      if (bt.isReg(insn.dst)) return 'fallback';
      const at = hist?.stack;
      if (at === undefined || !bt.isSlot(at.spi, at.frame)) return 'ok';
      bt.clearSlot(at.spi, at.frame);
      if (insn.kind === 'stx') bt.setReg(insn.src);
      break;
    }
    case 'call':
      if (insn.callee === 'local') {
        // A global function's call is stepped over (verified apart): it clears R1-R5 and sets R0.
        if (ctx.globalStarts.has(idx + insn.imm + 1)) {
          bt.clearReg(0);
          return (bt.regs[bt.frame]! & REGS_ARGS) !== 0 ? 'fallback' : 'ok';
        }
        // Back from the callee's first instruction to the call: only arguments may be left.
        if ((bt.regs[bt.frame]! & ~REGS_ARGS) !== 0 || bt.slots[bt.frame] !== 0n || bt.frame === 0) return 'fallback';
        for (let r = 1; r <= 5; r++) if (bt.isReg(r)) { bt.clearReg(r); bt.setReg(r, bt.frame - 1); }
        bt.frame--;
        return 'ok';
      }
      if (callsCallback(insn) && idx !== subseq - 1) {
        // Back from a callback's first instruction to the helper that called it.
        if ((bt.regs[bt.frame]! & ~REGS_ARGS) !== 0 || bt.slots[bt.frame] !== 0n || bt.frame === 0) return 'fallback';
        bt.regs[bt.frame] = 0;
        bt.frame--;
        return 'ok';
      }
      if (insn.callee === 'kfunc' && insn.imm === 0) return 'fallback';
      bt.clearReg(0);
      if ((bt.regs[bt.frame]! & REGS_ARGS) !== 0) return 'fallback';
      break;
    case 'exit': {
      // Into the callee from the instruction it returned to.
      const from = insns[subseq - 1];
      const fromCall = from?.kind === 'call' && from.callee === 'local';
      const r0 = fromCall && bt.isReg(0);
      if (fromCall && (bt.regs[bt.frame]! & REGS_ARGS) !== 0) return 'fallback';
      bt.clearReg(0);
      if (bt.frame === MAX_FRAMES - 1) return 'fallback';
      bt.frame++;
      if (r0) bt.setReg(0);
      return 'ok';
    }
    case 'jump':
      if (insn.src.kind === 'reg' && (bt.isReg(insn.dst) || bt.isReg(insn.src.reg))) {
        const stack = hist?.stackOperands ?? 0;
        if ((stack & 2) === 0) bt.setReg(insn.src.reg);
        if ((stack & 1) === 0) bt.setReg(insn.dst);
      }
      break;
    case 'ldImm64':
      bt.clearReg(insn.dst);
      return 'ok';
    case 'ldAbs': case 'ldInd':
      if (bt.isReg(0)) return 'fallback';
      if (subseq !== idx + 1) { if (bt.frame === MAX_FRAMES - 1) return 'fallback'; bt.frame++; }
      return 'ok';
    default:
      break;
  }
  syncLinked(bt, hist);
  return 'ok';
}

/** A copy of `slot` whose spilled register carries `precise`. */
const markedSlot = (slot: StackSlot, precise: boolean): StackSlot => ({ bytes: slot.bytes, spilled: { ...slot.spilled!, precise } });

/** Backtracking ran out of budget: marks are missing from now on. */
function outOfBudget(ctx: PrecisionContext): boolean {
  if (--ctx.budget > 0) return false;
  ctx.exhausted = true;
  return true;
}

/** mark_all_scalars_precise: the fallback when backtracking cannot follow the path from `cur`. */
export function markAllPrecise(cur: VerifierState, ctx: PrecisionContext): void {
  ctx.log?.fallback(cur.frames.length - 1);
  for (let st = cur.parent; st !== undefined; st = st.parent) {
    if (outOfBudget(ctx)) return;
    for (const f of st.frames) {
      for (let r = 0; r < 10; r++) if (f.regs[r]!.type === 'scalar') f.regs[r]!.precise = true;
      f.stack.forEach((slot, spi) => {
        const spilled = spilledScalar(slot);
        if (spilled !== undefined && spilled.precise !== true) f.stack[spi] = markedSlot(slot!, true);
      });
    }
  }
}

/** Marks in `st` what `bt` asks for; what was already precise there needs no further search. Returns whether a mark is new. */
function markInState(st: VerifierState, bt: Backtrack, log: PrecisionLog | undefined): boolean {
  let changed = false;
  for (let fr = bt.frame; fr >= 0; fr--) {
    const f = st.frames[fr];
    if (f === undefined) { bt.regs[fr] = 0; bt.slots[fr] = 0n; continue; }
    for (let r = 0; r < 11; r++) {
      if (!bt.isReg(r, fr)) continue;
      const reg: RegState = f.regs[r]!;
      if (reg.type !== 'scalar' || reg.precise === true) bt.clearReg(r, fr);
      else { reg.precise = true; changed = true; }
    }
    if (bt.slots[fr] === 0n) { log?.parent(fr, bt.regs[fr]!, 0n, st); continue; }
    for (let spi = 0; spi < 64; spi++) {
      if (!bt.isSlot(spi, fr)) continue;
      const slot = f.stack[spi];
      const spilled = spilledScalar(slot);
      if (spilled === undefined || spilled.precise === true) bt.clearSlot(spi, fr);
      else { f.stack[spi] = markedSlot(slot!, true); changed = true; }
    }
    log?.parent(fr, bt.regs[fr]!, bt.slots[fr]!, st);
  }
  return changed;
}

/**
 * __mark_chain_precision with the needs in `bt`, from instruction `last` of state `cur` (the
 * current one, or a loop's back edge kept for later). Returns whether some mark is new.
 */
function markChain(env: Env, ctx: PrecisionContext, bt: Backtrack, cur: VerifierState = env.state, last = env.insnIdx): boolean {
  // The kernel tracks precision whenever the loader has CAP_BPF (env->bpf_capable).
  if (!(env.opts.privileged || env.opts.capBpfOnly === true) || env.opts.unprivileged === true || bt.empty()) return false;
  if (ctx.budget <= 0) { ctx.exhausted = true; return false; }
  let changed = false;
  let st: VerifierState = cur;
  let first = st.firstIdx ?? 0;
  let subseq = -1;
  let skipFirst = true;
  for (;;) {
    let node = st.hist;
    const boundary = st.parent?.hist;
    // The entries of this state's own segment: newer than its parent's last one.
    const inSegment = (n: HistEntry | undefined): n is HistEntry => n !== undefined && n !== boundary;
    ctx.log?.chain(bt.frame, last, first, subseq);
    if (last < 0) return changed;
    for (let i = last; ;) {
      if (skipFirst) skipFirst = false;
      else {
        if (outOfBudget(ctx)) return changed;
        ctx.log?.before(bt.frame, bt.regs[bt.frame]!, bt.slots[bt.frame]!, i);
        const hist = inSegment(node) && node.idx === i ? node : undefined;
        if (backtrackInsn(ctx, i, subseq, hist, bt) === 'fallback') { markAllPrecise(cur, ctx); return true; }
      }
      if (bt.empty()) return changed;
      subseq = i;
      // get_prev_insn_idx
      if (i === first && (!inSegment(node) || (node.idx === i && !inSegment(node.older)))) break;
      if (inSegment(node) && node.idx === i) { i = node.prevIdx; node = node.older; } else i--;
      if (i < 0) { markAllPrecise(cur, ctx); return true; }
    }
    const parent = st.parent;
    if (parent === undefined) break;
    st = parent;
    if (markInState(st, bt, ctx.log)) changed = true;
    if (bt.empty()) return changed;
    subseq = first;
    last = st.lastIdx ?? -1;
    first = st.firstIdx ?? 0;
  }
  if (!bt.empty()) { markAllPrecise(cur, ctx); return true; }
  return changed;
}

/** mark_chain_precision(regno) in the current frame. */
export function markPrecise(env: Env, regno: number): void {
  const ctx = env.precision;
  if (ctx === undefined) return;
  const bt = new Backtrack(env.state.frames.length - 1);
  bt.setReg(regno);
  markChain(env, ctx, bt);
}

/** mark_chain_precision_batch for one spilled slot `spi` of frame `frame` (a constant map key). */
export function markSlotPrecise(env: Env, frame: number, spi: number): void {
  const ctx = env.precision;
  if (ctx === undefined) return;
  const bt = new Backtrack(env.state.frames.length - 1);
  bt.setSlot(spi, frame);
  markChain(env, ctx, bt);
}

/**
 * propagate_precision: a path was pruned against `old`; what is precise there must be precise in
 * the path's checkpoints too. `cur` at `last`: the current path, or a loop's back edge kept until
 * the loop is left (scc-visits.ts). Returns whether some mark is new.
 */
export function propagatePrecision(env: Env, old: VerifierState, cur: VerifierState = env.state, last = env.insnIdx): boolean {
  const ctx = env.precision;
  if (ctx === undefined) return false;
  const bt = new Backtrack(cur.frames.length - 1);
  for (let fr = old.frames.length - 1; fr >= 0; fr--) {
    const f = old.frames[fr]!;
    for (let r = 0; r < 10; r++) if (f.regs[r]!.type === 'scalar' && f.regs[r]!.precise === true) bt.setReg(r, fr);
    f.stack.forEach((slot, spi) => { if (spilledScalar(slot)?.precise === true) bt.setSlot(spi, fr); });
    if (ctx.log !== undefined) ctx.log.propagating(fr, propagated(bt, fr));
  }
  return markChain(env, ctx, bt, cur, last);
}

/** The kernel's names of what is needed in frame `fr`: `r1`, `fp-8`. */
function propagated(bt: Backtrack, fr: number): string[] {
  const out: string[] = [];
  for (let r = 0; r < 10; r++) if (bt.isReg(r, fr)) out.push(`r${r}`);
  for (let spi = 0; spi < 64; spi++) if (bt.isSlot(spi, fr)) out.push(`fp${-(spi + 1) * 8}`);
  return out;
}

/** A new checkpoint `cp` (a copy of the current state at `idx`): the current path continues from it. */
export function startSegment(cur: VerifierState, cp: VerifierState, idx: number): void {
  cur.parent = cp;
  cur.firstIdx = idx;
  cur.histLen = 0;
}

/** A path whose history since its checkpoint grew long gets a new one (the kernel's jmp_history_cnt > 40), so that backtracking stays short. */
export const longHistory = (s: VerifierState): boolean => (s.histLen ?? 0) > 40;
