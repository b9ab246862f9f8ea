// The verifier's verdict on a subject: the model's (verifier/, no kernel) and the kernel's
// (BPF_PROG_LOAD, when asked), in one shape so the matchers compare them alike.

import { encodeInstructions } from '../../isa/index.js';
import { lastLogLine, LoadError } from '../../loader/index.js';
import { verifyProgram } from '../../verifier/index.js';
import { verifyObject } from '../verify-object.js';
import { type BackendName, loadIntoKernel } from './backends.js';
import { isObjectProgram, type TestSubject } from './subject.js';

export interface Verdict {
  readonly by: 'model' | BackendName;
  readonly verdict: 'accept' | 'reject' | 'unknown';
  /** The final log line of a rejection; what is not modelled for 'unknown'. */
  readonly message?: string;
  readonly errno?: string;
  readonly insnIndex?: number;
}

export function modelVerdict(subject: TestSubject): Verdict {
  if (isObjectProgram(subject)) {
    const [r] = verifyObject(subject.elf, { programs: [subject.program], logLevel: 1 });
    const message = r!.accepted === null ? `not modelled yet: ${r!.notModelled ?? 'not modelled'}` : r!.error?.message;
    return {
      by: 'model', verdict: r!.accepted === true ? 'accept' : r!.accepted === false ? 'reject' : 'unknown', ...(message === undefined ? {} : { message }),
      ...(r!.errno === null ? {} : { errno: r!.errno }), ...(r!.error === null || r!.error.insn === null ? {} : { insnIndex: r!.error.insn }),
    };
  }
  const maps = subject.maps ?? [];
  const r = verifyProgram(encodeInstructions(subject.insns), { progType: subject.type, maps: (fd) => maps[fd], logLevel: 1 });
  const message = r.verdict === 'unknown' ? `not modelled yet: ${r.notModelled ?? 'not modelled'}` : r.message;
  return {
    by: 'model', verdict: r.verdict, ...(message === undefined ? {} : { message }), ...(r.errno === undefined ? {} : { errno: r.errno }),
    ...(r.insnIndex === undefined ? {} : { insnIndex: r.insnIndex }),
  };
}

export function kernelVerdict(subject: TestSubject): Verdict {
  try {
    loadIntoKernel(subject).close();
    return { by: 'kernel', verdict: 'accept' };
  } catch (e) {
    if (!(e instanceof LoadError)) throw e;
    const message = lastLogLine(e.log);
    return { by: 'kernel', verdict: 'reject', errno: e.code, ...(message === '' ? {} : { message }), ...(e.insnIndex === undefined ? {} : { insnIndex: e.insnIndex }) };
  }
}

export function describeVerdict(v: Verdict): string {
  const who = v.by === 'model' ? 'the verifier model' : 'the kernel';
  if (v.verdict === 'accept') return `${who} accepted it`;
  if (v.verdict === 'unknown') return `${who} could not say (${v.message ?? 'not modelled'})`;
  const at = v.insnIndex === undefined ? '' : ` at instruction ${v.insnIndex}`;
  return `${who} rejected it${at}${v.errno === undefined ? '' : ` (${v.errno})`}: ${v.message ?? '(no message)'}`;
}
