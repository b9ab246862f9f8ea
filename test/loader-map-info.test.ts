// BpfMap.create keeps the spec as the map's info instead of asking the kernel (OBJ_GET_INFO_BY_FD),
// as libbpf does; the id and BTF object id are read from the kernel on first use. The reference is
// the kernel's own bpf_map_info for the same fd (mapInfo): every map of every loadable fixture, and
// maps created with flags the kernel keeps, drops (RDONLY, WRONLY) or may rewrite, must agree.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BpfMap, loadObject, MapType, mapInfo } from '../loader/index.js';
import { requireRoot } from './support/references.js';

const ok = requireRoot();
const FIX = join(import.meta.dirname, '..', 'fixtures');
const manifest = JSON.parse(readFileSync(join(FIX, 'manifest.json'), 'utf8')) as { fixtures: { name: string; file: string; loads: boolean }[] };

describe.skipIf(!ok)('map info without OBJ_GET_INFO_BY_FD', () => {
  const maps: BpfMap[] = [];
  afterEach(() => { for (const m of maps.splice(0)) m.close(); });

  it('every map of every loadable fixture has the info the kernel reports', () => {
    let compared = 0;
    for (const f of manifest.fixtures.filter((x) => x.loads)) {
      const c = loadObject(join(FIX, f.file));
      try {
        for (const [name, m] of c.maps) {
          expect({ fixture: f.name, map: name, info: { ...m.info } }).toEqual({ fixture: f.name, map: name, info: mapInfo(m.fd) });
          compared++;
        }
      } finally {
        c.close();
      }
    }
    expect(compared).toBeGreaterThan(20);
  });

  it.each([
    ['no flags', 0],
    ['RDONLY (a property of the fd, not reported)', 1 << 3],
    ['WRONLY', 1 << 4],
    ['RDONLY_PROG | MMAPABLE', (1 << 7) | (1 << 10)],
    ['BPF_F_TOKEN_FD without a token (the kernel may clear it)', 1 << 16],
  ])('BpfMap.create with %s agrees with the kernel', (_what, flags) => {
    let m: BpfMap;
    try {
      m = BpfMap.create({ name: 'tsbpf_info_test', type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 2, flags });
    } catch (e) {
      // A flag this kernel refuses for the map type: nothing created, nothing to compare.
      expect((e as Error).name).toBe('MapError');
      return;
    }
    maps.push(m);
    const kernel = mapInfo(m.fd);
    expect({ ...m.info }).toEqual(kernel);
    expect(m.info.id).toBeGreaterThan(0);
  });

  it('the id of a closed map is not read from a reused fd', () => {
    const m = BpfMap.create({ name: 'tsbpf_info_test', type: MapType.HASH, keySize: 4, valueSize: 4, maxEntries: 4 });
    m.close();
    expect(() => m.info.id).toThrow(/closed/);
    expect(m.info.keySize).toBe(4);
  });
});
