// Array members of kernel structs (`task.comm`). An element read `task.comm[3]` puts the index
// in the access string (`0:125:3`, as clang for `BPF_CORE_READ(task, comm[3])`); a variable index
// is checked against the length (out of bounds reads 0), then added to the array's relocated
// address. A copy into the program's memory (`e.comm = task.comm`, `const comm = task.comm`, a
// ring buffer record's member, a helper's buffer) is bpf_probe_read_kernel at the relocated
// address (BPF_CORE_READ_INTO); through a BTF pointer (tpBtf), loads from it, as clang compiles
// `__builtin_memcpy(e->comm, p->comm, 16)`. The verifier refuses a variable offset on a BTF
// pointer ("invalid variable offset"), so a variable index is probe-read there too.

import type TS from 'typescript';
import { array, type CType, resolve } from '../dsl/index.js';
import { INT_TYPES, S64 } from './int-type.js';
import type { Size, VReg } from './ir.js';
import { type Aggregate, intLType, type LType } from './layout.js';
import type { Lowering } from './lower.js';
import { corePath, kernelHops, kernelIntType, kernelRead, readSlot } from './lower-core.js';
import { address, placeOf, typeName } from './lower-struct.js';
import { type KernelArray, type Mem, memAlign, type Val } from './values.js';

const PROBE_READ_KERNEL = 113;

function describe(a: KernelArray): string {
  return `kernel array ${a.path.filter((p) => typeof p === 'string').join('.')}[${a.arr.length}]`;
}

/** An integer element type of 1, 2, 4 or 8 bytes, or undefined. */
function scalar(t: CType): (CType & { size: Size }) | undefined {
  const r = resolve(t);
  return (r.kind === 'int' || r.kind === 'enum') && [1, 2, 4, 8].includes(r.size) ? (r as CType & { size: Size }) : undefined;
}

/** `a[i]` on a kernel array: a struct or array element to walk on, or the element's value. */
export function kernelElement(L: Lowering, a: KernelArray, e: TS.ElementAccessExpression): Val {
  const idx = L.intVal(L.expr(e.argumentExpression), e.argumentExpression);
  const n = a.arr.length;
  const elem = resolve(a.arr.elem);
  const direct = a.direct === true ? { direct: true as const } : {};
  if (idx.k === 'const') {
    if (idx.c < 0n || idx.c >= BigInt(n)) L.fail(e.argumentExpression, `index ${idx.c} is outside ${describe(a)}`);
    const path = [...a.path, Number(idx.c)];
    if (elem.kind === 'struct' || elem.kind === 'union') return { k: 'kernel', base: a.base, root: a.root, path, ty: elem, ...direct };
    if (elem.kind === 'ptr') {
      const target = resolve(elem.target);
      if (target.kind === 'struct' || target.kind === 'union') return { k: 'kernel', base: a.base, root: a.root, path, ty: target, ...direct };
    }
    if (elem.kind === 'array') return { ...a, path, arr: elem };
    return kernelRead(L, e, a, path);
  }
  const el = scalar(elem) ?? L.fail(e.argumentExpression, `${describe(a)} holds ${elem.kind === 'ptr' ? 'pointers' : 'structs or arrays'}: index it with a constant`);
  const type = kernelIntType(el);
  // Out of bounds reads 0: the value is 0 before the check, the read is skipped. Unsigned: a negative index is out too.
  const d = L.newV();
  L.emit({ op: 'mov', d, s: { imm: 0n } });
  const skip = L.label('koob');
  L.emit({ op: 'br', cmp: 'jge', w: 64, a: idx.v, b: { imm: BigInt(n) }, target: skip });
  const at = arrayAddress(L, a, e);
  let scaled = idx.v;
  if (el.size > 1) {
    scaled = L.newV();
    L.emit({ op: 'alu', code: 'lsh', w: 64, d: scaled, a: idx.v, b: { imm: BigInt(Math.log2(el.size)) } });
  }
  const p = L.newV();
  L.emit({ op: 'alu', code: 'add', w: 64, d: p, a: at, b: { reg: scaled } });
  const buf = L.newV();
  L.emit({ op: 'addrfp', d: buf, off: readSlot(L) });
  L.emit({ op: 'call', helper: PROBE_READ_KERNEL, args: [{ reg: buf }, { imm: BigInt(el.size) }, { reg: p }] });
  L.emit({ op: 'ld', size: el.size, d, base: 'fp', off: readSlot(L), ...(type.signed && el.size < 8 ? { signed: true } : {}) });
  L.place(skip);
  return { k: 'reg', v: d, type, owned: true };
}

