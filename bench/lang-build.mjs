// Build time of the language's examples: `tsbpf build examples/lang/X.ts` (a whole process: Node
// start-up, loading TypeScript, the type check with tsc, compiling, writing the object) against
// `clang-19 -O2 -g -target bpf -c` on its C twin examples/lang/c/X.bpf.c, alternating.
// Target: no slower than clang (issue 13). Returns rows for bench/run.mjs; run alone
// (`node bench/lang-build.mjs`) it prints them as the table's rows.

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, timeProcess } from './timing.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

export async function langBuildBenchmarks({ runs = 7 } = {}) {
  const cli = join(root, JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).bin.tsbpf);
  const dir = join(root, 'examples', 'lang');
  const work = mkdtempSync(join(tmpdir(), 'tsbpf-lang-build-'));
  const rows = [];
  try {
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.ts')).sort()) {
      const twin = join(dir, 'c', f.replace(/\.ts$/, '.bpf.c'));
      if (!existsSync(twin)) continue;
      const ours = ['node', [cli, 'build', join(dir, f), '-o', join(work, 'ours.o')]];
      const theirs = ['clang-19', ['-O2', '-g', '-target', 'bpf', `-I/usr/include/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`, '-c', twin, '-o', join(work, 'theirs.o')]];
      const ms = [[], []];
      for (const c of [ours, theirs]) timeProcess(...c);
      for (let i = 0; i < runs; i++) [ours, theirs].forEach((c, j) => ms[j].push(timeProcess(...c)));
      rows.push({
        what: `build examples/lang/${f}, type check included (whole process)`, target: 1, own: false,
        oursCmd: `tsbpf build examples/lang/${f}`, theirsCmd: `clang-19 -O2 -g -target bpf -c examples/lang/c/${f.replace(/\.ts$/, '.bpf.c')}`,
        ours: median(ms[0]), theirs: median(ms[1]),
      });
    }
  } finally { rmSync(work, { recursive: true, force: true }); }
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const fmt = (ms) => (ms < 20 ? ms.toFixed(1) : ms.toFixed(0));
  for (const r of await langBuildBenchmarks({ runs: Number(process.env.BENCH_RUNS ?? 7) })) {
    const speedup = r.theirs / r.ours;
    process.stdout.write(`| ${r.what} | \`${r.oursCmd}\` | \`${r.theirsCmd}\` | ${fmt(r.ours)} | — | ${fmt(r.theirs)} | ${speedup.toFixed(2)}× | — | ≥ 1×: ${speedup >= 1 ? 'met' : '**not met**'} |\n`);
  }
}
