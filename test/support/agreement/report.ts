// The agreement table for docs/verifier.md, and the list of disagreements (unsound ones first).

import type { Comparison, Figures } from './compare.js';
import { pct, processedWithin10 } from './compare.js';
import type { AgreementRun } from './run.js';

const row = (label: string, f: Figures): string =>
  `| ${label} | ${f.programs} | ${f.kernelAccepts} / ${f.kernelRejects} | ${f.refused + f.notReplayed} | ${pct(f.acceptAgree, f.kernelAccepts)} | ${pct(f.rejectAgree, f.kernelRejects)} | ${f.unsound} | ${f.falseReject} | ${f.notModelledAccepts + f.notModelledRejects} | ${pct(f.sameMessage, f.jointRejects)} | ${pct(f.sameInsn, f.jointRejects)} | ${pct(f.processedWithin10, f.processedCompared)} |`;

export function agreementTable(run: AgreementRun): string {
  const lines = [
    '| area | programs | kernel accepts / rejects | left out (refused, not replayed) | accept agreement | reject agreement | unsound accepts | false rejects | no model verdict | same final message (joint rejects) | same insn (joint rejects) | processed ±10 % (joint accepts) |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...[...run.byArea].map(([area, f]) => row(area, f)),
    row('**all**', run.total),
  ];
  return lines.join('\n');
}

const describe = (c: Comparison): string => {
  const k = c.kernel.kind === 'verdict' ? `kernel ${c.kernel.verdict}${c.kernel.message === null ? '' : `: ${c.kernel.message}`}` : c.kernel.kind;
  const m = c.model.kind === 'verdict' ? `model ${c.model.verdict}${c.model.message === null ? '' : `: ${c.model.message}`}` : `model: ${c.model.reason}`;
  return `${c.name} — ${k}; ${m}`;
};

/** Disagreements, unsound accepts first, then false rejects, then other messages. */
export function disagreements(run: AgreementRun): string[] {
  const order = ['unsound', 'false-reject', 'other-message'] as const;
  return order.flatMap((cat) => run.comparisons.filter((c) => c.category === cat).map((c) => `${cat.toUpperCase()}: ${describe(c)}`));
}

export function driftList(run: AgreementRun): string[] {
  return run.comparisons.filter((c) => c.annotationDrift !== undefined).map((c) => `${c.name}: ${c.annotationDrift}`);
}

/** Programs the kernel labelled but the model has no verdict for, by area, with its notModelled reason. */
export function unknownList(run: AgreementRun): string[] {
  const cs = run.comparisons.filter((c) => c.category === 'not-modelled');
  return [...cs].sort((a, b) => a.area.localeCompare(b.area) || a.name.localeCompare(b.name))
    .map((c) => `UNKNOWN [${c.area}]: ${describe(c)}`);
}

/** Programs both accept whose `processed N insns` differs from the kernel's by more than 10 %, by area. */
export function processedMismatches(run: AgreementRun): string[] {
  const out: { c: Comparison; k: number; m: number }[] = [];
  for (const c of run.comparisons) {
    if (c.category !== 'agree' || c.kernel.kind !== 'verdict' || c.kernel.verdict !== 'accept' || c.model.kind !== 'verdict') continue;
    const k = c.kernel.insnsProcessed;
    const m = c.model.insnsProcessed;
    if (k !== null && m !== null && !processedWithin10(k, m)) out.push({ c, k, m });
  }
  return out.sort((a, b) => a.c.area.localeCompare(b.c.area) || a.c.name.localeCompare(b.c.name))
    .map(({ c, k, m }) => `PROCESSED [${c.area}]: ${c.name} — kernel ${k}; model ${m} (${m > k ? '+' : ''}${(((m - k) / k) * 100).toFixed(0)} %)`);
}
