// Descriptor constructors: the integer singletons and struct/union/array/ptr/enum/typedef/fwd/funcProto.
// Struct layout follows the SysV rules clang applies for the BPF target: each member at the next
// multiple of its alignment; a bitfield goes at the current bit unless it would straddle a
// storage unit of its base type, then at the next unit; named bitfields give the struct their
// base type's alignment; zero-width bitfields are not supported (clang emits none to BTF).

import {
  type ArrayType, type Bitfield, type CType, CTypeError, type EnumType, type FieldMap, type FieldSpec, type FuncProtoType, type FwdType,
  type IntFlavor, type IntType, isAnonKey, type Member, type NormalizeFields, type Placed, type PtrType, type QualType, type StructType,
  type TypedefType, type UnionType, type VoidType,
} from './descriptors.js';

function int<S extends number, G extends boolean, F extends IntFlavor = 'plain'>(name: string, size: S, signed: G, flavor?: F): IntType<S, G, F> {
  return Object.freeze({ kind: 'int', name, size, align: size, signed, flavor: (flavor ?? 'plain') as F });
}

export const u8 = int('unsigned char', 1, false);
export const u16 = int('unsigned short', 2, false);
export const u32 = int('unsigned int', 4, false);
export const u64 = int('unsigned long long', 8, false);
export const s8 = int('signed char', 1, true);
export const s16 = int('short', 2, true);
export const s32 = int('int', 4, true);
export const s64 = int('long long', 8, true);
/** `char`: signed on BPF (clang emits BTF INT 'char' with the SIGNED encoding). */
export const char = int('char', 1, true, 'char');
export const bool = int('_Bool', 1, false, 'bool');
export const void_: VoidType = Object.freeze({ kind: 'void', name: 'void', size: 0, align: 1 });

/**
 * A named integer type other than the built-ins (e.g. `long unsigned int`, 8 bytes on BPF), or a
 * `char` of other signedness (the kernel's BTF has an unsigned `char`).
 */
export function intType<S extends 1 | 2 | 4 | 8 | 16, G extends boolean>(name: string, size: S, signed: G): IntType<S, G, 'plain'>;
export function intType<S extends 1 | 2 | 4 | 8 | 16, G extends boolean, F extends IntFlavor>(name: string, size: S, signed: G, flavor: F): IntType<S, G, F>;
export function intType(name: string, size: 1 | 2 | 4 | 8 | 16, signed: boolean, flavor: IntFlavor = 'plain'): IntType {
  return int(name, size, signed, flavor);
}

/** Strips typedefs and qualifiers. */
export function resolve(t: CType): CType {
  let x = t;
  while (x.kind === 'typedef' || x.kind === 'const' || x.kind === 'volatile') x = x.type;
  return x;
}

export function bitfield<B extends IntType | EnumType | TypedefType>(base: B, bits: number): Bitfield<B> {
  const r = resolve(base);
  if (r.kind !== 'int' && r.kind !== 'enum') throw new CTypeError(`bitfield base must be an integer or enum type, not ${r.kind}`);
  if (!Number.isInteger(bits) || bits < 1 || bits > r.size * 8) {
    throw new CTypeError(`bitfield width ${bits} is not in 1 … ${r.size * 8} for ${base.name || r.kind}`);
  }
  return Object.freeze({ kind: 'bitfield', base, bits });
}

/** A field at an explicit bit offset from the start of its struct. */
export function at<T extends CType | Bitfield>(bitOffset: number, field: T): Placed<T> {
  if (!Number.isInteger(bitOffset) || bitOffset < 0) throw new CTypeError(`field offset ${bitOffset} is not a non-negative integer`);
  return Object.freeze({ kind: 'placed', bitOffset, field });
}

export interface CompositeOptions {
  /** `__attribute__((packed))`: every member at alignment 1, bitfields bit after bit. */
  readonly packed?: boolean;
  /** Explicit alignment (`__attribute__((aligned(N)))`, or the kernel's for explicit layouts). */
  readonly align?: number;
  /** Explicit size; required when fields are placed with at(). */
  readonly size?: number;
}

const alignUp = (x: number, a: number): number => Math.ceil(x / a) * a;

function checkComplete(owner: string, key: string, t: CType): void {
  // A value cast past the types (undefined, a number) is the user's mistake, not a TypeError here.
  if (t === null || typeof t !== 'object' || typeof (t as { kind?: unknown }).kind !== 'string') throw new CTypeError(`${owner}.${key}: not a type descriptor`);
  if (t.kind === 'fwd' || t.kind === 'void') throw new CTypeError(`${owner}.${key}: member of incomplete type ${t.kind === 'fwd' ? t.name : 'void'}`);
  if (t.kind === 'func_proto') throw new CTypeError(`${owner}.${key}: a function prototype is only a pointer's target (use funcPtr)`);
}

