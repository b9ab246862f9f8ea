// Kernel structs through CO-RE: `getCurrentTask<task_struct>().real_parent.tgid` walks the
// path without code until a scalar member, then reads it as BPF_CORE_READ does (one
// bpf_probe_read_kernel per pointer hop, each at a field_byte_offset-relocated address);
// bitfields as BPF_CORE_READ_BITFIELD_PROBED (relocated byte offset, size and shifts);
// `exists(x.f)` and `sizeof(x.f)` / `sizeof<S>()` as relocated constants. The access strings and
// local values are the DSL's (resolvePath), the ones clang computes for the same path.

import type TS from 'typescript';
import type { CoreRelocationKind } from '../../elf/index.js';
import { type BtfBuilder, type CoreAccess, type CorePath, type CType, CTypeError, findField, type PathElement, resolve, resolvePath } from '../dsl/index.js';
import { BOOL, INT_TYPES, type IntType, U32, U64 } from './int-type.js';
import type { CoreTag, Size, VReg } from './ir.js';
import { type KernelComposite, kernelTypeOf } from './kernel-types.js';
import type { Lowering } from './lower.js';
import type { Binding, Kernel, Val } from './values.js';
import { checkAllowed } from './lower-helper.js';
import { intTypeOf } from './module.js';

const PROBE_READ_KERNEL = 113;
const GET_CURRENT_TASK = 35;
const GET_CURRENT_TASK_BTF = 158;
/** Program kinds that read kernel memory (tpBtf's BTF pointers directly, the others with bpf_probe_read_kernel). */
const TRACING = new Set(['tracepoint', 'kprobe', 'kretprobe', 'uprobe', 'uretprobe', 'tpBtf', 'structOps', 'lsm']);

/**
 * resolvePath's BTF while lowering: ids and string offsets are given by the object's own BTF at
 * emit (compile.ts), so here nothing is added (adding task_struct's closure twice costs time).
 */
const NO_BTF = { add: () => 0, string: () => 0 } as unknown as BtfBuilder;
/** Per program: the read buffer's stack slot. */
const state = new WeakMap<Lowering, { slot?: number }>();
function stateOf(L: Lowering): { slot?: number } {
  let s = state.get(L);
  if (s === undefined) { s = {}; state.set(L, s); }
  return s;
}

type CoreCall = (L: Lowering, e: TS.CallExpression) => Val;
const CALLS: Record<string, CoreCall> = { getCurrentTask, kernelStruct, kernelCast, exists: (L, e) => fieldInfo(L, e, 'exists'), sizeof: (L, e) => fieldInfo(L, e, 'sizeof') };

/** The language's CO-RE calls (getCurrentTask, kernelStruct, exists, sizeof), or undefined for another name. */
export function coreCall(L: Lowering, name: string, e: TS.CallExpression): Val | undefined {
  const f = CALLS[name];
  return f === undefined ? undefined : f(L, e);
}

function tracing(L: Lowering, e: TS.Node, what: string): void {
  if (!TRACING.has(L.prog.kind)) L.fail(e, `${what} reads kernel memory: tracing programs only (tracepoint, tpBtf, kprobe, uprobe), not ${L.prog.kind}`);
}

function structArg(L: Lowering, e: TS.CallExpression, name: string): KernelComposite {
  const t = e.typeArguments?.[0];
  return kernelTypeOf(L.m, t) ?? L.fail(t ?? e, `${name} takes a kernel struct type argument (${name}<task_struct>, from tsbpf btf gen-ts --lang)`);
}

/**
 * In tracing programs other than tpBtf an address read with probe reads (bpf_get_current_task);
 * elsewhere a BTF pointer (bpf_get_current_task_btf) where the kernel allows it: an owner for
 * task storage, a helper's task argument (its members are read in tracing programs only).
 */
function getCurrentTask(L: Lowering, e: TS.CallExpression): Val {
  if (!TRACING.has(L.prog.kind)) checkAllowed(L, 'getCurrentTask', 'bpf_get_current_task_btf', e);
  const ty = structArg(L, e, 'getCurrentTask');
  if (e.arguments.length > 0) L.fail(e, 'getCurrentTask takes no arguments');
  const d = L.newV();
  const btf = L.prog.kind === 'tpBtf' || L.prog.kind === 'lsm' || !TRACING.has(L.prog.kind);
  L.emit({ op: 'call', helper: btf ? GET_CURRENT_TASK_BTF : GET_CURRENT_TASK, args: [], d });
  return { k: 'kernel', base: d, root: ty, path: [], ty, ...(btf ? { direct: true as const } : {}) };
}

