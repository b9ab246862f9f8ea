// Sanitising BTF for a kernel that lacks some of its kinds (elf/btf/sanitize.ts, libbpf's
// bpf_object__sanitize_btf): random graphs and feature sets, then the live kernel loading what the
// sanitiser gives for a kernel without each feature (loader/btf-features.ts).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ALL_BTF_FEATURES, Btf, type BtfFeature, type BtfFeatures, type BtfType, decodeBtf, encodeBtf, ENUM64_PLACEHOLDER, FEATURE_KINDS,
  readElf, readObject, sanitizeBtf,
} from '../elf/index.js';
import { kernelBtfFeatures, kernelReadyBtf, loadBtf, probeBtfFeature, sanitizedForKernel } from '../loader/index.js';
import { btfGraph } from './support/btf-graph.js';
import { isRoot, requireRoot } from './support/references.js';

const asRoot = requireRoot();

const FEATURES = Object.keys(ALL_BTF_FEATURES) as BtfFeature[];
const features: fc.Arbitrary<BtfFeatures> = fc.record(Object.fromEntries(FEATURES.map((f) => [f, fc.boolean()])) as Record<BtfFeature, fc.Arbitrary<boolean>>);
const without = (...missing: BtfFeature[]): BtfFeatures => ({ ...ALL_BTF_FEATURES, ...Object.fromEntries(missing.map((f) => [f, false])) });
const typesOf = (btf: Btf): BtfType[] => [...btf.types()].map(([, t]) => t);
/** The encoded length of a record: the type section's length (header word 3) of a blob of it alone. */
const recordLength = (t: BtfType): number => new DataView(encodeBtf(Btf.fromTypes([t])).buffer).getUint32(12, true);

/** What a kernel without the features would refuse in `types`; [] when nothing. */
function refused(types: readonly BtfType[], f: BtfFeatures): string[] {
  const out: string[] = [];
  types.forEach((t, i) => {
    for (const feature of FEATURES) if (!f[feature] && FEATURE_KINDS[feature]?.includes(t.kind)) out.push(`[${i + 1}] ${t.kind} without ${feature}`);
    if (!f.funcLinkage && t.kind === 'FUNC' && t.linkage !== 'static') out.push(`[${i + 1}] ${t.linkage} FUNC`);
    if (!f.qmarkDatasec && t.kind === 'DATASEC' && t.name.includes('?')) out.push(`[${i + 1}] DATASEC '${t.name}'`);
    if (!f.enum64 && t.kind === 'ENUM' && t.signed) out.push(`[${i + 1}] signed ENUM`);
  });
  return out;
}

/** Every kind and form a feature brings, in one graph the kernel validates. */
const EVERY_FEATURE: BtfType[] = [
  { kind: 'INT', name: 'int', size: 4, encoding: 1, bitsOffset: 0, bits: 32 },
  { kind: 'VAR', name: 'counter', type: 1, linkage: 'global' },
  { kind: 'DATASEC', name: '.data?', size: 4, vars: [{ type: 2, offset: 0, size: 4 }] },
  { kind: 'FUNC_PROTO', name: '', returnType: 1, params: [{ name: 'x', type: 1 }] },
  { kind: 'FUNC', name: 'f', type: 4, linkage: 'global' },
  { kind: 'FLOAT', name: 'double', size: 8 },
  { kind: 'TYPE_TAG', name: 'user', type: 1, kindFlag: false },
  { kind: 'PTR', name: '', type: 7 },
  { kind: 'DECL_TAG', name: 'tag', type: 5, componentIdx: -1, kindFlag: false },
  { kind: 'ENUM64', name: 'big', size: 8, signed: false, values: [{ name: 'A', value: 1n << 40n }] },
  { kind: 'ENUM', name: 'e', size: 4, signed: true, values: [{ name: 'M', value: -1 }] },
];

