// The one layout of a BTF type record and the one iterator over its fields (libbpf's
// btf_field_iter): which 32-bit words of a record are type ids and which are string offsets, for
// the encoded form (word indexes into the type section) and for the decoded form (BtfType objects).
// Every walk that sizes a record, visits the ids a record refers to, or re-points its strings goes
// through here, so that a kind's layout is written down once.

import type { BtfLayoutEntry } from './btf.js';
import { BTF_KIND, KIND_MASK, KIND_SHIFT, VLEN_MASK, type BtfKindName } from './kinds.js';
import type { BtfType } from './types.js';

/** Where a kind's fields sit in its record, counted in 32-bit words. */
export interface RecordLayout {
  /** Words after the 3-word head (name_off, info, size/type). */
  readonly infoWords: number;
  /** Words per vlen element (members, enumerators, parameters, section entries). */
  readonly elemWords: number;
  /** Words from the record's start that hold type ids (the head's size/type word is 2). */
  readonly typeWords: readonly number[];
  /** Word of an element that holds its type id; -1 when elements have none. */
  readonly elemType: number;
  /** Word of an element that holds its name's string offset; -1 when elements have none. */
  readonly elemName: number;
}

const layout = (infoWords: number, elemWords: number, typeWords: readonly number[], elemType = -1, elemName = -1): RecordLayout =>
  ({ infoWords, elemWords, typeWords, elemType, elemName });

/** The record layout of every kind the uapi defines (word 0, name_off, is a string offset in all). */
export const RECORD_LAYOUT: Readonly<Record<BtfKindName, RecordLayout>> = {
  INT: layout(1, 0, []),
  PTR: layout(0, 0, [2]),
  ARRAY: layout(3, 0, [3, 4]), // elem type, index type, nelems
  STRUCT: layout(0, 3, [], 1, 0), // name, type, offset
  UNION: layout(0, 3, [], 1, 0),
  ENUM: layout(0, 2, [], -1, 0), // name, val
  FWD: layout(0, 0, []),
  TYPEDEF: layout(0, 0, [2]),
  VOLATILE: layout(0, 0, [2]),
  CONST: layout(0, 0, [2]),
  RESTRICT: layout(0, 0, [2]),
  FUNC: layout(0, 0, [2]),
  FUNC_PROTO: layout(0, 2, [2], 1, 0), // name, type
  VAR: layout(1, 0, [2]), // linkage
  DATASEC: layout(0, 3, [], 0, -1), // type, offset, size
  FLOAT: layout(0, 0, []),
  DECL_TAG: layout(1, 0, [2]), // component_idx
  TYPE_TAG: layout(0, 0, [2]),
  ENUM64: layout(0, 3, [], -1, 0), // name, val_lo32, val_hi32
};

/** RECORD_LAYOUT by kind number; undefined for numbers the uapi does not define. */
export const LAYOUT_BY_KIND: readonly (RecordLayout | undefined)[] = (() => {
  const out: (RecordLayout | undefined)[] = [];
  for (const [name, n] of Object.entries(BTF_KIND)) if (n !== 0) out[n] = RECORD_LAYOUT[name as BtfKindName];
  return out;
})();

// Record lengths in words by kind number, packed in one flat table (fixed part in the low byte, words
// per element above it) so that the hot walks make one load per record. 0 marks a kind it does not know.
export const RECORD_WORDS = new Uint16Array(KIND_MASK + 1);
for (let k = 0; k < LAYOUT_BY_KIND.length; k++) {
  const l = LAYOUT_BY_KIND[k];
  if (l !== undefined) RECORD_WORDS[k] = (3 + l.infoWords) | (l.elemWords << 8);
}

/** The kind number of an info word (bits 24..30). */
export const infoKind = (info: number): number => (info >>> KIND_SHIFT) & KIND_MASK;
/** The vlen of an info word (bits 0..23). */
export const infoVlen = (info: number): number => info & VLEN_MASK;

/**
 * Length in words of a record whose info word is `info`: from the uapi layout, or for a kind it does
 * not define from the layout section (the BTF layout extension); -1 when neither gives one in whole words.
 */
