// Which BTF features the running kernel has, by loading a minimal blob that uses each one (as
// libbpf's FEAT_BTF_* probes do). elf/btf's sanitizeBtf rewrites what the kernel lacks.

import {
  ALL_BTF_FEATURES, Btf, type BtfFeature, type BtfFeatures, type BtfType, decodeBtf, encodeBtf, needsSanitizing, sanitizeBtf,
} from '../elf/index.js';
import { BtfLoadError, loadBtf } from './btf-load.js';

const INT: BtfType = { kind: 'INT', name: 'int', size: 4, encoding: 1, bitsOffset: 0, bits: 32 };
const VAR = (name: string): BtfType => ({ kind: 'VAR', name, type: 1, linkage: 'global' });

/** A blob that only a kernel with the feature accepts (type 1 is always `int`). */
const PROBES: Readonly<Record<BtfFeature, readonly BtfType[]>> = {
  func: [INT, { kind: 'FUNC_PROTO', name: '', returnType: 1, params: [{ name: 'x', type: 1 }] }, { kind: 'FUNC', name: 'f', type: 2, linkage: 'static' }],
  funcLinkage: [INT, { kind: 'FUNC_PROTO', name: '', returnType: 1, params: [{ name: 'x', type: 1 }] }, { kind: 'FUNC', name: 'f', type: 2, linkage: 'global' }],
  datasec: [INT, VAR('x'), { kind: 'DATASEC', name: '.data', size: 4, vars: [{ type: 2, offset: 0, size: 4 }] }],
  qmarkDatasec: [INT, VAR('x'), { kind: 'DATASEC', name: '.data?', size: 4, vars: [{ type: 2, offset: 0, size: 4 }] }],
  float: [INT, { kind: 'FLOAT', name: 'float', size: 4 }],
  declTag: [INT, VAR('x'), { kind: 'DECL_TAG', name: 'tag', type: 2, componentIdx: -1, kindFlag: false }],
  typeTag: [INT, { kind: 'TYPE_TAG', name: 'tag', type: 1, kindFlag: false }, { kind: 'PTR', name: '', type: 2 }],
  enum64: [INT, { kind: 'ENUM64', name: 'e', size: 8, signed: false, values: [{ name: 'v', value: 1n << 40n }] }],
};

/** Whether the kernel loads the probe blob of `feature` (BPF_BTF_LOAD). */
export function probeBtfFeature(feature: BtfFeature): boolean {
  try {
    loadBtf(encodeBtf(Btf.fromTypes(PROBES[feature]))).close();
    return true;
  } catch (e) {
    if (e instanceof BtfLoadError) return false;
    throw e;
  }
}

let cached: BtfFeatures | undefined;

/** The running kernel's BTF features, probed once per process. */
export function kernelBtfFeatures(): BtfFeatures {
  cached ??= Object.fromEntries(Object.keys(ALL_BTF_FEATURES).map((f) => [f, probeBtfFeature(f as BtfFeature)])) as unknown as BtfFeatures;
  return cached;
}

/**
 * The object BTF blob as a kernel with `features` accepts it: the same bytes when it has every
 * kind the blob uses, else re-encoded from sanitizeBtf's types with the blob's string section
 * kept (line_info points into it). `rewritten` names the features that were missing and used.
 */
export function sanitizedForKernel(blob: Uint8Array, features: BtfFeatures = kernelBtfFeatures()): { blob: Uint8Array; rewritten: BtfFeature[] } {
  const missing = (Object.keys(features) as BtfFeature[]).filter((f) => !features[f]);
  if (missing.length === 0) return { blob, rewritten: [] };
  const btf = decodeBtf(blob);
  const types = [...btf.types()].map(([, t]) => t);
  if (!needsSanitizing(types, features)) return { blob, rewritten: [] };
  const rewritten = missing.filter((f) => needsSanitizing(types, { ...ALL_BTF_FEATURES, [f]: false }));
  const sanitized = Btf.fromTypes(sanitizeBtf(types, features, btf.firstId), { byteOrder: btf.byteOrder, layout: btf.layout, flags: btf.flags });
  return { blob: encodeBtf(sanitized, { strings: btf.raw!.strings }), rewritten };
}
