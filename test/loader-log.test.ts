// The loader log hook (LoadObjectOptions.log, setLoaderLog, `tsbpf load --verbose`) reports what
// the loader did: CO-RE target candidates and the candidate chosen per relocation, compared line
// for line with libbpf 1.1's own debug log of the same fixtures (bpftool -d prog loadall); pins
// made and reused, compared with what the collection and bpffs say.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type BpfCollection, loadObject, type LoaderLog, type LoaderLogLevel, setLoaderLog } from '../loader/index.js';
import { requireReferences, requireRoot, run } from './support/references.js';

const ok = requireReferences('bpftool', 'clang-19') && requireRoot();

interface ManifestFixture { name: string; file: string; core_relos: unknown[]; loads: boolean }
const manifest = JSON.parse(readFileSync(new URL('../fixtures/manifest.json', import.meta.url), 'utf8')) as { fixtures: ManifestFixture[] };
const coreFixtures = manifest.fixtures.filter((f) => f.core_relos.length > 0 && f.loads && f.name.startsWith('core_'));
const fixturePath = (f: ManifestFixture): string => new URL(`../fixtures/${f.file}`, import.meta.url).pathname;
const ROOT = `/sys/fs/bpf/tsbpf-test-log-${process.pid}`;

function collect(): { log: LoaderLog; lines: [LoaderLogLevel, string][] } {
  const lines: [LoaderLogLevel, string][] = [];
  return { log: (level, message) => { lines.push([level, message]); }, lines };
}

afterAll(() => rmSync(ROOT, { recursive: true, force: true }));

