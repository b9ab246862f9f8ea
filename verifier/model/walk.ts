// The path walk (do_check): depth first from instruction 0 with R1 = ctx and
// R10 = fp, one instruction at a time; at an undecided conditional jump the
// jump target's state is pushed and the fall-through continues; a path ends at
// the main program's exit or when pruned, and the walk resumes with the state
// pushed last. At prune points the current state is compared with the states
// already seen there (prune.ts), and some are kept for later comparisons.

import { formatFrameState } from './state-format.js';
import { type Instruction, decodeRawSlot, type RawSlot } from '../../isa/index.js';
import { LevelTwoLog } from './log-level2.js';
import { liveRegisters, liveRegsHeader, loopNumbers, sccNumbers } from './live-regs.js';
import { cleanState, inLoop, StackLiveness } from './liveness.js';
import type { InstructionFault } from '../verdict.js';
import { checkAlu } from './alu.js';
import { checkCondJump } from './branch.js';
import { type Env, type ModelOptions, readReg, checkWritable, regs } from './env.js';
import { checkMainExit } from './exit.js';
import { checkCombinedStack, enterSubprogram, exitSubprogram } from './calls.js';
import { callbackEntry, callsCallback, exitCallback, loadFuncPointer } from './callbacks.js';
import { checkTailCall, checkTailCallMaps, isTailCall, TAIL_CALL } from './tail-call.js';
import { pointerTypeOf, savePointerType } from './insn-pointer-type.js';
import { checkHelperCall } from './helper-call.js';
import { checkKfuncCall } from './kfunc-call.js';
import { isIterNextCall, iterDepthsDiffer, iterLoopConverges } from './iterators.js';
import { KFUNCS } from '../tables/kfuncs.js';
import { mayGotoFallThrough, otherMayGotoIteration } from './may-goto.js';
import { checkHelperInRcu } from './rcu.js';
import { constReg, isPointer, notInit, pointerReg, regStr, type RegState, unknownReg } from './reg.js';
import { checkMemAccess, checkPtrOffReg } from './memory.js';
import { NotModelled, notModelled, reject, Rejection, type ModelErrno } from './outcome.js';
import { longHistory, markAllPrecise, markPrecise, noteStep, precisionContext, propagatePrecision, startSegment } from './precision.js';
import { statesEqual } from './prune.js';
import { propagateBackedges, SccVisits } from './scc-visits.js';
import { newAluSanitation } from './cap-bpf-alu.js';
import { checkResourceLeak } from './references.js';
import { checkMapProgCompat } from './map-fields.js';
import { checkCallUnderLock } from './spin-lock.js';
import { guardCapBpfInsn } from './cap-bpf.js';
import { newBarriers, recoverableOnSpeculativePath, speculativeBranchState } from './speculative.js';
import { cloneState, type VerifierState, initialState } from './state.js';
import { checkGlobalCall, checkGlobalExit, globalEntryState, type SubprogEffects, subprogEffects } from './global-call.js';

/** BPF_COMPLEXITY_LIMIT_INSNS. */
export const COMPLEXITY_LIMIT_INSNS = 1_000_000;
/** BPF_COMPLEXITY_LIMIT_JMP_SEQ: pending branches. */
export const COMPLEXITY_LIMIT_JMP_SEQ = 8192;
/** BPF_COMPLEXITY_LIMIT_STATES: states kept per instruction beyond which a loader without CAP_BPF keeps no more. */
const UNPRIVILEGED_STATES_PER_INSN = 64;

export type WalkResult =
  | { readonly verdict: 'accept'; readonly insnsProcessed: number; readonly stats: WalkStats }
  | { readonly verdict: 'reject'; readonly errno: ModelErrno; readonly lines: readonly string[]; readonly insnIndex?: number; readonly insnsProcessed: number; readonly stats: WalkStats }
  | { readonly verdict: 'unknown'; readonly notModelled: string; readonly insnIndex: number; readonly insnsProcessed: number };

export interface WalkStats {
  readonly totalStates: number;
  readonly peakStates: number;
  readonly maxStatesPerInsn: number;
  /** Bytes of stack each subprogram used (the kernel's `stack depth` line, slots of 8). */
  readonly stackDepth: readonly number[];
}

/** A state kept at a prune point, and how many paths from it are still being explored. */
interface Checkpoint {
  readonly insn: number;
  readonly state: VerifierState;
  branches: number;
  readonly parent: Checkpoint | undefined;
  hits: number;
  misses: number;
  /** Its dead registers and stack slots are forgotten (liveness.ts). */
  cleaned?: boolean;
}

interface Path {
  state: VerifierState;
  insn: number;
  parent: Checkpoint | undefined;
  /** The instruction processed before `insn` on this path (env->prev_insn_idx). */
  prev: number;
}

