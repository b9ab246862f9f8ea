// `npm run verifier:agreement`: labels the whole corpus with the live kernel, runs the model on
// it, prints the table by area and the disagreements, and with --write-docs puts the table into
// docs/verifier.md and the CI slice's figures into test/data/verifier-corpus/agreement.json.
// --only REGEX runs the programs whose name matches; --verbose lists the ones left out;
// --unknown lists the programs with no model verdict and the model's reason, by area, then the
// joint accepts whose `processed N insns` is not within ±10 % of the kernel's;
// --speed-json FILE writes the model's time against the kernel's (speed.ts) for bench/verifier.mjs;
// --results-json FILE each program's outcome on both sides (verdict, message, instruction,
// `processed N insns`), so that two runs can be compared program by program.
// --seeds FROM-TO runs the generated programs of those seeds (every kind) instead of the corpus:
// new seeds find disagreements the fixed corpus does not hold.
// --caps bpf labels with a loader that has CAP_BPF alone and runs the model with the same
// privileges; --caps unpriv with an ordinary user (nobody, no capability),
// kernel.unprivileged_bpf_disabled set to 0 for the run (the harness runs itself again under
// setpriv: caps-child.ts).

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CORPUS_DIR } from './corpus.js';
import { fullCorpus, SLICE_SUITES } from './suites.js';
import { pct } from './compare.js';
import { agreementTable, disagreements, driftList, processedMismatches, unknownList } from './report.js';
import { FULL_LOG_MAX_PROCESSED } from './kernel-label.js';
import { type CorpusEntry, runAgreement } from './run.js';
import { generatedCorpus } from './generated-corpus.js';
import { speedFigures, speedReport } from './speed.js';
import { runCapsChild } from './caps-child.js';

const REPO = join(CORPUS_DIR, '../../..');
const BEGIN = '<!-- agreement:begin (written by npm run verifier:agreement) -->';
const END = '<!-- agreement:end -->';

/** Set in the CAP_BPF-only child that --caps bpf starts (and the unprivileged one of --caps unpriv). */
const CAPS_CHILD = 'TSBPF_AGREEMENT_CAP_BPF_CHILD';

function main(): void {
  const only = optionValue('--only');
  const write = process.argv.includes('--write-docs');
  if (write && only !== undefined) throw new Error('--write-docs measures the whole corpus: drop --only');
  const caps = optionValue('--caps') ?? 'root';
  if (caps !== 'root' && caps !== 'bpf' && caps !== 'unpriv') throw new Error(`--caps must be root, bpf or unpriv (got ${caps})`);
  if (write && caps !== 'root') throw new Error('--write-docs measures root loads: drop --caps');
  if (caps !== 'root' && process.env[CAPS_CHILD] === undefined) {
    // This process runs from run-ts.mjs's bundle, which the child runs directly.
    runCapsChild(caps, fileURLToPath(import.meta.url), process.argv.slice(2), { ...process.env, [CAPS_CHILD]: '1' });
    return;
  }
  const seeds = optionValue('--seeds');
  if (write && seeds !== undefined) throw new Error('--write-docs measures the whole corpus: drop --seeds');
  const whole = seeds === undefined ? fullCorpus() : generatedSeeds(seeds);
  const corpus = only === undefined ? whole : whole.filter((p) => new RegExp(only).test(p.name));
  const t0 = performance.now();
  const run = runAgreement(corpus, caps === 'bpf' ? { capBpfOnly: true } : caps === 'unpriv' ? { unprivileged: true } : {});
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  const table = agreementTable(run);
  const t = run.total;
  console.log(table);
  console.log(`\n${t.programs} programs in ${seconds} s (model ${(run.modelMs / 1000).toFixed(2)} s); accept agreement ${pct(t.acceptAgree, t.kernelAccepts)}, reject agreement ${pct(t.rejectAgree, t.kernelRejects)}, unsound accepts ${t.unsound}`);
  const fromStatistics = run.comparisons.filter((c) => c.kernel.kind === 'verdict' && c.kernel.fromStatistics === true).length;
  if (fromStatistics > 0) console.log(`${fromStatistics} programs processed more than ${FULL_LOG_MAX_PROCESSED} insns: labelled from their BPF_LOG_STATS load, failing instruction not compared`);
  const speed = speedFigures(run.timings, run);
  console.log(`\n${speedReport(speed).join('\n')}${run.speedPasses === 0 ? '\n(The model\'s times are its one labelling run each: the speed pass runs for root loads.)' : ''}`);
  const speedJson = optionValue('--speed-json');
  if (speedJson !== undefined) writeFileSync(speedJson, `${JSON.stringify(speed, null, 2)}\n`);
  const resultsJson = optionValue('--results-json');
  if (resultsJson !== undefined) writeFileSync(resultsJson, `${JSON.stringify(programResults(run), null, 1)}\n`);
  const dis = disagreements(run);
  if (process.argv.includes("--verbose")) for (const c of run.comparisons) if (c.kernel.kind !== "verdict") console.log(`${c.kernel.kind}: ${c.name}: ${"reason" in c.kernel ? c.kernel.reason : c.kernel.errno}`);
  if (process.argv.includes('--unknown')) for (const l of [...unknownList(run), ...processedMismatches(run)]) console.log(l);
  if (dis.length > 0) console.log(`\n${dis.length} disagreements:\n${dis.slice(0, 200).join('\n')}`);
  const drift = driftList(run);
  if (write) {
    const slice = runAgreementFiguresOf(run, SLICE_SUITES);
    writeFileSync(join(CORPUS_DIR, 'agreement.json'), `${JSON.stringify({ kernel: kernelRelease(), slice }, null, 2)}\n`);
    const docs = join(REPO, 'docs/verifier.md');
    const text = readFileSync(docs, 'utf8');
    const body = [
      BEGIN,
      '',
      `Measured on Linux ${kernelRelease()} as root, ${t.programs} programs (${new Date().toISOString().slice(0, 10)}):`,
      '',
      table,
      '',
      `Unsound accepts: ${t.unsound}. \`processed N insns\` within ±10 % of the kernel's: ${t.processedWithin10} of ${t.processedCompared} programs both accept (${pct(t.processedWithin10, t.processedCompared)}). The model spent ${(run.modelMs / 1000).toFixed(2)} s on the corpus (preparation of objects included).`,
      '',
      `Where the live kernel differs from the 6.12 selftest annotations (${drift.length} programs):`,
      '',
      ...drift.map((d) => `- ${d.replaceAll('|', '\\|')}`),
      '',
      END,
    ].join('\n');
    const start = text.indexOf(BEGIN);
    const end = text.indexOf(END);
    const next = start >= 0 && end > start ? `${text.slice(0, start)}${body}${text.slice(end + END.length)}` : `${text.trimEnd()}\n\n${body}\n`;
    writeFileSync(docs, next);
    console.log(`\nwrote docs/verifier.md and ${join('test/data/verifier-corpus', 'agreement.json')}`);
  }
}

