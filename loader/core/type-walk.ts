// Small walks over a BTF graph that CO-RE needs: stripping modifiers and typedefs, the size of a
// type, kind classes. Id 0 is void, represented by `undefined` types and the kind 'VOID'.

import type { Btf, BtfKind, BtfType } from '../../elf/index.js';
import { CoreError } from './errors.js';

/** Pointer size of the targets CO-RE serves (64-bit kernels). */
export const POINTER_SIZE = 8;
/** libbpf's MAX_RESOLVE_DEPTH and the depth of its modifier walks. */
const MAX_RESOLVE_DEPTH = 32;

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

const isModifier = (k: CoreKind): boolean =>
  k === 'VOLATILE' || k === 'CONST' || k === 'RESTRICT' || k === 'TYPE_TAG' || k === 'TYPEDEF';

/** Follows const/volatile/restrict/type_tag/typedef links to the first other type (libbpf's skip_mods_and_typedefs). */
export function skipModsAndTypedefs(btf: Btf, id: number): Resolved {
  let t = typeAt(btf, id);
  while (t !== undefined && isModifier(t.kind)) {
    id = (t as { type: number }).type;
    t = typeAt(btf, id);
  }
  return { id, type: t };
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
  let nelems = 1;
  let t = typeAt(btf, id);
  for (let depth = 0; depth < MAX_RESOLVE_DEPTH && t !== undefined; depth++) {
    switch (t.kind) {
      case 'INT': case 'STRUCT': case 'UNION': case 'ENUM': case 'ENUM64': case 'DATASEC': case 'FLOAT':
        return nelems * t.size > 0xffffffff ? undefined : nelems * t.size;
      case 'PTR':
        return nelems * POINTER_SIZE;
      case 'TYPEDEF': case 'VOLATILE': case 'CONST': case 'RESTRICT': case 'VAR': case 'DECL_TAG': case 'TYPE_TAG':
        t = typeAt(btf, t.type);
        break;
      case 'ARRAY':
        if (nelems !== 0 && t.nelems > Math.floor(0xffffffff / nelems)) return undefined;
        nelems *= t.nelems;
        t = typeAt(btf, t.type);
        break;
      default:
        return undefined;
    }
  }
  return undefined;
}

/** Name of a type; '' for void and anonymous types. */
export function nameAt(btf: Btf, id: number): string {
  return id === 0 ? '' : btf.nameOf(id);
}
