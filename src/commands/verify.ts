// tsbpf verify: the verifier model's verdict on every program of an object, a DSL program or raw
// bytecode, without a kernel (no bpf(2) call; works as any user and where bpf(2) does not exist).
// An object is prepared as the loader prepares it (CO-RE, subprograms, relocations) with stand-in
// map fds the model is told about.

import { extname } from 'node:path';
import { isElf } from '../../elf/index.js';
import { TsbpfError } from '../../isa/index.js';
import { type PreparedMap, prepareObjectPrograms } from '../../loader/index.js';
import { checkStructure, type FdKind } from '../../verifier/index.js';

/** An input `tsbpf verify` cannot take (raw bytecode of a bad length, no program type). */
export class VerifyInputError extends TsbpfError {
  override readonly name = 'VerifyInputError';
}

export interface VerifyReport {
  /** The program's function name (libbpf's name), or the file name for raw bytecode. */
  readonly program: string;
  readonly verdict: 'accept' | 'reject';
  /** errno name of a rejection ('EACCES', 'EINVAL', …), null on accept. */
  readonly errno: string | null;
  /** The kernel's final log line for a rejection, null on accept. */
  readonly message: string | null;
  /** The instruction the rejection is about, when there is one. */
  readonly insnIndex: number | null;
  /** The log at the requested level (empty at level 0). */
  readonly log: readonly string[];
}

export interface VerifyCommandOptions {
  readonly program?: string;
  /** Program type (bpftool's name); required for raw bytecode, overrides an object's sections. */
  readonly type?: string;
  readonly logLevel: number;
  /** BTF for CO-RE and kfuncs (default the running kernel's). */
  readonly btfPath?: string;
}

/** What the model can say today: the structural stage (abstract interpretation is built on branch verifier-core). */
const STRUCTURE_ONLY = 'structural checks passed; abstract interpretation is not modelled in this build';

function modelVerdict(program: string, insns: Uint8Array, type: string, maps: ReadonlyMap<number, PreparedMap>, withFuncInfo: boolean, logLevel: number): VerifyReport {
  const fdKind = (fd: number): FdKind => (maps.has(fd) ? 'map' : fd >= 0 && fd <= 2 ? 'other' : 'closed');
  const r = checkStructure(insns, { progType: type, environment: { fdKind } });
  if (r.verdict === 'reject' && !(r.pass === 'subprogram-contents' && withFuncInfo)) {
    return { program, verdict: 'reject', errno: r.errno, message: r.message ?? null, insnIndex: r.insnIndex ?? null, log: logLevel > 0 ? r.log : [] };
  }
  return { program, verdict: 'accept', errno: null, message: null, insnIndex: null, log: logLevel > 0 ? [STRUCTURE_ONLY] : [] };
}

/** Verifies the programs of `bytes` (an object, or raw bytecode named by `file`). */
export function verifyBytes(bytes: Uint8Array, file: string, options: VerifyCommandOptions): VerifyReport[] {
  if (isElf(bytes)) {
    const prepared = prepareObjectPrograms(bytes, {
      ...(options.btfPath === undefined ? {} : { btfPath: options.btfPath }),
      ...(options.program === undefined ? {} : { programs: [options.program] }),
    });
    if (options.program !== undefined && prepared.length === 0) throw new VerifyInputError(`no program ${options.program}`);
    if (prepared.length === 0) throw new VerifyInputError(`the object has no programs`);
    return prepared.map((p) => {
      const type = options.type ?? p.type;
      if (type === undefined) throw new VerifyInputError(`program ${p.name}: section ${p.section} names no program type (give --type)`);
      return modelVerdict(p.name, p.insns, type, p.maps, p.funcInfo.length > 0, options.logLevel);
    });
  }
  if (extname(file) !== '.bin') throw new VerifyInputError(`not an ELF object, a DSL program (.ts) or raw bytecode (.bin)`);
  if (options.type === undefined) throw new VerifyInputError(`raw bytecode needs --type (e.g. --type xdp)`);
  if (bytes.length === 0 || bytes.length % 8 !== 0) throw new VerifyInputError(`${bytes.length} bytes is not a whole number of 8-byte instructions`);
  return [modelVerdict(file, bytes, options.type, new Map(), false, options.logLevel)];
}

/** The text output: one verdict line per program, then its log lines. */
export function formatVerifyReports(reports: readonly VerifyReport[]): string {
  return reports.map((r) => {
    const head = r.verdict === 'accept'
      ? `${r.program}: accept`
      : `${r.program}: reject (${r.errno ?? '?'})${r.insnIndex === null ? '' : ` at insn ${r.insnIndex}`}: ${r.message ?? ''}`;
    return [head, ...r.log.map((l) => `  ${l}`)].join('\n');
  }).join('\n') + '\n';
}

export function verifyJson(file: string, reports: readonly VerifyReport[]): string {
  return `${JSON.stringify({ file, programs: reports }, null, 2)}\n`;
}
