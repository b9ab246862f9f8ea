// Structs and fixed arrays: zero-initialised stack memory (`zero<T>()`), field and element reads
// and writes, copies, and the address of a member for helpers that write memory
// (`getCurrentComm(e.comm)`). Memory is a Mem (values.ts): the stack, or a checked pointer (map
// value, ring buffer record, context) plus a constant offset — pointer arithmetic stays
// `pointer + constant`, which the verifier follows.

import type TS from 'typescript';
import { S64 } from './int-type.js';
import type { Aggregate, LType } from './layout.js';
import type { Size, VReg } from './ir.js';
import type { Lowering } from './lower.js';
import { contextStoreOperand } from './lower-program-kinds.js';
import { checkSockOpsStore } from './lower-sock-ops.js';
import { type Mem, memAlign, type Val } from './values.js';
import { kernelElement } from './lower-kernel-array.js';
import { settle, structElementPlace } from './lower-struct-elements.js';

type IntL = LType & { kind: 'int' };
/** An integer in memory: base + off (a variable index: base is the element's address, `skip` its out-of-bounds exit). */
export interface IntPlace { readonly base: VReg | 'fp'; readonly off: number; readonly t: IntL; readonly skip?: string; readonly zero?: VReg }

/** True when two layouts are the same type (structs by declaration, arrays by element and length). */
export function sameType(a: LType, b: LType): boolean {
  if (a === b) return true;
  if (a.kind === 'int' && b.kind === 'int') return a.int.name === b.int.name;
  if (a.kind === 'array' && b.kind === 'array') return a.length === b.length && sameType(a.elem, b.elem);
  return a.kind === 'struct' && b.kind === 'struct' && a.ctype === b.ctype;
}

export function typeName(t: LType): string {
  return t.kind === 'int' ? (t.char === true ? 'char' : t.int.name) : t.kind === 'struct' ? t.name : `Arr<${typeName(t.elem)}, ${t.length}>`;
}

/** `zero<T>()`: a zeroed stack slot of T (the verifier refuses reads of uninitialised stack). */
export function zeroed(L: Lowering, e: TS.CallExpression): Mem {
  const ts = L.ts;
  let node = e.typeArguments?.[0];
  // `const e: Event = zero()` — T from the declaration.
  if (node === undefined && ts.isVariableDeclaration(e.parent) && e.parent.type !== undefined) node = e.parent.type;
  const ty = L.m.layouts.of(node) ?? L.fail(e, 'zero<T>() takes a struct (an interface of the module) or Arr<T, N>: zero<Event>()');
  if (ty.kind === 'int') L.fail(e, 'zero<T>() makes a struct or array; an integer local is let x: u32 = 0');
  const off = L.slot(ty.size);
  for (let i = 0; i < ty.size; i += 8) L.emit({ op: 'st', size: 8, base: 'fp', off: off + i, s: { imm: 0n } });
  return { k: 'mem', base: 'fp', off, ty: ty as Aggregate, align: 8 };
}

/** The address of memory in a register (R10 + off, or pointer + off). */
export function address(L: Lowering, m: Mem): VReg {
  const d = L.newV();
  if (m.base === 'fp') L.emit({ op: 'addrfp', d, off: m.off });
  else if (m.off === 0) return m.base;
  else L.emit({ op: 'alu', code: 'add', w: 64, d, a: m.base, b: { imm: BigInt(m.off) } });
  return d;
}

/** `obj.name` on memory: an integer field's value, or the member's memory. */
export function member(L: Lowering, obj: Mem, name: string, n: TS.Node): Val {
  const p = memberPlace(L, obj, name, n);
  return 'k' in p ? p : loadSettled(L, p);
}

/** A read of an integer place: out of bounds of a variable index (p.skip) it is the register already 0 there. */
function loadSettled(L: Lowering, p: IntPlace): Val & { k: 'reg' } {
  if (p.skip === undefined || p.zero === undefined) return load(L, p);
  L.emit({ op: 'ld', size: p.t.size as Size, d: p.zero, base: p.base, off: p.off, ...(p.t.int.signed && p.t.size < 8 ? { signed: true } : {}) });
  settle(L, p.skip);
  return { k: 'reg', v: p.zero, type: p.t.int, owned: true };
}

