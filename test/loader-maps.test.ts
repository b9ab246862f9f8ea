// The Map API on real kernel maps. A fast-check model test drives hash, LRU-free array and
// per-CPU maps through update (all flags)/lookup/delete/iterate/batch and compares with a JS Map
// model and with the errno the kernel gives; typed access (BTF) writes random values of each
// fixture map's own key/value types and reads them back through tsbpf and through bpftool's
// BTF-formatted dump; freeze, pin/unpin and array-of-maps are checked against bpftool.

import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { type Btf } from '../elf/index.js';
import {
  BpfMap, type BtfJsValue, isPerCpuMap, loadObject, MapType, possibleCpus, SyscallError, UpdateFlags,
} from '../loader/index.js';
import { array, char, defineObject, hashMap, program, u8 as u8DSL } from '../src/index.js';
import { inetNtop4 } from '../loader/index.js';
import { requireReferences, requireRoot, run } from './support/references.js';

const ok = requireReferences('bpftool') && requireRoot();

const CLI = join(import.meta.dirname, '..', 'dist', 'cli.js');
const FIX = join(import.meta.dirname, '..', 'fixtures');
const PIN = `/sys/fs/bpf/tsbpf-test-maps-${process.pid}`;
afterAll(() => rmSync(PIN, { recursive: true, force: true }));

const u32 = (n: number): Uint8Array => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, n, true); return b; };
const u64 = (n: bigint): Uint8Array => { const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, n, true); return b; };
const rdU32 = (b: Uint8Array): number => new DataView(b.buffer, b.byteOffset).getUint32(0, true);
const rdU64 = (b: Uint8Array): bigint => new DataView(b.buffer, b.byteOffset).getBigUint64(0, true);

function errno(f: () => unknown): string | undefined {
  try { f(); return undefined; } catch (e) { if (e instanceof SyscallError) return e.code; throw e; }
}

type Op = { op: 'update'; k: number; v: bigint; flags: number } | { op: 'delete'; k: number } | { op: 'lookup'; k: number };

const opArb = (keys: number): fc.Arbitrary<Op> => fc.oneof(
  fc.record({ op: fc.constant('update' as const), k: fc.nat(keys - 1), v: fc.bigInt(0n, 2n ** 64n - 1n), flags: fc.constantFrom(UpdateFlags.ANY, UpdateFlags.NOEXIST, UpdateFlags.EXIST) }),
  fc.record({ op: fc.constant('delete' as const), k: fc.nat(keys - 1) }),
  fc.record({ op: fc.constant('lookup' as const), k: fc.nat(keys - 1) }),
);

