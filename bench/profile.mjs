// Where a tsbpf command spends its time: runs it once under `node --cpu-prof` and sums the
// profile's self time per function (and per category: V8's compiler and GC, start-up, our code).
// bench/run.mjs prints this summary under a row whose target is not met; run alone:
//   node bench/profile.mjs disasm big.o

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Self time per function of one .cpuprofile, largest first: [{ name, ms }], with the total. */
export function summarizeProfile(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = profile.timeDeltas;
  for (let i = 0; i < profile.samples.length; i++) {
    const n = byId.get(profile.samples[i]);
    const f = n.callFrame;
    const where = f.url === '' ? '' : ` (${basename(f.url)}:${f.lineNumber + 1})`;
    const name = `${f.functionName || '(anonymous)'}${where}`;
    self.set(name, (self.get(name) ?? 0) + (dt[i] ?? 0) / 1000);
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  return { total, functions: [...self].map(([name, ms]) => ({ name, ms })).sort((a, b) => b.ms - a.ms) };
}

/** Profiles `node dist/cli.js ...args` once; returns the summary. */
export function profileCli(args, { node = 'node', cli = join(root, 'dist', 'cli.js') } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'tsbpf-prof-'));
  const r = spawnSync(node, ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', '100', cli, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`profiling tsbpf ${args.join(' ')} failed: ${r.stderr}`);
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  return summarizeProfile(JSON.parse(readFileSync(join(dir, file), 'utf8')));
}

/** One markdown line: the top `n` functions by self time with their share. */
export function profileLine(summary, n = 8) {
  return summary.functions.slice(0, n).map((f) => `${f.name} ${f.ms.toFixed(0)} ms (${((100 * f.ms) / summary.total).toFixed(0)}%)`).join('; ');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const s = profileCli(process.argv.slice(2));
  console.log(`total ${s.total.toFixed(1)} ms`);
  for (const f of s.functions.slice(0, Number(process.env.TOP ?? 25))) console.log(`${f.ms.toFixed(1).padStart(8)} ms  ${f.name}`);
}
