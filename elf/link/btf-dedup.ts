// BTF deduplication with btf__dedup's semantics (libbpf 1.1): primitive types (INT, ENUM, FWD,
// FLOAT) are merged by content, an enum forward declaration into the full enum; structs and
// unions by type-graph equivalence, which also resolves a FWD met inside an equivalent graph to
// the full STRUCT/UNION; then reference types (pointers, qualifiers, typedefs, arrays, FUNCs,
// FUNC_PROTOs, tags) bottom-up once what they point to is canonical. VARs and DATASECs are never
// merged. A FWD left over stays a FWD even when its name has exactly one struct: that pass
// (btf_dedup_resolve_fwds) came with Linux 6.2's libbpf, after the one bpftool 7.1 is built with.
// The first type of each class is kept, and kept types stay in their original order.

import { type BtfType, mapTypeIds } from '../btf/index.js';
import type { BtfTypes } from './btf-ids.js';
import { LinkError } from './errors.js';

export interface DedupResult {
  /** The deduplicated types; index 0 unused, ids from 1. */
  readonly types: BtfTypes;
  /** New id of each old id (0 stays 0). */
  readonly remap: (oldId: number) => number;
}

const UNPROCESSED = -1;
const IN_PROGRESS = -2;

/** A candidate table: key → canonical ids, newest first (libbpf's hashmap prepends). */
class Candidates {
  private readonly table = new Map<string, number[]>();
  list(key: string): readonly number[] { return this.table.get(key) ?? []; }
  add(key: string, id: number): void {
    const l = this.table.get(key);
    if (l === undefined) this.table.set(key, [id]);
    else l.unshift(id);
  }
}

const isMod = (k: string): boolean =>
  k === 'CONST' || k === 'VOLATILE' || k === 'RESTRICT' || k === 'PTR' || k === 'TYPEDEF' || k === 'FUNC' || k === 'TYPE_TAG';

/** Name, kind, flags, vlen and size/type word: libbpf's btf_equal_common. */
function commonKey(t: BtfType): string {
  switch (t.kind) {
    case 'INT': return `INT|${t.name}|${t.size}|${t.encoding}|${t.bitsOffset}|${t.bits}`;
    case 'FWD': return `FWD|${t.name}|${t.union ? 1 : 0}`;
    case 'FLOAT': return `FLOAT|${t.name}|${t.size}`;
    case 'PTR': case 'TYPEDEF': case 'VOLATILE': case 'CONST': case 'RESTRICT':
      return `${t.kind}|${t.name}|${t.type}`;
    case 'TYPE_TAG': return `TYPE_TAG|${t.name}|${t.kindFlag ? 1 : 0}|${t.type}`;
    case 'FUNC': return `FUNC|${t.name}|${t.linkage}|${t.type}`;
    case 'DECL_TAG': return `DECL_TAG|${t.name}|${t.kindFlag ? 1 : 0}|${t.type}|${t.componentIdx}`;
    case 'ARRAY': return `ARRAY|${t.type}|${t.indexType}|${t.nelems}`;
    case 'FUNC_PROTO': return `FUNC_PROTO|${t.returnType}|${t.params.map((p) => `${p.name}:${p.type}`).join(',')}`;
    default: return `${t.kind}|${t.name}`;
  }
}

/** Struct/union shape without member types: libbpf's btf_shallow_equal_struct. */
function shallowStructKey(t: BtfType): string {
  if (t.kind !== 'STRUCT' && t.kind !== 'UNION') return `${t.kind}|${t.name}`;
  const ms = t.members.map((m) => `${m.name}@${m.bitsOffset}/${m.bitfieldSize}`).join(',');
  return `${t.kind}|${t.name}|${t.size}|${t.kindFlag ? 1 : 0}|${ms}`;
}

const isEnum = (t: BtfType | undefined): t is Extract<BtfType, { kind: 'ENUM' | 'ENUM64' }> => t?.kind === 'ENUM' || t?.kind === 'ENUM64';
const isEnumFwd = (t: BtfType): boolean => isEnum(t) && t.values.length === 0;

function equalEnum(a: BtfType, b: BtfType): boolean {
  if (!isEnum(a) || !isEnum(b) || a.kind !== b.kind) return false;
  if (a.name !== b.name || a.size !== b.size || a.signed !== b.signed || a.values.length !== b.values.length) return false;
  return a.values.every((v, i) => v.name === b.values[i]!.name && v.value === b.values[i]!.value);
}

