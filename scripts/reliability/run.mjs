#!/usr/bin/env node
// The mutation campaign of docs/reliability.md: runs every case of the area generators
// (scripts/reliability/<area>.mjs) through the built CLI, each in its own process with a time
// budget, and counts what must never happen: exit 3 (a bug), a stack trace or 'internal error',
// a hang, a run over the memory budget, an error of more than one line, an exit code outside the
// contract, and a silently wrong output (the case's own check).
//
//   node scripts/reliability/run.mjs [--cases N] [--seed S] [--jobs J] [--area NAME]... [--cli PATH]
//                                    [--timeout MS] [--memory MB] [--json] [--write-docs]
//
// Max RSS is measured by python3 (getrusage of the child), which runs each case.

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { seededRng } from './seeded-rng.mjs';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

// Runs argv under a time limit and reports exit code and max RSS of the child (KiB, Linux).
const WRAPPER = `
import json, resource, subprocess, sys
timeout = float(sys.argv[1]); argv = sys.argv[2:]
p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
try:
    out, err = p.communicate(timeout=timeout); hung = False
except subprocess.TimeoutExpired:
    p.kill(); out, err = p.communicate(); hung = True
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
sys.stdout.write(json.dumps({"code": p.returncode, "hung": hung, "rss": ru.ru_maxrss,
  "stdout": out[:4096].decode("utf8", "replace"), "stderr": err[:65536].decode("utf8", "replace"), "stderrBytes": len(err)}))
`;

function runOne(cli, c, { timeoutMs }) {
  const dir = mkdtempSync(join(tmpdir(), 'tsbpf-rel-'));
  for (const [name, content] of Object.entries(c.files ?? {})) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  const argv = c.argv.map((a) => a.replaceAll('{dir}', dir));
  const started = process.hrtime.bigint();
  return new Promise((resolve) => {
    const child = spawn('python3', ['-c', WRAPPER, String(timeoutMs / 1000), process.execPath, cli, ...argv], { cwd: c.cwd ?? REPO, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('close', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      let r;
      try { r = JSON.parse(out); } catch { r = { code: null, hung: false, rss: 0, stdout: '', stderr: `runner: ${out.slice(0, 200)}`, stderrBytes: 0 }; }
      const result = { code: r.code, stdout: r.stdout, stderr: r.stderr, stderrBytes: r.stderrBytes, ms, maxRssMB: r.rss / 1024, hung: r.hung, dir };
      let wrong;
      try { wrong = c.check?.(result); } catch (e) { wrong = `check threw: ${e}`; }
      rmSync(dir, { recursive: true, force: true });
      resolve({ ...result, wrong });
    });
  });
}

/** Every way a result breaks the contract, as short labels. */
export function classify(r, { memoryMB }) {
  const problems = [];
  if (r.hung) problems.push('hang');
  else {
    if (r.code === 3) problems.push('exit3');
    else if (![0, 1, 2].includes(r.code)) problems.push(`exit${r.code}`);
    if (/internal error|\n\s+at .+:\d+:\d+\)?\n|Maximum call stack/.test(r.stderr)) problems.push('trace');
    if (r.code === 2 && r.stderr.trimEnd().split('\n').length !== 1) problems.push('multiline');
    if (r.code === 2 && r.stderrBytes > 1024) problems.push('long-error');
  }
  if (r.maxRssMB > memoryMB) problems.push('memory');
  if (r.wrong !== undefined) problems.push('wrong');
  return problems;
}

export async function campaign({ areas, cases, seed, jobs, timeoutMs, memoryMB, cli, log = () => {} }) {
  const report = [];
  for (const mod of areas) {
    const rng = seededRng(seed);
    const list = [...mod.cases(rng, cases, REPO)];
    const stats = { area: mod.area, description: mod.description, cases: list.length, exit0: 0, exit1: 0, exit2: 0, problems: {}, failures: [], maxMs: 0, maxRssMB: 0, totalMs: 0 };
    let next = 0;
    const worker = async () => {
      while (next < list.length) {
        const c = list[next++];
        const r = await runOne(cli, c, { timeoutMs });
        if (r.code === 0) stats.exit0++; else if (r.code === 1) stats.exit1++; else if (r.code === 2) stats.exit2++;
        stats.maxMs = Math.max(stats.maxMs, r.ms);
        stats.maxRssMB = Math.max(stats.maxRssMB, r.maxRssMB);
        stats.totalMs += r.ms;
        for (const p of classify(r, { memoryMB })) {
          stats.problems[p] = (stats.problems[p] ?? 0) + 1;
          if (stats.failures.length < 50) stats.failures.push({ name: c.name, problem: p, argv: c.argv, code: r.code, ms: Math.round(r.ms), rssMB: Math.round(r.maxRssMB), stderr: r.stderr.slice(0, 300), wrong: r.wrong });
        }
      }
    };
    const t0 = Date.now();
    await Promise.all(Array.from({ length: jobs }, worker));
    stats.wallMs = Date.now() - t0;
    log(`${mod.area}: ${stats.cases} cases in ${(stats.wallMs / 1000).toFixed(1)} s; problems ${JSON.stringify(stats.problems)}`);
    report.push(stats);
  }
  return report;
}

