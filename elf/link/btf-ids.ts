// Type-id plumbing over BtfType records: rewriting every type id a record refers to, following
// modifiers, and type sizes. The linker keeps its BTF as an array indexed by type id.

import { type BtfType, resolveTypeSize, skipModifiers } from '../btf/index.js';

/** A BTF under construction: index = type id, index 0 (void) unused. */
export type BtfTypes = (BtfType | undefined)[];

/** The record with every referenced type id passed through `f` (a new object when anything changed). */
export function mapTypeIds(t: BtfType, f: (id: number) => number): BtfType {
  switch (t.kind) {
    case 'PTR': case 'TYPEDEF': case 'VOLATILE': case 'CONST': case 'RESTRICT': case 'TYPE_TAG':
    case 'FUNC': case 'VAR': case 'DECL_TAG':
      return { ...t, type: f(t.type) };
    case 'ARRAY': return { ...t, type: f(t.type), indexType: f(t.indexType) };
    case 'STRUCT': case 'UNION': return { ...t, members: t.members.map((m) => ({ ...m, type: f(m.type) })) };
    case 'FUNC_PROTO': return { ...t, returnType: f(t.returnType), params: t.params.map((p) => ({ ...p, type: f(p.type) })) };
    case 'DATASEC': return { ...t, vars: t.vars.map((v) => ({ ...v, type: f(v.type) })) };
    default: return t;
  }
}

/** Every type id the record refers to, in record order. */
export function typeIdsOf(t: BtfType): number[] {
  const out: number[] = [];
  mapTypeIds(t, (id) => { out.push(id); return id; });
  return out;
}

/** Follows typedefs and qualifiers (libbpf's skip_mods_and_typedefs) in the linker's records. */
export function skipModsAndTypedefs(types: BtfTypes, id: number): number {
  return skipModifiers((i) => types[i], id);
}

/** Byte size of a type (btf__resolve_size) in the linker's records; undefined when it has none. */
export function resolveSize(types: BtfTypes, id: number): number | undefined {
  return resolveTypeSize((i) => types[i], id);
}

/** A VAR or FUNC that is not static (global or extern). */
export function isNonStatic(t: BtfType | undefined): boolean {
  return (t?.kind === 'VAR' || t?.kind === 'FUNC') && t.linkage !== 'static';
}