function kernelStruct(L: Lowering, e: TS.CallExpression): Val {
  tracing(L, e, 'kernelStruct');
  const ty = structArg(L, e, 'kernelStruct');
  const a = e.arguments[0];
  if (a === undefined || e.arguments.length > 1) return L.fail(e, 'kernelStruct takes one address');
  const v = L.toReg(L.convert(L.intVal(L.expr(a), a), U64, a));
  return { k: 'kernel', base: v.v, root: ty, path: [], ty };
}

/** kernelCast<S>(p): the pointer p (a pointer member is read first) seen as a kernel struct S, as C's cast. */
function kernelCast(L: Lowering, e: TS.CallExpression): Val {
  const ty = structArg(L, e, 'kernelCast');
  const a = e.arguments[0];
  if (a === undefined || e.arguments.length > 1) return L.fail(e, 'kernelCast takes one kernel struct pointer');
  const v = L.expr(a);
  if (v.k !== 'kernel') return L.fail(a, 'kernelCast takes a kernel struct (a parameter, getCurrentTask(), a pointer member); an address is kernelStruct<S>(address)');
  const base = kernelAddress(L, v, a).v;
  return { k: 'kernel', base, root: ty, path: [], ty, ...(v.direct === true ? { direct: true as const } : {}) };
}

/** `x.f` on a kernel struct: a further path (a struct, or a pointer to one), else the member read. */
export function kernelMember(L: Lowering, obj: Kernel, e: TS.PropertyAccessExpression): Val {
  const name = e.name.text;
  const f = findField(obj.ty, name) ?? L.fail(e.name, `${describe(obj.ty)} has no member '${name}'`);
  const t = resolve(f.type);
  const path = [...obj.path, name];
  if (f.bitSize === 0) {
    if (t.kind === 'struct' || t.kind === 'union') return { ...obj, path, ty: t };
    if (t.kind === 'ptr') {
      const target = resolve(t.target);
      if (target.kind === 'struct' || target.kind === 'union') return { ...obj, path, ty: target };
    }
    if (t.kind === 'array') return { k: 'karr', base: obj.base, root: obj.root, path, arr: t, ...(obj.direct === true ? { direct: true as const } : {}) };
  }
  if (obj.anyProgram !== true) tracing(L, e, `reading ${describe(obj.ty)}.${name}`);
  return kernelRead(L, e, obj, path);
}

/** A kernel struct used as an integer: its address (a pointer member is read, as C reads `task->real_parent`). */
export function kernelAddress(L: Lowering, v: Kernel, n: TS.Node): Val & { k: 'reg' } {
  if (v.path.length === 0) return { k: 'reg', v: v.base, type: U64, owned: false };
  const last = v.path[v.path.length - 1]!;
  if (resolve(corePath(L, n, v, v.path).result).kind !== 'ptr') L.fail(n, `'${typeof last === 'number' ? `[${last}]` : last}' is a ${describe(v.ty)} held inside its parent, not a value: read its members`);
  if (v.anyProgram !== true) tracing(L, n, `reading a pointer of ${describe(v.ty)}`);
  return kernelRead(L, n, v, v.path) as Val & { k: 'reg' };
}

function describe(t: KernelComposite): string {
  return t.name === '' ? `an anonymous ${t.kind}` : `${t.kind} ${t.name}`;
}

/** resolvePath, its refusals (a bitfield clang could not load either) as errors at the member. */
export function corePath(L: Lowering, node: TS.Node, obj: Pick<Kernel, 'root'>, path: readonly PathElement[]): CorePath {
  try {
    return resolvePath(NO_BTF, obj.root, path);
  } catch (err) {
    if (err instanceof CTypeError) return L.fail(node, err.message);
    throw err;
  }
}

function tag(step: CoreAccess, kind: CoreRelocationKind): CoreTag {
  return { root: step.root, access: step.accessString, kind };
}

/** The language's integer type of a scalar kernel member. */
export function kernelIntType(t: CType): IntType {
  const r = resolve(t);
  if ((r.kind === 'int' || r.kind === 'enum') && (r.size === 1 || r.size === 2 || r.size === 4 || r.size === 8)) {
    return INT_TYPES[`${r.signed ? 's' : 'u'}${r.size * 8}`]!;
  }
  return U64;
}

