// loadObject against libbpf: every fixture the manifest marks loadable is loaded by loadObject and
// by `bpftool prog loadall` (libbpf 1.1); for each program the kernel's xlated code must be
// identical once map ids are replaced by map names (test/support/xlated.ts). loadObject itself is
// checked for the map names and programs. This covers BTF fixups, map creation, global data and
// kconfig maps, struct_ops maps, subprogram linking order, map/data/kfunc relocation and CO-RE (via
// loader/core) at once: any difference shows in the xlated text. A few fixtures also go through
// `tsbpf load --pin DIR` (the CLI over loadObject) and must give the same code.
//
// For speed: libbpf's loads are one `bpftool batch`, tsbpf's are in-process (pinned as loadall
// pins), and the xlated code of every program is read in-process (test/support/prog-xlated.ts:
// instructions with map names, func_info and line_info with their BTF strings) instead of one
// `bpftool prog dump xlated` per program (~0.2 s each, spent parsing /proc/kallsyms). The programs of
// the CLI fixtures are also compared as `bpftool prog dump xlated` text (one batch), which ties the
// two forms together.

import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { internalMapName, loadObject } from '../loader/index.js';
import { requireReferences, requireRoot, run } from './support/references.js';
import { xlatedInfo } from './support/prog-xlated.js';
import { normalizedXlatedBatch } from './support/xlated.js';

const ok = requireReferences('bpftool') && requireRoot();

const FIX = join(import.meta.dirname, '..', 'fixtures');
interface Fixture { name: string; file: string; loads: boolean; programs: { name: string }[]; maps: { name: string; type: string; declared_in: string }[] }
const manifest = JSON.parse(readFileSync(join(FIX, 'manifest.json'), 'utf8')) as { fixtures: Fixture[] };
const loadable = manifest.fixtures.filter((f) => f.loads);
const CLI = join(import.meta.dirname, '..', 'dist', 'cli.js');
const ROOT = `/sys/fs/bpf/tsbpf-test-object-${process.pid}`;
// Through the CLI as well: struct_ops, CO-RE with subprograms, kconfig externs, map-in-map.
const VIA_CLI = ['struct_ops_tcp_cc', 'subprog_global', 'kconfig', 'map_hash_of_maps'];

const libDir = (f: Fixture): string => join(ROOT, `${f.name}-libbpf`);
const ourDir = (f: Fixture): string => join(ROOT, `${f.name}-tsbpf`);
const cliDir = (f: Fixture): string => join(ROOT, `${f.name}-cli`);

interface Outcome {
  libbpfError?: string;
  libProgs: string[];
  /** loadObject's kernel map names and program names, or its error. */
  ours?: { maps: string[]; programs: string[] } | { error: string };
  cli?: { lines: string[]; pins: string[] } | { error: string };
}

const outcomes = new Map<string, Outcome>();
const xlated = new Map<string, string>();
let bpftoolText = new Map<string, string>();

afterAll(() => {
  rmSync(ROOT, { recursive: true, force: true });
});