export async function loadAreas(names) {
  const dir = join(REPO, 'scripts', 'reliability');
  const files = readdirSync(dir).filter((f) => f.endsWith('.mjs') && f !== 'run.mjs').sort();
  const mods = [];
  for (const f of files) {
    const mod = await import(pathToFileURL(join(dir, f)).href);
    if (typeof mod.cases !== 'function') continue;
    if (names.length === 0 || names.includes(mod.area)) mods.push(mod);
  }
  return mods;
}

function markdown(report, opts) {
  const rows = report.map((s) => {
    const p = s.problems;
    const n = (k) => p[k] ?? 0;
    const other = Object.entries(p).filter(([k]) => !['exit3', 'trace', 'hang', 'memory', 'wrong', 'multiline', 'long-error'].includes(k)).reduce((a, [, v]) => a + v, 0);
    return `| ${s.area} | ${s.cases} | ${s.exit0} / ${s.exit1} / ${s.exit2} | ${n('exit3')} | ${n('trace')} | ${n('hang')} | ${n('memory')} | ${n('wrong')} | ${n('multiline') + n('long-error') + other} | ${(s.maxMs / 1000).toFixed(2)} s | ${Math.round(s.maxRssMB)} MB |`;
  });
  return [
    `| area | cases | exit 0 / 1 / 2 | exit 3 | stack trace | hang (> ${opts.timeoutMs / 1000} s) | over ${opts.memoryMB} MB | silently wrong | other | slowest | max RSS |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      cases: { type: 'string', default: '1000' }, seed: { type: 'string', default: '1' }, jobs: { type: 'string', default: '2' },
      area: { type: 'string', multiple: true, default: [] }, cli: { type: 'string', default: join(REPO, 'dist', 'cli.js') },
      timeout: { type: 'string', default: '10000' }, memory: { type: 'string', default: '256' },
      json: { type: 'boolean', default: false }, 'write-docs': { type: 'boolean', default: false },
    },
  });
  const opts = { cases: Number(values.cases), seed: Number(values.seed), jobs: Number(values.jobs), timeoutMs: Number(values.timeout), memoryMB: Number(values.memory), cli: values.cli };
  const areas = await loadAreas(values.area);
  const report = await campaign({ ...opts, areas, log: (l) => process.stderr.write(`${l}\n`) });
  if (values.json) process.stdout.write(`${JSON.stringify(report, null, 1)}\n`);
  else process.stdout.write(`${markdown(report, opts)}\n`);
  for (const s of report) for (const f of s.failures.slice(0, 5)) process.stderr.write(`  ${s.area}/${f.name}: ${f.problem} (exit ${f.code}, ${f.ms} ms, ${f.rssMB} MB) ${f.wrong ?? f.stderr.split('\n')[0]}\n`);
  if (values['write-docs']) {
    const path = join(REPO, 'docs', 'reliability.md');
    const text = readFileSync(path, 'utf8');
    const begin = '<!-- campaign:begin -->';
    const end = '<!-- campaign:end -->';
    const cmd = `node scripts/reliability/run.mjs --cases ${opts.cases} --seed ${opts.seed} --jobs ${opts.jobs} --write-docs`;
    const block = `${begin}\nMeasured with \`${cmd}\` (${new Date().toISOString().slice(0, 10)}, budget ${opts.timeoutMs / 1000} s and ${opts.memoryMB} MB per case):\n\n${markdown(report, opts)}\n${end}`;
    writeFileSync(path, text.includes(begin) ? text.replace(new RegExp(`${begin}[\\s\\S]*${end}`), block) : `${text}\n${block}\n`);
  }
  const bad = report.some((s) => Object.keys(s.problems).length > 0);
  process.exitCode = bad ? 1 : 0;
}
