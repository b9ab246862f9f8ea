// elf/object: readObject decodes every clang-19 fixture as the manifest (bpftool, llvm-readelf-19)
// says, and writeObject(readObject(x)) loads exactly like x: `bpftool prog loadall` of both, then
// `bpftool prog dump xlated` of every program is identical (map ids normalised).

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeBtf, readObject, writeObject } from '../elf/index.js';
import { requireReferences, requireRoot, run } from './support/references.js';

const FIX = join(import.meta.dirname, '..', 'fixtures');
interface Fixture {
  name: string; file: string; loads: boolean;
  programs: { name: string; section: string; type: string | null }[];
  subprograms: { name: string; binding: string }[];
  maps: { name: string; type: string; declared_in: string; key_size: number; value_size: number; max_entries: number | string }[];
  globals: Record<string, string[]>;
  externs: { kconfig: string[]; ksyms: string[] };
}
const manifest = JSON.parse(readFileSync(join(FIX, 'manifest.json'), 'utf8')) as { fixtures: Fixture[] };
const MAP_TYPES: Record<number, string> = {
  1: 'hash', 2: 'array', 3: 'prog_array', 4: 'perf_event_array', 5: 'percpu_hash', 6: 'percpu_array', 7: 'stack_trace',
  9: 'lru_hash', 10: 'lru_percpu_hash', 12: 'array_of_maps', 13: 'hash_of_maps', 14: 'devmap', 15: 'sockmap', 16: 'cpumap',
  17: 'xskmap', 18: 'sockhash', 22: 'queue', 23: 'stack', 27: 'ringbuf', 29: 'task_storage', 30: 'bloom_filter',
};

describe('readObject on the clang-19 fixtures', () => {
  for (const f of manifest.fixtures) {
    it(f.name, () => {
      const obj = readObject(readFileSync(join(FIX, f.file)));
      const entry = obj.programs.filter((p) => !p.subprogram);
      expect(entry.map((p) => [p.name, p.section]).sort()).toEqual(f.programs.map((p) => [p.name, p.section]).sort());
      for (const p of f.programs) if (p.type !== null) expect(entry.find((q) => q.name === p.name)?.programType?.type).toBe(p.type);
      expect(obj.programs.filter((p) => p.subprogram).map((p) => [p.name, p.binding]).sort())
        .toEqual(f.subprograms.map((p) => [p.name, p.binding]).sort());
      const declared = f.maps.filter((m) => m.declared_in === '.maps');
      // The manifest's maps come from the loaded object (bpftool map show): none for one that does not load.
      if (f.loads) expect(obj.maps.map((m) => m.name).sort()).toEqual(declared.map((m) => m.name).sort());
      expect((obj.structOps ?? []).flatMap((s) => s.maps.map((m) => m.name)).sort())
        .toEqual(f.maps.filter((m) => m.type === 'struct_ops').map((m) => m.name).sort());
      for (const m of declared) {
        const o = obj.maps.find((x) => x.name === m.name)!;
        expect(MAP_TYPES[o.type ?? -1]).toBe(m.type);
        if (typeof m.max_entries === 'number' && m.type !== 'ringbuf' && !m.type.endsWith('_storage')) expect(o.maxEntries).toBe(m.max_entries);
        if (!m.type.endsWith('of_maps') && m.type !== 'ringbuf' && m.type !== 'prog_array' && m.type !== 'perf_event_array' && m.key_size > 0) {
          expect(o.keySize).toBe(m.key_size);
        }
      }
      for (const [sec, names] of Object.entries(f.globals)) {
        if (sec === '.kconfig' || sec === '.ksyms' || sec === '.maps' || sec === 'license' || sec.startsWith('.struct_ops')) continue;
        const g = obj.globals.find((x) => x.name === sec);
        expect(g, sec).toBeDefined();
        expect(g!.variables.map((v) => v.name).sort()).toEqual([...names].sort());
      }
      expect(obj.externs.filter((x) => x.kind === 'kconfig').map((x) => x.name).sort()).toEqual([...f.externs.kconfig].sort());
      expect(obj.externs.filter((x) => x.kind === 'kfunc' || x.kind === 'ksym').map((x) => x.name).sort()).toEqual([...f.externs.ksyms].sort());
      expect(obj.license).toBe('GPL');
      // The model survives a write: reading the written object gives the same programs and maps.
      const again = readObject(writeObject(obj));
      expect(again.programs.map((p) => [p.name, p.section, p.instructions.length])).toEqual(obj.programs.map((p) => [p.name, p.section, p.instructions.length]));
      expect(again.programs.map((p) => p.instructions)).toEqual(obj.programs.map((p) => p.instructions));
      expect(again.maps).toEqual(obj.maps);
      expect(again.globals).toEqual(obj.globals);
      expect(again.structOps).toEqual(obj.structOps);
    });
  }
});