describe('BTF sanitising (elf)', () => {
  it('random graphs and feature sets: no kind the kernel lacks, ids and record lengths kept, and it round-trips', () => {
    fc.assert(fc.property(btfGraph, features, (types, f) => {
      const out = sanitizeBtf(types, f);
      expect(refused(out, f)).toEqual([]);
      // Every id keeps its place and its record its length; only a placeholder INT may be appended.
      const placeholder = out.length > types.length;
      expect(out.length).toBe(types.length + (placeholder ? 1 : 0));
      if (placeholder) expect(out.at(-1)).toMatchObject({ kind: 'INT', name: ENUM64_PLACEHOLDER });
      types.forEach((t, i) => expect([i, recordLength(out[i]!)]).toEqual([i, recordLength(t)]));
      // The codec carries the sanitised graph unchanged.
      const bytes = encodeBtf(Btf.fromTypes(out));
      expect(typesOf(decodeBtf(bytes))).toEqual(out);
    }), { numRuns: 400 });
  });

  it('a kernel with every feature gets the graph as it is', () => {
    fc.assert(fc.property(btfGraph, (types) => {
      const out = sanitizeBtf(types, ALL_BTF_FEATURES);
      out.forEach((t, i) => expect(t).toBe(types[i]));
    }), { numRuns: 100 });
  });

  it('rewrites each kind as libbpf does', () => {
    const types = EVERY_FEATURE;
    const none = Object.fromEntries(FEATURES.map((f) => [f, false])) as unknown as BtfFeatures;
    expect(sanitizeBtf(types, none)).toEqual([
      types[0],
      { kind: 'INT', name: 'counter', size: 1, encoding: 0, bitsOffset: 0, bits: 8 },
      { kind: 'STRUCT', name: '_data_', size: 4, kindFlag: false, members: [{ name: 'counter', type: 2, bitsOffset: 0, bitfieldSize: 0 }] },
      { kind: 'ENUM', name: '', size: 4, signed: false, values: [{ name: 'x', value: 1 }] },
      { kind: 'TYPEDEF', name: 'f', type: 4 },
      { kind: 'STRUCT', name: '', size: 8, kindFlag: false, members: [] },
      { kind: 'CONST', name: '', type: 1 },
      types[7],
      { kind: 'INT', name: 'tag', size: 1, encoding: 0, bitsOffset: 0, bits: 8 },
      { kind: 'UNION', name: 'big', size: 8, kindFlag: false, members: [{ name: 'A', type: 12, bitsOffset: 0, bitfieldSize: 0 }] },
      { kind: 'ENUM', name: 'e', size: 4, signed: false, values: [{ name: 'M', value: 0xffffffff }] },
      { kind: 'INT', name: ENUM64_PLACEHOLDER, size: 1, encoding: 0, bitsOffset: 0, bits: 8 },
    ]);
    // With DATASEC but not '?' in its name, and with FUNC but not global linkage.
    const partial = sanitizeBtf(types, without('qmarkDatasec', 'funcLinkage'));
    expect([partial[2]!.name, (partial[4] as { linkage: string }).linkage]).toEqual(['.data_', 'static']);
  });

  it('keeps the string section when re-encoding a decoded graph, so line_info offsets hold', () => {
    const blob = encodeBtf(Btf.fromTypes([
      { kind: 'INT', name: 'int', size: 4, encoding: 1, bitsOffset: 0, bits: 32 },
      { kind: 'FLOAT', name: 'double', size: 8 },
    ]));
    const before = decodeBtf(blob);
    const { blob: out, rewritten } = sanitizedForKernel(blob, without('float'));
    expect(rewritten).toEqual(['float']);
    const after = decodeBtf(out);
    expect(Buffer.from(after.raw!.strings.bytes).equals(Buffer.from(before.raw!.strings.bytes))).toBe(true);
    expect(after.type(2)).toEqual({ kind: 'STRUCT', name: '', size: 8, kindFlag: false, members: [] });
    // A kernel with the feature gets the very bytes.
    expect(sanitizedForKernel(blob, ALL_BTF_FEATURES).blob).toBe(blob);
  });
});

describe.skipIf(!asRoot)('BTF sanitising against the live kernel', () => {
  const live = isRoot() ? kernelBtfFeatures() : ALL_BTF_FEATURES;

  it('the probes agree with the kernel: a graph using every feature loads as it is exactly when each probe says yes', () => {
    const blob = encodeBtf(Btf.fromTypes(EVERY_FEATURE));
    let loads = true;
    try { loadBtf(blob).close(); } catch { loads = false; }
    expect(loads).toBe(FEATURES.every((f) => live[f]));
    // And a second probe gives the first one's answer.
    for (const f of FEATURES) expect([f, probeBtfFeature(f)]).toEqual([f, live[f]]);
  });

  it('what the sanitiser gives for a kernel without each feature (and without all) still loads', () => {
    const blob = encodeBtf(Btf.fromTypes(EVERY_FEATURE));
    const sets = [...FEATURES.map((f) => without(f)), without(...FEATURES)];
    for (const set of sets) {
      const f: BtfFeatures = Object.fromEntries(FEATURES.map((k) => [k, set[k] && live[k]])) as unknown as BtfFeatures;
      const out = sanitizedForKernel(blob, f);
      expect(refused(typesOf(decodeBtf(out.blob)), f)).toEqual([]);
      loadBtf(out.blob).close();
    }
  });

  // Without FUNC too, a parameter without a name becomes an enumerator without one, as libbpf
  // leaves it: kernels before 4.20 took that, 6.18 refuses it ("Invalid name"), so that set is not
  // loaded here (the synthetic graph above, whose parameters have names, covers it).
  it('an object\'s BTF (kernelReadyBtf) sanitised for a kernel with FUNC and nothing newer still loads', () => {
    for (const name of ['arena_counter', 'core_fields', 'global_data']) {
      const bytes = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'obj', `${name}.bpf.o`));
      const object = readObject(bytes);
      const ready = kernelReadyBtf(object.btf!, readElf(bytes), { kconfig: new Map(), kconfigSize: 0 });
      const out = sanitizedForKernel(ready, without(...FEATURES.filter((f) => f !== 'func')));
      expect(out.rewritten.length).toBeGreaterThan(0);
      loadBtf(out.blob).close();
    }
  });
});
