// Arenas through loadObject: fixtures/obj/arena_counter.bpf.o (a BPF_MAP_TYPE_ARENA map and two
// __arena globals in .addr_space.1). There is no libbpf ≥ 1.4 here to compare with (bpftool 7.1's
// libbpf 1.1 refuses the object), so the checks are behavioural: the kernel accepts the map and the
// program; the arena is mapped at the map_extra address the source asks for; the globals start as
// the object's section bytes (read with llvm-objdump) at the end of the arena, where the kernel's
// xlated code addresses them (llvm-readelf's symbol values plus that offset); and the program, run by
// the tracepoint for processes we start, does what the C source says: exec_count++ and
// last_pid = the tgid, read back through the mapping.

import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { attachOptionsForSection, attachProgram, kernelBtf, loadObject, MapType } from '../loader/index.js';
import { mapTypeRefusal, notAvailable } from './support/kernel-features.js';
import { requireReferences, requireRoot, run } from './support/references.js';

const ok = requireReferences('bpftool', 'llvm-objdump-19', 'llvm-readelf-19') && requireRoot();
const OBJ = join(import.meta.dirname, '..', 'fixtures', 'obj', 'arena_counter.bpf.o');
const PIN = `/sys/fs/bpf/tsbpf-test-arena-${process.pid}`;
const MAP_EXTRA = 1n << 44n; // __ulong(map_extra, 1ull << 44) in fixtures/src/arena_counter.bpf.c

afterAll(() => rmSync(PIN, { recursive: true, force: true }));

/** Bytes of a section as llvm-objdump -s prints them. */
function sectionBytes(section: string): Uint8Array {
  const out = run('llvm-objdump-19', ['-s', '-j', section, OBJ]);
  const bytes: number[] = [];
  for (const line of out.split('\n')) {
    const m = /^ [0-9a-f]{4,} ((?:[0-9a-f]{2,8} ){1,4})/.exec(line);
    if (m === null) continue;
    for (const word of m[1]!.trim().split(' ')) for (let i = 0; i < word.length; i += 2) bytes.push(parseInt(word.slice(i, i + 2), 16));
  }
  return new Uint8Array(bytes);
}

/** Symbol values (offsets in their section) as llvm-readelf -s prints them. */
function symbolValue(name: string): number {
  const line = run('llvm-readelf-19', ['-s', OBJ]).split('\n').find((l) => l.trim().split(/\s+/).at(-1) === name);
  if (line === undefined) throw new Error(`no symbol ${name}`);
  return parseInt(line.trim().split(/\s+/)[1]!, 16);
}

// Some machines refuse arena maps by policy (BPF_MAP_CREATE: EPERM); a probe proves it.
const refusal = ok ? mapTypeRefusal('arena', MapType.ARENA) : undefined;

describe.skipIf(!ok)('arena maps', () => {
  beforeEach((ctx) => {
    if (refusal?.refused === true) ctx.skip(notAvailable('arena maps', refusal));
  });

  it('maps the arena at map_extra with the __arena globals at its end, where the program addresses them', () => {
    const c = loadObject(OBJ);
    try {
      const a = c.arena();
      expect(c.map('arena').typeName).toBe('arena');
      expect(a.address).toBe(MAP_EXTRA);
      const page = Number(run('getconf', ['PAGESIZE']).trim());
      expect(a.bytes.length).toBe(2 * page); // max_entries 2 (pages)
      const initial = sectionBytes('.addr_space.1');
      expect(initial.length).toBe(16);
      expect(a.globalsOffset).toBe(2 * page - Math.ceil(initial.length / page) * page);
      expect([...a.globals]).toEqual([...initial]);
      // The kernel rewrote each ld_imm64 to the arena's user address of the variable.
      mkdirSync(PIN, { recursive: true });
      c.pinProgram('count_exec', join(PIN, 'count_exec'));
      const xlated = run('bpftool', ['prog', 'dump', 'xlated', 'pinned', join(PIN, 'count_exec')]);
      const addrs = [...xlated.matchAll(/\(18\) r\d = (0x[0-9a-f]+)/g)].map((m) => BigInt(m[1]!));
      const base = MAP_EXTRA + BigInt(a.globalsOffset);
      expect(addrs).toEqual([base + BigInt(symbolValue('exec_count')), base + BigInt(symbolValue('last_pid'))]);
    } finally {
      c.close();
    }
  });

  it('runs the program: exec_count counts execs and last_pid is the tgid, read through the mapping', () => {
    const c = loadObject(OBJ);
    try {
      const a = c.arena();
      const g = new DataView(a.globals.buffer, a.globals.byteOffset, a.globals.byteLength);
      const lastPidAt = symbolValue('last_pid');
      const countAt = symbolValue('exec_count');
      expect(g.getBigUint64(countAt, true)).toBe(0n);
      const p = c.program('count_exec');
      const link = attachProgram(p, attachOptionsForSection(p.section));
      try {
        const runs = 5;
        let seen = 0;
        const before = g.getBigUint64(countAt, true);
        for (let i = 0; i < runs; i++) {
          const { pid } = spawnSync('/bin/true');
          // Other processes on the machine exec too; our child must be the last exec at least sometimes.
          if (g.getBigUint64(lastPidAt, true) === BigInt(pid!)) seen++;
        }
        expect(g.getBigUint64(countAt, true) - before).toBeGreaterThanOrEqual(BigInt(runs));
        expect(seen).toBeGreaterThan(0);
      } finally {
        link.close();
      }
    } finally {
      c.close();
    }
    // Closing the collection unmaps the arena.
    expect(() => c.arena().bytes).toThrow(/unmapped/);
  });

  it('tsbpf load --pin DIR loads it (libbpf 1.1 cannot open it)', () => {
    const dir = join(PIN, 'cli');
    const out = run(process.execPath, [join(import.meta.dirname, '..', 'dist', 'cli.js'), 'load', OBJ, '--pin', dir]);
    expect(out.trim().split('\t')[0]).toBe('count_exec');
    const info = JSON.parse(run('bpftool', ['-j', 'prog', 'show', 'pinned', join(dir, 'count_exec')])) as { map_ids: number[] };
    const maps = info.map_ids.map((id) => JSON.parse(run('bpftool', ['-j', 'map', 'show', 'id', String(id)])) as { type: string | number; name: string });
    // bpftool 7.1 predates arenas and prints the type as its number: the kernel's BPF_MAP_TYPE_ARENA.
    const btf = kernelBtf();
    const mapTypes = btf.requireType(btf.findOne('bpf_map_type', 'ENUM')!);
    const arenaType = mapTypes.kind === 'ENUM' ? mapTypes.values.find((v) => v.name === 'BPF_MAP_TYPE_ARENA')?.value : undefined;
    expect(arenaType).toBeDefined();
    expect(maps).toEqual([expect.objectContaining({ type: arenaType, name: 'arena' })]);
  });
});