const canLoad = requireReferences('bpftool') && requireRoot() && existsSync('/sys/fs/bpf');
describe.skipIf(!canLoad)('writeObject(readObject(x)) loads like x (bpftool prog loadall + dump xlated)', () => {
  // One test per fixture, so that each stays short on a loaded machine.
  const norm = (s: string): string => s.replace(/map\[id:\d+\]/g, 'map[id:N]');
  for (const f of manifest.fixtures.filter((x) => x.loads)) {
    it(`every program of ${f.name} dumps identical xlated code`, () => {
      const tmp = mkdtempSync(join(tmpdir(), 'tsbpf-obj-'));
      const pinO = `/sys/fs/bpf/tsbpf-obj-${process.pid}-${f.name}-orig`;
      const pinR = `/sys/fs/bpf/tsbpf-obj-${process.pid}-${f.name}-rw`;
      try {
        const rewritten = join(tmp, `${f.name}.o`);
        writeFileSync(rewritten, writeObject(readObject(readFileSync(join(FIX, f.file)))));
        rmSync(pinO, { recursive: true, force: true }); rmSync(pinR, { recursive: true, force: true });
        const a = spawnSync('bpftool', ['prog', 'loadall', join(FIX, f.file), pinO], { encoding: 'utf8' });
        expect(a.status, `${f.name} original: ${a.stderr}`).toBe(0);
        const b = spawnSync('bpftool', ['prog', 'loadall', rewritten, pinR], { encoding: 'utf8' });
        expect(b.status, `${f.name} rewritten: ${b.stderr}`).toBe(0);
        const differing = f.programs.filter((p) =>
          norm(run('bpftool', ['prog', 'dump', 'xlated', 'pinned', join(pinO, p.name)])) !== norm(run('bpftool', ['prog', 'dump', 'xlated', 'pinned', join(pinR, p.name)])));
        expect(differing.map((p) => p.name)).toEqual([]);
        expect(f.programs.length).toBeGreaterThan(0);
      } finally {
        rmSync(pinO, { recursive: true, force: true }); rmSync(pinR, { recursive: true, force: true });
        rmSync(tmp, { recursive: true, force: true });
      }
    });
  }
});

