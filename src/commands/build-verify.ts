// tsbpf build runs the verifier model on the object it built, so that a program the kernel would
// refuse is reported at its TypeScript line before anything is written. A program the model cannot
// decide, or an object it cannot prepare here (no kernel BTF for CO-RE), is not an error: the
// build is still right, only unchecked.

import { TsbpfError } from '../../isa/index.js';
import { verifyObject } from '../verify-object.js';

/** One line per program the model rejects: `file:line:col: error: …` (the object's line_info), or `FILE: error: …` without one. */
export function buildRejections(bytes: Uint8Array, file: string): string[] {
  let verdicts;
  try {
    verdicts = verifyObject(bytes, { logLevel: 0 });
  } catch (e) {
    if (e instanceof TsbpfError) return [];
    throw e;
  }
  return verdicts.filter((v) => v.accepted === false).map((v) => {
    const where = v.source === null ? file : `${v.source.file}:${v.source.line}:${v.source.column}`;
    const insn = v.error?.insn === null || v.error === undefined || v.error === null ? '' : ` at insn ${v.error.insn}`;
    return `${where}: error: the kernel verifier would reject ${v.name} (${v.errno ?? '?'}${insn}): ${v.error?.message ?? ''}`;
  });
}