/** Prune points: conditional jumps and their targets, targets of `goto` and of calls, and the instruction after each call (the kernel's check_cfg marks). */
function prunePoints(insns: readonly (Instruction | undefined)[]): Uint8Array {
  const marks = new Uint8Array(insns.length + 1);
  insns.forEach((insn, t) => {
    if (insn === undefined) return;
    switch (insn.kind) {
      // Both the branching instruction and its target (every BRANCH edge of check_cfg).
      case 'jump': case 'mayGoto': marks[t] = 1; marks[t + insn.offset + 1] = 1; break;
      case 'ja': marks[t + insn.offset + 1] = 1; break;
      case 'gotol': marks[t + insn.imm + 1] = 1; break;
      case 'call': marks[t + 1] = 1; if (insn.callee === 'local') { marks[t] = 1; marks[t + insn.imm + 1] = 1; } if (callsCallback(insn)) marks[t] = 1; break;
      case 'ldImm64': if (insn.pseudo === 4) { marks[t] = 1; marks[t + 2] = 1; marks[t + insn.imm + 1] = 1; } break;
      default: break;
    }
  });
  return marks;
}

function decodeAll(slots: readonly RawSlot[], faults: ReadonlyMap<number, InstructionFault>): (Instruction | undefined)[] {
  const out: (Instruction | undefined)[] = [];
  for (let i = 0; i < slots.length; i++) {
    if (faults.has(i)) { out.push(undefined); continue; }
    try {
      out.push(decodeRawSlot(slots[i]!, slots[i + 1], i, i * 8));
    } catch {
      out.push(undefined);
    }
    if (slots[i]!.opcode === 0x18) { out.push(undefined); i++; }
  }
  return out;
}

/** The fields of a fault the structural stage found, checked when the walk reaches it. */
function applyFault(env: Env, fault: InstructionFault): never {
  for (const p of fault.preconditions) {
    if (p.kind === 'initialised') readReg(env, p.reg);
    else if (p.kind === 'not-pointer') {
      // check_atomic_rmw without allow_ptr_leaks, before the destination's type and the write of the old value.
      if (env.opts.capBpfOnly === true && isPointer(regs(env)[p.reg]!)) reject('EACCES', `R${p.reg} leaks addr into mem`);
    } else {
      const r = regs(env)[p.reg]!;
      if (r.type === 'ctx' || r.type === 'pkt' || r.type === 'pkt_meta' || r.type === 'flow_keys' || r.type === 'sock' || r.type === 'sock_common' || r.type === 'tcp_sock' || r.type === 'xdp_sock') {
        reject('EACCES', `BPF_ATOMIC stores into R${p.reg} ${regStr(r)} is not allowed`);
      }
    }
  }
  reject(fault.errno, fault.message);
}

/** check_atomic for the read-modify-write operations. */
function checkAtomic(env: Env, insn: Extract<Instruction, { kind: 'atomic' }>): void {
  if (insn.op === 'loadAcquire' || insn.op === 'storeRelease') notModelled('load-acquire and store-release');
  readReg(env, insn.src);
  readReg(env, insn.dst);
  if (insn.op === 'cmpxchg') readReg(env, 0);
  const r = regs(env)[insn.dst]!;
  if (['ctx', 'pkt', 'pkt_meta', 'flow_keys', 'sock', 'sock_common', 'tcp_sock', 'xdp_sock'].includes(r.type)) {
    reject('EACCES', `BPF_ATOMIC stores into R${insn.dst} ${regStr(r)} is not allowed`);
  }
  const loadReg = insn.fetch ? (insn.op === 'cmpxchg' ? 0 : insn.src) : -1;
  if (loadReg >= 0) checkWritable(loadReg);
  checkMemAccess(env, insn.dst, insn.offset, insn.size, 'read', { valueRegno: -1, strictAlignment: true, atomic: true });
  if (loadReg >= 0) checkMemAccess(env, insn.dst, insn.offset, insn.size, 'read', { valueRegno: loadReg, strictAlignment: true, atomic: true });
  checkMemAccess(env, insn.dst, insn.offset, insn.size, 'write', { valueRegno: -1, strictAlignment: true, atomic: true });
}

/** check_ld_abs: legacy packet loads through the skb in R6. */
function checkLdAbs(env: Env, insn: Extract<Instruction, { kind: 'ldAbs' | 'ldInd' }>): void {
  if (!['socket_filter', 'sched_cls', 'sched_act'].includes(env.opts.progType)) reject('EINVAL', 'BPF_LD_[ABS|IND] instructions not allowed for this program type');
  readReg(env, 6);
  checkResourceLeak(env, 'BPF_LD_[ABS|IND]', true);
  const rs = regs(env);
  if (rs[6]!.type !== 'ctx') reject('EINVAL', 'at the time of BPF_LD_ABS|IND R6 != pointer to skb');
  if (insn.kind === 'ldInd') readReg(env, insn.src);
  checkPtrOffReg(rs[6]!, 6, false);
  for (let r = 0; r <= 5; r++) rs[r] = notInit();
  rs[0] = unknownReg();
}