/** Where a kernel read starts: the root struct's pointer, and whether the verifier lets the program load through it. */
export type KernelBase = Pick<Kernel, 'base' | 'root' | 'direct'>;

/** The read buffer's stack slot of the program (8 bytes, shared by every probe read). */
export function readSlot(L: Lowering): number {
  const s = stateOf(L);
  return (s.slot ??= L.slot(8));
}

/**
 * The pointer hops of a path (each step but the last is a pointer member, read as below) and
 * its last step, whose struct `base` points to.
 */
export function kernelHops(L: Lowering, node: TS.Node, obj: KernelBase, path: readonly PathElement[]): { base: VReg; step: CoreAccess; cp: CorePath } {
  const cp = corePath(L, node, obj, path);
  let src: VReg = obj.base;
  for (const step of cp.steps.slice(0, -1)) src = readStep(L, obj, src, step, 8, false);
  return { base: src, step: cp.steps[cp.steps.length - 1]!, cp };
}

/**
 * One relocated read of `size` bytes at the step's field from the struct `src` points to: a load
 * through a BTF pointer (its offset relocated), else bpf_probe_read_kernel at a relocated address.
 */
function readStep(L: Lowering, obj: KernelBase, src: VReg, step: CoreAccess, size: Size, signed: boolean): VReg {
  const sx = signed ? { signed: true } : {};
  const d = L.newV();
  if (obj.direct === true) {
    // As clang for a BTF pointer: one load per step, its offset relocated.
    L.emit({ op: 'ld', size, d, base: src, off: step.values.field_byte_offset, ...sx, core: tag(step, 'field_byte_offset') });
    return d;
  }
  const addr = L.newV();
  L.emit({ op: 'alu', code: 'add', w: 64, d: addr, a: src, b: { imm: BigInt(step.values.field_byte_offset) }, core: tag(step, 'field_byte_offset') });
  const buf = L.newV();
  L.emit({ op: 'addrfp', d: buf, off: readSlot(L) });
  L.emit({ op: 'call', helper: PROBE_READ_KERNEL, args: [{ reg: buf }, { imm: BigInt(size) }, { reg: addr }] });
  L.emit({ op: 'ld', size, d, base: 'fp', off: readSlot(L), ...sx });
  return d;
}

/** BPF_CORE_READ of a path ending at a scalar member or bitfield: its value in a register. */
export function kernelRead(L: Lowering, node: TS.Node, obj: KernelBase, path: readonly PathElement[]): Val {
  const { base, step, cp } = kernelHops(L, node, obj, path);
  const type = kernelIntType(cp.result);
  // Through a BTF pointer a bitfield is loaded directly, as BPF_CORE_READ_BITFIELD; else probe-read.
  if (step.bitSize !== 0) return { k: 'reg', v: obj.direct === true ? directBitfield(L, base, step) : bitfield(L, base, step, readSlot(L)), type, owned: true };
  const size = resolve(cp.result).size;
  if (size !== 1 && size !== 2 && size !== 4 && size !== 8) return { k: 'reg', v: 0, type, owned: true }; // kernelIntType gave u64 and resolvePath a scalar: unreachable
  return { k: 'reg', v: readStep(L, obj, base, step, size, type.signed && size < 8), type, owned: true };
}

/**
 * BPF_CORE_READ_BITFIELD_PROBED: the storage unit (relocated offset and size) probe-read into a
 * zeroed slot, then the shifts.
 */
function bitfield(L: Lowering, src: VReg, step: CoreAccess, slot: number): VReg {
  const v = step.values;
  L.emit({ op: 'st', size: 8, base: 'fp', off: slot, s: { imm: 0n } });
  const addr = L.newV();
  L.emit({ op: 'alu', code: 'add', w: 64, d: addr, a: src, b: { imm: BigInt(v.field_byte_offset) }, core: tag(step, 'field_byte_offset') });
  const buf = L.newV(), size = L.newV();
  L.emit({ op: 'addrfp', d: buf, off: slot });
  L.emit({ op: 'mov', d: size, s: { imm: BigInt(v.field_byte_size) }, core: tag(step, 'field_byte_size') });
  L.emit({ op: 'call', helper: PROBE_READ_KERNEL, args: [{ reg: buf }, { reg: size }, { reg: addr }] });
  const d = L.newV();
  L.emit({ op: 'ld', size: 8, d, base: 'fp', off: slot });
  shifts(L, d, step);
  return d;
}