function layout(kind: 'struct' | 'union', name: string, spec: FieldSpec, opts: CompositeOptions): { fields: FieldMap; members: Member[]; size: number; align: number } {
  const owner = `${kind} ${name || '(anonymous)'}`;
  if (spec === null || typeof spec !== 'object') throw new CTypeError(`${owner}: the fields must be an object of name: type`);
  const keys = Object.keys(spec);
  for (const k of keys) {
    const f = spec[k] as unknown;
    if (f === null || typeof f !== 'object') throw new CTypeError(`${owner}.${k}: not a type descriptor`);
  }
  const placed = keys.map((k) => spec[k]!.kind === 'placed');
  const explicit = placed.some(Boolean);
  if (explicit && !placed.every(Boolean)) throw new CTypeError(`${owner}: either every field or none is placed with at()`);
  if (explicit && opts.size === undefined) throw new CTypeError(`${owner}: an explicit layout needs opts.size`);
  const packed = opts.packed === true;
  const fields: Record<string, CType | Bitfield> = {};
  const members: Member[] = [];
  let cur = 0;
  let maxBits = 0;
  let align = 1;
  for (const key of keys) {
    const s = spec[key]!;
    const f = s.kind === 'placed' ? s.field : s;
    fields[key] = f;
    const memberName = isAnonKey(key) ? '' : key;
    if (f.kind === 'bitfield') {
      const base = resolve(f.base);
      let off: number;
      if (s.kind === 'placed') off = s.bitOffset;
      else if (kind === 'union') off = 0;
      else {
        const unit = base.size * 8;
        if (!packed && Math.floor(cur / unit) !== Math.floor((cur + f.bits - 1) / unit)) cur = alignUp(cur, base.align * 8);
        off = cur;
      }
      cur = off + f.bits;
      if (!packed) align = Math.max(align, base.align);
      members.push({ name: memberName, key, type: f.base, bitOffset: off, bitSize: f.bits });
    } else {
      checkComplete(owner, key, f);
      if (memberName === '' && resolve(f).kind !== 'struct' && resolve(f).kind !== 'union') {
        throw new CTypeError(`${owner}.${key}: an anonymous member must be a struct or union`);
      }
      const a = packed ? 1 : f.align;
      const off = s.kind === 'placed' ? s.bitOffset : kind === 'union' ? 0 : alignUp(cur, a * 8);
      cur = off + f.size * 8;
      align = Math.max(align, a);
      members.push({ name: memberName, key, type: f, bitOffset: off, bitSize: 0 });
    }
    maxBits = Math.max(maxBits, cur);
    if (kind === 'union') cur = 0;
  }
  const seen = new Set<string>();
  const noDuplicates = (ms: readonly Member[]): void => {
    for (const m of ms) {
      if (m.name === '') noDuplicates((resolve(m.type) as StructType | UnionType).members);
      else if (seen.has(m.name)) throw new CTypeError(`${owner}: duplicate member '${m.name}'`);
      else seen.add(m.name);
    }
  };
  noDuplicates(members);
  if (explicit) {
    const size = opts.size!;
    // Offsets from BTF say nothing about alignment: a member off its natural alignment means packed.
    let a = opts.align ?? 1;
    if (opts.align === undefined) {
      a = members.reduce((m, x) => Math.max(m, x.bitSize === 0 ? x.type.align : resolve(x.type).align), 1);
      const misplaced = members.some((x) => x.bitSize === 0 && x.bitOffset % (x.type.align * 8) !== 0);
      if (misplaced || size % a !== 0) a = 1;
    }
    if (maxBits > size * 8) throw new CTypeError(`${owner}: members end at bit ${maxBits}, past size ${size}`);
    return { fields, members, size, align: a };
  }
  if (opts.align !== undefined) align = Math.max(align, opts.align);
  const size = alignUp(Math.ceil(maxBits / 8), align);
  if (opts.size !== undefined && opts.size !== size) throw new CTypeError(`${owner}: laid out as ${size} bytes, opts.size says ${opts.size}`);
  return { fields, members, size, align };
}

export function struct<const F extends FieldSpec>(name: string, fields: F, opts: CompositeOptions = {}): StructType<NormalizeFields<F>> {
  const l = layout('struct', name, fields, opts);
  return Object.freeze({
    kind: 'struct', name, size: l.size, align: l.align, ...(opts.packed === true ? { packed: true } : {}),
    fields: l.fields as NormalizeFields<F>, members: Object.freeze(l.members),
  });
}

export function union<const F extends FieldSpec>(name: string, fields: F, opts: CompositeOptions = {}): UnionType<NormalizeFields<F>> {
  const l = layout('union', name, fields, opts);
  return Object.freeze({
    kind: 'union', name, size: l.size, align: l.align, ...(opts.packed === true ? { packed: true } : {}),
    fields: l.fields as NormalizeFields<F>, members: Object.freeze(l.members),
  });
}

export function array<E extends CType, const N extends number>(elem: E, length: N): ArrayType<E, N> {
  if (!Number.isInteger(length) || length < 0 || length > 0xffffffff) throw new CTypeError(`array length ${length} is not a u32`);
  checkComplete('array', 'elem', elem);
  return Object.freeze({ kind: 'array', name: '', size: elem.size * length, align: elem.align, elem, length });
}