describe.skipIf(!ok)('BpfMap against a JS Map model', () => {
  it('hash: update flags, delete, lookup, keys, entries, batch lookup/update/delete', () => {
    const MAX = 8;
    fc.assert(fc.property(fc.array(opArb(12), { maxLength: 40 }), fc.array(fc.tuple(fc.nat(11), fc.bigInt(0n, 2n ** 64n - 1n)), { maxLength: 6 }), (ops, batch) => {
      const m = BpfMap.create({ name: 'tsbpf_model', type: MapType.HASH, keySize: 4, valueSize: 8, maxEntries: MAX });
      try {
        const model = new Map<number, bigint>();
        for (const o of ops) {
          if (o.op === 'update') {
            const exists = model.has(o.k);
            const expected = o.flags === UpdateFlags.NOEXIST && exists ? 'EEXIST' : o.flags === UpdateFlags.EXIST && !exists ? 'ENOENT'
              : !exists && model.size >= MAX ? 'E2BIG' : undefined;
            expect(errno(() => m.update(u32(o.k), u64(o.v), o.flags))).toBe(expected);
            if (expected === undefined) model.set(o.k, o.v);
          } else if (o.op === 'delete') {
            expect(m.delete(u32(o.k))).toBe(model.delete(o.k));
          } else {
            const v = m.lookup(u32(o.k));
            expect(v === undefined ? undefined : rdU64(v)).toBe(model.get(o.k));
          }
        }
        const sorted = (xs: [number, bigint][]): [number, bigint][] => xs.sort((a, b) => a[0] - b[0]);
        expect([...m.keys()].map(rdU32).sort((a, b) => a - b)).toEqual([...model.keys()].sort((a, b) => a - b));
        expect(sorted([...m.entries()].map(([k, v]) => [rdU32(k), rdU64(v)]))).toEqual(sorted([...model.entries()]));
        expect(sorted(m.lookupBatch({ chunk: 3 }).map(([k, v]) => [rdU32(k), rdU64(v)]))).toEqual(sorted([...model.entries()]));
        // Batch update of entries that fit, then batch delete of everything.
        const fresh = new Map(batch.filter(([k]) => model.has(k)));
        if (fresh.size > 0) {
          expect(m.updateBatch([...fresh].map(([k, v]) => [u32(k), u64(v)] as const))).toBe(fresh.size);
          for (const [k, v] of fresh) model.set(k, v);
        }
        expect(sorted([...m.entries()].map(([k, v]) => [rdU32(k), rdU64(v)]))).toEqual(sorted([...model.entries()]));
        expect(m.deleteBatch([...model.keys()].map(u32))).toBe(model.size);
        expect([...m.keys()]).toEqual([]);
      } finally {
        m.close();
      }
    }), { numRuns: 40 });
  });

  it('array: every index exists, NOEXIST is EEXIST, delete is EINVAL, batch lookup sees all', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(5), fc.bigInt(0n, 2n ** 64n - 1n)), { maxLength: 20 }), (writes) => {
      const m = BpfMap.create({ name: 'tsbpf_array', type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 6 });
      try {
        const model = new Map<number, bigint>(Array.from({ length: 6 }, (_, i) => [i, 0n]));
        for (const [k, v] of writes) { m.update(u32(k), u64(v)); model.set(k, v); }
        expect(errno(() => m.update(u32(0), u64(1n), UpdateFlags.NOEXIST))).toBe('EEXIST');
        expect(errno(() => m.update(u32(6), u64(1n)))).toBe('E2BIG');
        expect(errno(() => m.delete(u32(0)))).toBe('EINVAL');
        expect(m.lookupBatch({ chunk: 4 }).map(([k, v]) => [rdU32(k), rdU64(v)])).toEqual([...model.entries()]);
      } finally {
        m.close();
      }
    }), { numRuns: 30 });
  });

  it('per-CPU hash: one slot per possible CPU, as bpftool shows them', () => {
    const n = possibleCpus();
    fc.assert(fc.property(fc.nat(1000), fc.array(fc.bigInt(0n, 2n ** 64n - 1n), { minLength: n, maxLength: n }), (k, vals) => {
      const m = BpfMap.create({ name: 'tsbpf_pcpu', type: MapType.PERCPU_HASH, keySize: 4, valueSize: 8, maxEntries: 4 });
      try {
        m.updatePerCpu(u32(k), vals.map(u64));
        expect(m.lookupPerCpu(u32(k))!.map(rdU64)).toEqual(vals);
        const shown = JSON.parse(run('bpftool', ['-j', 'map', 'dump', 'id', String(m.info.id)])) as { values: { cpu: number; value: string[] }[] }[];
        expect(shown[0]!.values.map((c) => BigInt(`0x${c.value.map((b) => b.slice(2)).reverse().join('')}`))).toEqual(vals);
      } finally {
        m.close();
      }
    }), { numRuns: 10 });
  });

  it('LRU hash never exceeds max_entries and keeps the newest key', () => {
    const m = BpfMap.create({ name: 'tsbpf_lru', type: MapType.LRU_HASH, keySize: 4, valueSize: 8, maxEntries: 64 });
    try {
      for (let k = 0; k < 1000; k++) {
        m.update(u32(k), u64(BigInt(k)));
        expect(rdU64(m.lookup(u32(k))!)).toBe(BigInt(k));
      }
      expect([...m.keys()].length).toBeLessThanOrEqual(64);
    } finally {
      m.close();
    }
  });

  it('freeze makes syscall writes EPERM; pin shares the map with bpftool; unpin removes it', () => {
    mkdirSync(PIN, { recursive: true });
    const m = BpfMap.create({ name: 'tsbpf_frozen', type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 2 });
    try {
      m.update(u32(1), u64(42n));
      m.freeze();
      expect(errno(() => m.update(u32(1), u64(43n)))).toBe('EPERM');
      expect(JSON.parse(run('bpftool', ['-j', 'map', 'show', 'id', String(m.info.id)])).frozen).toBe(1);
      const path = join(PIN, 'frozen');
      m.pin(path);
      const again = BpfMap.fromPin(path);
      expect(again.info.id).toBe(m.info.id);
      expect(rdU64(again.lookup(u32(1))!)).toBe(42n);
      again.close();
      rmSync(path);
      expect(spawnSync('bpftool', ['map', 'show', 'pinned', path]).status).not.toBe(0);
    } finally {
      m.close();
    }
  });

  it('tsbpf maps dump: a pinned global data map decodes to its variables; bad targets are one line, exit 2', () => {
    const c = loadObject(join(FIX, 'obj/global_data.bpf.o'));
    try {
      mkdirSync(PIN, { recursive: true });
      const path = join(PIN, 'data');
      c.map('.data').pin(path);
      const shown = bpftoolJson(['-j', 'map', 'dump', 'pinned', path]) as { formatted: { value: Record<string, Record<string, unknown>[]> } }[];
      const ours = JSON.parse(run(process.execPath, [CLI, 'maps', 'dump', path])) as { key: number; value: Record<string, unknown> };
      expect(ours.key).toBe(0);
      // bpftool writes a DATASEC value as {".data": [{var: value}, ...]}; tsbpf as {var: value, ...}.
      expect(canon(ours.value)).toEqual(Object.assign({}, ...shown[0]!.formatted.value['.data']!));
      rmSync(path);
    } finally {
      c.close();
    }
    const missing = spawnSync(process.execPath, [CLI, 'maps', 'dump', join(PIN, 'nope')], { encoding: 'utf8' });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe(`tsbpf: error: ${join(PIN, 'nope')}: no such map (not a pinned map path or a map id)\n`);
  });

  it('array-of-maps from a fixture: slots hold the inner maps, as bpftool sees them', () => {
    const c = loadObject(join(FIX, 'obj/map_array_of_maps.bpf.o'));
    try {
      const outer = c.map('outer_array');
      // A syscall lookup in a map-in-map returns the inner map's id.
      const ids = [0, 1].map((i) => rdU32(outer.lookup(u32(i))!));
      expect(ids).toEqual([c.map('counter_a').info.id, c.map('counter_b').info.id]);
      const shown = JSON.parse(run('bpftool', ['-j', 'map', 'dump', 'id', String(outer.info.id)])) as { value: string[] }[];
      expect(shown.map((e) => Number.parseInt(e.value.map((b) => b.slice(2)).reverse().join(''), 16))).toEqual(ids);
    } finally {
      c.close();
    }
  });
});

