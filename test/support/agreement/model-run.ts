// Runs the verifier model on a prepared corpus program, with no system call: the maps are
// described to it by fd, as the harness created them for the kernel.

import { PROGRAM_TYPE_NAMES } from '../../../loader/index.js';
import { checkStructure, type FdKind } from '../../../verifier/index.js';
import type { PreparedProgram } from './kernel-label.js';

export type ModelOutcome =
  | {
      readonly kind: 'verdict';
      readonly verdict: 'accept' | 'reject';
      readonly errno: string | null;
      readonly message: string | null;
      readonly insnIndex: number | null;
      readonly insnsProcessed: number | null;
    }
  /** The model has no verdict for this program (a stage that is not built yet, or a bug it reports). */
  | { readonly kind: 'not-modelled'; readonly reason: string };

const typeNames = new Map(PROGRAM_TYPE_NAMES.map(([name, n]) => [n, name]));

export function progTypeName(type: number): string {
  return typeNames.get(type) ?? `type ${type}`;
}

export function runModel(p: { readonly progType: number }, prepared: PreparedProgram): ModelOutcome {
  const fdKind = (fd: number): FdKind => (prepared.maps.has(fd) ? 'map' : fd >= 0 && fd <= 2 ? 'other' : 'closed');
  try {
    const r = checkStructure(prepared.insns, { progType: progTypeName(p.progType), environment: { fdKind } });
    // The structural stage assumes a load without BTF func_info; with it the kernel lets
    // subprograms use LD_ABS and tail calls, so that check does not apply.
    if (r.verdict === 'reject' && r.pass === 'subprogram-contents' && prepared.withFuncInfo === true) {
      return { kind: 'not-modelled', reason: 'the structural stage does not model loads with BTF func_info' };
    }
    if (r.verdict === 'reject') {
      return { kind: 'verdict', verdict: 'reject', errno: r.errno, message: r.message ?? null, insnIndex: r.insnIndex ?? null, insnsProcessed: null };
    }
    return { kind: 'not-modelled', reason: 'passes the structural stage; abstract interpretation is not in this build' };
  } catch (e) {
    return { kind: 'not-modelled', reason: `model error: ${(e as Error).message}` };
  }
}
