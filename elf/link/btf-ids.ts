// Type-id plumbing over the linker's BtfType records: following modifiers and type
// sizes. The linker keeps its BTF as an array indexed by type id.

import { type BtfType, resolveTypeSize, skipModifiers } from '../btf/index.js';

/** A BTF under construction: index = type id, index 0 (void) unused. */
export type BtfTypes = (BtfType | undefined)[];

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