export function recordWords(info: number, layoutSection?: readonly BtfLayoutEntry[]): number {
  const kind = (info >>> KIND_SHIFT) & KIND_MASK;
  const words = RECORD_WORDS[kind]!;
  if (words !== 0) return (words & 0xff) + (words >>> 8) * (info & VLEN_MASK);
  const l = layoutSection?.[kind];
  if (l === undefined) return -1;
  const bytes = l.infoSize + l.elemSize * (info & VLEN_MASK);
  return bytes % 4 === 0 ? 3 + bytes / 4 : -1;
}

/** Which fields a visit goes over: the type ids, or the string offsets. */
export type BtfFieldSet = 'ids' | 'strings';

/**
 * Calls visit(word) with the index in `words` of every type-id field (or every string-offset field)
 * of the record at word p, in record order; the caller reads `words[word]` or rewrites it. A kind the
 * uapi does not define has only its name. The record must lie inside `words` (a decoded graph's do).
 */
export function forEachField(words: Uint32Array, p: number, fields: BtfFieldSet, visit: (word: number) => void): void {
  const info = words[p + 1]!;
  const l = LAYOUT_BY_KIND[(info >>> KIND_SHIFT) & KIND_MASK];
  if (fields === 'strings') visit(p);
  if (l === undefined) return;
  if (fields === 'ids') for (const w of l.typeWords) visit(p + w);
  const field = fields === 'ids' ? l.elemType : l.elemName;
  if (field < 0) return;
  const stride = l.elemWords;
  for (let m = p + 3 + l.infoWords + field, e = m + stride * (info & VLEN_MASK); m < e; m += stride) visit(m);
}

/** The number of elements of a decoded record (its vlen, for the kinds that have elements). */
export function elementCount(t: BtfType): number {
  switch (t.kind) {
    case 'STRUCT': case 'UNION': return t.members.length;
    case 'ENUM': case 'ENUM64': return t.values.length;
    case 'FUNC_PROTO': return t.params.length;
    case 'DATASEC': return t.vars.length;
    default: return 0;
  }
}

/** Encoded length in bytes of a decoded record. */
export function recordBytes(t: BtfType): number {
  if (t.kind === 'UNKNOWN') return 12 + t.extra.length;
  const l = RECORD_LAYOUT[t.kind];
  return 4 * (3 + l.infoWords + l.elemWords * elementCount(t));
}

/** The record with every type id it refers to passed through `f`, in record order (a new object when it has any). */
export function mapTypeIds(t: BtfType, f: (id: number) => number): BtfType {
  switch (t.kind) {
    case 'PTR': case 'TYPEDEF': case 'VOLATILE': case 'CONST': case 'RESTRICT': case 'TYPE_TAG':
    case 'FUNC': case 'VAR': case 'DECL_TAG':
      return { ...t, type: f(t.type) };
    case 'ARRAY': { const type = f(t.type); return { ...t, type, indexType: f(t.indexType) }; }
    case 'STRUCT': case 'UNION': return { ...t, members: t.members.map((m) => ({ ...m, type: f(m.type) })) };
    case 'FUNC_PROTO': { const returnType = f(t.returnType); return { ...t, returnType, params: t.params.map((p) => ({ ...p, type: f(p.type) })) }; }
    case 'DATASEC': return { ...t, vars: t.vars.map((v) => ({ ...v, type: f(v.type) })) };
    default: return t;
  }
}

/** Every type id a decoded record refers to, in record order. */
export function typeIdsOf(t: BtfType): number[] {
  const out: number[] = [];
  mapTypeIds(t, (id) => { out.push(id); return id; });
  return out;
}

/** Every string of a decoded record in record order (libbpf's visiting order): its name, then its elements'. */
export function stringsOf(t: BtfType): string[] {
  switch (t.kind) {
    case 'STRUCT': case 'UNION': return [t.name, ...t.members.map((m) => m.name)];
    case 'ENUM': case 'ENUM64': return [t.name, ...t.values.map((v) => v.name)];
    case 'FUNC_PROTO': return [t.name, ...t.params.map((p) => p.name)];
    default: return [t.name];
  }
}

