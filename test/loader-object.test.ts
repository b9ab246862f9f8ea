// loadObject against libbpf: every fixture the manifest marks loadable is loaded by
// `tsbpf load --pin DIR` (the CLI over loadObject) and by `bpftool prog loadall` (libbpf 1.1); for
// each program the kernel's xlated code must be identical once map ids are replaced by map
// names (test/support/xlated.ts). loadObject itself is checked for the map names and programs. This covers BTF
// fixups, map creation, global data and kconfig maps, subprogram linking order, map/data/kfunc
// relocation and CO-RE (via loader/core) at once: any difference shows in the xlated text.

import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { internalMapName, loadObject } from '../loader/index.js';
import { inCI, isRoot, requireReferences } from './support/references.js';
import { normalizedXlated } from './support/xlated.js';

const ok = requireReferences('bpftool') && (isRoot() || (!inCI && (console.warn('SKIP: not root'), false)));
if (inCI && !isRoot()) throw new Error('CI=true requires root for the loader tests');

const FIX = join(import.meta.dirname, '..', 'fixtures');
interface Fixture { name: string; file: string; loads: boolean; programs: { name: string }[]; maps: { name: string; declared_in: string }[] }
const manifest = JSON.parse(readFileSync(join(FIX, 'manifest.json'), 'utf8')) as { fixtures: Fixture[] };
const loadable = manifest.fixtures.filter((f) => f.loads);
const CLI = join(import.meta.dirname, '..', 'dist', 'cli.js');
const ROOT = `/sys/fs/bpf/tsbpf-test-object-${process.pid}`;

afterAll(() => {
  rmSync(ROOT, { recursive: true, force: true });
});

describe.skipIf(!ok)('loadObject: xlated code identical to libbpf 1.1 (bpftool prog loadall)', () => {
  let programs = 0;
  it.each(loadable.map((f) => [f.name, f] as const))('%s', (_n, f) => {
    const obj = join(FIX, f.file);
    const lib = join(ROOT, `${f.name}-libbpf`);
    const ours = join(ROOT, `${f.name}-tsbpf`);
    mkdirSync(ROOT, { recursive: true });
    execFileSync('bpftool', ['prog', 'loadall', obj, lib], { stdio: 'pipe' });
    try {
      const libProgs = readdirSync(lib).sort();
      const c = loadObject(obj);
      try {
        // Internal maps carry libbpf's names; .maps maps their own.
        const kernelNames = [...c.maps.values()].map((x) => x.name).sort();
        expect(kernelNames).toEqual(f.maps.map((m) => m.name).sort());
        expect([...c.programs.keys()].sort()).toEqual(libProgs);
      } finally {
        c.close();
      }
      const out = execFileSync(process.execPath, [CLI, 'load', obj, '--pin', ours], { encoding: 'utf8' });
      expect(out.trim().split('\n').map((l) => l.split('\t')[0]).sort()).toEqual(libProgs);
      expect(readdirSync(ours).sort()).toEqual(libProgs);
      for (const name of libProgs) {
        expect(normalizedXlated(join(ours, name)), `${f.name}/${name}`).toBe(normalizedXlated(join(lib, name)));
        programs++;
      }
    } finally {
      rmSync(lib, { recursive: true, force: true });
      rmSync(ours, { recursive: true, force: true });
    }
  });

  it('checked every program of every loadable fixture', () => {
    const expected = loadable.reduce((n, f) => n + f.programs.length, 0);
    console.log(`xlated identical: ${programs} programs in ${loadable.length} fixtures`);
    expect(programs).toBe(expected);
  });
});

describe('internalMapName', () => {
  it('names data maps as libbpf does (names taken from the manifest, written by bpftool)', () => {
    for (const f of manifest.fixtures) {
      for (const m of f.maps.filter((x) => x.declared_in === 'internal')) {
        const section = m.name.includes('.', 1) && m.name.startsWith('.') ? m.name : m.name.slice(m.name.indexOf('.'));
        expect(internalMapName(f.name, section)).toBe(m.name);
      }
    }
  });
});

