// What a program must give back before it returns — a socket a lookup found (until skRelease), a
// spin lock it took (until spinUnlock, with no call in between) — checked on the IR the way the
// verifier checks them ("Unreleased reference", "function calls are not allowed while holding a
// lock"), so that a mistake is an error at its TypeScript line rather than a verifier log. A
// forward may-analysis: at each operation, which acquisitions may still be held and which
// virtual registers hold each (copies included); a null test's branch drops the ones its
// register holds where it is null; a release drops the one its argument holds. A held lock is an
// acquisition no register holds (keyed by its negated index).

import type { SourceLocation } from '../dsl/index.js';
import { def, type Located, type VReg } from './ir.js';
import { SK_RELEASE, SOCKET_LOOKUP_IDS } from './lower-socket.js';
import { SPIN_LOCK_ID, SPIN_UNLOCK_ID } from './lower-spin-lock.js';

/** Acquisition (its operation's index) → the registers that hold it. */
type Held = Map<number, Set<VReg>>;

const acquires = (o: Located): boolean => o.op === 'call' && o.fn === undefined && o.kfunc === undefined && SOCKET_LOOKUP_IDS.has(o.helper);
const releases = (o: Located): boolean => o.op === 'call' && o.fn === undefined && o.kfunc === undefined && o.helper === SK_RELEASE;
const helperIs = (o: Located, id: number): boolean => o.op === 'call' && o.fn === undefined && o.kfunc === undefined && o.helper === id;
/** The index of the spinLock call whose lock is held, if one is. */
const lockHeld = (h: Held): number | undefined => { for (const k of h.keys()) if (k < 0) return -k - 1; return undefined; };

function copy(h: Held): Held { return new Map([...h].map(([k, v]) => [k, new Set(v)])); }

/** Joins b into a (a reference held on either path is held; its holders are those of both): whether a changed. */
function join(a: Held, b: Held): boolean {
  let changed = false;
  for (const [k, regs] of b) {
    const mine = a.get(k);
    if (mine === undefined) { a.set(k, new Set(regs)); changed = true; continue; }
    for (const r of mine) if (!regs.has(r)) { mine.delete(r); changed = true; }
  }
  return changed;
}

/** Drops the references register r holds. */
function dropHeldBy(h: Held, r: VReg): void {
  for (const [k, regs] of h) if (regs.has(r)) h.delete(k);
}

export function checkReferencesReleased(ops: readonly Located[], fail: (loc: SourceLocation | undefined, msg: string) => never): void {
  if (!ops.some((o) => acquires(o) || helperIs(o, SPIN_LOCK_ID))) return;
  const labels = new Map<string, number>();
  ops.forEach((o, i) => { if (o.op === 'label') labels.set(o.name, i); });
  const state: (Held | undefined)[] = new Array(ops.length + 1);
  state[0] = new Map();
  const work = [0];
  const flow = (to: number, h: Held): void => {
    const cur = state[to];
    if (cur === undefined) { state[to] = copy(h); work.push(to); } else if (join(cur, h)) work.push(to);
  };
  while (work.length > 0) {
    const i = work.pop()!;
    const o = ops[i];
    if (o === undefined) continue; // past the end: nothing falls there
    const h = copy(state[i]!);
    const line = (k: number): string => { const at = ops[k]!.loc; return at === undefined ? '' : ` at line ${at.line}`; };
    const leak = (where: Located, held: Held = h): void => {
      const lock = lockHeld(held);
      if (lock !== undefined) fail(where.loc, `the spin lock taken${line(lock)} is still held on a path that returns here: spinUnlock it first (the verifier refuses a return holding a lock)`);
      const [k] = [...held.keys()];
      if (k === undefined) return;
      const at = ops[k]!.loc;
      fail(where.loc ?? at, `the socket looked up${at === undefined ? '' : ` at line ${at.line}`} is still held on a path that returns here: skRelease it on every path (the verifier refuses an unreleased reference)`);
    };
    if (o.op === 'ret') { leak(o); continue; }
    // A jump or branch to a return shared by several return statements: the leak is at its line.
    const returns = (target: string): boolean => {
      let j = labels.get(target)!;
      while (ops[j]?.op === 'label') j++;
      return ops[j]?.op === 'ret';
    };
    if (o.op === 'jmp' && returns(o.target)) leak(o);
    if (o.op === 'br' && 'imm' in o.b && o.b.imm === 0n && (o.cmp === 'jeq' || o.cmp === 'jne') && [...h.values()].some((s) => s.has(o.a))) {
      const nullWhere = copy(h);
      dropHeldBy(nullWhere, o.a);
      if (returns(o.target)) leak(o, o.cmp === 'jeq' ? nullWhere : h);
      flow(labels.get(o.target)!, o.cmp === 'jeq' ? nullWhere : h);
      flow(i + 1, o.cmp === 'jeq' ? h : nullWhere);
      continue;
    }
    if (o.op === 'call') {
      const lock = lockHeld(h);
      if (helperIs(o, SPIN_UNLOCK_ID)) {
        if (lock === undefined) fail(o.loc, 'spinUnlock without the lock held on this path (spinLock it first)');
        h.delete(-lock! - 1);
      } else if (lock !== undefined) {
        fail(o.loc, `a call while holding the spin lock taken${line(lock)}: the verifier allows none before spinUnlock`);
      } else if (helperIs(o, SPIN_LOCK_ID)) h.set(-i - 1, new Set());
    }
    if (o.op === 'call' && releases(o)) {
      const a = o.args[0];
      if (a !== undefined && 'reg' in a) dropHeldBy(h, a.reg);
    }
    const d = def(o);
    if (d !== undefined) for (const regs of h.values()) regs.delete(d);
    if (o.op === 'mov' && 'reg' in o.s) { const s = o.s.reg; for (const regs of h.values()) if (regs.has(s)) regs.add(o.d); }
    if (acquires(o) && o.op === 'call' && o.d !== undefined) h.set(i, new Set([o.d]));
    if (o.op === 'jmp') { flow(labels.get(o.target)!, h); continue; }
    if (o.op === 'br') {
      if (returns(o.target)) leak(o);
      flow(labels.get(o.target)!, h);
    }
    flow(i + 1, h);
  }
}
