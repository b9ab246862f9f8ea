// BTF files on which the mutation campaign (scripts/reliability/btf.mjs, seed 1) found tsbpf's
// `btf dump` silently different from bpftool's: each must now print exactly what bpftool prints.
// (Mutations of the fixtures' .BTF: a DATASEC entry naming an unnamed FUNC_PROTO or VOID, a
// member pointing at a DATASEC, an anonymous union smaller than its pointer member.)

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireReferences } from './support/references.js';

const DATA = join(import.meta.dirname, 'data', 'btf');
const CLI = join(import.meta.dirname, '..', 'dist', 'cli.js');
const ok = requireReferences('bpftool');

const cases: [file: string, format: 'raw' | 'c'][] = [
  ['datasec-anon-entry.btf', 'raw'], ['datasec-void-entry.btf', 'raw'], ['ptr-to-datasec.btf', 'c'], ['union-smaller-than-member.btf', 'c'],
];

describe.skipIf(!ok)('btf dump on the campaign\'s finds', () => {
  for (const [file, format] of cases) {
    it(`${file} --format ${format}: the text bpftool prints`, () => {
      const path = join(DATA, file);
      const ours = spawnSync('node', [CLI, 'btf', 'dump', path, '--format', format], { encoding: 'utf8' });
      const theirs = spawnSync('bpftool', ['btf', 'dump', 'file', path, ...(format === 'c' ? ['format', 'c'] : [])], { encoding: 'utf8' });
      expect(theirs.status).toBe(0);
      expect(ours.status).toBe(0);
      expect(ours.stdout).toBe(theirs.stdout);
    });
  }
});
