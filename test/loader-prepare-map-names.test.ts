// The preparation step names an object's data-section maps as the kernel will name them, so the
// model's log prints `map=global_b.bss` where the kernel does. The reference names are bpftool's
// (fixtures/manifest.json, written from libbpf's loads).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { objectNameOf, prepareObjectPrograms } from '../loader/index.js';

const FIX = 'fixtures';
interface Fixture { readonly name: string; readonly file: string; readonly maps: readonly { readonly name: string; readonly declared_in: string }[] }
const manifest = JSON.parse(readFileSync(join(FIX, 'manifest.json'), 'utf8')) as { fixtures: Fixture[] };
const withData = manifest.fixtures.filter((f) => ['global_bss', 'global_data', 'global_rodata'].includes(f.name));

/** The names of the data-section maps the object's programs use (the others have no dot). */
const preparedNames = (path: string, objectName?: string): string[] => {
  const names = new Set<string>();
  const options = objectName === undefined ? {} : { objectName };
  for (const p of prepareObjectPrograms(new Uint8Array(readFileSync(path)), options)) for (const m of p.maps.values()) if (m.name.includes('.')) names.add(m.name);
  return [...names].sort();
};

describe('prepared data-section maps', () => {
  it('carry the names libbpf gives them in the kernel when the object name is given', () => {
    expect(withData.length).toBe(3);
    for (const f of withData) {
      const path = join(FIX, f.file);
      const prepared = preparedNames(path, objectNameOf(path));
      expect(prepared.length).toBeGreaterThan(0);
      const internal = f.maps.filter((m) => m.declared_in === 'internal').map((m) => m.name);
      for (const n of prepared) expect(internal).toContain(n);
      expect(prepared.some((n) => n.startsWith('.'))).toBe(false);
    }
  });
  it('keep their section names without one', () => {
    for (const f of withData) {
      const names = preparedNames(join(FIX, f.file));
      expect(names.length).toBeGreaterThan(0);
      expect(names.every((n) => n.startsWith('.'))).toBe(true);
    }
  });
});
