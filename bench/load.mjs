// Load time of every loadable fixture (fixtures/manifest.json, `loads: true`): tsbpf's loadObject
// (dist/loader.js, in-process, after a warm-up load of each object) against libbpf 1.1's
// bpf_object__open_file + bpf_object__load (bench/load-harness.c, compiled here with cc -lbpf,
// timed inside the C program). Both sides include closing the object (programs and maps
// released). Rounds alternate: one tsbpf pass over all fixtures, then one harness pass. Returns
// { rows, section }: rows for bench/run.mjs's table (the geometric mean over the fixtures) and a
// markdown section with the per-fixture medians and ratios; empty when this process cannot use bpf(2).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './timing.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const geomean = (xs) => Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);

export async function loadBenchmarks({ runs = 7 } = {}) {
  const loader = await import(join(root, 'dist', 'loader.js'));
  if (!loader.bpfAccess().available) return { rows: [], section: [] };
  const work = mkdtempSync(join(tmpdir(), 'tsbpf-bench-load-'));
  const exe = join(work, 'load-harness');
  const cc = spawnSync('cc', ['-O2', join(root, 'bench', 'load-harness.c'), '-o', exe, '-lbpf'], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`cc bench/load-harness.c -lbpf failed: ${cc.stderr}`);

  const manifest = JSON.parse(readFileSync(join(root, 'fixtures', 'manifest.json'), 'utf8'));
  const fixtures = manifest.fixtures.filter((f) => f.loads).map((f) => ({ name: f.name, path: join(root, 'fixtures', f.file), core: (f.core_relos ?? []).length > 0 }));
  const failed = new Map(); // name → why
  const loadOurs = (f) => {
    const t = process.hrtime.bigint();
    loader.loadObject(f.path, { name: loader.objectNameOf(f.path) }).close();
    return Number(process.hrtime.bigint() - t) / 1e6;
  };
  for (const f of fixtures) {
    try { loadOurs(f); loadOurs(f); } catch (e) { failed.set(f.name, `tsbpf: ${e.message.split('\n')[0]}`); }
  }
  const ours = new Map(fixtures.map((f) => [f.name, []]));
  const theirs = new Map(fixtures.map((f) => [f.name, []]));
  for (let r = 0; r < runs; r++) {
    for (const f of fixtures) if (!failed.has(f.name)) ours.get(f.name).push(loadOurs(f));
    const c = spawnSync(exe, ['1', ...fixtures.map((f) => f.path)], { encoding: 'utf8' });
    if (c.status !== 0) throw new Error(`load-harness failed: ${c.stderr}`);
    c.stdout.trim().split('\n').forEach((line, i) => {
      const f = fixtures[i];
      const [ms, errno] = line.split(' ');
      if (ms === 'FAIL') failed.set(f.name, `libbpf: errno ${errno}`);
      else theirs.get(f.name).push(Number(ms));
    });
  }
  const measured = fixtures.filter((f) => !failed.has(f.name)).map((f) => ({
    name: f.name, core: f.core, ours: median(ours.get(f.name)), theirs: median(theirs.get(f.name)),
  }));
  const split = (core) => {
    const ms = measured.filter((m) => m.core === core);
    return { n: ms.length, ours: geomean(ms.map((m) => m.ours)), theirs: geomean(ms.map((m) => m.theirs)) };
  };
  const withCore = split(true);
  const withoutCore = split(false);
  const g = { ours: geomean(measured.map((m) => m.ours)), theirs: geomean(measured.map((m) => m.theirs)) };
  const fmt = (ms) => (ms < 1 ? ms.toFixed(3) : ms < 20 ? ms.toFixed(2) : ms.toFixed(1));
  const row = (what, x, target) => ({
    what, ours: x.ours, theirs: x.theirs, target,
    oursCmd: 'loadObject(path).close()', theirsCmd: 'bpf_object__open_file + bpf_object__load + bpf_object__close (libbpf 1.1, C)',
  });
  const rows = [
    row(`load ${measured.length} fixtures: geometric mean of per-fixture medians (in-process; see the per-fixture table)`, g),
    row(`load the ${withoutCore.n} fixtures without CO-RE relocations (geometric mean)`, withoutCore, 1),
    row(`load the ${withCore.n} fixtures with CO-RE relocations (geometric mean; libbpf re-parses vmlinux BTF per object)`, withCore),
  ];
  const section = [
    '## Load time per fixture: tsbpf against libbpf 1.1',
    '',
    `Every fixture \`fixtures/manifest.json\` marks loadable, loaded ${runs} times by each loader after one warm-up`,
    'load (bench/load.mjs): tsbpf `loadObject(path)` then `close()` in this Node process, libbpf',
    '`bpf_object__open_file` + `bpf_object__load` + `bpf_object__close` in a C program (bench/load-harness.c),',
    'alternating passes. Both include reading the file and the kernel\'s verification of every program, which',
    'is the same work for both and dominates the larger objects. Medians in ms; speed-up = libbpf / tsbpf.',
    'The work differs in one respect: for an object with CO-RE relocations (and for a few others, such as',
    'map_task_storage) libbpf 1.1 reads and parses /sys/kernel/btf/vmlinux during every `bpf_object__load`',
    '(strace shows one open per load), while tsbpf parses it once per process and keeps it; fixtures with',
    'and without CO-RE relocations are therefore also reported apart.',
    '',
    '| fixtures | count | tsbpf ms (geometric mean) | libbpf ms (geometric mean) | speed-up |',
    '|---|---:|---:|---:|---:|',
    `| all | ${measured.length} | ${fmt(g.ours)} | ${fmt(g.theirs)} | ${(g.theirs / g.ours).toFixed(2)}× |`,
    `| with CO-RE relocations | ${withCore.n} | ${fmt(withCore.ours)} | ${fmt(withCore.theirs)} | ${(withCore.theirs / withCore.ours).toFixed(2)}× |`,
    `| without CO-RE relocations | ${withoutCore.n} | ${fmt(withoutCore.ours)} | ${fmt(withoutCore.theirs)} | ${(withoutCore.theirs / withoutCore.ours).toFixed(2)}× |`,
    '',
    '| fixture | CO-RE | tsbpf ms | libbpf ms | speed-up |',
    '|---|---|---:|---:|---:|',
    ...measured.map((m) => `| ${m.name} | ${m.core ? 'yes' : ''} | ${fmt(m.ours)} | ${fmt(m.theirs)} | ${(m.theirs / m.ours).toFixed(2)}× |`),
  ];
  if (failed.size > 0) section.push('', `Not measured: ${[...failed].map(([n, why]) => `${n} (${why})`).join('; ')}.`);
  section.push('');
  return { rows, section };
}
