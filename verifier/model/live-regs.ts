// The header of the kernel's level-2 log (6.15 and later): a `func#N @start` line per
// subprogram, then `Live regs before insn:` with each instruction's live registers — the
// registers some path from it reads before writing (compute_live_registers, a backward fixpoint
// over the control flow graph) — and, for instructions in a loop, the number of its strongly
// connected component (compute_scc, Tarjan's order: a loop finished first gets the lower number).
// Built only when the level-2 log is asked for.

import type { Instruction } from '../../isa/index.js';
import { callsCallback } from './callbacks.js';
import { logInsnText } from './log-insn.js';
import { kfuncAvailable } from '../tables/kfuncs.js';
import type { ModelOptions } from './env.js';

const CALLER_SAVED = 0b111111;
const ALL_REGS = 0b1111111111;
const bit = (r: number): number => 1 << r;

/** The registers the instruction reads and writes (compute_insn_live_regs). */
function useDef(insn: Instruction, opts: ModelOptions): { use: number; def: number } {
  switch (insn.kind) {
    case 'alu':
      if (insn.op === 'mov') return { use: insn.src.kind === 'reg' ? bit(insn.src.reg) : 0, def: bit(insn.dst) };
      return { use: bit(insn.dst) | (insn.src.kind === 'reg' ? bit(insn.src.reg) : 0), def: bit(insn.dst) };
    case 'movsx': case 'addrSpaceCast': return { use: bit(insn.src), def: bit(insn.dst) };
    case 'neg': case 'endian': return { use: bit(insn.dst), def: bit(insn.dst) };
    case 'ldImm64': return { use: 0, def: bit(insn.dst) };
    case 'ldx': return { use: bit(insn.src), def: bit(insn.dst) };
    case 'stx': return { use: bit(insn.dst) | bit(insn.src), def: 0 };
    case 'st': return { use: bit(insn.dst), def: 0 };
    case 'atomic': {
      const cmpxchg = insn.op === 'cmpxchg';
      const use = bit(insn.dst) | bit(insn.src) | (cmpxchg ? bit(0) : 0);
      return { use, def: insn.fetch ? (cmpxchg ? bit(0) : bit(insn.src)) : 0 };
    }
    // A legacy packet load may leave the program: every register counts as read.
    case 'ldAbs': case 'ldInd': return { use: ALL_REGS, def: CALLER_SAVED };
    case 'jump': return { use: bit(insn.dst) | (insn.src.kind === 'reg' ? bit(insn.src.reg) : 0), def: 0 };
    case 'exit': return { use: bit(0), def: 0 };
    case 'call': return { use: callParams(insn, opts), def: CALLER_SAVED };
    default: return { use: 0, def: 0 };
  }
}

/** R1..Rn of a call's n parameters (get_call_summary); all five when the callee's prototype is not known. */
function callParams(insn: Extract<Instruction, { kind: 'call' }>, opts: ModelOptions): number {
  const params = (n: number): number => ((1 << (n + 1)) - 1) & ~1;
  if (insn.callee === 'helper') {
    const proto = opts.helperAvailable(insn.imm) === true ? opts.helper(insn.imm) : undefined;
    if (proto === undefined) return params(5);
    const n = proto.args.findIndex((a) => a === 'dontcare');
    return params(n < 0 ? proto.args.length : n);
  }
  if (insn.callee === 'kfunc' && insn.offset === 0 && opts.kernelBtf !== undefined) {
    const fn = opts.kernelBtf.type(insn.imm);
    // A kfunc the program type may not call has no prototype here either.
    const proto = fn?.kind === 'FUNC' && kfuncAvailable(fn.name, opts.progType) === true ? opts.kernelBtf.type(fn.type) : undefined;
    if (proto?.kind === 'FUNC_PROTO') return params(proto.params.length);
  }
  return params(5);
}

/** bpf_insn_successors: the instructions control may reach next (a call returns to the next one). */
function successors(insn: Instruction, i: number): number[] {
  switch (insn.kind) {
    case 'exit': return [];
    case 'ja': return [i + insn.offset + 1];
    case 'gotol': return [i + insn.imm + 1];
    case 'jump': case 'mayGoto': return insn.offset === 0 ? [i + 1] : [i + 1, i + insn.offset + 1];
    case 'ldImm64': return [i + 2];
    // A call of a callback repeats itself (the callback's iterations converge at the call).
    case 'call': return callsCallback(insn) ? [i + 1, i] : [i + 1];
    default: return [i + 1];
  }
}