describe.skipIf(!ok)('loader log', () => {
  it.each(coreFixtures.map((f) => [f.name, f] as const))('%s: CO-RE candidates and choices are libbpf 1.1\'s', (name, fixture) => {
    const { log, lines } = collect();
    let c: BpfCollection | undefined;
    try {
      c = loadObject(fixturePath(fixture), { log });
    } finally {
      c?.close();
    }
    const ours = lines.filter(([, m]) => m.startsWith('CO-RE ') || / relo #\d+: /.test(m)).map(([, m]) => m);
    expect(lines.every(([level, m]) => level === 'debug' || !m.includes('relo #'))).toBe(true);
    mkdirSync(ROOT, { recursive: true });
    const dir = mkdtempSync(join(ROOT, 'core-'));
    const load = spawnSync('bpftool', ['-d', 'prog', 'loadall', fixturePath(fixture), dir], { encoding: 'utf8' });
    rmSync(dir, { recursive: true, force: true });
    expect(load.status, `${name}: ${load.stderr.slice(-1000)}`).toBe(0);
    const libbpf = load.stderr.split('\n').map((l) => l.replace(/^libbpf: /, ''));
    // Candidate lists: libbpf's lines exactly, in the same order (first use of each local type).
    expect(ours.filter((m) => m.startsWith('CO-RE relocating'))).toEqual(libbpf.filter((m) => /^CO-RE relocating \[\d+\] .*: found target candidate/.test(m)));
    // Per relocation: the candidate libbpf matched first is the one we chose; none matched ⇔ none chosen.
    const relos = ours.filter((m) => / relo #\d+: </.test(m));
    expect(relos.length).toBe(fixture.core_relos.length);
    for (const m of relos) {
      const [, prog, relo] = /^prog '([^']+)': relo #(\d+): /.exec(m)!;
      const prefix = `prog '${prog}': relo #${relo}: `;
      const matching = libbpf.filter((l) => l.startsWith(`${prefix}matching candidate`)).map((l) => /\[(\d+)\]/.exec(l)![1]);
      const chosen = /chosen candidate \[(\d+)\]/.exec(m)?.[1];
      if (!m.includes('local type id')) expect([m, chosen]).toEqual([m, matching[0]]); // libbpf searches none for those
      // The instruction libbpf patched and the values it wrote, or the one it poisoned.
      const patched = libbpf.find((l) => l.startsWith(`${prefix}patched insn #`) && !l.includes('mem_sz'));
      if (patched !== undefined) {
        const [, slot, from, to] = /patched insn #(\d+) \([^)]+\) (?:imm|off|imm64) (\d+) -> (\d+)/.exec(patched)!;
        expect(m).toContain(`patched insn #${slot} ${from} -> ${to}`);
      }
      expect([m, m.includes(' poisoned ')]).toEqual([m, libbpf.some((l) => l.startsWith(`${prefix}substituting insn #`))]);
    }
  });

  it('pins: the first load reports the pin it made, the second the pin it reused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsbpf-log-pin-'));
    try {
      const src = join(dir, 'pinned.bpf.c');
      writeFileSync(src, `#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 4); __type(key, __u32); __type(value, __u64);
         __uint(pinning, LIBBPF_PIN_BY_NAME); } tsbpf_log_pinned SEC(".maps");
SEC("tp/sched/sched_process_exec") int touch(void *ctx) { __u32 k = 1; __u64 v = 1; bpf_map_update_elem(&tsbpf_log_pinned, &k, &v, BPF_ANY); return 0; }
char LICENSE[] SEC("license") = "GPL";
`);
      const multiarch = `/usr/include/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`;
      run('clang-19', ['-O2', '-g', '-target', 'bpf', `-I${multiarch}`, '-c', src, '-o', join(dir, 'pinned.bpf.o')]);
      const pinRoot = join(ROOT, 'pins');
      mkdirSync(pinRoot, { recursive: true });
      const path = join(pinRoot, 'tsbpf_log_pinned');
      const first = collect();
      const a = loadObject(join(dir, 'pinned.bpf.o'), { pinRoot, log: first.log });
      a.close();
      expect(a.pinnedMaps).toEqual([path]);
      expect(first.lines).toContainEqual(['info', `map 'tsbpf_log_pinned': pinned at ${path}`]);
      expect(first.lines.some(([, m]) => m.includes('reused'))).toBe(false);
      // The process-wide log receives what a load without its own log reports.
      const second = collect();
      const previous = setLoaderLog(second.log);
      let b: BpfCollection;
      try {
        b = loadObject(join(dir, 'pinned.bpf.o'), { pinRoot });
      } finally {
        expect(setLoaderLog(previous)).toBe(second.log);
      }
      b.close();
      expect(b.pinnedMaps).toEqual([]);
      expect(second.lines).toContainEqual(['info', `map 'tsbpf_log_pinned': reused the map pinned at ${path}`]);
      // The id bpftool gives for the pin is the map the second load used.
      const pinnedId = (JSON.parse(run('bpftool', ['-j', 'map', 'show', 'pinned', path])) as { id: number }).id;
      expect(b.map('tsbpf_log_pinned').info.id).toBe(pinnedId);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('tsbpf load --verbose prints the decisions on stderr; without it, nothing', () => {
    const file = fixturePath(manifest.fixtures.find((f) => f.name === 'core_flavors')!);
    const cli = new URL('../dist/cli.js', import.meta.url).pathname;
    const verbose = spawnSync(process.execPath, [cli, 'load', file, '--verbose'], { encoding: 'utf8' });
    expect(verbose.status, verbose.stderr).toBe(0);
    const lines = verbose.stderr.trimEnd().split('\n');
    expect(lines.every((l) => /^tsbpf: (debug|info|warn): /.test(l))).toBe(true);
    expect(lines.some((l) => l.startsWith('tsbpf: debug: CO-RE relocating [') && l.includes('found target candidate'))).toBe(true);
    expect(lines.some((l) => l.startsWith("tsbpf: debug: prog 'read_state': loaded"))).toBe(true);
    const quiet = spawnSync(process.execPath, [cli, 'load', file], { encoding: 'utf8' });
    expect([quiet.status, quiet.stderr]).toEqual([0, '']);
    expect(quiet.stdout).toBe(verbose.stdout);
  });
});