function loadImm64(env: Env, insn: Extract<Instruction, { kind: 'ldImm64' }>): void {
  checkWritable(insn.dst);
  const rs = regs(env);
  switch (insn.pseudo) {
    case 0: rs[insn.dst] = constReg((BigInt(insn.nextImm >>> 0) << 32n) | BigInt(insn.imm >>> 0)); return;
    case 1: case 2: {
      const map = env.opts.map(insn.imm);
      if (map === undefined) notModelled(`map fd ${insn.imm} without a description`);
      if (insn.pseudo === 1) { rs[insn.dst] = pointerReg('map_ptr', { map }); return; }
      if (map.type !== 2) notModelled('direct value access to a map that is not an array');
      rs[insn.dst] = pointerReg('map_value', { map, off: insn.nextImm });
      return;
    }
    case 3: {
      // BPF_PSEUDO_BTF_ID of a kernel function (bpf_ksym_exists on a kfunc): read-only memory of size 0.
      // Variables (typed and percpu ksyms) and module BTF are not modelled.
      const kind = insn.nextImm === 0 ? env.opts.kernelBtf?.type(insn.imm)?.kind : undefined;
      if (kind !== 'FUNC') notModelled('ld_imm64 of a kernel variable or of module BTF (BPF_PSEUDO_BTF_ID)');
      rs[insn.dst] = pointerReg('mem', { memSize: 0, flags: { maybeNull: false, rdonly: true, ringbuf: false } });
      return;
    }
    default: notModelled(`ld_imm64 with src_reg ${insn.pseudo}`);
  }
}

/** BPF_MAX_VAR_OFF: the largest offset a map value address may carry. */
const MAX_VAR_OFF = 1 << 29;

/**
 * Before the walk, as the kernel resolves every ld_imm64 of a map value address (reached or
 * not): the offset is below BPF_MAX_VAR_OFF, the map a one-element array, the offset inside its
 * value. (The kernel does this before check_cfg; here it follows the structural stage, so an
 * unreachable instruction is reported first where the kernel names the offset.)
 */
function checkDirectValueOffsets(insns: readonly (Instruction | undefined)[], options: ModelOptions): void {
  for (const insn of insns) {
    if (insn?.kind !== 'ldImm64' || (insn.pseudo !== 1 && insn.pseudo !== 2)) continue;
    const map = options.map(insn.imm);
    if (map !== undefined) checkMapProgCompat(map, options.progType);
    if (insn.pseudo !== 2) continue;
    const off = insn.nextImm >>> 0;
    if (off >= MAX_VAR_OFF) reject('EINVAL', `direct value offset of ${off} is not allowed`);
    if (map === undefined) notModelled(`map fd ${insn.imm} without a description`);
    if (map.type !== 2) notModelled('direct value access to a map that is not an array');
    // Only a single-element array hands out a value address (ENOTSUPP otherwise), in range (EINVAL).
    const bad = `invalid access to map value pointer, value_size=${map.valueSize} off=${off}`;
    if (map.maxEntries !== 1) reject('ENOTSUPP', bad);
    if (off >= map.valueSize) reject('EINVAL', bad);
  }
}

export interface WalkInput {
  readonly slots: readonly RawSlot[];
  /** Start slots of the subprograms, the main program's 0 first. */
  readonly subprograms: readonly number[];
  readonly faults: readonly InstructionFault[];
  readonly options: ModelOptions;
  /** The kernel's log at level 2: each processed instruction with register states (log-level2.ts). */
  readonly traceInstructions?: boolean;
}

/** Whether two states are in the same frames of the same calls (same_callsites). */
const sameCallsites = (a: VerifierState, b: VerifierState): boolean =>
  a.frames.length === b.frames.length && a.frames.every((f, i) => f.callsite === b.frames[i]!.callsite);

/** explored_state: the hash bucket of the states kept at `idx` with `state`'s top frame. */
const stateBucket = (idx: number, state: VerifierState, len: number): number =>
  ((idx ^ state.frames[state.frames.length - 1]!.callsite) >>> 0) % len;

