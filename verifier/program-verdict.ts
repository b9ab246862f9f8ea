// verify(): the model's answer in the shape users of a verifier expect (accepted, errno, the
// failing instruction and message, the log, the statistics the kernel prints), over
// verifyProgram's richer result.

import type { ProgramInput } from './slots.js';
import { verifyProgram, type VerifyOptions } from './verify.js';

/** What the kernel prints after a verification, as the model counts it. */
export interface VerifierStats {
  /** `processed N insns`. */
  readonly insnsProcessed: number;
  readonly totalStates: number;
  readonly peakStates: number;
  readonly maxStatesPerInsn: number;
  /** `stack depth A+B+…`: bytes per subprogram, in slots of 8. */
  readonly stackDepth: readonly number[];
}

export interface ProgramVerdict {
  /** true: the kernel would accept; false: it would reject; null: the model cannot tell (see notModelled). */
  readonly accepted: boolean | null;
  /** The errno name of a rejection ('EACCES', 'EINVAL', …), null otherwise. */
  readonly errno: string | null;
  /** The rejection: the kernel's final log line and the instruction it is about (null when none). */
  readonly error: { readonly insn: number | null; readonly message: string } | null;
  readonly log: readonly string[];
  /** null when the structural stage decided (no walk) or the model could not. */
  readonly stats: VerifierStats | null;
  /** What the model does not model, when accepted is null. */
  readonly notModelled: string | null;
  /** Facts about the loading environment that were assumed rather than known. */
  readonly assumptions: readonly string[];
}

/** The model's verdict on one program. */
export function verify(program: ProgramInput, options: VerifyOptions = {}): ProgramVerdict {
  const r = verifyProgram(program, options);
  const stats = r.stats === undefined || r.insnsProcessed === undefined ? null : { insnsProcessed: r.insnsProcessed, ...r.stats };
  if (r.verdict === 'unknown') {
    return { accepted: null, errno: null, error: null, log: r.log, stats: null, notModelled: r.notModelled ?? 'not modelled', assumptions: r.assumptions };
  }
  if (r.verdict === 'accept') return { accepted: true, errno: null, error: null, log: r.log, stats, notModelled: null, assumptions: r.assumptions };
  return {
    accepted: false, errno: r.errno ?? null,
    // EPERM without a message: refused before the verifier ran (no log at all).
    error: r.errno === 'EPERM' && r.message === undefined ? null : { insn: r.insnIndex ?? null, message: r.message ?? '' },
    log: r.log, stats, notModelled: null, assumptions: r.assumptions,
  };
}