/**
 * BPF_CORE_READ_BITFIELD through a BTF pointer: p = src + BYTE_OFFSET, a load of BYTE_SIZE
 * bytes (1, 2, 4 or 8: a branch per size on the relocated constant, which the verifier follows
 * one way only), then the shifts.
 */
function directBitfield(L: Lowering, src: VReg, step: CoreAccess): VReg {
  const v = step.values;
  const p = L.newV(), size = L.newV(), d = L.newV();
  L.emit({ op: 'alu', code: 'add', w: 64, d: p, a: src, b: { imm: BigInt(v.field_byte_offset) }, core: tag(step, 'field_byte_offset') });
  L.emit({ op: 'mov', d: size, s: { imm: BigInt(v.field_byte_size) }, core: tag(step, 'field_byte_size') });
  L.emit({ op: 'mov', d, s: { imm: 0n } });
  const loaded = L.label('bf_loaded');
  for (const n of [1, 2, 4, 8] as const) {
    const next = L.label('bf_size');
    L.emit({ op: 'br', cmp: 'jne', w: 64, a: size, b: { imm: BigInt(n) }, target: next });
    L.emit({ op: 'ld', size: n, d, base: p, off: 0 });
    L.emit({ op: 'jmp', target: loaded });
    L.place(next);
  }
  L.place(loaded);
  shifts(L, d, step);
  return d;
}

/** `d <<= LSHIFT_U64; d = SIGNED ? (s64)d >> RSHIFT_U64 : d >> RSHIFT_U64`, every immediate relocated (the test stays a branch, as clang leaves it). */
function shifts(L: Lowering, d: VReg, step: CoreAccess): void {
  const v = step.values;
  L.emit({ op: 'alu', code: 'lsh', w: 64, d, a: d, b: { imm: BigInt(v.field_lshift_u64) }, core: tag(step, 'field_lshift_u64') });
  const signed = L.newV();
  const unsigned = L.label('bf_unsigned'), end = L.label('bf_end');
  L.emit({ op: 'mov', d: signed, s: { imm: BigInt(v.field_signed) }, core: tag(step, 'field_signed') });
  L.emit({ op: 'br', cmp: 'jeq', w: 64, a: signed, b: { imm: 0n }, target: unsigned });
  L.emit({ op: 'alu', code: 'arsh', w: 64, d, a: d, b: { imm: BigInt(v.field_rshift_u64) }, core: tag(step, 'field_rshift_u64') });
  L.emit({ op: 'jmp', target: end });
  L.place(unsigned);
  L.emit({ op: 'alu', code: 'rsh', w: 64, d, a: d, b: { imm: BigInt(v.field_rshift_u64) }, core: tag(step, 'field_rshift_u64') });
  L.place(end);
}

/** exists(x.f) (FIELD_EXISTS), sizeof(x.f) (FIELD_BYTE_SIZE), sizeof<S>() (TYPE_SIZE): relocated constants, never folded. */
function fieldInfo(L: Lowering, e: TS.CallExpression, what: 'exists' | 'sizeof'): Val {
  const ts = L.ts;
  const a = e.arguments[0];
  const usage = what === 'exists' ? 'exists takes a kernel struct member: exists(task.loginuid)' : 'sizeof takes a kernel struct member (sizeof(task.comm)) or a kernel struct type (sizeof<task_struct>())';
  const d = L.newV();
  if (a === undefined && what === 'sizeof' && e.typeArguments?.length === 1) {
    const ty = structArg(L, e, 'sizeof');
    L.emit({ op: 'mov', d, s: { imm: BigInt(ty.size) }, core: { root: ty, access: '0', kind: 'type_size' } });
    return { k: 'reg', v: d, type: U32, owned: true };
  }
  if (a === undefined || e.arguments.length > 1 || !ts.isPropertyAccessExpression(a)) return L.fail(a ?? e, usage);
  const obj = L.expr(a.expression);
  if (obj.k !== 'kernel') return L.fail(a, usage);
  const name = a.name.text;
  if (findField(obj.ty, name) === undefined) L.fail(a.name, `${describe(obj.ty)} has no member '${name}'`);
  const cp = corePath(L, a, obj, [...obj.path, name]);
  const step = cp.steps[cp.steps.length - 1]!;
  const kind = what === 'exists' ? 'field_exists' : 'field_byte_size';
  L.emit({ op: 'mov', d, s: { imm: BigInt(step.values[kind]) }, core: tag(step, kind) });
  return { k: 'reg', v: d, type: what === 'exists' ? BOOL : U32, owned: true };
}

