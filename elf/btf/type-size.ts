// Following modifiers and sizing a type, over any store of BTF records (a decoded Btf, the
// linker's array of records, a CO-RE target that throws for unknown ids): libbpf's
// skip_mods_and_typedefs and btf__resolve_size, written once.

import type { BtfType } from './types.js';

/** The record with a type id; undefined for void (0) and for ids the store does not have. */
export type BtfTypeLookup = (id: number) => BtfType | undefined;

/** libbpf's MAX_RESOLVE_DEPTH: a bound on every walk, so that a reference loop ends. */
export const MAX_RESOLVE_DEPTH = 32;

/** The kinds that only qualify or rename the type they refer to. */
export type BtfModifierKind = 'TYPEDEF' | 'VOLATILE' | 'CONST' | 'RESTRICT' | 'TYPE_TAG';
export const MODIFIER_KINDS: ReadonlySet<BtfModifierKind> = new Set(['TYPEDEF', 'VOLATILE', 'CONST', 'RESTRICT', 'TYPE_TAG']);
/** The modifiers that only qualify (every modifier but a typedef, which names a type). */
export const QUALIFIER_KINDS: ReadonlySet<BtfModifierKind> = new Set(['VOLATILE', 'CONST', 'RESTRICT', 'TYPE_TAG']);

/** True for a typedef, const, volatile, restrict or type_tag record. */
export const isModifier = (t: BtfType | undefined): t is Extract<BtfType, { kind: BtfModifierKind }> =>
  t !== undefined && MODIFIER_KINDS.has(t.kind as BtfModifierKind);

/**
 * Follows modifier links (by default every modifier kind; `kinds` for a subset, such as only the
 * qualifiers) to the first other type's id, at most MAX_RESOLVE_DEPTH links: a caller that must
 * refuse a longer chain (a reference loop) checks whether the id it gets is still a modifier.
 */
export function skipModifiers(typeOf: BtfTypeLookup, id: number, kinds: ReadonlySet<string> = MODIFIER_KINDS): number {
  for (let depth = 0; depth < MAX_RESOLVE_DEPTH; depth++) {
    const t = typeOf(id);
    if (t === undefined || !kinds.has(t.kind) || !isModifier(t)) return id;
    id = t.type;
  }
  return id;
}

/**
 * Size in bytes as libbpf's btf__resolve_size computes it: through modifiers, VARs and DECL_TAGs,
 * arrays multiplied out; undefined for a type without one (void, functions, forward declarations),
 * a size beyond 32 bits, or a walk deeper than 32.
 */
export function resolveTypeSize(typeOf: BtfTypeLookup, id: number): number | undefined {
  let nelems = 1;
  let t = typeOf(id);
  for (let depth = 0; depth < MAX_RESOLVE_DEPTH && t !== undefined; depth++) {
    switch (t.kind) {
      case 'INT': case 'STRUCT': case 'UNION': case 'ENUM': case 'ENUM64': case 'DATASEC': case 'FLOAT':
        return nelems * t.size > 0xffffffff ? undefined : nelems * t.size;
      case 'PTR':
        return nelems * 8;
      case 'TYPEDEF': case 'VOLATILE': case 'CONST': case 'RESTRICT': case 'VAR': case 'DECL_TAG': case 'TYPE_TAG':
        t = typeOf(t.type);
        break;
      case 'ARRAY':
        if (nelems !== 0 && t.nelems > Math.floor(0xffffffff / nelems)) return undefined;
        nelems *= t.nelems;
        t = typeOf(t.type);
        break;
      default:
        return undefined;
    }
  }
  return undefined;
}
