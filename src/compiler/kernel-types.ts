// Kernel structs of a program module: the interfaces `tsbpf btf gen-ts --lang` writes
// (`interface task_struct extends Kernel<'task_struct', 3264> { readonly tgid: At<10144, s32> }`)
// rebuilt as the DSL's type descriptors with the BTF's explicit layout, so that the CO-RE paths
// (dsl resolvePath) and the object's local BTF come from one description, as clang's do from
// vmlinux.h.

import type TS from 'typescript';
import { array, at, bitfield, bool, char, type CType, CTypeError, funcPtr, ptr, s16, s32, s64, s8, struct, type StructType, u16, u32, u64, u8, union, type UnionType, void_ } from '../dsl/index.js';
import { CompileError } from './errors.js';
import type { TypeDeclaration } from './layout.js';
import type { ModuleInfo } from './module.js';

export type KernelComposite = StructType | UnionType;

const INTS: Record<string, CType> = { u8, u16, u32, u64, s8, s16, s32, s64, char, bool };

const built = new WeakMap<TS.InterfaceDeclaration, KernelComposite>();

/** The kernel struct a type node of the program names (an interface extending Kernel<…>), or undefined. */
export function kernelTypeOf(m: ModuleInfo, node: TS.TypeNode | undefined): KernelComposite | undefined {
  const ts = m.ts;
  if (node === undefined || !ts.isTypeReferenceNode(node) || !ts.isIdentifier(node.typeName)) return undefined;
  const decl = m.layouts.declarations.get(node.typeName.text);
  if (decl === undefined || !ts.isInterfaceDeclaration(decl.node) || kernelHeader(ts, decl.node, decl) === undefined) return undefined;
  return build(ts, decl.node, decl);
}

/** Kernel<'name', size, union?> among an interface's bases. */
function kernelHeader(ts: typeof TS, d: TS.InterfaceDeclaration, scope: TypeDeclaration): { name: string; size: number; union: boolean } | undefined {
  for (const h of d.heritageClauses ?? []) {
    for (const b of h.types) {
      if (!ts.isIdentifier(b.expression) || scope.imports.get(b.expression.text) !== 'Kernel') continue;
      const [n, size, u] = b.typeArguments ?? [];
      const name = n !== undefined && ts.isLiteralTypeNode(n) && ts.isStringLiteral(n.literal) ? n.literal.text : undefined;
      const bytes = literalNumber(ts, size);
      if (name === undefined || bytes === undefined) throw new CompileError("Kernel<'name', size> takes a string and a number literal", scope.at(b));
      return { name, size: bytes, union: u !== undefined && u.kind === ts.SyntaxKind.LiteralType && (u as TS.LiteralTypeNode).literal.kind === ts.SyntaxKind.TrueKeyword };
    }
  }
  return undefined;
}

function literalNumber(ts: typeof TS, n: TS.TypeNode | undefined): number | undefined {
  return n !== undefined && ts.isLiteralTypeNode(n) && ts.isNumericLiteral(n.literal) ? Number(n.literal.text) : undefined;
}

/** The interface a name denotes in the file a declaration is in (kernel declaration modules name each other's types). */
function sibling(ts: typeof TS, name: string, from: TS.Node, scope: TypeDeclaration): TS.InterfaceDeclaration {
  const d = from.getSourceFile().statements.find((s): s is TS.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === name);
  if (d === undefined) throw new CompileError(`'${name}' is not a kernel struct declared in this file (tsbpf btf gen-ts --lang writes them)`, scope.at(from));
  return d;
}