export function memberPlace(L: Lowering, obj: Mem, name: string, n: TS.Node): Mem | IntPlace {
  if (obj.ty.kind === 'array') {
    if (name === 'length') L.fail(n, `the length of ${typeName(obj.ty)} is ${obj.ty.length}: write it as a constant`);
    return L.fail(n, `an array has no member '${name}'`);
  }
  const f = obj.ty.fields.get(name) ?? L.fail(n, `struct ${obj.ty.name} has no field '${name}'`);
  return at(obj, f.off, f.type);
}

function at(obj: Mem, off: number, t: LType): Mem | IntPlace {
  const pending = obj.skip === undefined ? {} : { skip: obj.skip, ...(obj.zero === undefined ? {} : { zero: obj.zero }) };
  if (t.kind === 'int') return { base: obj.base, off: obj.off + off, t, ...pending };
  // The member's address is as aligned as the object's, up to the lowest set bit of its offset.
  const align = Math.min(memAlign(obj), off === 0 ? 8 : off & -off);
  return { k: 'mem', base: obj.base, off: obj.off + off, ty: t as Aggregate, align, ...pending, ...(obj.map === undefined ? {} : { map: obj.map }) };
}

/** `a[i]`: a constant index is checked here; a variable one at run time (out of bounds: reads 0, writes nothing). */
function elementPlace(L: Lowering, e: TS.ElementAccessExpression, beforeCheck?: () => void, obj: Val = L.expr(e.expression)): Mem | IntPlace {
  if (obj.k === 'karr') return L.fail(e, 'kernel memory is read-only here: a kernel array is read (task.comm[0]) or copied (e.comm = task.comm)');
  if (obj.k !== 'mem' || obj.ty.kind !== 'array') return L.fail(e.expression, 'only arrays (Arr<T, N>) are indexed');
  const arr = obj.ty;
  const idx = L.intVal(L.expr(e.argumentExpression), e.argumentExpression);
  if (idx.k === 'const') {
    if (idx.c < 0n || idx.c >= BigInt(arr.length)) L.fail(e.argumentExpression, `index ${idx.c} is outside ${typeName(arr)}`);
    return at(obj, Number(idx.c) * arr.elem.size, arr.elem);
  }
  if (obj.base === L.ctxV) L.fail(e.argumentExpression, 'an array in the context is indexed by a constant (the verifier refuses a variable offset into the context)');
  if (obj.skip !== undefined) L.fail(e.argumentExpression, 'one variable index per access: an element of an array at a variable index has its arrays indexed by constants');
  if (arr.elem.kind !== 'int') return structElementPlace(L, e, obj, arr, idx.v, idx.fits);
  const skip = L.label('oob');
  beforeCheck?.();
  // Unsigned: a negative index is out of bounds too.
  L.emit({ op: 'br', cmp: 'jge', w: 64, a: idx.v, b: { imm: BigInt(arr.length) }, target: skip });
  let scaled = idx.v;
  if (arr.elem.size > 1) {
    scaled = L.newV();
    L.emit({ op: 'alu', code: 'lsh', w: 64, d: scaled, a: idx.v, b: { imm: BigInt(Math.log2(arr.elem.size)) } });
  }
  const p = L.newV();
  const base = address(L, obj);
  L.emit({ op: 'alu', code: 'add', w: 64, d: p, a: base, b: { reg: scaled } });
  return { base: p, off: 0, t: arr.elem as IntL, skip };
}

export function element(L: Lowering, e: TS.ElementAccessExpression): Val {
  // Out of bounds reads 0: the value is 0 before the check and the load is skipped.
  const obj = L.expr(e.expression);
  if (obj.k === 'karr') return kernelElement(L, obj, e);
  let d: VReg | undefined;
  const p = elementPlace(L, e, () => { d = L.newV(); L.emit({ op: 'mov', d, s: { imm: 0n } }); }, obj);
  if ('k' in p) return p;
  if (p.skip === undefined || d === undefined) return loadSettled(L, p);
  L.emit({ op: 'ld', size: p.t.size as Size, d, base: p.base, off: p.off, ...(p.t.int.signed && p.t.size < 8 ? { signed: true } : {}) });
  L.place(p.skip);
  return { k: 'reg', v: d, type: p.t.int, owned: true };
}

