// Sanitising BTF for a kernel that lacks some of its kinds, as libbpf's bpf_object__sanitize_btf
// does: each record the kernel would refuse becomes one of a kind it has, of the same length, so
// that every type id (func_info, map and CO-RE references) and every string keeps its meaning. The
// loader probes the kernel for the features; this is the pure rewrite.

import type { BtfType } from './types.js';

/** BTF features a kernel may lack, each with the release that brought it. */
export interface BtfFeatures {
  /** FUNC and FUNC_PROTO (4.20). */
  readonly func: boolean;
  /** FUNC linkage other than static (5.6). */
  readonly funcLinkage: boolean;
  /** VAR and DATASEC (5.2). */
  readonly datasec: boolean;
  /** '?' in DATASEC names (5.19: `.data?` sections for optional globals). */
  readonly qmarkDatasec: boolean;
  /** FLOAT (5.13). */
  readonly float: boolean;
  /** DECL_TAG (5.16). */
  readonly declTag: boolean;
  /** TYPE_TAG (5.17). */
  readonly typeTag: boolean;
  /** ENUM64, and the kind flag of ENUM marking signed values (6.0). */
  readonly enum64: boolean;
}

export type BtfFeature = keyof BtfFeatures;

/** Every feature: what a kernel since 6.0 has; sanitising with it changes nothing. */
export const ALL_BTF_FEATURES: BtfFeatures = {
  func: true, funcLinkage: true, datasec: true, qmarkDatasec: true, float: true, declTag: true, typeTag: true, enum64: true,
};

/** The name of the INT that sanitised ENUM64 members point at (libbpf's). */
export const ENUM64_PLACEHOLDER = 'enum64_placeholder';

/** The kinds each feature brings (a kernel without the feature refuses them). */
export const FEATURE_KINDS: Readonly<Partial<Record<BtfFeature, readonly BtfType['kind'][]>>> = {
  func: ['FUNC', 'FUNC_PROTO'], datasec: ['VAR', 'DATASEC'], float: ['FLOAT'], declTag: ['DECL_TAG'], typeTag: ['TYPE_TAG'], enum64: ['ENUM64'],
};

/** Whether `types` (own types of a graph) need rewriting for a kernel with `features`. */
export function needsSanitizing(types: readonly BtfType[], features: BtfFeatures): boolean {
  return types.some((t) => sanitizeType(t, features, () => 0, undefined) !== t);
}

/**
 * The types rewritten for a kernel with `features`, ids unchanged (`firstId` is the id of
 * types[0]); a type the kernel accepts is returned as is. Lacking ENUM64 appends one INT (named
 * ENUM64_PLACEHOLDER) for the members of the unions that replace the ENUM64s, as libbpf does.
 */
export function sanitizeBtf(types: readonly BtfType[], features: BtfFeatures, firstId = 1): BtfType[] {
  const out: BtfType[] = [];
  let placeholder = 0;
  const placeholderId = (): number => (placeholder ||= firstId + types.length);
  for (const t of types) out.push(sanitizeType(t, features, placeholderId, (id) => types[id - firstId]));
  if (placeholder !== 0) out.push({ kind: 'INT', name: ENUM64_PLACEHOLDER, size: 1, encoding: 0, bitsOffset: 0, bits: 8 });
  return out;
}

/** One record as a kernel with `features` accepts it; `own` finds a type of the same graph for DATASEC member names. */
function sanitizeType(t: BtfType, f: BtfFeatures, placeholderId: () => number, own: ((id: number) => BtfType | undefined) | undefined): BtfType {
  switch (t.kind) {
    // A byte-sized INT has the record length of a VAR or DECL_TAG (one word after the head).
    case 'VAR':
      return f.datasec ? t : { kind: 'INT', name: t.name, size: 1, encoding: 0, bitsOffset: 0, bits: 8 };
    case 'DECL_TAG':
      return f.declTag ? t : { kind: 'INT', name: t.name, size: 1, encoding: 0, bitsOffset: 0, bits: 8 };
    case 'DATASEC': {
      if (f.datasec) return f.qmarkDatasec || !t.name.includes('?') ? t : { ...t, name: t.name.replaceAll('?', '_') };
      // A struct whose members are the section's variables, by name, at their byte offsets.
      return {
        kind: 'STRUCT', name: t.name.replace(/[.?]/g, '_'), size: t.size, kindFlag: false,
        members: t.vars.map((v) => ({ name: own?.(v.type)?.name ?? '', type: v.type, bitsOffset: (v.offset * 8) >>> 0, bitfieldSize: 0 })),
      };
    }
    case 'FUNC_PROTO':
      // An enum whose values are the parameters' type ids (the same words, read as an enum's).
      return f.func ? t : { kind: 'ENUM', name: t.name, size: 4, signed: false, values: t.params.map((p) => ({ name: p.name, value: p.type })) };
    case 'FUNC':
      if (!f.func) return { kind: 'TYPEDEF', name: t.name, type: t.type };
      return f.funcLinkage || t.linkage === 'static' ? t : { ...t, linkage: 'static' };
    case 'FLOAT':
      // An empty struct of the same size; anonymous, since 'double' is no struct name a C compiler takes.
      return f.float ? t : { kind: 'STRUCT', name: '', size: t.size, kindFlag: false, members: [] };
    case 'TYPE_TAG':
      return f.typeTag ? t : { kind: 'CONST', name: '', type: t.type };
    case 'ENUM':
      return f.enum64 || !t.signed ? t : { ...t, signed: false, values: t.values.map((v) => ({ name: v.name, value: v.value >>> 0 })) };
    case 'ENUM64':
      if (f.enum64) return t;
      return {
        kind: 'UNION', name: t.name, size: t.size, kindFlag: false,
        members: t.values.map((v) => ({ name: v.name, type: placeholderId(), bitsOffset: 0, bitfieldSize: 0 })),
      };
    default:
      return t;
  }
}