/** Pointer; pass a function for a pointee declared later (recursive types). */
export function ptr<T extends CType>(target: T | (() => T)): PtrType<T> {
  let resolved: T | undefined = typeof target === 'function' ? undefined : target;
  const p = { kind: 'ptr', name: '', size: 8, align: 8 } as const;
  Object.defineProperty(p, 'target', {
    enumerable: true,
    get: (): T => {
      if (resolved === undefined) {
        resolved = (target as () => T)();
        if (resolved === undefined) throw new CTypeError('ptr(): the lazy pointee is undefined (declared after use?)');
      }
      return resolved;
    },
  });
  return Object.freeze(p) as unknown as PtrType<T>;
}

export function enumType<const V extends Record<string, number | bigint>, S extends 1 | 2 | 4 | 8 = 4>(
  name: string, values: V, size?: S,
): EnumType<V, S> {
  const sz = (size ?? 4) as S;
  if (![1, 2, 4, 8].includes(sz)) throw new CTypeError(`enum ${name}: size ${sz} is not 1, 2, 4 or 8`);
  let signed = false;
  for (const [k, v] of Object.entries(values)) {
    const b = BigInt(v);
    if (b < 0n) signed = true;
    const lim = 1n << BigInt(sz * 8);
    if (b < -(lim >> 1n) || b >= lim) throw new CTypeError(`enum ${name}: ${k} = ${v} does not fit ${sz} bytes`);
  }
  return Object.freeze({ kind: 'enum', name, size: sz, align: sz, signed, values: Object.freeze({ ...values }) });
}

export function typedef<T extends CType>(name: string, type: T): TypedefType<T> {
  return Object.freeze({ kind: 'typedef', name, size: type.size, align: type.align, type });
}

export function constOf<T extends CType>(type: T): QualType<T> {
  return Object.freeze({ kind: 'const', name: '', size: type.size, align: type.align, type });
}

export function volatileOf<T extends CType>(type: T): QualType<T> {
  return Object.freeze({ kind: 'volatile', name: '', size: type.size, align: type.align, type });
}

export function fwd<const N extends string>(name: N, opts: { union?: boolean } = {}): FwdType<N> {
  return Object.freeze({ kind: 'fwd', name, size: 0, align: 1, union: opts.union === true });
}

/** A function prototype `returns (P…)`: the target of a function pointer (parameters unnamed). */
export function funcProto<R extends CType, const P extends readonly CType[]>(returns: R, params: P): FuncProtoType<R, P> {
  for (const [i, p] of params.entries()) {
    if (p.kind === 'void' || p.kind === 'func_proto') throw new CTypeError(`function prototype: parameter ${i} cannot be ${p.kind === 'void' ? 'void' : 'a function'}`);
  }
  if (returns.kind === 'func_proto' || returns.kind === 'array') throw new CTypeError(`function prototype: cannot return ${returns.kind === 'array' ? 'an array' : 'a function'}`);
  return Object.freeze({ kind: 'func_proto', name: '', size: 0, align: 1, returns, params: Object.freeze([...params]) as unknown as P });
}

/** A function pointer `returns (*)(P…)`: the member type of a kernel ops struct's callbacks. */
export function funcPtr<R extends CType, const P extends readonly CType[]>(returns: R, params: P): PtrType<FuncProtoType<R, P>> {
  return ptr(funcProto(returns, params));
}

/** Where a field lives. Searches anonymous members too (C's transparent access). */
export interface FieldInfo {
  /** Byte offset of the field (of its containing byte for a bitfield). */
  readonly offset: number;
  /** Offset in bits from the start of the struct. */
  readonly bitOffset: number;
  /** Bitfield width; 0 for a plain member. */
  readonly bitSize: number;
  readonly type: CType;
  /** Member indices from the struct to the field (through anonymous members), for CO-RE access strings. */
  readonly path: readonly number[];
  /** The struct or union that declares the field (an anonymous member's type, or the owner). */
  readonly parent: StructType | UnionType;
  /** Offset of the field in bits from the start of `parent`. */
  readonly memberBitOffset: number;
}

export function findField(owner: StructType | UnionType, name: string): FieldInfo | undefined {
  for (let i = 0; i < owner.members.length; i++) {
    const m = owner.members[i]!;
    if (m.name === name) {
      return { offset: Math.floor(m.bitOffset / 8), bitOffset: m.bitOffset, bitSize: m.bitSize, type: m.type, path: [i], parent: owner, memberBitOffset: m.bitOffset };
    }
    if (m.name === '') {
      const inner = resolve(m.type) as StructType | UnionType;
      const f = findField(inner, name);
      if (f !== undefined) {
        const bitOffset = m.bitOffset + f.bitOffset;
        return { ...f, bitOffset, offset: Math.floor(bitOffset / 8), path: [i, ...f.path] };
      }
    }
  }
  return undefined;
}

/** Field layout by name; throws CTypeError for an unknown name. */
export function fieldOf(owner: StructType | UnionType, name: string): FieldInfo {
  const f = findField(owner, name);
  if (f === undefined) throw new CTypeError(`${owner.kind} ${owner.name || '(anonymous)'} has no field '${name}'`);
  return f;
}
