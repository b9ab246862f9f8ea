// Compares the model's outcome with the kernel's and sums the figures by area.

import type { KernelOutcome } from './kernel-label.js';
import type { ModelOutcome } from './model-run.js';

/**
 * - `unsound`: the model accepts what the kernel rejects (the worst kind: listed first);
 * - `false-reject`: the model rejects what the kernel accepts;
 * - `other-message`: both reject, with another final message or failing instruction;
 * - `not-modelled`: the model has no verdict;
 * - `refused` / `not-replayed`: no verifier verdict from the kernel here; left out of the figures.
 */
export type Category = 'agree' | 'unsound' | 'false-reject' | 'other-message' | 'not-modelled' | 'refused' | 'not-replayed';

/**
 * The kernel's outcome as a comparison keeps it: without the log, which compare() reads once (the
 * annotation drift), so that a run holds no log (some are tens of megabytes).
 */
export type KernelSummary = Omit<Extract<KernelOutcome, { kind: 'verdict' }>, 'log'> | Exclude<KernelOutcome, { kind: 'verdict' }>;

export interface Comparison {
  readonly name: string;
  readonly area: string;
  readonly category: Category;
  readonly kernel: KernelSummary;
  readonly model: ModelOutcome;
  /** For joint rejections: the same final line and the same failing instruction. */
  readonly sameMessage?: boolean;
  readonly sameInsn?: boolean;
  /** The 6.12 annotation's verdict differs from the live kernel's. */
  readonly annotationDrift?: string;
}

export function compare(name: string, area: string, kernel: KernelOutcome, model: ModelOutcome, annotation?: { result?: string; message?: string }): Comparison {
  const base = { name, area, kernel: withoutLog(kernel), model };
  if (kernel.kind === 'refused') return { ...base, category: 'refused' };
  if (kernel.kind === 'not-replayed') return { ...base, category: 'not-replayed' };
  const drift = annotationDrift(kernel, annotation);
  const withDrift = drift === undefined ? base : { ...base, annotationDrift: drift };
  if (model.kind === 'not-modelled') return { ...withDrift, category: 'not-modelled' };
  if (kernel.verdict === 'reject' && model.verdict === 'accept') return { ...withDrift, category: 'unsound' };
  if (kernel.verdict === 'accept' && model.verdict === 'reject') return { ...withDrift, category: 'false-reject' };
  if (kernel.verdict === 'accept') return { ...withDrift, category: 'agree' };
  const sameMessage = kernel.message === model.message;
  const sameInsn = kernel.insnIndex === null || model.insnIndex === null || kernel.insnIndex === model.insnIndex;
  return { ...withDrift, category: sameMessage && sameInsn ? 'agree' : 'other-message', sameMessage, sameInsn };
}

function withoutLog(kernel: KernelOutcome): KernelSummary {
  if (kernel.kind !== 'verdict') return kernel;
  const { log: _log, ...rest } = kernel;
  return rest;
}

function annotationDrift(kernel: Extract<KernelOutcome, { kind: 'verdict' }>, a: { result?: string; message?: string } | undefined): string | undefined {
  if (a?.result === undefined) return undefined;
  const expected = a.result === 'reject' ? 'reject' : 'accept';
  if (expected !== kernel.verdict) return `6.12 expects ${expected}, 6.18 ${kernel.verdict}s${kernel.message === null ? '' : ` (${kernel.message})`}`;
  if (expected === 'reject' && a.message !== undefined && a.message !== '') {
    const parts = a.message.split('\t').filter((s) => s !== '');
    if (!parts.every((s) => kernel.log.includes(s))) return `6.12 expects "${parts.join('" … "')}", 6.18 prints "${kernel.message ?? ''}"`;
  }
  return undefined;
}

export interface Figures {
  programs: number;
  refused: number;
  notReplayed: number;
  kernelAccepts: number;
  kernelRejects: number;
  acceptAgree: number;
  rejectAgree: number;
  unsound: number;
  falseReject: number;
  notModelledAccepts: number;
  notModelledRejects: number;
  jointRejects: number;
  sameMessage: number;
  sameInsn: number;
  /** Accepted by both with the kernel's `processed N insns` known: how many within ±10 %. */
  processedCompared: number;
  processedWithin10: number;
}

export function emptyFigures(): Figures {
  return { programs: 0, refused: 0, notReplayed: 0, kernelAccepts: 0, kernelRejects: 0, acceptAgree: 0, rejectAgree: 0, unsound: 0,
    falseReject: 0, notModelledAccepts: 0, notModelledRejects: 0, jointRejects: 0, sameMessage: 0, sameInsn: 0, processedCompared: 0, processedWithin10: 0 };
}

export function addTo(f: Figures, c: Comparison): void {
  f.programs++;
  if (c.kernel.kind === 'refused') { f.refused++; return; }
  if (c.kernel.kind === 'not-replayed') { f.notReplayed++; return; }
  const accepted = c.kernel.verdict === 'accept';
  if (accepted) f.kernelAccepts++; else f.kernelRejects++;
  if (c.model.kind === 'not-modelled') {
    if (accepted) f.notModelledAccepts++; else f.notModelledRejects++;
    return;
  }
  if (accepted && c.model.verdict === 'accept') {
    f.acceptAgree++;
    if (c.kernel.insnsProcessed !== null && c.model.insnsProcessed !== null) {
      f.processedCompared++;
      if (processedWithin10(c.kernel.insnsProcessed, c.model.insnsProcessed)) f.processedWithin10++;
    }
  }
  if (!accepted && c.model.verdict === 'reject') {
    f.rejectAgree++;
    f.jointRejects++;
    if (c.sameMessage === true) f.sameMessage++;
    if (c.sameInsn === true) f.sameInsn++;
  }
  if (c.category === 'unsound') f.unsound++;
  if (c.category === 'false-reject') f.falseReject++;
}

/** The model's `processed N insns` is within ±10 % of the kernel's (the issue's target). */
export const processedWithin10 = (kernel: number, model: number): boolean => Math.abs(model - kernel) <= 0.1 * kernel;

export const pct = (n: number, d: number): string => (d === 0 ? '–' : `${((100 * n) / d).toFixed(1)} %`);