function ls(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

describe.skipIf(!ok)('loadObject: xlated code identical to libbpf 1.1 (bpftool prog loadall)', () => {
  beforeAll(() => {
    mkdirSync(ROOT, { recursive: true });
    // libbpf: one bpftool process for every object; when the batch stops at a failure, each
    // object is loaded on its own to say which one failed and why.
    try {
      run('bpftool', ['batch', 'file', '-'], loadable.map((f) => `prog loadall ${join(FIX, f.file)} ${libDir(f)}\n`).join(''));
    } catch {
      for (const f of loadable) {
        if (ls(libDir(f)).length > 0) continue;
        try {
          run('bpftool', ['prog', 'loadall', join(FIX, f.file), libDir(f)]);
        } catch (e) {
          outcomes.set(f.name, { libbpfError: String((e as { stderr?: string }).stderr ?? e), libProgs: [] });
        }
      }
    }
    // tsbpf, in-process: loaded, checked, programs pinned as loadall pins them.
    for (const f of loadable) {
      if (outcomes.has(f.name)) continue;
      const o: Outcome = { libProgs: ls(libDir(f)) };
      outcomes.set(f.name, o);
      try {
        const c = loadObject(join(FIX, f.file));
        try {
          mkdirSync(ourDir(f));
          for (const name of c.programs.keys()) c.pinProgram(name, join(ourDir(f), name));
          o.ours = { maps: [...c.maps.values()].map((x) => x.name).sort(), programs: [...c.programs.keys()].sort() };
        } finally {
          c.close();
        }
      } catch (e) {
        o.ours = { error: String(e) };
      }
      if (VIA_CLI.includes(f.name)) {
        try {
          const out = execFileSync(process.execPath, [CLI, 'load', join(FIX, f.file), '--pin', cliDir(f)], { encoding: 'utf8', stdio: 'pipe' });
          o.cli = { lines: out.trim().split('\n').map((l) => l.split('\t')[0]!).sort(), pins: ls(cliDir(f)) };
        } catch (e) {
          o.cli = { error: String((e as { stderr?: string }).stderr ?? e) };
        }
      }
    }
    for (const f of loadable) for (const d of [libDir(f), ourDir(f), cliDir(f)]) for (const p of ls(d)) xlated.set(join(d, p), xlatedInfo(join(d, p)));
    const cliFixtures = loadable.filter((f) => VIA_CLI.includes(f.name));
    bpftoolText = normalizedXlatedBatch(cliFixtures.flatMap((f) => [libDir(f), cliDir(f)].flatMap((d) => ls(d).map((p) => join(d, p)))));
  });

  let programs = 0;
  it.each(loadable.map((f) => [f.name, f] as const))('%s', (_n, f) => {
    const o = outcomes.get(f.name)!;
    expect(o.libbpfError, 'libbpf loads the object').toBeUndefined();
    expect(o.libProgs.length).toBeGreaterThan(0);
    const ours = o.ours!;
    if ('error' in ours) throw new Error(`loadObject: ${ours.error}`);
    // Internal maps carry libbpf's names; .maps maps their own, which the kernel keeps 15 bytes of
    // (the manifest has the pin names: usdt.bpf.h's __bpf_usdt_ip_to_spec_id in full).
    expect(ours.maps).toEqual(f.maps.map((m) => m.name.slice(0, 15)).sort());
    expect(ours.programs).toEqual(o.libProgs);
    for (const name of o.libProgs) {
      const theirs = xlated.get(join(libDir(f), name));
      expect(theirs, `${f.name}/${name}: libbpf's xlated code`).toBeDefined();
      expect(xlated.get(join(ourDir(f), name)), `${f.name}/${name}`).toBe(theirs);
      programs++;
    }
  });

  it.each(VIA_CLI)('tsbpf load --pin: %s', (name) => {
    const f = loadable.find((x) => x.name === name)!;
    const o = outcomes.get(name)!;
    const cli = o.cli!;
    if ('error' in cli) throw new Error(`tsbpf load: ${cli.error}`);
    expect(cli.lines).toEqual(o.libProgs);
    expect(cli.pins).toEqual(o.libProgs);
    for (const p of o.libProgs) {
      expect(xlated.get(join(cliDir(f), p)), `${name}/${p}`).toBe(xlated.get(join(libDir(f), p)));
      // The same comparison as bpftool's text.
      const theirs = bpftoolText.get(join(libDir(f), p));
      expect(theirs, `${name}/${p}: bpftool's dump`).toMatch(/\(95\) exit/);
      expect(bpftoolText.get(join(cliDir(f), p)), `${name}/${p} (bpftool text)`).toBe(theirs);
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
      // struct_ops maps are internal too but named after their variable (no section suffix).
      for (const m of f.maps.filter((x) => x.declared_in === 'internal' && x.type !== 'struct_ops')) {
        const section = m.name.includes('.', 1) && m.name.startsWith('.') ? m.name : m.name.slice(m.name.indexOf('.'));
        expect(internalMapName(f.name, section)).toBe(m.name);
      }
    }
  });
});