// Typed values: an arbitrary of a BTF type's JS value (strings of letters for char arrays, so
// bpftool prints them as strings too).
function valueArb(btf: Btf, id: number): fc.Arbitrary<BtfJsValue> {
  let t = btf.requireType(id);
  while (t.kind === 'TYPEDEF' || t.kind === 'CONST' || t.kind === 'VOLATILE') t = btf.requireType(t.type);
  switch (t.kind) {
    case 'INT': {
      if ((t.encoding & 4) !== 0) return fc.boolean();
      const bits = BigInt(t.bits);
      const signed = (t.encoding & 1) !== 0;
      const big = signed ? fc.bigInt(-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n) : fc.bigInt(0n, (1n << bits) - 1n);
      return t.size <= 4 ? big.map(Number) : big;
    }
    case 'ENUM': return fc.constantFrom(...t.values.map((v) => v.value));
    case 'ARRAY': {
      let e = btf.requireType(t.type);
      while (e.kind === 'CONST' || e.kind === 'VOLATILE') e = btf.requireType(e.type);
      if (e.kind === 'INT' && e.size === 1 && (e.name === 'char' || (e.encoding & 2) !== 0)) return fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'), maxLength: t.nelems - 1 });
      return fc.array(valueArb(btf, t.type), { minLength: t.nelems, maxLength: t.nelems });
    }
    case 'STRUCT': {
      const rec: Record<string, fc.Arbitrary<BtfJsValue>> = {};
      for (const m of t.members) rec[m.name] = valueArb(btf, m.type);
      return fc.record(rec);
    }
    default: throw new Error(`no arbitrary for ${t.kind}`);
  }
}

/** Numbers (and bigints) as decimal strings, so 64-bit values compare exactly. */
function canon(v: unknown): unknown {
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) return v.map(canon);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, canon(x)]));
  return v;
}

/** bpftool -j output with every bare integer quoted (JSON.parse would round 64-bit values). */
function bpftoolJson(args: string[]): unknown {
  return JSON.parse(run('bpftool', args).replace(/([:[,])(-?\d+)(?=[,\]}])/g, '$1"$2"'));
}

interface Fixture { name: string; file: string; loads: boolean }
const fixtures = (JSON.parse(readFileSync(join(FIX, 'manifest.json'), 'utf8')) as { fixtures: Fixture[] }).fixtures.filter((f) => f.loads);
const TYPED = new Set<number>([MapType.HASH, MapType.ARRAY, MapType.LRU_HASH, MapType.PERCPU_HASH, MapType.PERCPU_ARRAY, MapType.LRU_PERCPU_HASH]);

