// npm run vm:differential -- [--count N] [--seed S] [--type TYPE]: random programs run in the
// kernel (BPF_PROG_TEST_RUN) and in both vm engines; prints the counts and every difference
// with its reproducer. Exit 1 when a difference was found. Needs root.

import { readFileSync } from 'node:fs';
import { describeDifference, runCampaign, shrinkDifference } from './campaign.js';
import { DIFF_PROGRAM_TYPES, type DiffProgramType, lowerProgram, programFromJson } from './program.js';
import { pinToCpu, runInKernel, runInVm } from './run.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}

const count = Number(arg('count') ?? 2000);
const seed = Number(arg('seed') ?? Date.now() % 2 ** 31);
const type = arg('type');
if (!Number.isInteger(count) || count < 1 || !Number.isInteger(seed)) {
  console.error('usage: npm run vm:differential -- [--count N] [--seed S] [--type socket_filter|xdp|sched_cls|syscall]');
  process.exit(2);
}
if (type !== undefined && !DIFF_PROGRAM_TYPES.includes(type as DiffProgramType)) {
  console.error(`--type: one of ${DIFF_PROGRAM_TYPES.join(', ')}`);
  process.exit(2);
}
if (process.getuid?.() !== 0) {
  console.error('vm:differential runs programs in the kernel: it needs root');
  process.exit(2);
}
const replay = arg('case');
if (replay !== undefined) {
  // One fixed case (the JSON a difference prints): both observations, input by input.
  const prog = programFromJson(readFileSync(replay, 'utf8'));
  const insns = lowerProgram(prog);
  const kernel = runInKernel(prog, insns);
  if (!Array.isArray(kernel)) { console.log(kernel.log); process.exit(1); }
  const cpu = pinToCpu();
  for (const engine of ['interpreter', 'compiled'] as const) {
    runInVm(prog, insns, engine, cpu).forEach((o, i) => {
      const same = JSON.stringify(o) === JSON.stringify(kernel[i]);
      console.log(`${engine} input ${i}: ${same ? 'same' : `DIFFERENT\n  kernel ${JSON.stringify(kernel[i])}\n  vm     ${JSON.stringify(o)}`}`);
    });
  }
  process.exit(0);
}
const started = Date.now();
const { counts, differences } = runCampaign({
  count, seed, ...(type === undefined ? {} : { types: [type as DiffProgramType] }),
  onProgress: (c) => process.stderr.write(`\r${c.programs} programs, ${c.runs} runs, ${c.differing} differences`),
});
process.stderr.write('\n');
console.log(`seed ${seed}: ${counts.programs} programs (${counts.accepted} accepted by the kernel, ${counts.rejected} rejected), ${counts.runs} runs in the kernel and in each vm engine, ${counts.refusedInputs} inputs the test run refused, ${counts.differing} programs differing; ${((Date.now() - started) / 1000).toFixed(1)} s`);
for (const [t, c] of Object.entries(counts.byType)) console.log(`  ${t}: ${c.programs} programs, ${c.rejected} rejected, ${c.runs} runs`);
for (const [why, n] of Object.entries(counts.refusals)) console.log(`  test run refused ×${n}: ${why}`);
for (const [why, n] of Object.entries(counts.rejections).sort((a, b) => b[1] - a[1])) console.log(`  rejected ×${n}: ${why}\n    e.g. ${counts.rejectionExamples[why]}`);
const types = type === undefined ? DIFF_PROGRAM_TYPES : [type as DiffProgramType];
for (const d of differences) {
  console.log(`\nDIFFERENCE (fast-check seed ${seed}, path "${d.path}"), shrunk:\n${describeDifference(shrinkDifference(d, seed, types))}`);
}
process.exit(differences.length > 0 ? 1 : 0);