/** The array's address: its struct's pointer (after the path's pointer hops) + its relocated offset. */
function arrayAddress(L: Lowering, a: KernelArray, n: TS.Node): VReg {
  const { base, step } = kernelHops(L, n, a, a.path);
  const p = L.newV();
  L.emit({ op: 'alu', code: 'add', w: 64, d: p, a: base, b: { imm: BigInt(step.values.field_byte_offset) }, core: { root: step.root, access: step.accessString, kind: 'field_byte_offset' } });
  return p;
}

/** The array's bytes into `dst` (memory of the same size): a probe read, or loads through a BTF pointer. */
function copyInto(L: Lowering, a: KernelArray, dst: Mem, n: TS.Node): void {
  const at = arrayAddress(L, a, n);
  const size = a.arr.size;
  if (a.direct !== true) {
    L.emit({ op: 'call', helper: PROBE_READ_KERNEL, args: [{ reg: address(L, dst) }, { imm: BigInt(size) }, { reg: at }] });
    return;
  }
  // The widest loads both sides allow (the source's alignment is that of its local offset, as clang assumes).
  const off = kernelOffset(L, a, n);
  let w = Math.min(memAlign(dst), off === 0 ? 8 : off & -off, 8);
  for (let i = 0; i < size; i += w) {
    while (w > size - i) w /= 2;
    const v = L.newV();
    L.emit({ op: 'ld', size: w as Size, d: v, base: at, off: i });
    L.emit({ op: 'st', size: w as Size, base: dst.base, off: dst.off + i, s: { reg: v } });
  }
}

/** The array's local offset in its struct (what the relocation patches). */
function kernelOffset(L: Lowering, a: KernelArray, n: TS.Node): number {
  const steps = corePath(L, n, a, a.path).steps;
  return steps[steps.length - 1]!.values.field_byte_offset;
}

/** The language's layout of a kernel array of integers (`char comm[16]` is `Arr<char, 16>`). */
function layoutOf(L: Lowering, a: KernelArray, n: TS.Node): Aggregate {
  const el = scalar(a.arr.elem) ?? L.fail(n, `${describe(a)} holds ${resolve(a.arr.elem).kind === 'ptr' ? 'pointers' : 'structs or arrays'}: read its elements (with constant indexes)`);
  const r = resolve(el);
  // `char` is the language's char (Arr<char, N>, bytes to user space), whatever the kernel's signedness.
  const elem = r.kind === 'int' && r.name === 'char' ? intLType(INT_TYPES.u8!, true) : intLType(kernelIntType(el));
  return { kind: 'array', elem, length: a.arr.length, size: a.arr.size, align: elem.align, ctype: array(elem.ctype, a.arr.length) };
}

function sameShape(dst: LType, src: Aggregate): boolean {
  return dst.kind === 'array' && dst.size === src.size && dst.elem.size === (src as LType & { kind: 'array' }).elem.size;
}

/** `target = task.comm`: the kernel array copied into an array member or element of its size. */
export function kernelArrayAssign(L: Lowering, target: TS.Expression, a: KernelArray, n: TS.Node): Val {
  const layout = layoutOf(L, a, n);
  const p = placeOf(L, target);
  if (p === undefined || !('k' in p)) return L.fail(target, `a ${describe(a)} is copied into an array member or element (${typeName(layout)})`);
  if (!sameShape(p.ty, layout)) L.fail(n, `a ${describe(a)} (${typeName(layout)}) is not a ${typeName(p.ty)}`);
  copyInto(L, a, p, n);
  return { k: 'const', type: S64, c: 0n };
}

/** `const comm = task.comm` (or a helper's buffer): a stack copy of the kernel array; `declared`: the local's annotation. */
export function kernelArrayLocal(L: Lowering, a: KernelArray, n: TS.Node, declared?: TS.TypeNode): Mem {
  const layout = layoutOf(L, a, n);
  let ty: Aggregate = layout;
  if (declared !== undefined) {
    const want = L.m.layouts.of(declared);
    if (want === undefined || !sameShape(want, layout)) return L.fail(declared, `a ${describe(a)} is a ${typeName(layout)}`);
    ty = want as Aggregate;
  }
  const mem: Mem = { k: 'mem', base: 'fp', off: L.slot(layout.size), ty, align: 8 };
  copyInto(L, a, mem, n);
  return mem;
}

/** A value used as memory (a helper's buffer, a record to output): a kernel array is copied to the stack first. */
export function asMemory(L: Lowering, v: Val, n: TS.Node): Val {
  return v.k === 'karr' ? kernelArrayLocal(L, v, n) : v;
}
