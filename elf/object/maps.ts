// BTF-defined maps: the `.maps` DATASEC VARs whose STRUCT members encode the definition the way the
// bpf_helpers.h macros do (__uint: pointer to an array whose length is the value; __type: pointer to
// the type; __array: array of pointers to the inner definition).

import { type Btf, type BtfType, resolveTypeSize, skipModifiers } from '../btf/index.js';
import { ObjectError } from './errors.js';
import type { BtfMap } from './types.js';

type MapDef = Omit<BtfMap, 'name' | 'binding' | 'offset' | 'size' | 'btfVar' | 'values'>;

/** Follows typedefs and qualifiers. */
const skipMods = (btf: Btf, id: number): number => skipModifiers((i) => btf.type(i), id);

/** Byte size of a type (libbpf's btf__resolve_size), undefined when it has none. */
export function btfSizeOf(btf: Btf, id: number): number | undefined {
  return resolveTypeSize((i) => btf.type(i), id);
}

function uintMember(btf: Btf, t: BtfType | undefined, map: string, member: string): number {
  if (t?.kind === 'PTR') {
    const arr = btf.type(t.type);
    if (arr?.kind === 'ARRAY') return arr.nelems;
  }
  if (t?.kind === 'ENUM' || t?.kind === 'ENUM64') {
    const v = t.values[0];
    if (v !== undefined) return Number(v.value);
  }
  throw new ObjectError(`map ${map}: member ${member} is not a __uint (pointer to array)`, '.maps', 0);
}

function typeMember(btf: Btf, t: BtfType | undefined, map: string, member: string): number {
  if (t?.kind !== 'PTR') throw new ObjectError(`map ${map}: member ${member} is not a __type (pointer)`, '.maps', 0);
  return t.type;
}

/** Parses a map definition STRUCT. */
export function parseMapDef(btf: Btf, structId: number, name: string): MapDef {
  return parseMapDefAt(btf, structId, name, 0);
}

/** parseMapDef at a nesting depth (an inner map's definition is one level down). */
function parseMapDefAt(btf: Btf, structId: number, name: string, depth: number): MapDef {
  const st = btf.type(skipMods(btf, structId));
  if (st?.kind !== 'STRUCT') throw new ObjectError(`map ${name}: definition is not a struct`, '.maps', 0);
  const def: { -readonly [K in keyof MapDef]: MapDef[K] } = {};
  for (const m of st.members) {
    const t = btf.type(skipMods(btf, m.type));
    switch (m.name) {
      case 'type': def.type = uintMember(btf, t, name, m.name); break;
      case 'max_entries': def.maxEntries = uintMember(btf, t, name, m.name); break;
      case 'map_flags': def.flags = uintMember(btf, t, name, m.name); break;
      case 'numa_node': def.numaNode = uintMember(btf, t, name, m.name); break;
      case 'pinning': def.pinning = uintMember(btf, t, name, m.name); break;
      case 'map_extra': def.mapExtra = uintMember(btf, t, name, m.name); break;
      case 'key_size': def.keySize = uintMember(btf, t, name, m.name); break;
      case 'value_size': def.valueSize = uintMember(btf, t, name, m.name); break;
      case 'key': {
        def.keyType = typeMember(btf, t, name, m.name);
        const s = btfSizeOf(btf, def.keyType);
        if (s !== undefined) def.keySize = s;
        break;
      }
      case 'value': {
        def.valueType = typeMember(btf, t, name, m.name);
        const s = btfSizeOf(btf, def.valueType);
        if (s !== undefined) def.valueSize = s;
        break;
      }
      case 'values': {
        if (t?.kind !== 'ARRAY') throw new ObjectError(`map ${name}: values is not an array`, '.maps', 0);
        if (m.bitsOffset % 8 !== 0) throw new ObjectError(`map ${name}: values is at bit ${m.bitsOffset}, not a whole byte`, '.maps', 0);
        def.valuesOffset = m.bitsOffset / 8;
        const p = btf.type(skipMods(btf, t.type));
        if (p?.kind !== 'PTR') throw new ObjectError(`map ${name}: values is not an array of pointers`, '.maps', 0);
        const target = btf.type(skipMods(btf, p.type));
        if (target?.kind === 'STRUCT') {
          if (depth > 0) throw new ObjectError(`map ${name}: nested map-in-map definition`, '.maps', 0);
          def.inner = parseMapDefAt(btf, p.type, `${name}.inner`, depth + 1);
        }
        break;
      }
      default: break;
    }
  }
  return def;
}
