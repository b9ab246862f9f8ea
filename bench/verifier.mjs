// The verifier model's speed against the kernel's verifier (issue 10): the agreement run
// (npm run verifier:agreement, as root) labels the corpus and then times the model alone over it
// in one process; the kernel's side is the sum of its own `verification time N usec` (log level
// BPF_LOG_STATS) for the same programs. One row for bench/run.mjs; run alone it replaces that row
// of docs/benchmarks.md (the rest of the file is left as it is):
//   node bench/verifier.mjs [--from SPEED.json]   (--from: the file an agreement run wrote with --speed-json)

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const WHAT = 'verifier model over the agreement corpus';

/** The row, or undefined when this process cannot load programs (the kernel's times need root). */
export function verifierBenchmarks({ from } = {}) {
  if (from === undefined && process.getuid?.() !== 0) return [];
  let out = from;
  if (out === undefined) {
    out = join(mkdtempSync(join(tmpdir(), 'tsbpf-bench-verifier-')), 'speed.json');
    const r = spawnSync('node', [join(root, 'scripts/run-ts.mjs'), 'test/support/agreement/main.ts', '--speed-json', out], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 28 });
    if (r.status !== 0) throw new Error(`npm run verifier:agreement failed: ${r.stderr}`);
  }
  const s = JSON.parse(readFileSync(out, 'utf8'));
  return [{
    what: `${WHAT} (${s.programs} programs; model CPU time, ${s.modelWallMs.toFixed(0)} ms wall; ${s.over10} programs over 10×, worst ${s.worst[0]?.ratio.toFixed(0) ?? '–'}× ${s.worst[0]?.name ?? ''})`,
    oursCmd: 'verifyProgram, the median of three timed runs of each corpus program after an untimed one, before the kernel labels (test/support/agreement/speed-pass.ts)',
    theirsCmd: 'kernel: verification time N usec (BPF_LOG_STATS), summed',
    ours: s.modelMs, theirs: s.kernelMs,
    targetText: '≤ 3× the kernel\'s time in total, ≤ 10× per program', met: s.ratio <= 3 && s.over10 === 0,
  }];
}

/** The markdown row as run.mjs writes its rows. */
function rowText(r) {
  const fmt = (ms) => (ms < 20 ? ms.toFixed(1) : ms.toFixed(0));
  return `| ${r.what} | \`${r.oursCmd}\` | \`${r.theirsCmd}\` | ${fmt(r.ours)} | — | ${fmt(r.theirs)} | ${(r.theirs / r.ours).toFixed(2)}× | — | ${r.targetText}: ${r.met ? 'met' : '**not met**'} |`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--from');
  const rows = verifierBenchmarks(i >= 0 ? { from: process.argv[i + 1] } : {});
  if (rows.length === 0) throw new Error('the kernel\'s verification times need root');
  const docs = join(root, 'docs', 'benchmarks.md');
  const lines = readFileSync(docs, 'utf8').split('\n');
  const text = rowText(rows[0]);
  const at = lines.findIndex((l) => l.startsWith(`| ${WHAT}`));
  if (at >= 0) lines[at] = text;
  else {
    // After the table's last row.
    const header = lines.findIndex((l) => l.startsWith('| task |'));
    let end = header + 2;
    while (end < lines.length && lines[end].startsWith('|')) end++;
    lines.splice(end, 0, text);
  }
  writeFileSync(docs, lines.join('\n'));
  console.log(text);
}