/**
 * A tpBtf or struct_ops program's parameters: the arguments, each a u64 of the context array
 * (BPF_PROG's ctx[i]); a kernel struct parameter is a BTF pointer (direct loads), an integer one
 * is converted to its type. `types`: each parameter's type (from its annotation or its slot).
 */
export function btfArgs(L: Lowering, params: readonly TS.ParameterDeclaration[], scope: Map<string, Binding>, types: readonly (KernelComposite | IntType | undefined)[]): void {
  const ts = L.ts;
  if (params.length > 12) L.fail(params[12]!, 'a BTF tracepoint has at most 12 arguments');
  params.forEach((p, i) => {
    if (!ts.isIdentifier(p.name)) L.fail(p, 'a parameter is a plain name');
    const name = (p.name as TS.Identifier).text;
    const t = types[i] ?? L.fail(p.type ?? p, `parameter '${name}' needs its type: a kernel struct (from tsbpf btf gen-ts --lang) or an integer type`);
    const d = L.newV();
    L.emit({ op: 'ld', size: 8, d, base: L.ctxV, off: 8 * i });
    if (!('bits' in t)) { scope.set(name, { kind: 'value', val: { k: 'kernel', base: d, root: t, path: [], ty: t, direct: true } }); return; }
    const v = L.convert({ k: 'reg', v: d, type: U64, owned: true }, t, p);
    scope.set(name, { kind: 'value', val: v.k === 'reg' ? { ...v, owned: false } : v });
  });
}

/** A tpBtf parameter's declared type: a kernel struct or an integer type. */
export function annotatedType(L: Lowering, p: TS.ParameterDeclaration): KernelComposite | IntType | undefined {
  return kernelTypeOf(L.m, p.type) ?? intTypeOf(L.ts, L.m.imports, p.type);
}

/**
 * `x.f = v` (and `+=`, `++`) on a kernel struct a struct_ops program may write (the verifier says
 * which fields): the pointers on the way loaded, then a store whose offset is relocated, as clang
 * compiles a store through vmlinux.h. `f` computes the new value from a reader of the current one.
 */
export function kernelAssign(L: Lowering, obj: Kernel, e: TS.PropertyAccessExpression, f: (cur: () => Val & { k: 'const' | 'reg' }) => Val & { k: 'const' | 'reg' }, old: boolean): Val {
  const name = e.name.text;
  const fld = findField(obj.ty, name) ?? L.fail(e.name, `${describe(obj.ty)} has no member '${name}'`);
  if (obj.direct !== true || L.prog.kind !== 'structOps') L.fail(e, `a kernel struct is written only by struct_ops programs (through their BTF pointer arguments), not ${L.prog.kind}`);
  if (fld.bitSize !== 0) L.fail(e.name, `'${name}' is a bitfield: kernel bitfields are not written by the language`);
  const cp = corePath(L, e, obj, [...obj.path, name]);
  let src: VReg = obj.base;
  for (const step of cp.steps.slice(0, -1)) {
    const d = L.newV();
    L.emit({ op: 'ld', size: 8, d, base: src, off: step.values.field_byte_offset, core: tag(step, 'field_byte_offset') });
    src = d;
  }
  const last = cp.steps[cp.steps.length - 1]!;
  const type = kernelIntType(cp.result);
  const width = resolve(cp.result).size;
  // Without the type check (compileSource) a struct or array member could get here.
  if (width !== 1 && width !== 2 && width !== 4 && width !== 8) return L.fail(e.name, `'${name}' is not an integer member: the language writes only the integer members of a kernel struct`);
  const size: Size = width;
  const off = last.values.field_byte_offset;
  let cur: (Val & { k: 'reg' }) | undefined;
  const read = (): Val & { k: 'reg' } => {
    if (cur !== undefined) return cur;
    const d = L.newV();
    L.emit({ op: 'ld', size, d, base: src, off, ...(type.signed && size < 8 ? { signed: true } : {}), core: tag(last, 'field_byte_offset') });
    return (cur = { k: 'reg', v: d, type, owned: true });
  };
  const nv = L.storedValue(f(read), type, e, (s) => L.emit({ op: 'st', size, base: src, off, s, core: tag(last, 'field_byte_offset') }));
  return old ? read() : nv;
}