describe.skipIf(!ok)('typed keys and values (BTF) against bpftool\'s formatted dump', () => {
  it('a u8[4] key is bytes and a char[8] value text, as bpftool formats them (the trial\'s 10.99.0.1 and 10.99.0.3)', () => {
    const hosts = hashMap({ key: array(u8DSL, 4), value: array(char, 8), maxEntries: 4 });
    const obj = defineObject({ license: 'GPL', maps: { hosts }, programs: { p: program('xdp', (b) => { b.return(2); }) } });
    const c = loadObject(obj.build());
    try {
      const m = c.map('hosts');
      m.update(new Uint8Array([10, 99, 0, 1]), new TextEncoder().encode('alpha\0\0\0'));
      m.set([10, 99, 0, 3], 'beta');
      const entries = [...m.typedEntries()].sort((a, b) => String(a[0]).localeCompare(String(b[0])));
      expect(entries).toEqual([[[10, 99, 0, 1], 'alpha'], [[10, 99, 0, 3], 'beta']]);
      expect(entries.map(([k]) => inetNtop4(k as number[]))).toEqual(['10.99.0.1', '10.99.0.3']);
      const shown = bpftoolJson(['-j', 'map', 'dump', 'id', String(m.info.id)]) as { formatted: { key: unknown; value: unknown } }[];
      expect(shown.map((e) => e.formatted).sort((a, b) => JSON.stringify(a.key).localeCompare(JSON.stringify(b.key)))).toEqual(entries.map(([k, v]) => ({ key: canon(k), value: v })));
    } finally {
      c.close();
    }
  });

  it('every BTF-typed hash/array map of the fixtures: set random values, read them back (API, bpftool, tsbpf maps dump)', () => {
    let maps = 0;
    for (const f of fixtures) {
      const c = loadObject(join(FIX, f.file));
      try {
        for (const m of c.maps.values()) {
          const t = m.types;
          if (!TYPED.has(m.info.type) || t?.key === undefined || t.value === undefined || m.info.btfKeyTypeId === 0) continue;
          maps++;
          const perCpu = isPerCpuMap(m.info.type);
          const entry = fc.tuple(valueArb(t.btf, t.key), perCpu ? fc.array(valueArb(t.btf, t.value), { minLength: possibleCpus(), maxLength: possibleCpus() }) : valueArb(t.btf, t.value));
          const written = fc.sample(entry, { numRuns: Math.min(4, m.info.maxEntries), seed: maps });
          const model = new Map<string, [BtfJsValue, BtfJsValue]>();
          for (const [k, v] of written) {
            if (m.info.type === MapType.ARRAY || m.info.type === MapType.PERCPU_ARRAY) {
              if (typeof k !== 'number' || k < 0 || k >= m.info.maxEntries) continue; // an int key's negative values are out of range
            }
            m.set(k, v);
            model.set(JSON.stringify(canon(k)), [k, v]);
          }
          for (const [k, v] of model.values()) expect(canon(m.get(k)), `${f.name}/${m.name}`).toEqual(canon(v));
          const shown = bpftoolJson(['-j', 'map', 'dump', 'id', String(m.info.id)]) as { formatted: { key: unknown; value?: unknown; values?: { value: unknown }[] } }[];
          for (const [k, v] of model.values()) {
            const hit = shown.find((e) => JSON.stringify(e.formatted.key) === JSON.stringify(canon(k)));
            expect(hit, `${f.name}/${m.name} key ${JSON.stringify(canon(k))}`).toBeDefined();
            const value = perCpu ? hit!.formatted.values!.map((x) => x.value) : hit!.formatted.value;
            expect(value, `${f.name}/${m.name}`).toEqual(canon(v));
          }
          // tsbpf maps dump prints the same entries as bpftool's formatted dump.
          const lines = run(process.execPath, [CLI, 'maps', 'dump', String(m.info.id)]).trim().split('\n').map((l) => JSON.parse(l) as { key: unknown; value: unknown });
          expect(lines.map((l) => canon(l)), `tsbpf maps dump ${f.name}/${m.name}`).toEqual(shown.map((e) => ({
            key: e.formatted.key, value: perCpu ? e.formatted.values!.map((x) => x.value) : e.formatted.value,
          })));
        }
      } finally {
        c.close();
      }
    }
    console.log(`typed maps checked against bpftool: ${maps}`);
    expect(maps).toBeGreaterThanOrEqual(15);
  });
});