function build(ts: typeof TS, d: TS.InterfaceDeclaration, scope: TypeDeclaration): KernelComposite {
  const known = built.get(d);
  if (known !== undefined) return known;
  const fail = (n: TS.Node, msg: string): never => { throw new CompileError(msg, scope.at(n)); };
  const head = kernelHeader(ts, d, scope) ?? fail(d, `${d.name.text} is not a kernel struct (an interface extending Kernel<'name', size>)`);
  const typeOf = (n: TS.TypeNode | undefined, where: TS.Node): CType => {
    if (n !== undefined && ts.isFunctionTypeNode(n)) {
      const slot = slotOf(ts, n, scope);
      // Struct parameters stay lazy: a struct's own callbacks take pointers to it.
      const c = (x: (() => KernelComposite) | string): CType => (typeof x === 'string' ? INTS[x]! : ptr(x));
      return funcPtr(slot.ret === undefined ? void_ : INTS[slot.ret]!, slot.params.map((x) => c(x)));
    }
    if (n === undefined || !ts.isTypeReferenceNode(n) || !ts.isIdentifier(n.typeName)) return fail(n ?? where, 'a kernel struct member is At<bitOffset, T>: T an integer type, char, bool, Arr<T, N>, Ptr<S> or a kernel struct S');
    const id = n.typeName.text;
    const lang = scope.imports.get(id);
    const args = n.typeArguments ?? [];
    if (lang !== undefined && INTS[lang] !== undefined) return INTS[lang]!;
    if (lang === 'Arr') {
      const len = literalNumber(ts, args[1]);
      if (len === undefined || !Number.isInteger(len) || len < 0) return fail(n, 'Arr<T, N> takes a number literal N');
      return array(typeOf(args[0], n), len);
    }
    if (lang === 'Ptr') {
      const target = args[0];
      if (target === undefined || !ts.isTypeReferenceNode(target) || !ts.isIdentifier(target.typeName)) return fail(n, 'Ptr<S> takes a kernel struct S');
      const td = sibling(ts, target.typeName.text, target, scope);
      return ptr(() => build(ts, td, scope));
    }
    if (lang !== undefined) return fail(n, `${id} cannot be a kernel struct member's type`);
    return build(ts, sibling(ts, id, n, scope), scope);
  };
  // Members in BTF order: named ones in the body, anonymous ones (Anon<index, bit, S>) at their index.
  const anons = new Map<number, [string, unknown]>();
  for (const h of d.heritageClauses ?? []) {
    for (const b of h.types) {
      if (!ts.isIdentifier(b.expression) || scope.imports.get(b.expression.text) !== 'Anon') continue;
      const [i, bit, s] = b.typeArguments ?? [];
      const index = literalNumber(ts, i), off = literalNumber(ts, bit);
      if (index === undefined || off === undefined || s === undefined) return fail(b, 'Anon<index, bitOffset, S> takes two number literals and a kernel struct');
      anons.set(index, [`#${anons.size}`, at(off, typeOf(s, b))]);
    }
  }
  const named: [string, unknown][] = [];
  for (const m of d.members) {
    if (!ts.isPropertySignature(m) || !(ts.isIdentifier(m.name) || ts.isStringLiteral(m.name))) return fail(m, `kernel struct ${d.name.text}: members are fields (name: At<bitOffset, T>)`);
    const t = m.type;
    if (t === undefined || !ts.isTypeReferenceNode(t) || !ts.isIdentifier(t.typeName) || scope.imports.get(t.typeName.text) !== 'At') return fail(t ?? m, `kernel struct ${d.name.text}.${m.name.text}: a member is At<bitOffset, T[, bits]>`);
    const [bit, ty, bits] = t.typeArguments ?? [];
    const off = literalNumber(ts, bit);
    if (off === undefined) return fail(t, 'At<bitOffset, T> takes a number literal bit offset');
    const width = bits === undefined ? 0 : literalNumber(ts, bits) ?? fail(bits, 'a bitfield width is a number literal');
    const base = typeOf(ty, t);
    named.push([m.name.text, at(off, width === 0 ? base : bitfield(base as typeof u32, width))]);
  }
  const spec: Record<string, unknown> = {};
  for (let i = 0, k = 0; i < named.length + anons.size; i++) {
    const [key, v] = anons.get(i) ?? named[k++] ?? fail(d, `kernel struct ${d.name.text}: Anon indexes do not fit its members`);
    spec[key] = v;
  }
  const make = head.union ? union : struct;
  let c: KernelComposite;
  try {
    c = make(head.name, spec as never, { size: head.size }) as KernelComposite;
  } catch (e) {
    if (e instanceof CTypeError) return fail(d, `kernel struct ${d.name.text}: ${e.message}`);
    throw e;
  }
  built.set(d, c);
  return c;
}

/** A function-pointer member (a struct_ops slot): its parameters (kernel structs are BTF pointers; integers by language name) and return type (undefined: void). */
export interface KernelSlot { readonly params: readonly (KernelComposite | string)[]; readonly ret?: string }

function slotOf(ts: typeof TS, n: TS.FunctionTypeNode, scope: TypeDeclaration): { params: ((() => KernelComposite) | string)[]; ret?: string } {
  const fail = (x: TS.Node, msg: string): never => { throw new CompileError(msg, scope.at(x)); };
  const one = (t: TS.TypeNode | undefined, where: TS.Node): (() => KernelComposite) | string => {
    if (t === undefined || !ts.isTypeReferenceNode(t) || !ts.isIdentifier(t.typeName)) return fail(t ?? where, 'a function pointer member takes integer types and kernel structs');
    const lang = scope.imports.get(t.typeName.text);
    if (lang !== undefined && INTS[lang] !== undefined) return lang;
    if (lang !== undefined) return fail(t, `${t.typeName.text} cannot be a function pointer member's parameter`);
    const d = sibling(ts, t.typeName.text, t, scope);
    return () => build(ts, d, scope);
  };
  const params = n.parameters.map((p) => one(p.type, p));
  const ret = n.type.kind === ts.SyntaxKind.VoidKeyword ? undefined : one(n.type, n);
  if (typeof ret === 'function') fail(n.type, 'a function pointer member returns an integer type or void');
  return { params, ...(ret === undefined ? {} : { ret: ret as string }) };
}

/** The function-pointer members of a kernel struct declaration (an interface extending Kernel<…>), by name. */
export function kernelSlots(m: ModuleInfo, node: TS.TypeNode): Map<string, KernelSlot> {
  const ts = m.ts;
  const out = new Map<string, KernelSlot>();
  if (!ts.isTypeReferenceNode(node) || !ts.isIdentifier(node.typeName)) return out;
  const decl = m.layouts.declarations.get(node.typeName.text);
  if (decl === undefined || !ts.isInterfaceDeclaration(decl.node)) return out;
  for (const mem of decl.node.members) {
    const t = ts.isPropertySignature(mem) ? mem.type : undefined;
    const fn = t !== undefined && ts.isTypeReferenceNode(t) ? t.typeArguments?.[1] : undefined;
    if (fn === undefined || !ts.isFunctionTypeNode(fn) || !ts.isIdentifier(mem.name!)) continue;
    const slot = slotOf(ts, fn, decl);
    out.set(mem.name.text, { params: slot.params.map((x) => (typeof x === 'string' ? x : x())), ...(slot.ret === undefined ? {} : { ret: slot.ret }) });
  }
  return out;
}
