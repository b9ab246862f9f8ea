// C type descriptors: immutable objects that carry a C type's size, alignment and shape at run
// time and its precise shape at the type level (field names, element types, 64-bit-ness), so that
// values, BTF and CO-RE paths can be derived from one declaration.

import { TsbpfError } from '../../../isa/index.js';

/** Integer descriptor. `Size` and `Signed` are kept at the type level (64-bit values are bigint). */
export type IntFlavor = 'plain' | 'char' | 'bool';

export interface IntType<Size extends number = number, Signed extends boolean = boolean, Flavor extends IntFlavor = IntFlavor> {
  readonly kind: 'int';
  readonly name: string;
  readonly size: Size;
  readonly align: number;
  readonly signed: Signed;
  /** BTF INT encoding flavour: plain, char (`char`) or bool (`_Bool`). */
  readonly flavor: Flavor;
}

export interface VoidType { readonly kind: 'void'; readonly name: 'void'; readonly size: 0; readonly align: 1 }

export interface EnumType<V extends Record<string, number | bigint> = Record<string, number | bigint>, Size extends number = number> {
  readonly kind: 'enum';
  readonly name: string;
  readonly size: Size;
  readonly align: number;
  /** True when some value is negative (BTF kind_flag; the C underlying type is signed). */
  readonly signed: boolean;
  readonly values: V;
}

export interface PtrType<T extends CType = CType> {
  readonly kind: 'ptr';
  readonly name: '';
  readonly size: 8;
  readonly align: 8;
  /** The pointee; resolved on first use so that recursive types can be declared. */
  readonly target: T;
}

export interface ArrayType<E extends CType = CType, N extends number = number> {
  readonly kind: 'array';
  readonly name: '';
  readonly size: number;
  readonly align: number;
  readonly elem: E;
  readonly length: N;
}

export interface TypedefType<T extends CType = CType> {
  readonly kind: 'typedef';
  readonly name: string;
  readonly size: number;
  readonly align: number;
  readonly type: T;
}

/** `const T` / `volatile T`: no layout effect, kept for BTF fidelity. */
export interface QualType<T extends CType = CType> {
  readonly kind: 'const' | 'volatile';
  readonly name: '';
  readonly size: number;
  readonly align: number;
  readonly type: T;
}

/** A forward declaration (`struct foo;`): an incomplete type, usable only behind a pointer. */
export interface FwdType<N extends string = string> {
  readonly kind: 'fwd';
  readonly name: N;
  readonly size: 0;
  readonly align: 1;
  readonly union: boolean;
}

/**
 * A function prototype, only ever the target of a pointer (`R (*)(P…)`: a function pointer member
 * of a kernel ops struct). Parameters are unnamed, as in kernel BTF.
 */
export interface FuncProtoType<R extends CType = CType, P extends readonly CType[] = readonly CType[]> {
  readonly kind: 'func_proto';
  readonly name: '';
  readonly size: 0;
  readonly align: 1;
  readonly returns: R;
  readonly params: P;
}

/** A bitfield member: `base name : bits`. Not a type of its own; only a struct/union field. */
export interface Bitfield<B extends IntType | EnumType | TypedefType = IntType | EnumType | TypedefType> {
  readonly kind: 'bitfield';
  readonly base: B;
  readonly bits: number;
}

/** A field placed at an explicit bit offset (generated kernel declarations keep BTF's offsets). */
export interface Placed<T extends CType | Bitfield = CType | Bitfield> {
  readonly kind: 'placed';
  readonly bitOffset: number;
  readonly field: T;
}

/**
 * Field map of a struct or union, in declaration order. Keys of the form `#0`, `#1`, … are
 * anonymous members (an unnamed inner struct or union); their fields are reachable by name
 * through the parent, as in C.
 */
export type FieldMap = { readonly [name: string]: CType | Bitfield };
export type FieldSpec = { readonly [name: string]: CType | Bitfield | Placed };
export type NormalizeFields<F extends FieldSpec> = {
  readonly [K in keyof F]: F[K] extends Placed<infer T> ? T : Exclude<F[K], Placed>;
};

/** One laid-out member. */
export interface Member {
  /** C name, '' for an anonymous member. */
  readonly name: string;
  /** Key in the field map (the name, or `#k` for an anonymous member). */
  readonly key: string;
  readonly type: CType;
  /** Offset from the start of the struct, in bits. */
  readonly bitOffset: number;
  /** Bitfield width; 0 for a plain member. */
  readonly bitSize: number;
}

export interface StructType<F extends FieldMap = FieldMap> {
  readonly kind: 'struct';
  readonly name: string;
  readonly size: number;
  readonly align: number;
  /** Declared `packed` (layout at alignment 1). */
  readonly packed?: boolean;
  readonly fields: F;
  readonly members: readonly Member[];
}

export interface UnionType<F extends FieldMap = FieldMap> {
  readonly kind: 'union';
  readonly name: string;
  readonly size: number;
  readonly align: number;
  /** Declared `packed` (layout at alignment 1). */
  readonly packed?: boolean;
  readonly fields: F;
  readonly members: readonly Member[];
}

export type CType =
  | IntType | VoidType | EnumType | PtrType | ArrayType | TypedefType | QualType | FwdType | StructType | UnionType | FuncProtoType;
export type CKind = CType['kind'];
export type Composite = StructType | UnionType;

/** Error for a descriptor that cannot exist (bad width, unknown field, incomplete member …). */
export class CTypeError extends TsbpfError {
  override readonly name = 'CTypeError';
}

/** Whether a key names an anonymous member. */
export function isAnonKey(key: string): boolean {
  return /^#\d+$/.test(key);
}
