// Linear-scan register allocation over the linear IR: each virtual register gets one live
// interval (the hull of the positions where it is defined, used or live across a block edge,
// from a liveness analysis of the control-flow graph) and keeps one place for its whole life — a
// register or an 8-byte stack slot — so that the verifier follows a pointer through every copy,
// spill and fill (its register ids survive mov and an 8-byte aligned spill).
//
// Helper calls clobber R0–R5: an interval that a call crosses lives in R6–R9 (callee-saved) or
// on the stack. emit.ts uses R0 as its scratch register (and R5 too when anything was spilled),
// so R0 holds only a helper's result that dies at once, and a value on its way to the exit (the
// returned value and the ones it is computed from, as clang computes them in R0) where no
// operation of its interval writes R0 otherwise.

import type { AluOp, Register } from '../../isa/index.js';
import { def, type IrFunction, type Op, type Operand, uses, type VReg } from './ir.js';

export type Place = { readonly reg: Register } | { readonly slot: number };

export interface Allocation {
  readonly place: readonly (Place | undefined)[];
  /** Stack bytes in all (frontend's plus spill slots). */
  readonly frame: number;
  /** The second scratch register when something is spilled. */
  readonly scratch2?: Register;
}

export interface Block { readonly start: number; readonly end: number; readonly succ: number[] }

/** Basic blocks of the linear IR (op index ranges) and their successors. */
export function blocks(f: Pick<IrFunction, 'ops'>): Block[] {
  const starts = new Set<number>([0]);
  f.ops.forEach((o, i) => {
    if (o.op === 'label') starts.add(i);
    if (o.op === 'jmp' || o.op === 'br' || o.op === 'ret') starts.add(i + 1);
  });
  const sorted = [...starts].filter((s) => s < f.ops.length).sort((a, b) => a - b);
  const labelAt = new Map<string, number>();
  f.ops.forEach((o, i) => { if (o.op === 'label') labelAt.set(o.name, i); });
  const blockOf = new Map<number, number>(sorted.map((s, k) => [s, k]));
  return sorted.map((start, k) => {
    const end = (sorted[k + 1] ?? f.ops.length) - 1;
    const last = f.ops[end]!;
    const succ: number[] = [];
    const to = (name: string): void => { succ.push(blockOf.get(labelAt.get(name)!)!); };
    if (last.op === 'jmp') to(last.target);
    else if (last.op === 'br') { to(last.target); if (k + 1 < sorted.length) succ.push(k + 1); } else if (last.op !== 'ret' && k + 1 < sorted.length) succ.push(k + 1);
    return { start, end, succ };
  });
}

/** [start, end] position of each virtual register (undefined: never used). */
export function liveIntervals(f: IrFunction): ([number, number] | undefined)[] {
  const bs = blocks(f);
  const gen = bs.map(() => new Set<VReg>());
  const kill = bs.map(() => new Set<VReg>());
  bs.forEach((b, k) => {
    for (let i = b.start; i <= b.end; i++) {
      const o = f.ops[i]!;
      for (const u of uses(o)) if (!kill[k]!.has(u)) gen[k]!.add(u);
      const d = def(o);
      if (d !== undefined) kill[k]!.add(d);
    }
  });
  const liveIn = bs.map(() => new Set<VReg>());
  const liveOut = bs.map(() => new Set<VReg>());
  for (let changed = true; changed;) {
    changed = false;
    for (let k = bs.length - 1; k >= 0; k--) {
      const out = liveOut[k]!;
      for (const s of bs[k]!.succ) for (const v of liveIn[s]!) if (!out.has(v)) { out.add(v); changed = true; }
      const inn = liveIn[k]!;
      for (const v of gen[k]!) if (!inn.has(v)) { inn.add(v); changed = true; }
      for (const v of out) if (!kill[k]!.has(v) && !inn.has(v)) { inn.add(v); changed = true; }
    }
  }
  const iv: ([number, number] | undefined)[] = new Array(f.vregs).fill(undefined);
  const touch = (v: VReg, p: number): void => {
    const cur = iv[v];
    iv[v] = cur === undefined ? [p, p] : [Math.min(cur[0], p), Math.max(cur[1], p)];
  };
  f.ops.forEach((o, i) => {
    for (const u of uses(o)) touch(u, i);
    const d = def(o);
    if (d !== undefined) touch(d, i);
  });
  bs.forEach((b, k) => {
    for (const v of liveIn[k]!) touch(v, b.start);
    for (const v of liveOut[k]!) touch(v, b.end);
  });
  return iv;
}

/** ALU operations whose operands may swap (emit.ts computes `d = a op d` as `d op= a`). */
export const COMMUTATIVE: ReadonlySet<AluOp> = new Set<AluOp>(['add', 'mul', 'and', 'or', 'xor']);
const CALLER_SAVED: readonly Register[] = [1, 2, 3, 4, 5];
const CALLEE_SAVED: readonly Register[] = [6, 7, 8, 9];

