// What a program must give back before it returns — a socket a lookup found (until skRelease), a
// spin lock it took (until spinUnlock, with no call in between) — checked on the IR the way the
// verifier checks them ("Unreleased reference", "function calls are not allowed while holding a
// lock"), so that a mistake is an error at its TypeScript line rather than a verifier log. A
// forward may-analysis: at each operation, which acquisitions may still be held and which
// virtual registers hold each — the pointer the lookup returned (and its copies: on every path),
// or a pointer derived from it (skFullsock, tcpSock, skcTo…: the verifier gives the result the
// argument's reference; on any path). A null test of the lookup's own pointer drops the
// acquisition where it is null; a derived pointer's null test leaves it held. A release drops it,
// and every register that held it points into a socket given back: the verifier invalidates them
// all, so a later load, store or call through one is an error at its line. A held lock is an
// acquisition no register holds (keyed by its negated index).

import type { SourceLocation } from '../dsl/index.js';
import { def, type Located, type VReg } from './ir.js';
import { SK_RELEASE, SOCKET_CAST_IDS, SOCKET_LOOKUP_IDS } from './lower-socket.js';
import { SPIN_LOCK_ID, SPIN_UNLOCK_ID } from './lower-spin-lock.js';

/** How a register holds an acquisition: it is the acquired pointer, or one derived from it. */
type Hold = 'own' | 'derived';
/** Acquisition (its operation's index) → the registers that hold it. */
type Held = Map<number, Map<VReg, Hold>>;
/** Registers pointing into a released socket → the acquisition and the release (operation indexes). */
type Dead = Map<VReg, { readonly acq: number; readonly release: number }>;
interface State { readonly held: Held; readonly dead: Dead }

const helperIs = (o: Located, ids: ReadonlySet<number> | number): boolean =>
  o.op === 'call' && o.fn === undefined && o.kfunc === undefined && (typeof ids === 'number' ? o.helper === ids : ids.has(o.helper));
/** The index of the spinLock call whose lock is held, if one is. */
const lockHeld = (h: Held): number | undefined => { for (const k of h.keys()) if (k < 0) return -k - 1; return undefined; };

function copy(s: State): State {
  return { held: new Map([...s.held].map(([k, v]) => [k, new Map(v)])), dead: new Map(s.dead) };
}

/**
 * Joins b into a (a reference held on either path is held: by the registers that are its pointer
 * on both paths, and by every register derived from it on either — a derived pointer that may point
 * into the socket dies with it; a register dead on either path is dead): whether a changed.
 */
function join(a: State, b: State): boolean {
  let changed = false;
  for (const [k, regs] of b.held) {
    const mine = a.held.get(k);
    if (mine === undefined) { a.held.set(k, new Map(regs)); changed = true; continue; }
    for (const [r, how] of mine) if (how === 'own' && regs.get(r) !== 'own') { mine.delete(r); changed = true; }
    for (const [r, how] of regs) if (how === 'derived' && !mine.has(r)) { mine.set(r, how); changed = true; }
  }
  for (const [r, d] of b.dead) if (!a.dead.has(r)) { a.dead.set(r, d); changed = true; }
  return changed;
}

/** The acquisitions register r holds, and how. */
function holdsOf(h: Held, r: VReg): [number, Hold][] {
  const out: [number, Hold][] = [];
  for (const [k, regs] of h) { const how = regs.get(r); if (how !== undefined) out.push([k, how]); }
  return out;
}

/**
 * Register r is null here: an acquisition it is the pointer of is not held. A derived pointer that
 * is null leaves the socket held, and stays among its holders: on the paths where it is not null
 * it points into the socket.
 */
function nullAt(h: Held, r: VReg): void {
  for (const [k, how] of holdsOf(h, r)) if (how === 'own') h.delete(k);
}

/** The registers a load, store or call reaches memory through (a copy or comparison of a dead pointer is no use). */
function pointerUses(o: Located): VReg[] {
  if ((o.op === 'ld' || o.op === 'st' || o.op === 'atomicAdd') && o.base !== 'fp') return [o.base];
  if (o.op === 'call') return o.args.flatMap((a) => ('reg' in a ? [a.reg] : []));
  return [];
}

