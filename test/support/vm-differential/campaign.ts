// A differential campaign: `count` random programs from fast-check with `seed`, each run in the
// kernel and in both vm engines. Returns the counts and the differences, each with what
// reproduces it (seed, fast-check path, the program's instructions and inputs).

import fc from 'fast-check';
import { formatAsmLlvm, llvmExpressible } from '../../../isa/index.js';
import { arbDiffProgram, type DiffProgram, type DiffProgramType, DIFF_PROGRAM_TYPES, lowerProgram, programToJson } from './program.js';
import { differential, type Outcome, pinToCpu } from './run.js';

export interface CampaignCounts {
  programs: number;
  accepted: number;
  rejected: number;
  runs: number;
  refusedInputs: number;
  /** Why the test run refused inputs (type: errno), by count. */
  refusals: Record<string, number>;
  differing: number;
  byType: Record<string, { programs: number; rejected: number; runs: number }>;
  /** Last verifier log line of rejected programs, by count. */
  rejections: Record<string, number>;
  /** The end of one verifier log per rejection reason. */
  rejectionExamples: Record<string, string>;
}

export interface Difference {
  readonly program: DiffProgram;
  /** fast-check's path to the program under the campaign's seed. */
  readonly path: string;
  readonly outcome: Extract<Outcome, { verdict: 'differ' }>;
}

export function runCampaign(options: { count: number; seed: number; types?: readonly DiffProgramType[]; stopAfter?: number; onProgress?: (c: CampaignCounts) => void }): { counts: CampaignCounts; differences: Difference[] } {
  const cpu = pinToCpu();
  const counts: CampaignCounts = { programs: 0, accepted: 0, rejected: 0, runs: 0, refusedInputs: 0, refusals: {}, differing: 0, byType: {}, rejections: {}, rejectionExamples: {} };
  const differences: Difference[] = [];
  const stopAfter = options.stopAfter ?? 5;
  let index = 0;
  fc.check(fc.property(arbDiffProgram(options.types ?? DIFF_PROGRAM_TYPES), (prog) => {
    const path = String(index++);
    const outcome = differential(prog, cpu);
    const t = (counts.byType[prog.type] ??= { programs: 0, rejected: 0, runs: 0 });
    counts.programs++; t.programs++;
    if (outcome.verdict === 'rejected') {
      counts.rejected++; t.rejected++;
      const lines = outcome.log.trim().split('\n').filter((l) => l !== '' && !/^processed \d+/.test(l));
      const why = (lines.at(-1) ?? '').replace(/\d+/g, 'N');
      counts.rejections[why] = (counts.rejections[why] ?? 0) + 1;
      counts.rejectionExamples[why] ??= `${prog.type}: ${lines.slice(-4).join(' | ')}`;
      return true;
    }
    counts.accepted++;
    counts.runs += outcome.runs; t.runs += outcome.runs;
    if (outcome.verdict === 'agree') {
      counts.refusedInputs += outcome.refusedInputs.length;
      for (const r of outcome.refusedInputs) counts.refusals[r] = (counts.refusals[r] ?? 0) + 1;
    } else {
      counts.differing++;
      differences.push({ program: prog, path, outcome });
    }
    if (counts.programs % 100 === 0) options.onProgress?.(counts);
    return differences.length < stopAfter;
  }), { numRuns: options.count, seed: options.seed, endOnFailure: true });
  return { counts, differences };
}

/** The smallest program fast-check shrinks a difference to (replaying the campaign's seed and path). */
export function shrinkDifference(d: Difference, seed: number, types: readonly DiffProgramType[] = DIFF_PROGRAM_TYPES): Difference {
  const cpu = pinToCpu();
  let smallest = d;
  fc.check(fc.property(arbDiffProgram(types), (prog) => {
    const outcome = differential(prog, cpu);
    if (outcome.verdict !== 'differ') return true;
    smallest = { program: prog, path: d.path, outcome };
    return false;
  }), { seed, path: d.path, numRuns: 1 });
  return smallest;
}

/** A difference as text: the program (LLVM syntax), its maps, the input and both observations. */
export function describeDifference(d: Difference): string {
  const insns = lowerProgram(d.program);
  const text = insns.map((i, n) => `  ${String(n).padStart(3)}: ${llvmExpressible(i) === null ? formatAsmLlvm(i) : JSON.stringify(i)}`);
  const input = d.program.inputs[d.outcome.input]!;
  return [
    `${d.program.type} program, ${d.outcome.engine} engine, input ${d.outcome.input}:`,
    `  maps: ${d.program.maps.map((m) => `${m.name} type ${m.type} key ${m.keySize} value ${m.valueSize} x${m.maxEntries}`).join('; ')}`,
    `  data: ${input.data === undefined ? '-' : Buffer.from(input.data).toString('hex')}`,
    `  ctx:  ${input.ctx === undefined ? '-' : Buffer.from(input.ctx).toString('hex')}`,
    `  kernel: ${JSON.stringify(d.outcome.kernel)}`,
    `  vm:     ${JSON.stringify(d.outcome.vm)}`,
    `  program (${insns.length} instructions):`, ...text,
    `  as a fixed case: ${programToJson(d.program)}`,
  ].join('\n');
}
