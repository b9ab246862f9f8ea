// When two objects declare the same global symbol, their BTF must agree (libbpf's
// glob_sym_btf_matches and map_defs_match): same kinds and names through typedefs and modifiers,
// same sizes for scalars, same member names and offsets for structs reached by value, same
// parameter counts; a FWD matches a struct or union of its name behind a pointer; extern maps
// must repeat the definition exactly. A mismatch gives the reason as text.

import { Btf } from '../btf/index.js';
import { parseMapDef } from '../object/index.js';
import { type BtfTypes, skipModsAndTypedefs } from './btf-ids.js';

export function btfMismatch(exact: boolean, b1: BtfTypes, id1: number, b2: BtfTypes, id2: number, depth = 0): string | undefined {
  if (depth > 64) return 'types nest too deeply';
  for (;;) {
    id1 = skipModsAndTypedefs(b1, id1);
    id2 = skipModsAndTypedefs(b2, id2);
    const t1 = b1[id1];
    const t2 = b2[id2];
    const k1 = t1?.kind ?? 'VOID';
    const k2 = t2?.kind ?? 'VOID';
    if (!exact && (k1 === 'FWD') !== (k2 === 'FWD')) {
      const n1 = t1?.name ?? '';
      const n2 = t2?.name ?? '';
      if (n1 !== n2) return `incompatible forward declaration names '${n1}' and '${n2}'`;
      const fwd = k1 === 'FWD' ? t1 : t2;
      const real = k1 === 'FWD' ? k2 : k1;
      const union = fwd?.kind === 'FWD' && fwd.union;
      if ((union && real === 'UNION') || (!union && real === 'STRUCT')) return undefined;
      return `incompatible ${union ? 'union' : 'struct'} forward declaration and concrete kind ${real}`;
    }
    if (k1 !== k2) return `incompatible BTF kinds ${k1} and ${k2}`;
    if (t1 === undefined || t2 === undefined) return undefined;
    if (['STRUCT', 'UNION', 'ENUM', 'ENUM64', 'FWD', 'FUNC', 'VAR'].includes(k1) && t1.name !== t2.name) {
      return `incompatible ${k1} names '${t1.name}' and '${t2.name}'`;
    }
    switch (t1.kind) {
      case 'FWD': return undefined;
      case 'INT': case 'FLOAT': case 'ENUM': case 'ENUM64': {
        const s2 = (t2 as typeof t1).size;
        return t1.size === s2 ? undefined : `incompatible ${k1} '${t1.name}' size ${t1.size} and ${s2}`;
      }
      case 'PTR':
        exact = false;
        id1 = t1.type; id2 = (t2 as typeof t1).type;
        continue;
      case 'ARRAY':
        id1 = t1.type; id2 = (t2 as typeof t1).type;
        continue;
      case 'FUNC': case 'VAR': {
        const o = t2 as typeof t1;
        if ((t1.linkage === 'static') !== (o.linkage === 'static')) return `incompatible ${k1.toLowerCase()} '${t1.name}' linkage`;
        id1 = t1.type; id2 = o.type;
        continue;
      }
      case 'STRUCT': case 'UNION': {
        if (!exact) return undefined;
        const o = t2 as typeof t1;
        if (t1.members.length !== o.members.length) return `incompatible number of ${k1} fields ${t1.members.length} and ${o.members.length}`;
        for (let i = 0; i < t1.members.length; i++) {
          const m1 = t1.members[i]!;
          const m2 = o.members[i]!;
          if (m1.name !== m2.name) return `incompatible field #${i} names '${m1.name}' and '${m2.name}'`;
          if (m1.bitsOffset !== m2.bitsOffset || m1.bitfieldSize !== m2.bitfieldSize) return `incompatible field #${i} ('${m1.name}') offsets`;
          const r = btfMismatch(exact, b1, m1.type, b2, m2.type, depth + 1);
          if (r !== undefined) return r;
        }
        return undefined;
      }
      case 'FUNC_PROTO': {
        const o = t2 as typeof t1;
        if (t1.params.length !== o.params.length) return `incompatible number of FUNC_PROTO params ${t1.params.length} and ${o.params.length}`;
        for (let i = 0; i < t1.params.length; i++) {
          const r = btfMismatch(exact, b1, t1.params[i]!.type, b2, o.params[i]!.type, depth + 1);
          if (r !== undefined) return r;
        }
        id1 = t1.returnType; id2 = o.returnType;
        continue;
      }
      default: return `unsupported BTF kind ${k1}`;
    }
  }
}

type MapDef = ReturnType<typeof parseMapDef>;

function graph(types: BtfTypes): Btf {
  return Btf.fromTypes(types.slice(1) as Parameters<typeof Btf.fromTypes>[0]);
}

function defMismatch(d1: MapDef, b1: BtfTypes, d2: MapDef, b2: BtfTypes): string | undefined {
  if (d1.type !== d2.type) return 'type';
  if (d1.keySize !== d2.keySize) return 'key_size';
  if ((d1.keyType === undefined) !== (d2.keyType === undefined)) return 'key type';
  if (d1.keyType !== undefined && btfMismatch(true, b1, d1.keyType, b2, d2.keyType!) !== undefined) return 'key type';
  if (d1.valueSize !== d2.valueSize) return 'value_size';
  if ((d1.valueType === undefined) !== (d2.valueType === undefined)) return 'value type';
  if (d1.valueType !== undefined && btfMismatch(true, b1, d1.valueType, b2, d2.valueType!) !== undefined) return 'value type';
  if (d1.maxEntries !== d2.maxEntries) return 'max_entries';
  if ((d1.flags ?? 0) !== (d2.flags ?? 0)) return 'map_flags';
  if ((d1.numaNode ?? 0) !== (d2.numaNode ?? 0)) return 'numa_node';
  if ((d1.pinning ?? 0) !== (d2.pinning ?? 0)) return 'pinning';
  if ((d1.inner === undefined) !== (d2.inner === undefined)) return 'inner map';
  if (d1.inner !== undefined) return defMismatch(d1.inner, b1, d2.inner!, b2);
  return undefined;
}

/** Compares the map definitions behind two `.maps` VARs; undefined when they match. */
export function mapDefMismatch(name: string, b1: BtfTypes, var1: number, b2: BtfTypes, var2: number): string | undefined {
  const v1 = b1[var1];
  const v2 = b2[var2];
  if (v1?.kind !== 'VAR' || v2?.kind !== 'VAR') return 'invalid map definition type';
  let d1: MapDef;
  let d2: MapDef;
  try {
    d1 = parseMapDef(graph(b1), v1.type, name);
    d2 = parseMapDef(graph(b2), v2.type, name);
  } catch (e) {
    return `invalid map definition (${e instanceof Error ? e.message : String(e)})`;
  }
  const r = defMismatch(d1, b1, d2, b2);
  return r === undefined ? undefined : `map ${r} mismatch`;
}
