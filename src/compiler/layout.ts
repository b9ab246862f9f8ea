// The language's memory types: integers, structs (TypeScript interfaces of the module) and fixed
// arrays (`Arr<T, N>`), laid out as C lays them out — by the DSL's own struct()/array()
// constructors, so the offsets the compiler uses and the BTF the object carries are one layout.

import type TS from 'typescript';
import { array, char as cChar, type CType, s16, s32, s64, s8, struct, u16, u32, u64, u8 } from '../dsl/index.js';
import { CompileError } from './errors.js';
import { INT_TYPES, type IntType } from './int-type.js';
import type { SourceLocation } from '../dsl/index.js';

export type LType =
  | { readonly kind: 'int'; readonly int: IntType; readonly char?: true; readonly size: number; readonly align: number; readonly ctype: CType }
  | { readonly kind: 'struct'; readonly name: string; readonly fields: ReadonlyMap<string, { readonly off: number; readonly type: LType }>; readonly size: number; readonly align: number; readonly ctype: CType }
  | { readonly kind: 'array'; readonly elem: LType; readonly length: number; readonly size: number; readonly align: number; readonly ctype: CType };
export type Aggregate = LType & { kind: 'struct' | 'array' };

const CTYPES: Record<string, CType> = { u8, u16, u32, u64, s8, s16, s32, s64, bool: u8 };

export function intLType(t: IntType, isChar = false): LType & { kind: 'int' } {
  const ctype = isChar ? cChar : CTYPES[t.name]!;
  return { kind: 'int', int: t, size: t.bits / 8, align: t.bits / 8, ctype, ...(isChar ? { char: true as const } : {}) };
}

const MAX_ARRAY = 512;

/**
 * The language's SpinLock: the UAPI struct bpf_spin_lock (the verifier finds the lock by that BTF
 * name), with no fields the program may touch (the kernel refuses loads and stores of it).
 */
export const SPIN_LOCK: LType & { kind: 'struct' } = (() => {
  const ctype = struct('bpf_spin_lock', { val: u32 });
  return { kind: 'struct', name: 'bpf_spin_lock', fields: new Map(), size: ctype.size, align: ctype.align, ctype };
})();
/** The language's Timer: the UAPI struct bpf_timer (16 bytes, 8-aligned; opaque to the program). */
export const TIMER: LType & { kind: 'struct' } = (() => {
  const ctype = struct('bpf_timer', { __opaque: array(u64, 2) });
  return { kind: 'struct', name: 'bpf_timer', fields: new Map(), size: ctype.size, align: ctype.align, ctype };
})();

/**
 * Resolves the type nodes of a module (and of the type-only modules it imports) to layouts.
 * `declarations`: interface and type-alias declarations by name.
 */
export interface TypeScope {
  /** Local name → the language's exported name, in the file the node is in. */
  readonly imports: ReadonlyMap<string, string>;
  readonly at: (n: TS.Node) => SourceLocation;
}
export interface TypeDeclaration extends TypeScope { readonly node: TS.InterfaceDeclaration | TS.TypeAliasDeclaration }

export class Layouts {
  private readonly cache = new Map<string, LType>();
  private readonly resolving = new Set<string>();

  constructor(
    private readonly ts: typeof TS,
    private readonly scope: TypeScope,
    /** Interfaces and type aliases of the module and of the type-only modules it imports. */
    readonly declarations: ReadonlyMap<string, TypeDeclaration>,
  ) {}