/** Each program's outcome on both sides, by name. */
function programResults(run: ReturnType<typeof runAgreement>): Record<string, unknown> {
  const side = (o: (typeof run.comparisons)[number]['kernel'] | (typeof run.comparisons)[number]['model']): unknown =>
    (o.kind === 'verdict' ? { verdict: o.verdict, message: o.message, insn: o.insnIndex, processed: o.insnsProcessed } : { kind: o.kind });
  return Object.fromEntries(run.comparisons.map((c) => [c.name, { category: c.category, kernel: side(c.kernel), model: side(c.model) }]));
}

function runAgreementFiguresOf(run: ReturnType<typeof runAgreement>, suites: readonly string[]) {
  const names = new Set(run.comparisons.filter((c) => suites.some((s) => c.name.startsWith(`${s}/`))).map((c) => c.name));
  const cs = run.comparisons.filter((c) => names.has(c.name));
  const acc = cs.filter((c) => c.kernel.kind === 'verdict' && c.kernel.verdict === 'accept');
  const rej = cs.filter((c) => c.kernel.kind === 'verdict' && c.kernel.verdict === 'reject');
  return {
    suites,
    programs: cs.length,
    acceptAgreement: acc.filter((c) => c.model.kind === 'verdict' && c.model.verdict === 'accept').length / Math.max(1, acc.length),
    rejectAgreement: rej.filter((c) => c.model.kind === 'verdict' && c.model.verdict === 'reject').length / Math.max(1, rej.length),
    sameMessage: rej.filter((c) => c.sameMessage === true).length / Math.max(1, rej.length),
  };
}

/** `--seeds FROM-TO`: the generated programs of those seeds, every kind, in place of the corpus. */
function generatedSeeds(range: string): CorpusEntry[] {
  const m = /^(\d+)-(\d+)$/.exec(range);
  if (m === null || Number(m[2]) < Number(m[1])) throw new Error(`--seeds must be FROM-TO with FROM <= TO (got ${range})`);
  return generatedCorpus(Number(m[2]) - Number(m[1]) + 1, Number(m[1]));
}

/** The value after `name` on the command line (`--only REGEX`: only the programs whose name matches). */
function optionValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function kernelRelease(): string {
  return readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
}

main();
