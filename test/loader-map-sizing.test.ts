// Maps sized before load (issue 16): fixtures/obj/map_sized.bpf.o declares a hash and a ring buffer
// with 0 entries and a stack-trace map with neither entries nor value size. libbpf 1.1 loads it
// after bpf_map__set_max_entries/set_value_size (test/harness/libbpf-load-sized.c); loadObject's
// `maps` option and `tsbpf load --max-entries/--value-size` must give the same maps and the same
// xlated code, and a size still 0 is a MapSizingError naming the map. The skeleton's sizeMap is
// tested in loader-skeleton.test.ts.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadObject, MapSizingError, MapType, sizeMaps } from '../loader/index.js';
import { ringbufMaxEntries } from '../loader/ringbuf-size.js';
import { readObject } from '../elf/index.js';
import { readFileSync } from 'node:fs';
import { requireReferences, requireRoot, run } from './support/references.js';
import { xlatedInfo } from './support/prog-xlated.js';

const OBJ = join(import.meta.dirname, '..', 'fixtures', 'obj', 'map_sized.bpf.o');
const CLI = join(import.meta.dirname, '..', 'dist', 'cli.js');
const live = requireReferences('cc') && requireRoot();

const SIZES = { stack_counts: { maxEntries: 64 }, stacks: { maxEntries: 32, valueSize: 127 * 8 }, events: { maxEntries: 4096 } };

describe('sizeMaps (no kernel)', () => {
  const object = readObject(new Uint8Array(readFileSync(OBJ)));

  it('names the first map whose size is still 0, and the option that sets it', () => {
    expect(() => sizeMaps(object)).toThrow(MapSizingError);
    expect(() => sizeMaps(object)).toThrow('map stacks (stack_trace): max_entries is 0; size it before load (loadObject option maps: { stacks: { maxEntries: N } }, a skeleton\'s sizeMap, or tsbpf load --max-entries stacks=N)');
    expect(() => sizeMaps(object, { stacks: { maxEntries: 8 } })).toThrow(/^map stacks \(stack_trace\): value size is 0;.*--value-size stacks=N\)$/);
    expect(() => sizeMaps(object, { stacks: { maxEntries: 8, valueSize: 8 } })).toThrow(/^map stack_counts \(hash\): max_entries is 0/);
    expect(() => sizeMaps(object, { ...SIZES, events: {} })).toThrow(/^map events \(ringbuf\): max_entries is 0/);
  });

  it('applies the edits to the definitions; refuses unknown maps, bad numbers, an inner map on a plain map', () => {
    const sized = sizeMaps(object, { ...SIZES, stack_counts: { maxEntries: 64, flags: 1, keySize: 8 } });
    const def = (n: string) => sized.maps.find((m) => m.name === n)!;
    expect([def('stack_counts').maxEntries, def('stack_counts').flags, def('stack_counts').keySize]).toEqual([64, 1, 8]);
    // A key size that no longer matches the BTF key type drops the type (libbpf retries without it).
    expect(def('stack_counts').keyType).toBeUndefined();
    expect(def('stack_counts').valueType).toBe(object.maps.find((m) => m.name === 'stack_counts')!.valueType);
    expect([def('stacks').maxEntries, def('stacks').valueSize, def('events').maxEntries]).toEqual([32, 1016, 4096]);
    expect(object.maps.find((m) => m.name === 'stacks')!.maxEntries ?? 0).toBe(0); // the input is not changed
    expect(() => sizeMaps(object, { ...SIZES, nope: { maxEntries: 1 } })).toThrow(/^no map nope to size; the object's \.maps are stacks, stack_counts, events$/);
    expect(() => sizeMaps(object, { ...SIZES, events: { maxEntries: -1 } })).toThrow(/^map events: maxEntries must be an integer/);
    expect(() => sizeMaps(object, { ...SIZES, events: { maxEntries: 4096, inner: { maxEntries: 1 } } })).toThrow(/^map events: an inner map is for map-in-maps, not a ringbuf map/);
  });

  it('rounds a ring buffer up to a power-of-2 multiple of the page, as libbpf does', () => {
    const def = (edits: Record<string, { maxEntries: number }>) => sizeMaps(object, { ...SIZES, ...edits }).maps.find((m) => m.name === 'events')!.maxEntries;
    expect(ringbufMaxEntries(5000, 4096)).toBe(8192);
    expect(ringbufMaxEntries(12288, 4096)).toBe(16384);
    expect(ringbufMaxEntries(16384, 4096)).toBe(16384);
    expect(ringbufMaxEntries(1, 65536)).toBe(65536);
    expect(ringbufMaxEntries(0xffffffff, 4096)).toBe(0xffffffff); // no such product below 2^32: left to the kernel
    fc.assert(fc.property(fc.integer({ min: 1, max: 0xffffffff }), fc.constantFrom(4096, 16384, 65536), (size, page) => {
      const r = ringbufMaxEntries(size, page);
      const pages = r / page;
      const valid = Number.isInteger(pages) && (pages & (pages - 1)) === 0;
      if (r === size) return valid || size >= 0x80000000;
      // A power-of-2 number of pages above the size, and the smallest such.
      return valid && r > size && (r === page || r / 2 <= size);
    }));
    expect(def({ events: { maxEntries: 5000 } })).toBe(ringbufMaxEntries(5000)); // with the machine's page size
    expect(def({ events: { maxEntries: 4096 * 4 } })).toBe(4096 * 4);
  });

  it('sets the inner map template of a map-in-map', () => {
    const mim = readObject(new Uint8Array(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'obj', 'map_array_of_maps.bpf.o'))));
    const outer = mim.maps.find((m) => m.type === MapType.ARRAY_OF_MAPS)!;
    expect(() => sizeMaps(mim, { [outer.name]: { inner: { maxEntries: 0 } } })).toThrow(new RegExp(`^map ${outer.name}: its inner map's max_entries is 0`));
    const bigger = sizeMaps(mim, { [outer.name]: { inner: { maxEntries: 99 } } }).maps.find((m) => m.name === outer.name)!;
    expect(bigger.inner).toEqual({ ...outer.inner, maxEntries: 99 });
  });
});

