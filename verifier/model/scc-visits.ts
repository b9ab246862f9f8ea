// Loops and precision marks (the kernel's SCC visits, 6.16 and later): a state inside a loop may
// be reached again before every path from it is explored, so its precision marks are not final.
// A loop is a strongly connected component of the control flow graph (live-regs.ts), told apart by
// the call sites leading to it (compute_scc_callchain). The first checkpoint kept in a loop on a
// call chain is the visit's entry; a path pruned against a state of the loop while the visit goes
// on is a back edge, kept; while a visit has back edges its states are compared by range
// (RANGE_WITHIN), imprecise scalars included. When every path from the entry is explored, the
// precise marks are carried over the back edges until nothing changes (propagate_backedges).

import type { Env } from './env.js';
import { markAllPrecise, propagatePrecision } from './precision.js';
import type { VerifierState } from './state.js';

/** MAX_BACKEDGE_ITERS: rounds before every scalar on the back edges' paths is marked instead. */
const MAX_ROUNDS = 64;

/** A path pruned inside a loop: its state then, the instruction, and the state that covered it. */
export interface Backedge {
  readonly state: VerifierState;
  readonly insn: number;
  readonly equal: VerifierState;
}

interface Visit {
  entry: object | undefined;
  backedges: Backedge[];
}

export class SccVisits {
  private readonly visits = new Map<string, Visit>();
  /** Back edges kept, all visits together (env->num_backedges). */
  backedgeCount = 0;

  /** `scc`: each instruction's loop number (0: in none); `log`: the level-2 log's SCC lines. */
  constructor(private readonly scc: Int32Array, private readonly log?: (line: string) => void) {}

  /**
   * compute_scc_callchain: the call sites of the frames up to the first whose instruction is in
   * a loop, and that loop's number (`(1)`, `(4,2)`); undefined when none is.
   */
  callchain(state: VerifierState, insn: number): string | undefined {
    const sites: number[] = [];
    for (let i = 0; i < state.frames.length; i++) {
      const at = i < state.frames.length - 1 ? state.frames[i + 1]!.callsite : insn;
      const n = this.scc[at] ?? 0;
      if (n !== 0) return `(${[...sites, n].join(',')})`;
      sites.push(at);
    }
    return undefined;
  }

  /** maybe_enter_scc: a checkpoint kept at `insn` is the entry of its loop's visit when none is going on. */
  enter(insn: number, state: VerifierState, checkpoint: object): void {
    const chain = this.callchain(state, insn);
    if (chain === undefined) return;
    let v = this.visits.get(chain);
    if (v === undefined) { v = { entry: undefined, backedges: [] }; this.visits.set(chain, v); }
    if (v.entry !== undefined) return;
    v.entry = checkpoint;
    this.log?.(`SCC enter ${chain}`);
  }

  /** incomplete_read_marks: the state kept at `insn` is in a loop whose visit has back edges. */
  incomplete(insn: number, state: VerifierState): boolean {
    const chain = this.callchain(state, insn);
    return chain !== undefined && (this.visits.get(chain)?.backedges.length ?? 0) > 0;
  }

  /**
   * add_scc_backedge: a path pruned against the state kept at `insn`, inside its loop. False when
   * that state is in no visit (the kernel's verifier_bug): the caller must not rely on its marks.
   */
  addBackedge(insn: number, state: VerifierState, backedge: Backedge): boolean {
    const chain = this.callchain(state, insn);
    const v = chain === undefined ? undefined : this.visits.get(chain);
    if (v === undefined) return false;
    v.backedges.push(backedge);
    this.backedgeCount++;
    this.log?.(`SCC backedge ${chain}`);
    return true;
  }

  /** maybe_exit_scc: every path from `checkpoint` (kept at `insn`) is explored; its visit's back edges, when it was the entry. */
  exit(insn: number, state: VerifierState, checkpoint: object): readonly Backedge[] | undefined {
    const chain = this.callchain(state, insn);
    const v = chain === undefined ? undefined : this.visits.get(chain);
    if (v === undefined || v.entry !== checkpoint) return undefined;
    v.entry = undefined;
    this.log?.(`SCC exit ${chain}`);
    const done = v.backedges;
    v.backedges = [];
    this.backedgeCount -= done.length;
    return done;
  }
}

/** propagate_backedges: each back edge's path gets the marks of the state that covered it, until none is new. */
export function propagateBackedges(env: Env, backedges: readonly Backedge[]): void {
  const ctx = env.precision;
  if (ctx === undefined || backedges.length === 0) return;
  for (let round = 0; ; round++) {
    if (round > MAX_ROUNDS) {
      for (const b of backedges) markAllPrecise(b.state, ctx);
      return;
    }
    let changed = false;
    for (const b of backedges) if (propagatePrecision(env, b.equal, b.state, b.insn)) changed = true;
    if (!changed) return;
  }
}
