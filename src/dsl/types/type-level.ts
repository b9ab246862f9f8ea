// Type-level views of descriptors: the JS value of a C type, and the field names a struct
// exposes (its own plus those of its anonymous members, as C allows).

import type {
  ArrayType, Bitfield, CType, EnumType, FieldMap, FuncProtoType, FwdType, IntType, PtrType, QualType, StructType, TypedefType, UnionType,
  VoidType,
} from './descriptors.js';

type AnonKey = `#${number}`;

/** Strips typedefs and qualifiers at the type level. */
export type Resolved<T> = [CType] extends [T] ? CType : ResolvedNarrow<T>;
type ResolvedNarrow<T> = T extends TypedefType<infer U> ? Resolved<U> : T extends QualType<infer U> ? Resolved<U> : T;

type IntValue<S> = S extends 8 | 16 ? bigint : number;

/**
 * The plain JS value of a C type: number for integers and enums up to 32 bits, bigint for 64-bit
 * ones and pointers, boolean for `_Bool`, string for `char[N]`, arrays, and objects for structs
 * and unions (anonymous members under their `#k` key).
 */
export type ValueOf<T> = [CType] extends [T] ? unknown : ValueOfNarrow<T>;
type ValueOfNarrow<T> =
  T extends Bitfield<infer B> ? ValueOf<B>
  : T extends TypedefType<infer U> ? ValueOf<U>
  : T extends QualType<infer U> ? ValueOf<U>
  : T extends IntType<infer S> ? (T extends { flavor: 'bool' } ? boolean : IntValue<S>)
  : T extends EnumType<Record<string, number | bigint>, infer S> ? IntValue<S>
  : T extends PtrType ? bigint
  : T extends ArrayType<infer E> ? (Resolved<E> extends { flavor: 'char' } ? string : ValueOf<E>[])
  : T extends StructType<infer F> | UnionType<infer F> ? { -readonly [K in keyof F]: ValueOf<F[K]> }
  : T extends VoidType | FwdType | FuncProtoType ? never
  : unknown;

/** A struct's field map with typedefs/qualifiers stripped, or never. */
type FieldsOf<T> = Resolved<T> extends StructType<infer F> | UnionType<infer F> ? F : never;

/** Field names reachable from a struct or union: named members and those of anonymous members. */
export type FieldNames<T> = FieldNamesOf<FieldsOf<T>>;
type FieldNamesOf<F> = F extends FieldMap
  ? string extends keyof F ? string // a descriptor whose fields are not known statically
  : { [K in keyof F & string]: K extends AnonKey ? FieldNames<F[K]> : K }[keyof F & string]
  : never;

/** Type of the field `K` of struct `T` (looked up through anonymous members). */
export type FieldType<T, K extends string> = FieldTypeOf<FieldsOf<T>, K>;
type FieldTypeOf<F, K extends string> = F extends FieldMap
  ? string extends keyof F ? F[string]
  : K extends keyof F ? F[K] : { [A in keyof F & AnonKey]: FieldTypeOf<FieldsOf<F[A]>, K> }[keyof F & AnonKey]
  : never;

/** Any descriptor or bitfield (for generic code). */
export type AnyField = CType | Bitfield;