/** Tarjan's strongly connected components; components of one instruction without a self-loop get 0. */
export function sccNumbers(succ: readonly (readonly number[] | undefined)[]): Int32Array {
  const n = succ.length;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const scc = new Int32Array(n);
  const stack: number[] = [];
  let counter = 0;
  let next = 1;
  for (let root = 0; root < n; root++) {
    if (succ[root] === undefined || index[root] !== -1) continue;
    // Iterative DFS: each frame is an instruction and the position in its successor list.
    const work: [number, number][] = [[root, 0]];
    index[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = 1;
    while (work.length > 0) {
      const top = work[work.length - 1]!;
      const [v, k] = top;
      const out = succ[v]!;
      if (k < out.length) {
        top[1]++;
        const w = out[k]!;
        if (w < 0 || w >= n || succ[w] === undefined) continue;
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = 1;
          work.push([w, 0]);
        } else if (onStack[w] === 1) low[v] = Math.min(low[v]!, index[w]!);
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const p = work[work.length - 1]![0];
        low[p] = Math.min(low[p]!, low[v]!);
      }
      if (low[v] !== index[v]) continue;
      const members: number[] = [];
      for (;;) {
        const w = stack.pop()!;
        onStack[w] = 0;
        members.push(w);
        if (w === v) break;
      }
      if (members.length > 1 || out.includes(v)) {
        for (const w of members) scc[w] = next;
        next++;
      }
    }
  }
  return scc;
}

/**
 * Each instruction's loop number (sccNumbers), also when some instruction did not decode: the
 * walk rejects the program where it reaches one, so no path leaves it and it closes no loop.
 */
export function loopNumbers(insns: readonly (Instruction | undefined)[]): Int32Array {
  const succ = insns.map((insn, i) => (insn !== undefined ? successors(insn, i) : i > 0 && insns[i - 1]?.kind === 'ldImm64' ? undefined : []));
  return sccNumbers(succ);
}

/**
 * Each instruction's live registers (insn_aux_data.live_regs_before, bit r for Rr) and
 * successors, or undefined when some instruction did not decode.
 */
export function liveRegisters(insns: readonly (Instruction | undefined)[], opts: ModelOptions): { liveIn: Int32Array; succ: (number[] | undefined)[] } | undefined {
  const n = insns.length;
  const succ: (number[] | undefined)[] = new Array(n);
  const use = new Int32Array(n);
  const def = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const insn = insns[i];
    if (insn === undefined) {
      if (i > 0 && insns[i - 1]?.kind === 'ldImm64') continue;
      return undefined;
    }
    succ[i] = successors(insn, i);
    const ud = useDef(insn, opts);
    use[i] = ud.use;
    def[i] = ud.def;
  }
  const liveIn = new Int32Array(n);
  for (let changed = true; changed;) {
    changed = false;
    for (let i = n - 1; i >= 0; i--) {
      const out = succ[i];
      if (out === undefined) continue;
      let o = 0;
      for (const s of out) if (s >= 0 && s < n) o |= liveIn[s]!;
      const inn = (o & ~def[i]!) | use[i]!;
      if (inn !== liveIn[i]) { liveIn[i] = inn; changed = true; }
    }
  }
  return { liveIn, succ };
}

/**
 * The header lines, or none when some instruction did not decode (the kernel prints them only
 * for a program its earlier checks passed), and each instruction's loop number (0: none).
 */
export function liveRegsHeader(insns: readonly (Instruction | undefined)[], subprograms: readonly number[], opts: ModelOptions): { lines: string[]; scc: Int32Array } {
  const n = insns.length;
  const live = liveRegisters(insns, opts);
  if (live === undefined) return { lines: [], scc: new Int32Array(n) };
  const { liveIn, succ } = live;
  const scc = sccNumbers(succ);
  const lines = subprograms.map((start, i) => `func#${i} @${start}`);
  lines.push('Live regs before insn:');
  for (let i = 0; i < n; i++) {
    const insn = insns[i];
    if (insn === undefined) continue;
    let regs = '';
    for (let r = 0; r < 10; r++) regs += (liveIn[i]! & bit(r)) !== 0 ? String(r) : '.';
    const text = logInsnText(insn, i, opts.kernelBtf).slice(`${i}: `.length);
    const sccCol = scc[i] !== 0 ? `${String(scc[i]).padStart(3)} ` : '    ';
    lines.push(`${sccCol}${String(i).padStart(3)}: ${regs} ${text}`);
  }
  return { lines, scc };
}