/** Runs the path walk over a structurally valid program. */
export function walk(input: WalkInput): WalkResult & { trace: string[] } {
  const faults = new Map(input.faults.map((f) => [f.insnIndex, f]));
  const insns = decodeAll(input.slots, faults);
  const prune = prunePoints(insns);
  // An iterator's next call is a forced checkpoint, where its loop converges.
  const iterNext = new Set<number>();
  insns.forEach((insn, i) => { if (insn?.kind === 'call' && insn.callee === 'kfunc' && insn.offset === 0 && isIterNextCall(input.options.kernelBtf, insn.imm, KFUNCS)) { iterNext.add(i); prune[i] = 1; } });
  const explored = new Map<number, Checkpoint[]>();
  // Pruning compares only live registers and, in a program without callbacks or kfuncs, forgets
  // dead stack slots of fully explored states (liveness.ts); the registers' liveness is computed once.
  const liveRegs = liveRegisters(insns, input.options);
  const regsBefore = liveRegs?.liveIn;
  const stackRecorded = !insns.some((insn) => (insn?.kind === 'call' && (insn.callee === 'kfunc' || callsCallback(insn))) || (insn?.kind === 'ldImm64' && insn.pseudo === 4));
  const stackLive = liveRegs !== undefined && stackRecorded ? new StackLiveness(liveRegs.succ, input.subprograms) : undefined;
  const scc = liveRegs === undefined ? loopNumbers(insns) : sccNumbers(liveRegs.succ);
  // States in a loop are not cleaned: the kernel waits for the loop's exploration to end (incomplete_read_marks).
  const loops = stackLive === undefined ? undefined : scc;
  let idGen = 0;
  let processed = 0;
  let jmpsProcessed = 0;
  let prevJmps = 0;
  let prevInsns = 0;
  let totalStates = 0;
  let liveStates = 0;
  let peakStates = 0;
  let maxPerInsn = 0;
  const trace: string[] = [];
  const log2 = input.traceInstructions === true ? new LevelTwoLog(trace, input.options.kernelBtf) : undefined;
  log2?.begin(liveRegsHeader(insns, input.subprograms, input.options));
  const pending: Path[] = [];
  let cur: Path = { state: initialState(), insn: 0, parent: undefined, prev: -1 };
  const precision = precisionContext(insns, new Set((input.options.functions ?? []).filter((f) => f.global).map((f) => f.start)));
  if (log2 !== undefined) precision.log = log2.precisionLog(insns);
  const sccVisits = new SccVisits(scc, log2 === undefined ? undefined : (l) => log2.sccLine(l));
  // With CAP_BPF, pruning ignores the scalars a finished state did not rely on (precision.ts); that
  // needs every mark the kernel makes, so not once backtracking ran out.
  const tracksPrecision = (input.options.privileged || input.options.capBpfOnly === true) && input.options.unprivileged !== true;
  const ignoreImprecise = (): boolean => tracksPrecision && !precision.exhausted;
  const env: Env = {
    state: cur.state, insnIdx: 0, opts: input.options, nextId: () => ++idGen, note: (l) => trace.push(l), pointerTypes: new Map(), loopInline: new Map(), precision,
    ...(stackLive === undefined ? {} : { stackLive }),
    ...(regsBefore === undefined ? {} : { liveRegsBefore: regsBefore }),
    ...(input.options.capBpfOnly === true ? { aluSanitation: newAluSanitation((s, at) => fork(s, at, env.insnIdx)) } : {}),
  };
  // The deepest stack each subprogram used, and the calls each one makes, for the combined check.
  const subprogOf = (slot: number): number => {
    let s = 0;
    input.subprograms.forEach((start, i) => { if (start <= slot) s = i; });
    return s;
  };
  const depth = input.subprograms.map(() => 0);
  const calls: number[][] = input.subprograms.map(() => []);
  insns.forEach((insn, i) => {
    // Function references count as calls: a callback runs on top of the frame that names it.
    if ((insn?.kind === 'call' && insn.callee === 'local') || (insn?.kind === 'ldImm64' && insn.pseudo === 4)) calls[subprogOf(i)]!.push(subprogOf(i + insn.imm + 1));
  });
  const tailCalls = input.subprograms.map(() => false);
  insns.forEach((insn, i) => { if (isTailCall(insn)) tailCalls[subprogOf(i)] = true; });
  const noteStack = (state: VerifierState): void => {
    for (const f of state.frames) depth[f.subprog] = Math.max(depth[f.subprog]!, f.allocated);
  };
  const checkStack = (): void => {
    env.insnIdx = -1;
    checkCombinedStack(input.options.progType, input.subprograms, depth, calls, tailCalls);
  };
  let uneliminatedKfunc = false;
  const checkKfuncsEliminated = (): void => {
    env.insnIdx = -1;
    if (uneliminatedKfunc) reject('EINVAL', 'invalid kernel function call not eliminated in verifier pass');
  };
  const stats = (): WalkStats => ({ totalStates, peakStates, maxStatesPerInsn: maxPerInsn, stackDepth: [...depth] });

  // Global functions: each one called is verified on its own after the main program, in
  // passes over the subprograms (do_check_subprogs); the log of a failing one starts 'Validating'.
  let effects: SubprogEffects[] | undefined;
  const called = new Set<number>();
  const verified = new Set<number>();
  let pass = { at: 0, verified: 0 };
  let validating: string | undefined;
  const nextGlobal = (): Path | undefined => {
    for (;;) {
      const i = [...called].filter((s) => s > pass.at && !verified.has(s)).sort((a, b) => a - b)[0];
      if (i === undefined) {
        if (pass.verified === 0) return undefined;
        pass = { at: 0, verified: 0 };
        continue;
      }
      pass = { at: i, verified: pass.verified + 1 };
      verified.add(i);
      const fn = input.options.functions!.find((f) => f.start === input.subprograms[i])!;
      explored.clear();
      validating = `Validating ${fn.name}() func#${i}...`;
      env.note(validating);
      env.insnIdx = input.subprograms[i]!;
      const state = globalEntryState(env, fn, i);
      return { state, insn: input.subprograms[i]!, parent: undefined, prev: -1 };
    }
  };

  const finishPath = (): boolean => {
    log2?.pathEnd();
    for (let cp = cur.parent; cp !== undefined; cp = cp.parent) {
      if (--cp.branches > 0) break;
      const backedges = sccVisits.exit(cp.insn, cp.state, cp);
      if (backedges !== undefined) propagateBackedges(env, backedges);
    }
    const popped = pending.pop();
    poppedFresh = popped !== undefined;
    const next = popped ?? nextGlobal();
    if (next === undefined) return false;
    cur = next;
    env.state = cur.state;
    stackLive?.update(cur.state);
    return true;
  };

  /**
   * A pruned path: what is precise in the state that covers it must be precise on its path too.
   * Inside a loop (`loop`) the marks of `old` are not final: the path is kept as a back edge, and
   * the marks are carried over again when the loop is left (scc-visits.ts).
   */
  const prunedBy = (idx: number, old: Checkpoint, loop: boolean): void => {
    noteStep(env, idx, cur.prev);
    propagatePrecision(env, old.state);
    if (!loop) return;
    if (!sccVisits.addBackedge(idx, old.state, { state: cloneState(cur.state), insn: idx, equal: old.state })) markAllPrecise(cur.state, precision);
    // The kernel counts the back edges kept among its states (update_peak_states).
    peakStates = Math.max(peakStates, liveStates + sccVisits.backedgeCount);
  };

  let lastProcessed = -1;
  /** The current path was popped and has processed nothing yet: the kernel's log was cut back to the instruction that queued it. */
  let poppedFresh = false;
  /** is_state_visited: true when the current path is pruned. */
  const visit = (idx: number): boolean => {
    // A call that calls a callback always keeps a state: the callback's iterations converge there.
    const mayGoto = insns[idx]?.kind === 'mayGoto';
    // may_goto instructions are forced checkpoints too (mark_force_checkpoint).
    const atIterNext = iterNext.size > 0 && iterNext.has(idx);
    const force = callsCallback(insns[idx]) || mayGoto || atIterNext;
    const forceNew = force || input.options.testStateFreq === true || longHistory(cur.state);
    let add = forceNew;
    if (jmpsProcessed - prevJmps >= 2 && processed - prevInsns >= 8) add = true;
    const list = explored.get(idx) ?? [];
    // states_cnt: the states kept here before this visit, counted when it is not pruned.
    const kept = list.length;
    const live = regsBefore === undefined ? undefined : { regsBefore, insn: idx };
    // clean_live_states: the states here whose paths are all explored lose what is dead.
    if (stackLive !== undefined) {
      for (const sl of list) {
        if (sl.branches !== 0 || sl.cleaned === true || !sameCallsites(sl.state, cur.state) || inLoop(sl.state, idx, loops!)) continue;
        sl.cleaned = true;
        cleanState(sl.state, idx, regsBefore!, stackLive);
      }
    }
    const bucket = stateBucket(idx, cur.state, insns.length);
    for (let k = 0; k < list.length; k++) {
      const sl = list[k]!;
      // The kernel keeps states in a hash table by instruction and the top frame's call site: a
      // state of another call of the subprogram is seen only when it falls in the same bucket.
      if (stateBucket(idx, sl.state, insns.length) !== bucket) continue;
      let hit = false;
      let loop = false;
      if (sl.branches > 0) {
        // A loop head against a state still being explored: RANGE_WITHIN, as the kernel.
        if (atIterNext) {
          if (iterLoopConverges(sl.state, cur.state, (o, c) => statesEqual(o, c, 'range', input.options.privileged, env.aluSanitation?.exploreAluLimits, live))) { sl.hits++; prunedBy(idx, sl, true); return true; }
        } else if (mayGoto) {
          if (otherMayGotoIteration(sl.state, cur.state) && statesEqual(sl.state, cur.state, 'range', input.options.privileged, env.aluSanitation?.exploreAluLimits, live)) { sl.hits++; prunedBy(idx, sl, true); return true; }
        } else if (force && statesEqual(sl.state, cur.state, 'range', input.options.privileged, env.aluSanitation?.exploreAluLimits, live)) { sl.hits++; prunedBy(idx, sl, true); return true; }
        if ((!force || mayGoto) && statesEqual(sl.state, cur.state, 'exact', true, false, live) && (sl.state.callbackUnrollDepth ?? 0) === (cur.state.callbackUnrollDepth ?? 0)
          && !otherMayGotoIteration(sl.state, cur.state) && !iterDepthsDiffer(sl.state, cur.state)) {
          // The kernel's log ends with the instruction processed before the loop closed, or, on a
          // path just taken from the stack, with the jump that queued it (pop_stack cut the log back).
          if (poppedFresh) env.insnIdx = cur.prev;
          else if (lastProcessed >= 0) env.insnIdx = lastProcessed;
          const top = cur.state.frames.length - 1;
          reject('EINVAL', `infinite loop detected at insn ${idx}`, `cur state:${formatFrameState(cur.state, cur.state.frames[top]!)}`, `old state:${formatFrameState(sl.state, sl.state.frames[top]!)}`);
        }
        if (!forceNew && jmpsProcessed - prevJmps < 20 && processed - prevInsns < 100) add = false;
      } else {
        // A state in a loop still being explored may lack marks: compared by range, and kept as a back edge.
        loop = sccVisits.incomplete(idx, sl.state) === true;
        hit = statesEqual(sl.state, cur.state, loop ? 'range' : 'covers', input.options.privileged, env.aluSanitation?.exploreAluLimits, live, !loop && ignoreImprecise());
      }
      if (hit) { sl.hits++; prunedBy(idx, sl, loop); return true; }
      if (add) sl.misses++;
      if (sl.misses > sl.hits * 3 + 3) { list.splice(k, 1); k--; liveStates--; }
    }
    maxPerInsn = Math.max(maxPerInsn, kept);
    // BPF_COMPLEXITY_LIMIT_STATES: without CAP_BPF no state is kept where 64 are already.
    if (!add || (input.options.unprivileged === true && kept > UNPRIVILEGED_STATES_PER_INSN)) return false;
    // Only checkpoints need it: backtracking goes from a checkpoint's state to the instruction before it.
    cur.state.lastIdx = cur.prev;
    const cp: Checkpoint = { insn: idx, state: cloneState(cur.state), branches: 1, parent: cur.parent, hits: 0, misses: 0 };
    startSegment(cur.state, cp.state, idx);
    list.unshift(cp);
    explored.set(idx, list);
    cur.parent = cp;
    sccVisits.enter(idx, cp.state, cp);
    totalStates++;
    liveStates++;
    peakStates = Math.max(peakStates, liveStates);
    prevJmps = jmpsProcessed;
    prevInsns = processed;
    return false;
  };

  /**
   * find_prev_entry: the latest state kept at `at` on the current path, with the same call stack
   * (`except`: not the checkpoint this visit just kept).
   */
  const findPrevEntry = (s: VerifierState, at: number, except?: Checkpoint): VerifierState | undefined => {
    return explored.get(at)?.find((cp) => cp !== except && cp.branches > 0 && sameCallsites(cp.state, s))?.state;
  };

  /** Queues another path from the current one (push_stack): it continues at `insn` in `state`. */
  const fork = (state: VerifierState, insn: number, from: number): void => {
    if (cur.parent !== undefined) cur.parent.branches++;
    pending.push({ state, insn, parent: cur.parent, prev: from });
    if (pending.length > COMPLEXITY_LIMIT_JMP_SEQ) reject('E2BIG', `The sequence of ${pending.length} jumps is too complex.`);
  };

  /** prepare_func_exit: back to the caller (after the call) or, from a callback, to the call itself. */
  const leaveFrame = (): number => {
    noteStack(cur.state);
    stackLive?.update(cur.state);
    const top = cur.state.frames[cur.state.frames.length - 1]!;
    // The callback's R0 range is relied on.
    if (top.callback !== undefined && top.regs[0]!.type === 'scalar') markPrecise(env, 0);
    if (top.callback !== undefined) return exitCallback(cur.state, (s, at) => findPrevEntry(s, at));
    return exitSubprogram(cur.state);
  };

  /** An instruction that may also leave the subprogram: the path going on is queued, this one returns `r0`. */
  const exitEarly = (idx: number, r0: RegState): number => {
    fork(cloneState(cur.state), idx + 1, idx);
    regs(env)[0] = r0;
    return leaveFrame();
  };

  const capBpfOnly = input.options.capBpfOnly === true;
  const barriers = newBarriers();
  /** The instruction being checked (a speculative path's recoverable error there ends only that path), or -1. */
  let checking = -1;
  let started = false;
  let walked = false;
  // The walk is resumed here after a speculative path ended on a recoverable error.
  for (;;) try {
    if (!started) {
      started = true;
      env.insnIdx = -1;
      checkDirectValueOffsets(insns, input.options);
    }
    for (;;) {
      if (walked) break;
      const idx = cur.insn;
      env.insnIdx = idx;
      if (++processed > COMPLEXITY_LIMIT_INSNS) {
        // The kernel stops before printing this instruction: its log ends with the one before it on the path.
        if (cur.prev >= 0) env.insnIdx = cur.prev;
        reject('E2BIG', `BPF program is too large. Processed ${processed} insn`);
      }
      precision.step = processed;
      const pruned = prune[idx] === 1 && visit(idx);
      if (pruned || (cur.state.speculative === true && barriers.before.has(idx))) {
        if (pruned) log2?.safe(idx, cur.prev);
        noteStack(cur.state);
        if (!finishPath()) break;
        continue;
      }
      lastProcessed = idx;
      stackLive?.begin(cur.state, idx);
      poppedFresh = false;
      checking = idx;
      // Before the instruction's faults: without CAP_PERFMON the kernel may refuse it differently.
      if (capBpfOnly && insns[idx] !== undefined && guardCapBpfInsn(env, insns[idx], barriers.before.has(idx))) barriers.after.add(idx);
      noteStep(env, idx, cur.prev);
      const fault = faults.get(idx);
      if (fault !== undefined) applyFault(env, fault);
      const insn = insns[idx];
      if (insn === undefined) notModelled(`instruction ${idx}`);
      if (log2 !== undefined) log2.insn(idx, cur.prev, cur.state, insn);
      let next = idx + 1;
      switch (insn.kind) {
        case 'alu': case 'neg': case 'movsx': case 'endian': case 'addrSpaceCast':
          checkAlu(env, insn);
          break;
        case 'ldImm64':
          if (insn.pseudo === 4) { checkWritable(insn.dst); loadFuncPointer(env, insn.dst, idx + insn.imm + 1, input.subprograms); } else loadImm64(env, insn);
          next = idx + 2;
          break;
        case 'ldx': {
          const seen = pointerTypeOf(readReg(env, insn.src));
          checkWritable(insn.dst);
          checkMemAccess(env, insn.src, insn.offset, insn.size, 'read', { valueRegno: insn.dst, signExtend: insn.signed });
          savePointerType(env.pointerTypes, idx, seen);
          break;
        }
        case 'stx': {
          readReg(env, insn.src);
          const seen = pointerTypeOf(readReg(env, insn.dst));
          const link = (r: RegState): void => { if (r.type === 'scalar' && r.id === 0 && r.s.varOff.mask !== 0n) r.id = env.nextId(); };
          checkMemAccess(env, insn.dst, insn.offset, insn.size, 'write', { valueRegno: insn.src, link });
          savePointerType(env.pointerTypes, idx, seen);
          break;
        }
        case 'st': {
          const seen = pointerTypeOf(readReg(env, insn.dst));
          checkMemAccess(env, insn.dst, insn.offset, insn.size, 'write', { valueRegno: -1, stImm: insn.imm });
          savePointerType(env.pointerTypes, idx, seen);
          break;
        }
        case 'atomic':
          checkAtomic(env, insn);
          break;
        case 'ja': jmpsProcessed++; next = idx + insn.offset + 1; break;
        case 'gotol': jmpsProcessed++; next = idx + insn.imm + 1; break;
        case 'jump': {
          jmpsProcessed++;
          const out = checkCondJump(env, insn);
          // Without CAP_PERFMON the side not taken is walked speculatively (sanitize_speculative_path).
          if (capBpfOnly && out.kind !== 'both') fork(speculativeBranchState(env, insn), out.kind === 'jump' ? idx + 1 : idx + insn.offset + 1, idx);
          log2?.insnState(idx, cur.state);
          if (out.kind === 'jump') next = idx + insn.offset + 1;
          else if (out.kind === 'both') {
            fork(out.jumpState, idx + insn.offset + 1, idx);
          }
          break;
        }
        case 'call':
          jmpsProcessed++;
          checkCallUnderLock(env, insn.callee, insn.imm);
          if (insn.callee === 'local') {
            const target = idx + insn.imm + 1;
            const fn = input.options.functions?.find((f) => f.start === target);
            if (fn?.global === true) {
              const sub = input.subprograms.indexOf(target);
              effects ??= subprogEffects(insns, input.subprograms, input.options);
              checkGlobalCall(env, fn, sub, effects[sub]!, input.options.sleepable === true);
              env.note(`Func#${sub} ('${fn.name}') is global and assumed valid.`);
              called.add(sub);
              break;
            }
            enterSubprogram(env, idx, target, input.subprograms.indexOf(target));
            stackLive?.enteredSubprogram();
            log2?.entered(cur.state);
            next = target;
            break;
          }
          if (insn.callee === 'kfunc') {
            // A call of an unresolved weak kfunc (imm 0) is left for the dead-code pass, which refuses it if reachable.
            if (insn.imm === 0) { uneliminatedKfunc = true; break; }
            // The state kept here by an earlier iteration of this path.
            const active = checkKfuncCall(env, insn.imm, insn.offset, () => findPrevEntry(cur.state, idx, cur.parent));
            // The drained path goes on; the active iteration is explored after it (process_iter_next_call).
            if (active !== undefined) fork(active, idx + 1, idx);
            break;
          }
          checkHelperInRcu(env, insn.imm);
          if (callsCallback(insn)) {
            const before = cloneState(cur.state);
            checkHelperCall(env, insn.imm);
            const cb = callbackEntry(env, before, insn.imm, idx, (sub) => input.subprograms[sub]!, insns);
            if (cb !== undefined) fork(cb.state, cb.insn, idx);
            break;
          }
          checkHelperCall(env, insn.imm);
          if (insn.imm === TAIL_CALL) {
            checkTailCall(env);
            // In a subprogram the called program returns to this one's caller: explored first, with an unknown R0.
            if (cur.state.frames.length > 1) next = exitEarly(idx, unknownReg());
          }
          break;
        case 'exit':
          jmpsProcessed++;
          if (cur.state.frames.length > 1) {
            const callee = log2?.frameText(cur.state);
            next = leaveFrame();
            if (callee !== undefined) log2!.returned(callee, next, cur.state);
            break;
          }
          if (cur.state.frames[0]!.subprog !== 0) checkGlobalExit(env); else checkMainExit(env);
          noteStack(cur.state);
          checking = -1;
          if (!finishPath()) { checkStack(); checkTailCallMaps(env.aluSanitation); checkKfuncsEliminated(); return { verdict: 'accept', insnsProcessed: processed, stats: stats(), trace }; }
          continue;
        case 'mayGoto': {
          jmpsProcessed++;
          if (insn.offset === 0) notModelled('may_goto with offset 0');
          // The state kept here by an earlier iteration of this path.
          fork(mayGotoFallThrough(cur.state, findPrevEntry(cur.state, idx, cur.parent)), idx + 1, idx);
          next = idx + insn.offset + 1;
          break;
        }
        case 'callx': notModelled('callx');
        case 'ldAbs': case 'ldInd':
          checkLdAbs(env, insn);
          // In a subprogram a failed load returns 0 from it (the hidden exit of bpf_gen_ld_abs); the loaded path goes on.
          if (cur.state.frames.length > 1) next = exitEarly(idx, constReg(0n));
          break;
      }
      checking = -1;
      // A speculative path stops behind a store the kernel fences (nospec_result).
      if (cur.state.speculative === true && barriers.after.has(idx)) {
        noteStack(cur.state);
        if (!finishPath()) break;
        continue;
      }
      cur.insn = next;
      cur.prev = idx;
    }
    checking = -1;
    checkStack();
    checkTailCallMaps(env.aluSanitation);
    checkKfuncsEliminated();
    return { verdict: 'accept', insnsProcessed: processed, stats: stats(), trace };
  } catch (e) {
    if (e instanceof Rejection && checking >= 0 && cur.state.speculative === true && recoverableOnSpeculativePath(e.errno)) {
      // error_recoverable_with_nospec: a barrier before the instruction; the walk goes on with the next path.
      barriers.before.add(checking);
      checking = -1;
      noteStack(cur.state);
      walked = !finishPath();
      continue;
    }
    if (e instanceof Rejection) {
      return { verdict: 'reject', errno: e.errno, lines: validating === undefined ? e.lines : [validating, ...e.lines], ...(env.insnIdx >= 0 ? { insnIndex: env.insnIdx } : {}), insnsProcessed: processed, stats: stats(), trace } as WalkResult & { trace: string[] };
    }
    if (e instanceof NotModelled) return { verdict: 'unknown', notModelled: e.what, insnIndex: env.insnIdx, insnsProcessed: processed, trace };
    throw e;
  }
}