function compatEnum(a: BtfType, b: BtfType): boolean {
  if (!isEnum(a) || !isEnum(b)) return false;
  if (!isEnumFwd(a) && !isEnumFwd(b)) return equalEnum(a, b);
  return a.kind === b.kind && a.name === b.name && a.signed === b.signed && a.size === b.size;
}

/** Deduplicates `types` (ids 1..types.length-1). The input array is not modified. */
/** `origin` names the input a merged type id came from, for errors about the input's types. */
export function dedupBtf(input: BtfTypes, origin: (id: number) => { file: string; id: number } = (id) => ({ file: '', id })): DedupResult {
  const types: BtfTypes = [...input];
  const n = types.length - 1;
  const map = new Int32Array(n + 1).fill(UNPROCESSED);
  map[0] = 0;
  for (let i = 1; i <= n; i++) {
    const k = types[i]?.kind;
    if (k === 'VAR' || k === 'DATASEC' || k === undefined || k === 'UNKNOWN') map[i] = i;
  }
  const mapped = (id: number): boolean => map[id]! >= 0;
  const resolve = (id: number): number => {
    while (mapped(id) && map[id] !== id) id = map[id]!;
    return id;
  };
  const kind = (id: number): string => (id === 0 ? 'VOID' : types[id]?.kind ?? 'VOID');

  // Primitive types.
  const prim = new Candidates();
  for (let id = 1; id <= n; id++) {
    const t = types[id]!;
    let key: string;
    let next = id;
    if (t.kind === 'INT' || t.kind === 'FWD' || t.kind === 'FLOAT') {
      key = commonKey(t);
      const c = prim.list(key)[0];
      if (c !== undefined) next = c;
    } else if (isEnum(t)) {
      key = `${t.kind === 'ENUM' || t.kind === 'ENUM64' ? 'ENUM' : ''}|${t.name}|${t.size}`;
      for (const c of prim.list(key)) {
        const ct = types[c]!;
        if (equalEnum(t, ct)) { next = c; break; }
        if (compatEnum(t, ct)) {
          if (isEnumFwd(t)) { next = c; break; }
          map[c] = id;
        }
      }
    } else continue;
    map[id] = next;
    if (next === id) prim.add(key, id);
  }

  // Structs and unions: type-graph equivalence against earlier canonical candidates.
  const hypot = new Int32Array(n + 1).fill(UNPROCESSED);
  let hypotList: number[] = [];
  const clearHypot = (): void => { for (const c of hypotList) hypot[c] = UNPROCESSED; hypotList = []; };
  const resolveFwd = (id: number): number => (kind(id) === 'FWD' && mapped(id) ? resolve(id) : id);

  const identicalArrays = (a: number, b: number): boolean => {
    const x = types[a]; const y = types[b];
    return x?.kind === 'ARRAY' && y?.kind === 'ARRAY' && x.type === y.type && x.indexType === y.indexType && x.nelems === y.nelems;
  };
  const identicalStructs = (a: number, b: number): boolean => {
    const x = types[a]; const y = types[b];
    if ((x?.kind !== 'STRUCT' && x?.kind !== 'UNION') || x.kind !== y?.kind) return false;
    if (shallowStructKey(x) !== shallowStructKey(y)) return false;
    return x.members.every((m, i) => m.type === (y as typeof x).members[i]!.type);
  };

  const isEquiv = (candId: number, canonId: number): boolean => {
    if (resolve(candId) === resolve(canonId)) return true;
    canonId = resolveFwd(canonId);
    const h = hypot[canonId]!;
    if (h >= 0) return h === candId || identicalArrays(h, candId) || identicalStructs(h, candId);
    hypot[canonId] = candId;
    hypotList.push(canonId);
    const cand = types[candId];
    const canon = types[canonId];
    if (cand === undefined || canon === undefined) return false;
    if (cand.name !== canon.name) return false;
    if ((cand.kind === 'FWD' || canon.kind === 'FWD') && cand.kind !== canon.kind) {
      const fwd = cand.kind === 'FWD' ? cand : canon;
      const real = cand.kind === 'FWD' ? canon : cand;
      return fwd.kind === 'FWD' && (fwd.union ? real.kind === 'UNION' : real.kind === 'STRUCT');
    }
    if (cand.kind !== canon.kind) return false;
    switch (cand.kind) {
      case 'INT': case 'FWD': case 'FLOAT': return commonKey(cand) === commonKey(canon);
      case 'ENUM': case 'ENUM64': return compatEnum(cand, canon);
      case 'CONST': case 'VOLATILE': case 'RESTRICT': case 'PTR': case 'TYPEDEF': case 'FUNC': case 'TYPE_TAG': {
        const c2 = canon as typeof cand;
        if (cand.kind === 'FUNC' && cand.linkage !== (c2 as typeof cand).linkage) return false;
        if (cand.kind === 'TYPE_TAG' && cand.kindFlag !== (c2 as typeof cand).kindFlag) return false;
        return isEquiv(cand.type, c2.type);
      }
      case 'ARRAY': {
        const c2 = canon as typeof cand;
        if (cand.nelems !== c2.nelems) return false;
        return isEquiv(cand.indexType, c2.indexType) && isEquiv(cand.type, c2.type);
      }
      case 'STRUCT': case 'UNION': {
        if (shallowStructKey(cand) !== shallowStructKey(canon)) return false;
        const c2 = canon as typeof cand;
        return cand.members.every((m, i) => isEquiv(m.type, c2.members[i]!.type));
      }
      case 'FUNC_PROTO': {
        const c2 = canon as typeof cand;
        if (cand.params.length !== c2.params.length || cand.params.some((p, i) => p.name !== c2.params[i]!.name)) return false;
        if (!isEquiv(cand.returnType, c2.returnType)) return false;
        return cand.params.every((p, i) => isEquiv(p.type, c2.params[i]!.type));
      }
      default: return false;
    }
  };

  const mergeHypot = (): void => {
    for (const canon of hypotList) {
      const t = resolve(hypot[canon]!);
      const c = resolve(canon);
      const tk = kind(t);
      const ck = kind(c);
      if (tk !== 'FWD' && ck === 'FWD') map[c] = t;
      if (tk === 'FWD' && ck !== 'FWD') map[t] = c;
      if ((tk === 'STRUCT' || tk === 'UNION') && ck !== 'FWD' && mapped(c) && !mapped(t)) map[t] = c;
    }
  };

  const structs = new Candidates();
  for (let id = 1; id <= n; id++) {
    if (mapped(id)) continue;
    const t = types[id]!;
    if (t.kind !== 'STRUCT' && t.kind !== 'UNION') continue;
    const key = shallowStructKey(t);
    let next = id;
    for (const c of structs.list(key)) {
      clearHypot();
      if (!isEquiv(id, c)) continue;
      mergeHypot();
      next = c;
      break;
    }
    clearHypot();
    map[id] = next;
    if (next === id) structs.add(key, id);
  }

  // Reference types, bottom-up.
  const refs = new Candidates();
  const dedupRef = (id: number): number => {
    if (map[id] === IN_PROGRESS) {
      const o = origin(id);
      throw new LinkError(`BTF type ${o.id} is part of a reference loop without a struct or union`, o.file);
    }
    if (mapped(id)) return resolve(id);
    map[id] = IN_PROGRESS;
    const t = mapTypeIds(types[id]!, dedupRef);
    types[id] = t;
    if (!isMod(t.kind) && t.kind !== 'DECL_TAG' && t.kind !== 'ARRAY' && t.kind !== 'FUNC_PROTO') {
      throw new RangeError(`BTF type ${id} of kind ${t.kind} was not deduplicated`);
    }
    const key = commonKey(t);
    const next = refs.list(key)[0] ?? id;
    map[id] = next;
    if (next === id) refs.add(key, id);
    return next;
  };
  for (let id = 1; id <= n; id++) dedupRef(id);

  // Compact: keep the canonical types in order, then rewrite their references.
  const newId = new Int32Array(n + 1);
  const out: BtfTypes = [undefined];
  for (let id = 1; id <= n; id++) if (map[id] === id) newId[id] = out.push(types[id]) - 1;
  const remap = (old: number): number => (old === 0 ? 0 : newId[resolve(old)]!);
  for (let i = 1; i < out.length; i++) out[i] = mapTypeIds(out[i]!, remap);
  return { types: out, remap };
}