const canCompile = requireReferences('clang-19', 'bpftool') && existsSync('/sys/kernel/btf/vmlinux');
describe.skipIf(!canCompile)('big-endian objects (clang-19 -target bpfeb)', () => {
  for (const name of ['subprog_static', 'map_array_of_maps', 'core_fields']) {
    it(name, () => {
      const tmp = mkdtempSync(join(tmpdir(), 'tsbpf-objeb-'));
      try {
        const built = join(FIX, 'build', 'vmlinux.h');
        if (existsSync(built)) writeFileSync(join(tmp, 'vmlinux.h'), readFileSync(built));
        else writeFileSync(join(tmp, 'vmlinux.h'), run('bpftool', ['btf', 'dump', 'file', '/sys/kernel/btf/vmlinux', 'format', 'c']));
        const out = join(tmp, `${name}.o`);
        run('clang-19', ['-O2', '-g', '-target', 'bpfeb', '-D__TARGET_ARCH_x86', '-Wall', '-Werror', `-I${tmp}`, '-c', join(FIX, 'src', `${name}.bpf.c`), '-o', out]);
        const obj = readObject(readFileSync(out));
        expect(obj.byteOrder).toBe('be');
        const le = readObject(readFileSync(join(FIX, 'obj', `${name}.bpf.o`)));
        expect(obj.programs.map((p) => [p.name, p.section, p.instructions.length])).toEqual(le.programs.map((p) => [p.name, p.section, p.instructions.length]));
        expect(obj.maps.map((m) => [m.name, m.type, m.maxEntries, m.keySize, m.valueSize, m.values]))
          .toEqual(le.maps.map((m) => [m.name, m.type, m.maxEntries, m.keySize, m.valueSize, m.values]));
        const written = writeObject(obj);
        expect(written[5]).toBe(2);
        const again = readObject(written);
        expect(again.programs).toEqual(obj.programs);
        expect(again.maps).toEqual(obj.maps);
        expect(again.globals.map((g) => [g.name, g.size, g.variables])).toEqual(obj.globals.map((g) => [g.name, g.size, g.variables]));
        expect(again.externs).toEqual(obj.externs);
        expect(again.license).toBe(obj.license);
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    }, 60_000);
  }
});

const canRead = requireReferences('llvm-readelf-19');
describe.skipIf(!canRead)('struct_ops and arena objects (checked against llvm-readelf-19 and the kernel)', () => {
  /** `.rel<section>` entries as llvm-readelf-19 lists them: offset, type, symbol name. */
  const relocs = (file: string, section: string): { offset: number; type: string; symbol: string }[] => {
    const out = run('llvm-readelf-19', ['-r', '--wide', file]);
    const at = out.indexOf(`Relocation section '.rel${section}'`);
    if (at < 0) return [];
    const body = out.slice(at).split('\n\n')[0]!.split('\n').slice(2);
    return body.map((l) => l.trim().split(/\s+/)).map((w) => ({ offset: parseInt(w[0]!, 16), type: w[2]!, symbol: w[4]! }));
  };
  const structOpsFixtures = manifest.fixtures.filter((f) => f.maps.some((m) => m.type === 'struct_ops'));

  it('struct_ops maps: one pointer per .rel.struct_ops entry, to the program llvm-readelf names', () => {
    expect(structOpsFixtures.length).toBeGreaterThan(0);
    for (const f of structOpsFixtures) {
      const file = join(FIX, f.file);
      const obj = readObject(readFileSync(file));
      for (const sec of obj.structOps ?? []) {
        const ours = sec.maps.flatMap((m) => m.pointers.map((p) => ({ offset: m.offset + p.offset, type: 'R_BPF_64_ABS64', symbol: p.program })));
        expect(ours).toEqual(relocs(file, sec.name));
        for (const m of sec.maps) {
          // Each pointer names an entry program of type struct_ops, and a member of the struct.
          for (const p of m.pointers) {
            expect(obj.programs.find((q) => q.name === p.program)?.programType?.type).toBe('struct_ops');
            expect(p.member).not.toBe('');
          }
          expect(m.structName).not.toBe('');
        }
      }
      // The same after a write.
      const again = readObject(writeObject(obj));
      expect(again.structOps).toEqual(obj.structOps);
    }
  });

  it('arena: .addr_space.1 is a data section of kind arena; program references to it survive a write', () => {
    const f = manifest.fixtures.find((x) => Object.keys(x.globals).includes('.addr_space.1'));
    expect(f, 'a fixture with __arena globals').toBeDefined();
    const file = join(FIX, f!.file);
    const obj = readObject(readFileSync(file));
    const arena = obj.globals.find((g) => g.name === '.addr_space.1');
    expect(arena?.kind).toBe('arena');
    expect(arena!.variables.map((v) => v.name).sort()).toEqual([...f!.globals['.addr_space.1']!].sort());
    // Every program relocation llvm-readelf lists against an arena variable is a 'global' reference to it.
    const refs = obj.programs.flatMap((p) => p.instructions.filter((i) => i.reference?.kind === 'global' && i.reference.section === '.addr_space.1'));
    const expected = f!.programs.flatMap((p) => relocs(file, p.section)).filter((r) => f!.globals['.addr_space.1']!.includes(r.symbol));
    expect(refs.map((i) => (i.reference as { variable?: string }).variable).sort()).toEqual(expected.map((r) => r.symbol).sort());
    const again = readObject(writeObject(obj));
    expect(again.globals).toEqual(obj.globals);
    expect(again.programs).toEqual(obj.programs);
    // clang-19 writes .addr_space.1 as PROGBITS even when all zero; a model without content keeps its size.
    const empty = { ...obj, globals: obj.globals.map((g) => (g.kind === 'arena' ? { ...g, data: new Uint8Array(0) } : g)) };
    const back = readObject(writeObject(empty)).globals.find((g) => g.kind === 'arena');
    expect([back?.size, back?.data.length]).toEqual([arena!.size, 0]);
    // The arena map's type is the kernel's BPF_MAP_TYPE_ARENA (from this kernel's BTF).
    if (existsSync('/sys/kernel/btf/vmlinux')) {
      const vmlinux = decodeBtf(readFileSync('/sys/kernel/btf/vmlinux'));
      const e = vmlinux.type(vmlinux.findOne('bpf_map_type', 'ENUM')!);
      const arenaType = e?.kind === 'ENUM' ? e.values.find((v) => v.name === 'BPF_MAP_TYPE_ARENA')?.value : undefined;
      expect(arenaType).toBeDefined();
      expect(obj.maps.filter((m) => m.type === arenaType)).toHaveLength(1);
    }
  });
});

describe.skipIf(!canLoad)('a rewritten struct_ops object registers (bpftool struct_ops register)', () => {
  it('every struct_ops fixture, rewritten by writeObject, registers and unregisters', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'tsbpf-structops-'));
    try {
      const fixtures = manifest.fixtures.filter((f) => f.loads && f.maps.some((m) => m.type === 'struct_ops'));
      expect(fixtures.length).toBeGreaterThan(0);
      for (const f of fixtures) {
        const obj = readObject(readFileSync(join(FIX, f.file)));
        const rewritten = join(tmp, `${f.name}.o`);
        writeFileSync(rewritten, writeObject(obj));
        const r = spawnSync('bpftool', ['struct_ops', 'register', rewritten], { encoding: 'utf8' });
        expect(r.status, r.stderr).toBe(0);
        for (const m of (obj.structOps ?? []).flatMap((s) => s.maps)) {
          expect(r.stdout + r.stderr).toMatch(new RegExp(`Registered \\S+ ${m.name} id \\d+`));
          const u = spawnSync('bpftool', ['struct_ops', 'unregister', 'name', m.name], { encoding: 'utf8' });
          expect(u.status, u.stderr).toBe(0);
        }
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