export function load(L: Lowering, p: IntPlace): Val & { k: 'reg' } {
  const d = L.newV();
  L.emit({ op: 'ld', size: p.t.size as Size, d, base: p.base, off: p.off, ...(p.t.int.signed && p.t.size < 8 ? { signed: true } : {}) });
  return { k: 'reg', v: d, type: p.t.int, owned: true };
}

/** The place an assignment writes, when `target` is a field or an element of memory. */
export function placeOf(L: Lowering, target: TS.Expression): Mem | IntPlace | undefined {
  const ts = L.ts;
  if (ts.isElementAccessExpression(target)) {
    const obj = L.expr(target.expression);
    if (obj.k === 'mem' && obj.base === L.ctxV) checkSockOpsStore(L, obj.ty, ts.isPropertyAccessExpression(target.expression) ? target.expression.name.text : '', target);
    return elementPlace(L, target, undefined, obj);
  }
  if (ts.isPropertyAccessExpression(target)) {
    const obj = L.expr(target.expression);
    if (obj.k === 'mem' && obj.base === L.ctxV) checkSockOpsStore(L, obj.ty, target.name.text, target.name);
    if (obj.k === 'mem') return memberPlace(L, obj, target.name.text, target.name);
  }
  return undefined;
}

/** `target op= …` on a field or element: read (when f reads it), compute, store. */
export function assignPlace(L: Lowering, p: IntPlace | Mem, target: TS.Expression, f: (cur: () => Val & { k: 'const' | 'reg' }) => Val & { k: 'const' | 'reg' }, old: boolean): Val {
  if ('k' in p) return L.fail(target, `assign a ${typeName(p.ty)} to this member (or its fields one by one)`);
  let cur: (Val & { k: 'reg' }) | undefined;
  const read = (): Val & { k: 'reg' } => (cur ??= load(L, p));
  const nv = L.storedValue(f(read), p.t.int, target, (v) => L.emit({ op: 'st', size: p.t.size as Size, base: p.base, off: p.off, s: p.base === L.ctxV ? contextStoreOperand(L, v) : v }));
  if (p.skip !== undefined) settle(L, p.skip);
  return old ? read() : nv;
}

/** `target = src` for a struct or array: a copy into the member's memory. */
export function assignCopy(L: Lowering, target: TS.Expression, src: Mem, n: TS.Node): Val {
  const p = placeOf(L, target);
  if (p === undefined || !('k' in p)) return L.fail(target, `a ${typeName(src.ty)} is copied into a struct member or array element of its type`);
  if (!sameType(p.ty, src.ty)) L.fail(n, `a ${typeName(src.ty)} is not a ${typeName(p.ty)}`);
  copy(L, p, src, n);
  // Out of bounds of a variable index on either side: nothing is copied.
  for (const s of new Set([p.skip, src.skip])) if (s !== undefined) settle(L, s);
  return { k: 'const', type: S64, c: 0n };
}

/** dst = src, byte for byte, in the widest accesses both addresses' alignments allow. */
export function copy(L: Lowering, dst: Mem, src: Mem, n: TS.Node): void {
  const size = dst.ty.size;
  const align = Math.min(memAlign(dst), memAlign(src), 8);
  for (let i = 0; i < size;) {
    let w = align;
    while (w > size - i) w /= 2;
    const v = L.newV();
    L.emit({ op: 'ld', size: w as Size, d: v, base: src.base, off: src.off + i });
    L.emit({ op: 'st', size: w as Size, base: dst.base, off: dst.off + i, s: { reg: v } });
    i += w;
  }
}

/** Memory a helper reads or writes: its address and size (a struct or array, e.g. `e.comm`). */
export function memArg(L: Lowering, a: TS.Expression, what: string): { p: VReg; size: number; ty: Aggregate } {
  const v = L.expr(a);
  if (v.k === 'karr') return L.fail(a, `${what} is written: kernel memory is read-only here (copy the kernel array into a local first)`);
  if (v.k !== 'mem') return L.fail(a, `${what} is a struct or array (its size is the argument's)`);
  if (v.skip !== undefined) L.fail(a, `${what} is written: an element at a variable index is read by field (a[i].x) or copied (a[i] = s) — copy it into a local first`);
  return { p: address(L, v), size: v.ty.size, ty: v.ty };
}