describe.skipIf(!live)('maps sized before load: same maps and xlated code as libbpf 1.1', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsbpf-sized-'));
  const root = `/sys/fs/bpf/tsbpf-test-sized-${process.pid}`;
  const harness = join(dir, 'libbpf-load-sized');
  let libbpfMaps: string[] = [];
  beforeAll(() => {
    mkdirSync(root, { recursive: true });
    run('cc', ['-O2', '-Wall', '-o', harness, join(import.meta.dirname, 'harness', 'libbpf-load-sized.c'), '-lbpf']);
    libbpfMaps = run(harness, [OBJ, join(root, 'libbpf'), 'stack_counts.max_entries=64', 'stacks.max_entries=32', 'stacks.value_size=1016', 'events.max_entries=4096'])
      .trim().split('\n').sort();
  });
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  it('loadObject with the maps option', () => {
    const c = loadObject(OBJ, { maps: SIZES });
    try {
      const ours = [...c.maps.values()].map((m) => { const i = m.info; return `map ${m.name} ${i.maxEntries} ${i.keySize} ${i.valueSize} ${i.flags}`; }).sort();
      expect(ours).toEqual(libbpfMaps);
      mkdirSync(join(root, 'tsbpf'));
      c.pinProgram('count_stacks', join(root, 'tsbpf', 'count_stacks'));
    } finally {
      c.close();
    }
    expect(xlatedInfo(join(root, 'tsbpf', 'count_stacks'))).toBe(xlatedInfo(join(root, 'libbpf', 'count_stacks')));
  });

  it('a ring buffer sized to no power-of-2 multiple of the page: the same map as libbpf', () => {
    const ref = run(harness, [OBJ, join(root, 'libbpf-odd'), 'stack_counts.max_entries=64', 'stacks.max_entries=32', 'stacks.value_size=1016', 'events.max_entries=5000'])
      .trim().split('\n').sort();
    const c = loadObject(OBJ, { maps: { ...SIZES, events: { maxEntries: 5000 } } });
    try {
      const ours = [...c.maps.values()].map((m) => { const i = m.info; return `map ${m.name} ${i.maxEntries} ${i.keySize} ${i.valueSize} ${i.flags}`; }).sort();
      expect(ours).toEqual(ref);
      expect(c.maps.get('events')!.info.maxEntries).toBeGreaterThan(5000);
    } finally {
      c.close();
    }
  });

  it('tsbpf load --max-entries/--value-size; one error line naming the map when a size is missing', () => {
    const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, 'load', OBJ, ...args], { encoding: 'utf8' });
    const r = cli('--max-entries', 'stack_counts=64', '--max-entries', 'stacks=32', '--value-size', 'stacks=1016', '--max-entries', 'events=4096', '--pin', join(root, 'cli'));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(readdirSync(join(root, 'cli'))).toEqual(['count_stacks']);
    expect(xlatedInfo(join(root, 'cli', 'count_stacks'))).toBe(xlatedInfo(join(root, 'libbpf', 'count_stacks')));
    const missing = cli('--max-entries', 'stack_counts=64', '--max-entries', 'stacks=32');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe(`${OBJ}: error: map stacks (stack_trace): value size is 0; size it before load (loadObject option maps: { stacks: { valueSize: N } }, a skeleton's sizeMap, or tsbpf load --value-size stacks=N)\n`);
    const bad = cli('--max-entries', 'stacks');
    expect([bad.status, bad.stderr]).toEqual([2, 'tsbpf: error: --max-entries wants MAP=N with N from 1 to 4294967295 (got stacks)\n']);
    const unknown = cli('--max-entries', 'nope=3');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/^.*: error: no map nope to size; the object's \.maps are stacks, stack_counts, events\n$/);
  });
});
