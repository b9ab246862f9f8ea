// Running a verifier model before BPF_PROG_LOAD, as issue 10 asks of loadObject: the model's
// prediction is compared with the kernel's verdict, and when they differ the program and both
// logs go to a report file that is a ready test case (`tsbpf verify REPORT.json` replays it).
// The loader does not import the model (it is a sibling layer): the model comes in as a
// function, registered by the `tsbpf` root entry (and the CLI) or given per call.

import { writeFileSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoaderLog } from './log.js';
import type { PreparedMap } from './prepare.js';
import { errnoName } from './sys/index.js';

/** What a preverifier is given: the program exactly as it goes to BPF_PROG_LOAD. */
export interface PreverifyProgram {
  readonly name: string;
  readonly section: string;
  /** bpftool's name of the program type ('xdp', 'kprobe', …). */
  readonly type: string;
  readonly insns: Uint8Array;
  readonly license: string;
  /** The maps its ld_imm64 instructions name, by fd. */
  readonly maps: ReadonlyMap<number, PreparedMap>;
  /** expected_attach_type, attach_btf_id (kernel BTF) and BPF_F_SLEEPABLE of the load. */
  readonly attach?: { readonly expectedAttachType?: number; readonly attachBtfId?: number; readonly sleepable?: boolean };
}

/** A preverifier's prediction; accepted null: it cannot tell. */
export interface PreverifyVerdict {
  readonly accepted: boolean | null;
  readonly errno: string | null;
  readonly message: string | null;
  readonly insn: number | null;
  readonly log: readonly string[];
}

export type Preverifier = (program: PreverifyProgram) => PreverifyVerdict;

let registered: Preverifier | undefined;

/** Sets the preverifier loadObject uses when its options name none (the `tsbpf` entry sets the verifier model). */
export function setDefaultPreverifier(p: Preverifier | undefined): void {
  registered = p;
}

/** The preverifier for a load: the option's (false: none), else the registered one. */
export function preverifierFor(option: Preverifier | false | undefined): Preverifier | undefined {
  return option === false ? undefined : option ?? registered;
}

/** Runs the preverifier; a failure of the model itself must not stop a load the kernel may take. */
export function runPreverifier(p: Preverifier, program: PreverifyProgram, log: LoaderLog): PreverifyVerdict | undefined {
  try {
    return p(program);
  } catch (e) {
    log('warn', `prog '${program.name}': the verifier model failed (${(e as Error).message}); loading without its prediction`);
    return undefined;
  }
}

/** The kernel's side of a comparison. */
export interface KernelVerdict {
  readonly accepted: boolean;
  readonly errno: number | null;
  readonly log: string;
}

/**
 * Writes the report of a disagreement (program, maps, both verdicts and logs) as JSON into `dir`
 * and returns its path. The file is what `tsbpf verify` reads back to replay the model on it.
 */
export function writeMismatchReport(dir: string | undefined, program: PreverifyProgram, model: PreverifyVerdict, kernel: KernelVerdict): string {
  const path = join(dir ?? tmpdir(), `tsbpf-verifier-mismatch-${program.name}-${process.pid}-${Date.now()}.json`);
  const report = {
    tsbpfVerifierMismatch: 1,
    kernelRelease: release(),
    program: {
      name: program.name, section: program.section, type: program.type, license: program.license,
      insns: Buffer.from(program.insns).toString('hex'),
      maps: [...program.maps].map(([fd, m]) => ({
        fd, name: m.name, type: m.type, keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries, flags: m.flags,
        ...(m.frozenValue === undefined ? {} : { frozenValue: Buffer.from(m.frozenValue).toString('hex') }),
      })),
    },
    model: model,
    kernel: { accepted: kernel.accepted, errno: kernel.errno === null ? null : errnoName(kernel.errno), log: kernel.log.split('\n').filter((l) => l !== '') },
  };
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`, { mode: 0o644 });
  return path;
}