export function allocate(f: IrFunction): Allocation {
  const iv = liveIntervals(f);
  let toExit = returnedValues(f, iv);
  for (;;) {
    const first = scan(f, iv, [...CALLER_SAVED, ...CALLEE_SAVED], true, toExit);
    if (first.spilled) break;
    // A value placed in R0 whose interval holds an operation that writes R0 (known only once
    // every operand has its place) goes elsewhere: allocate again without it.
    const clobbered = clobberedInR0(f, iv, first.alloc, toExit);
    if (clobbered.size === 0) return first.alloc;
    toExit = new Set([...toExit].filter((v) => !clobbered.has(v)));
  }
  // Spills need a second scratch register: give up R5. A fill may go through R0, so no value
  // stays there.
  const second = scan(f, iv, [1, 2, 3, 4, ...CALLEE_SAVED], false, new Set());
  return { ...second.alloc, scratch2: 5 };
}

const fits32 = (o: Operand): boolean => 'reg' in o || (BigInt.asIntN(64, o.imm) >= -(1n << 31n) && BigInt.asIntN(64, o.imm) < 1n << 31n);

/**
 * A helper's result may stay in R0 (no move out of it, as clang leaves it) when it dies before
 * anything that uses R0 as emit's scratch register: straight-line code of operations that never
 * need it (no label or jump inside, no constant that takes a register, no other call before).
 */
function resultInR0(f: IrFunction, v: VReg, start: number, end: number): boolean {
  if (f.ops[start]?.op !== 'call' || end === start) return false;
  for (let i = start + 1; i <= end; i++) {
    const o = f.ops[i]!;
    switch (o.op) {
      case 'st': if (!fits32(o.s)) return false; break;
      case 'br': if (!fits32(o.b) || i !== end) return false; break;
      // `d = a op b` with d in b's register moves b through R0 unless the op commutes.
      case 'alu': if (!fits32(o.b) || ('reg' in o.b && o.b.reg === v && o.a !== v) || ('reg' in o.b && !COMMUTATIVE.has(o.code) && !(o.a === v && o.b.reg === v))) return false; break;
      case 'call': if (i !== end) return false; break;
      case 'mov': case 'neg': case 'movsx': case 'be': case 'ld': case 'atomicAdd': case 'ldmap': case 'ldglobal': case 'ldkfunc': case 'ldfunc': case 'ldstr': case 'addrfp': break;
      default: return false;
    }
  }
  return true;
}

/**
 * Values that would rather be in R0, the exit's register: those only the exit reads, and back
 * from each, the operand it is computed from (`d = a op b`, `d = a`) when that operation is the
 * operand's last use — no move at the exit, as clang computes a result in R0.
 */
function returnedValues(f: IrFunction, iv: readonly ([number, number] | undefined)[]): Set<VReg> {
  /** Whether every reader of a value is the exit. */
  const onlyReturned = new Map<VReg, boolean>();
  const defs = new Map<VReg, number[]>();
  f.ops.forEach((o, i) => {
    for (const u of uses(o)) onlyReturned.set(u, (onlyReturned.get(u) ?? true) && o.op === 'ret');
    const d = def(o);
    if (d === undefined) return;
    const at = defs.get(d);
    if (at === undefined) defs.set(d, [i]); else at.push(i);
  });
  const out = new Set<VReg>();
  const work = [...onlyReturned].filter(([, only]) => only).map(([v]) => v);
  while (work.length > 0) {
    const v = work.pop()!;
    const at = defs.get(v) ?? [];
    if (out.has(v) || at.some((i) => f.ops[i]!.op === 'ctx' || f.ops[i]!.op === 'arg')) continue;
    out.add(v);
    for (const i of at) {
      const o = f.ops[i]!;
      const from = o.op === 'mov' ? ('reg' in o.s ? o.s.reg : undefined) : o.op === 'alu' || o.op === 'neg' || o.op === 'be' || o.op === 'movsx' ? o.a : undefined;
      if (from !== undefined && iv[from]?.[1] === i) work.push(from);
    }
  }
  return out;
}

/**
 * Whether emitting o (with no spill) writes R0 other than with its own result: a call, the
 * entry's argument moves, a constant wider than an imm32, `d = a op d` moving d aside.
 */
function writesR0(o: Op, reg: (v: VReg) => Register | undefined): boolean {
  switch (o.op) {
    case 'call': case 'arg': return true;
    case 'st': return 'imm' in o.s && o.size === 8 && !fits32(o.s);
    case 'br': return o.w === 64 && !fits32(o.b);
    case 'alu': {
      if (o.w === 64 && !fits32(o.b)) return true;
      if (!('reg' in o.b) || reg(o.b.reg) !== reg(o.d) || reg(o.a) === reg(o.d)) return false;
      // b shares d's register: a commutative op computes `d op= a`; otherwise b goes through R0,
      // or when d is R0 itself, a's move into R0 overwrites b.
      return !COMMUTATIVE.has(o.code) || reg(o.d) === 0;
    }
    default: return false;
  }
}

