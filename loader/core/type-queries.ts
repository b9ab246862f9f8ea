// Type queries CO-RE needs over a BTF graph: stripping modifiers and typedefs, the size of a
// type (elf's skipModifiers/resolveTypeSize over typeAt, so an unknown id is a CoreError), kind
// classes. Id 0 is void, represented by `undefined` types and the kind 'VOID'.

import { type Btf, type BtfKind, type BtfType, resolveTypeSize, skipModifiers } from '../../elf/index.js';
import { CoreError } from './errors.js';

/** Pointer size of the targets CO-RE serves (64-bit kernels). */
export const POINTER_SIZE = 8;

export type CoreKind = BtfKind | 'VOID';

/** A type found by id: `type` is undefined for void. */
export interface Resolved {
  readonly id: number;
  readonly type: BtfType | undefined;
}

/** The type with this id; void for 0; CoreError for an id the graph does not have. */
export function typeAt(btf: Btf, id: number): BtfType | undefined {
  if (id === 0) return undefined;
  const t = btf.type(id);
  if (t === undefined) throw new CoreError(`BTF type id ${id} does not exist (ids run 1..${btf.lastId})`);
  return t;
}

export function kindAt(btf: Btf, id: number): CoreKind {
  return typeAt(btf, id)?.kind ?? 'VOID';
}

/** Follows const/volatile/restrict/type_tag/typedef links to the first other type (libbpf's skip_mods_and_typedefs). */
export function skipModsAndTypedefs(btf: Btf, id: number): Resolved {
  const to = skipModifiers((i) => typeAt(btf, i), id);
  return { id: to, type: typeAt(btf, to) };
}

export const isComposite = (t: BtfType | undefined): t is Extract<BtfType, { kind: 'STRUCT' | 'UNION' }> =>
  t !== undefined && (t.kind === 'STRUCT' || t.kind === 'UNION');

export const isAnyEnum = (t: BtfType | undefined): t is Extract<BtfType, { kind: 'ENUM' | 'ENUM64' }> =>
  t !== undefined && (t.kind === 'ENUM' || t.kind === 'ENUM64');

/** Same kind, or both enums (ENUM and ENUM64 relocate against each other). */
export function kindsCoreCompatible(a: BtfType | undefined, b: BtfType | undefined): boolean {
  const ka = a?.kind ?? 'VOID';
  const kb = b?.kind ?? 'VOID';
  return ka === kb || (isAnyEnum(a) && isAnyEnum(b));
}

/** Size in bytes of a type as libbpf's btf__resolve_size computes it; undefined when it has none (void, func, ...). */
export function resolveSize(btf: Btf, id: number): number | undefined {
  return resolveTypeSize((i) => typeAt(btf, i), id);
}

/** Name of a type; '' for void and anonymous types. */
export function nameAt(btf: Btf, id: number): string {
  return id === 0 ? '' : btf.nameOf(id);
}
