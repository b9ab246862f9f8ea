// An element of an array of structs (or of arrays) at a variable index: `a[i].x`, `a[i].x = v`,
// `a[i] = s`, `e.item = a[i]`, `events.output(a[i])`. As for integer elements, the index is
// checked once (`if (i >= N)`, unsigned) and the element's address is `base + i * size` — on the
// stack, in a map value or in a ring buffer record, a bounded variable offset the verifier
// follows. What the access does is decided by where the element is used (its parent node), so
// that the out-of-bounds jump lands right after it: a field read gives 0 (a register set to 0
// before the check), a field write or a copy does nothing, and a use as a whole value (an
// argument) is a stack copy zeroed before the check. Binding it (`const it = a[i]`) is an error:
// TypeScript's reference would outlive the check. An index masked below the length (`i & 3`)
// needs no check at all.

import type TS from 'typescript';
import type { LType } from './layout.js';
import { def, type Located, type VReg } from './ir.js';
import type { Lowering } from './lower.js';
import { address, copy } from './lower-struct.js';
import { type Mem, memAlign } from './values.js';

/** Per program: out-of-bounds labels not placed yet, and the element access each belongs to. */
const pending = new WeakMap<Lowering, Map<string, TS.Node>>();

/** Places an out-of-bounds label: the access it guards is complete. */
export function settle(L: Lowering, skip: string): void {
  pending.get(L)?.delete(skip);
  L.place(skip);
}

/** At the end of a program: an element access whose use never completed it (a use the language does not follow). */
export function checkSettled(L: Lowering): void {
  for (const n of pending.get(L)?.values() ?? []) L.fail(n, 'an element at a variable index is read or written by field (a[i].x), copied (a[i] = s, s.f = a[i]) or passed whole');
}

type Use = 'field' | 'copy' | 'bind' | 'value';
function useOf(L: Lowering, e: TS.ElementAccessExpression): Use {
  const ts = L.ts;
  let n: TS.Node = e;
  while (ts.isParenthesizedExpression(n.parent)) n = n.parent;
  const p = n.parent;
  if (ts.isPropertyAccessExpression(p) && p.expression === n) return 'field';
  if (ts.isBinaryExpression(p) && p.operatorToken.kind === ts.SyntaxKind.EqualsToken) return 'copy';
  if (ts.isVariableDeclaration(p) && p.initializer === n) return 'bind';
  return 'value';
}

/**
 * Element addresses computed in the current straight-line run of code, per program: a later
 * access to the same element reuses the register (clang's CSE of `&a[i]`). The run ends at a
 * label (a join: the address may not have been computed on the other path), at a redefinition
 * of the index or base register, and when a lowering is thrown away (its op is gone).
 */
const addresses = new WeakMap<Lowering, Map<string, { readonly d: VReg; readonly op: Located; readonly at: number }>>();

function cachedAddress(L: Lowering, key: string, regs: readonly VReg[]): VReg | undefined {
  const c = addresses.get(L)?.get(key);
  if (c === undefined || L.ops[c.at] !== c.op) return undefined;
  for (let i = c.at + 1; i < L.ops.length; i++) {
    const o = L.ops[i]!;
    if (o.op === 'label') return undefined;
    const d = def(o);
    if (d !== undefined && regs.includes(d)) return undefined;
  }
  return c.d;
}

function elementAddress(L: Lowering, obj: Mem, elem: Mem['ty'], idx: VReg): VReg {
  const key = `${obj.base}:${obj.off}:${idx}:${elem.size}`;
  const regs = obj.base === 'fp' ? [idx] : [idx, obj.base];
  const known = cachedAddress(L, key, regs);
  if (known !== undefined) return known;
  const p = computeAddress(L, obj, elem, idx);
  let m = addresses.get(L);
  if (m === undefined) { m = new Map(); addresses.set(L, m); }
  m.set(key, { d: p, op: L.ops.at(-1)!, at: L.ops.length - 1 });
  return p;
}

function computeAddress(L: Lowering, obj: Mem, elem: Mem['ty'], idx: VReg): VReg {
  let scaled = idx;
  if (elem.size > 1) {
    scaled = L.newV();
    const pow2 = (elem.size & (elem.size - 1)) === 0;
    L.emit({ op: 'alu', code: pow2 ? 'lsh' : 'mul', w: 64, d: scaled, a: idx, b: { imm: BigInt(pow2 ? Math.log2(elem.size) : elem.size) } });
  }
  const p = L.newV();
  L.emit({ op: 'alu', code: 'add', w: 64, d: p, a: address(L, obj), b: { reg: scaled } });
  return p;
}

/**
 * `a[i]` with a struct or array element and a variable index in register idx. An index known to
 * fit (`i & 3`, `i >> 30` — `fits` bits) below the length needs no check: the element is plain memory.
 */
export function structElementPlace(L: Lowering, e: TS.ElementAccessExpression, obj: Mem, arr: LType & { kind: 'array' }, idx: VReg, fits: number | undefined): Mem {
  const elem = arr.elem as Mem['ty'];
  const align = Math.min(memAlign(obj), elem.size & -elem.size);
  if (fits !== undefined && 2 ** fits <= arr.length) return { k: 'mem', base: elementAddress(L, obj, elem, idx), off: 0, ty: elem, align };
  const use = useOf(L, e);
  if (use === 'bind') L.fail(e, 'an element at a variable index is not bound to a name (the reference would outlive its bounds check): read its fields (a[i].x) or keep the index');
  const skip = L.label('oob');
  let zero: VReg | undefined;
  let slot: number | undefined;
  if (use === 'field') {
    zero = L.newV();
    L.emit({ op: 'mov', d: zero, s: { imm: 0n } });
  } else if (use === 'value') {
    slot = L.slot(elem.size);
    for (let i = 0; i < elem.size; i += 8) L.emit({ op: 'st', size: 8, base: 'fp', off: slot + i, s: { imm: 0n } });
  }
  // Unsigned: a negative index is out of bounds too.
  L.emit({ op: 'br', cmp: 'jge', w: 64, a: idx, b: { imm: BigInt(arr.length) }, target: skip });
  const m: Mem = { k: 'mem', base: elementAddress(L, obj, elem, idx), off: 0, ty: elem, align, skip, ...(zero === undefined ? {} : { zero }) };
  if (slot !== undefined) {
    const dst: Mem = { k: 'mem', base: 'fp', off: slot, ty: elem, align: 8 };
    copy(L, dst, m, e);
    L.place(skip);
    return dst;
  }
  let map = pending.get(L);
  if (map === undefined) { map = new Map(); pending.set(L, map); }
  map.set(skip, e);
  return m;
}