/** The values of `candidates` placed in R0 whose interval holds an operation that writes R0. */
function clobberedInR0(f: IrFunction, iv: readonly ([number, number] | undefined)[], alloc: Allocation, candidates: ReadonlySet<VReg>): Set<VReg> {
  const reg = (v: VReg): Register | undefined => { const p = alloc.place[v]; return p !== undefined && 'reg' in p ? p.reg : undefined; };
  const out = new Set<VReg>();
  for (const v of candidates) {
    const r = iv[v];
    if (r === undefined || reg(v) !== 0) continue;
    // An exit writes R0 on its own path only, which ends there.
    for (let i = r[0]; i <= r[1] && !out.has(v); i++) if (f.ops[i]!.op !== 'ret' && writesR0(f.ops[i]!, reg)) out.add(v);
  }
  return out;
}

function scan(f: IrFunction, iv: readonly ([number, number] | undefined)[], pool: readonly Register[], resultsInR0: boolean, toExit: ReadonlySet<VReg>): { alloc: Allocation; spilled: boolean } {
  const calls: number[] = [];
  f.ops.forEach((o, i) => { if (o.op === 'call') calls.push(i); });
  const crosses = (s: number, e: number): boolean => calls.some((p) => s < p && e > p);
  const order = iv.map((r, v) => ({ v, r })).filter((x): x is { v: number; r: [number, number] } => x.r !== undefined)
    .sort((a, b) => a.r[0] - b.r[0] || a.v - b.v);
  // A value that ends as a helper's argument k would rather be in R(k+1): no move at the call.
  const hints = new Map<VReg, Register>();
  f.ops.forEach((o, i) => {
    // The context arrives in R1: left there, no move.
    if (o.op === 'ctx') hints.set(o.d, 1);
    // So do a subprogram's arguments, in R1–R5.
    if (o.op === 'arg') hints.set(o.d, (o.n + 1) as Register);
    if (o.op !== 'call') return;
    o.args.forEach((a, k) => {
      const r = 'reg' in a ? iv[a.reg] : undefined;
      if ('reg' in a && r !== undefined && r[1] === i && !hints.has(a.reg)) hints.set(a.reg, (k + 1) as Register);
    });
  });
  // Registers some value is hinted to: others take them last.
  const hinted = new Set<Register>(hints.values());
  const place: (Place | undefined)[] = new Array(f.vregs).fill(undefined);
  const active: { v: number; end: number; reg: Register }[] = [];
  const free = new Set<Register>(pool);
  let frame = f.frame;
  let spilled = false;
  const spillSlot = (): number => { frame = (frame + 8 + 7) & ~7; return -frame; };
  // R0 is taken only as described above; it is in `active` while a value holds it.
  let r0Free = true;
  for (const { v, r: [start, end] } of order) {
    for (let k = active.length - 1; k >= 0; k--) {
      // A register whose value dies at this position may be the result's: emit handles `d = a op d`.
      if (active[k]!.end > start) continue;
      if (active[k]!.reg === 0) r0Free = true; else free.add(active[k]!.reg);
      active.splice(k, 1);
    }
    if (r0Free && ((resultsInR0 && resultInR0(f, v, start, end)) || (toExit.has(v) && !crosses(start, end)))) {
      r0Free = false;
      active.push({ v, end, reg: 0 });
      place[v] = { reg: 0 };
      continue;
    }
    const allowed = crosses(start, end) ? CALLEE_SAVED : pool;
    const hint = hints.get(v);
    const reg = hint !== undefined && allowed.includes(hint) && free.has(hint) && pool.includes(hint)
      ? hint : allowed.find((r) => free.has(r) && pool.includes(r) && !hinted.has(r)) ?? allowed.find((r) => free.has(r) && pool.includes(r));
    if (reg !== undefined) {
      free.delete(reg);
      active.push({ v, end, reg });
      place[v] = { reg };
      continue;
    }
    spilled = true;
    // Spill the interval that ends last among those holding an allowed register (or this one).
    let victim = -1;
    for (let k = 0; k < active.length; k++) {
      const a = active[k]!;
      if (allowed.includes(a.reg) && a.end > end && (victim < 0 || a.end > active[victim]!.end)) victim = k;
    }
    if (victim < 0) { place[v] = { slot: spillSlot() }; continue; }
    const a = active[victim]!;
    place[a.v] = { slot: spillSlot() };
    active.splice(victim, 1);
    active.push({ v, end, reg: a.reg });
    place[v] = { reg: a.reg };
  }
  return { alloc: { place, frame }, spilled };
}