  /** The layout a type node names, or undefined when it is not a memory type of the language. */
  of(node: TS.TypeNode | undefined, scope: TypeScope = this.scope): LType | undefined {
    const ts = this.ts;
    const at = scope.at;
    if (node === undefined) return undefined;
    if (node.kind === ts.SyntaxKind.NumberKeyword) return intLType(INT_TYPES.s64!);
    if (node.kind === ts.SyntaxKind.BooleanKeyword) return intLType({ ...INT_TYPES.u8!, name: 'bool', bool: true });
    if (ts.isParenthesizedTypeNode(node)) return this.of(node.type, scope);
    if (!ts.isTypeReferenceNode(node) || !ts.isIdentifier(node.typeName)) return undefined;
    const name = node.typeName.text;
    const lang = scope.imports.get(name);
    if (lang === 'Arr') {
      const [el, n] = node.typeArguments ?? [];
      const elem = this.of(el, scope) ?? this.fail(el ?? node, 'an array element is an integer, struct or array type', at);
      const length = n !== undefined && ts.isLiteralTypeNode(n) && ts.isNumericLiteral(n.literal) ? Number(n.literal.text) : NaN;
      if (!Number.isInteger(length) || length <= 0 || elem.size * length > MAX_ARRAY) this.fail(n ?? node, `Arr<T, N> takes a number literal N from 1 to what fits ${MAX_ARRAY} bytes`, at);
      return { kind: 'array', elem, length, size: elem.size * length, align: elem.align, ctype: array(elem.ctype, length) };
    }
    if (lang === 'char') return intLType(INT_TYPES.u8!, true);
    if (lang === 'SpinLock') return SPIN_LOCK;
    if (lang === 'Timer') return TIMER;
    if (lang === 'bool') return intLType({ ...INT_TYPES.u8!, name: 'bool', bool: true });
    if (lang !== undefined && INT_TYPES[lang] !== undefined) return intLType(INT_TYPES[lang]!);
    if (node.typeArguments !== undefined) return undefined;
    const known = this.cache.get(name);
    if (known !== undefined) return known;
    const decl = this.declarations.get(name);
    if (decl === undefined) return undefined;
    if (this.resolving.has(name)) this.fail(node, `${name} contains itself`, at);
    this.resolving.add(name);
    try {
      const l = this.struct(name, decl.node, decl);
      this.cache.set(name, l);
      return l;
    } finally { this.resolving.delete(name); }
  }

  private struct(name: string, d: TS.InterfaceDeclaration | TS.TypeAliasDeclaration, scope: TypeScope): LType {
    const ts = this.ts;
    const at = scope.at;
    let members: readonly TS.TypeElement[];
    if (ts.isInterfaceDeclaration(d)) {
      if (d.heritageClauses !== undefined || d.typeParameters !== undefined) this.fail(d, `struct ${name}: an interface of the language has no type parameters and extends nothing`, at);
      members = d.members;
    } else {
      const alias = this.of(d.type, scope);
      if (alias !== undefined) return alias;
      if (!ts.isTypeLiteralNode(d.type)) this.fail(d, `${name} is not an integer, struct or array type`, at);
      members = (d.type as TS.TypeLiteralNode).members;
    }
    const spec: Record<string, CType> = {};
    const types = new Map<string, LType>();
    for (const m of members) {
      if (!ts.isPropertySignature(m) || !ts.isIdentifier(m.name) || m.questionToken !== undefined) this.fail(m, `struct ${name}: members are plain fields (name: type)`, at);
      const fname = (m.name as TS.Identifier).text;
      const t = this.of(m.type, scope) ?? this.fail(m.type ?? m, `struct ${name}.${fname}: a field is an integer type, char, Arr<T, N> or a struct`, at);
      spec[fname] = t.ctype;
      types.set(fname, t);
    }
    if (types.size === 0) this.fail(d, `struct ${name} has no fields`, at);
    const ctype = struct(name, spec);
    const fields = new Map<string, { off: number; type: LType }>();
    for (const mem of ctype.members) fields.set(mem.name, { off: mem.bitOffset / 8, type: types.get(mem.name)! });
    return { kind: 'struct', name, fields, size: ctype.size, align: ctype.align, ctype };
  }

  private fail(n: TS.Node, msg: string, at: (n: TS.Node) => SourceLocation): never { throw new CompileError(msg, at(n)); }
}