export function checkReferencesReleased(ops: readonly Located[], fail: (loc: SourceLocation | undefined, msg: string) => never): void {
  if (!ops.some((o) => helperIs(o, SOCKET_LOOKUP_IDS) || helperIs(o, SPIN_LOCK_ID))) return;
  const labels = new Map<string, number>();
  ops.forEach((o, i) => { if (o.op === 'label') labels.set(o.name, i); });
  const state: (State | undefined)[] = new Array(ops.length + 1);
  state[0] = { held: new Map(), dead: new Map() };
  const work = [0];
  const flow = (to: number, s: State): void => {
    const cur = state[to];
    if (cur === undefined) { state[to] = copy(s); work.push(to); } else if (join(cur, s)) work.push(to);
  };
  const line = (k: number): string => { const at = ops[k]!.loc; return at === undefined ? '' : ` at line ${at.line}`; };
  while (work.length > 0) {
    const i = work.pop()!;
    const o = ops[i];
    if (o === undefined) continue; // past the end: nothing falls there
    const s = copy(state[i]!);
    const h = s.held;
    const leak = (where: Located, held: Held = h): void => {
      const lock = lockHeld(held);
      if (lock !== undefined) fail(where.loc, `the spin lock taken${line(lock)} is still held on a path that returns here: spinUnlock it first (the verifier refuses a return holding a lock)`);
      const [k] = [...held.keys()];
      if (k === undefined) return;
      fail(where.loc ?? ops[k]!.loc, `the socket looked up${line(k)} is still held on a path that returns here: skRelease it on every path (the verifier refuses an unreleased reference)`);
    };
    for (const r of pointerUses(o)) {
      const d = s.dead.get(r);
      if (d !== undefined) fail(o.loc, `this pointer points into the socket looked up${line(d.acq)}, which skRelease${line(d.release)} gave back: the verifier invalidates every pointer into a released socket (use it before the release)`);
    }
    if (o.op === 'ret') { leak(o); continue; }
    // A jump or branch to a return shared by several return statements: the leak is at its line.
    const returns = (target: string): boolean => {
      let j = labels.get(target)!;
      while (ops[j]?.op === 'label') j++;
      return ops[j]?.op === 'ret';
    };
    if (o.op === 'jmp' && returns(o.target)) leak(o);
    if (o.op === 'br' && 'imm' in o.b && o.b.imm === 0n && (o.cmp === 'jeq' || o.cmp === 'jne') && holdsOf(h, o.a).length > 0) {
      const nullWhere = copy(s);
      nullAt(nullWhere.held, o.a);
      const [taken, fallen] = o.cmp === 'jeq' ? [nullWhere, s] : [s, nullWhere];
      if (returns(o.target)) leak(o, taken.held);
      flow(labels.get(o.target)!, taken);
      flow(i + 1, fallen);
      continue;
    }
    if (o.op === 'call') {
      const lock = lockHeld(h);
      if (helperIs(o, SPIN_UNLOCK_ID)) {
        if (lock === undefined) fail(o.loc, 'spinUnlock without the lock held on this path (spinLock it first)');
        h.delete(-lock! - 1);
      } else if (lock !== undefined) {
        fail(o.loc, `a call while holding the spin lock taken${line(lock)}: the verifier allows none before spinUnlock`);
      } else if (helperIs(o, SPIN_LOCK_ID)) h.set(-i - 1, new Map());
    }
    const arg0 = o.op === 'call' ? o.args[0] : undefined;
    const from = arg0 !== undefined && 'reg' in arg0 ? arg0.reg : undefined;
    // The acquisitions a cast's argument holds: its result will hold them too.
    const derivedFrom = from !== undefined && helperIs(o, SOCKET_CAST_IDS) ? holdsOf(h, from).map(([k]) => k) : [];
    if (from !== undefined && helperIs(o, SK_RELEASE)) {
      for (const [k] of holdsOf(h, from)) {
        for (const r of h.get(k)!.keys()) s.dead.set(r, { acq: k, release: i });
        h.delete(k);
      }
    }
    const d = def(o);
    if (d !== undefined) { for (const regs of h.values()) regs.delete(d); s.dead.delete(d); }
    if (o.op === 'mov' && 'reg' in o.s) {
      const src = o.s.reg;
      for (const regs of h.values()) { const how = regs.get(src); if (how !== undefined) regs.set(o.d, how); }
      const dead = s.dead.get(src);
      if (dead !== undefined) s.dead.set(o.d, dead);
    }
    if (o.op === 'call' && o.d !== undefined) {
      if (helperIs(o, SOCKET_LOOKUP_IDS)) h.set(i, new Map([[o.d, 'own']]));
      for (const k of derivedFrom) h.get(k)?.set(o.d, 'derived');
    }
    if (o.op === 'jmp') { flow(labels.get(o.target)!, s); continue; }
    if (o.op === 'br') {
      if (returns(o.target)) leak(o);
      flow(labels.get(o.target)!, s);
    }
    flow(i + 1, s);
  }
}
