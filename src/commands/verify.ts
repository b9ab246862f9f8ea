// tsbpf verify: the verifier model's verdict on every program of an object, a DSL program or raw
// bytecode, without a kernel (no bpf(2) call; works as any user and where bpf(2) does not exist).
// An object is prepared as the loader prepares it (CO-RE, subprograms, relocations) with stand-in
// map fds the model is told about.

import { extname } from 'node:path';
import { isElf } from '../../elf/index.js';
import { TsbpfError } from '../../isa/index.js';
import { type PreparedMap, prepareObjectPrograms } from '../../loader/index.js';
import { verifyProgram } from '../../verifier/index.js';

/** An input `tsbpf verify` cannot take (raw bytecode of a bad length, no program type). */
export class VerifyInputError extends TsbpfError {
  override readonly name = 'VerifyInputError';
}

export interface VerifyReport {
  /** The program's function name (libbpf's name), or the file name for raw bytecode. */
  readonly program: string;
  /** 'unknown': the program uses something the model does not model yet (`message` says what). */
  readonly verdict: 'accept' | 'reject' | 'unknown';
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

/** Messages of the structural stage's no-BTF subprogram rule, which loads with func_info do not get. */
const NO_BTF_SUBPROG = /^(LD_ABS|tail_call) is not allowed in subprogs without BTF$/;

function modelVerdict(program: string, insns: Uint8Array, type: string, maps: ReadonlyMap<number, PreparedMap>, withFuncInfo: boolean, logLevel: number): VerifyReport {
  const r = verifyProgram(insns, { progType: type, maps: (fd) => maps.get(fd), logLevel });
  if (r.verdict === 'unknown' || (r.verdict === 'reject' && withFuncInfo && NO_BTF_SUBPROG.test(r.message ?? ''))) {
    const why = r.verdict === 'unknown' ? r.notModelled ?? 'not modelled' : 'loads with BTF func_info';
    return { program, verdict: 'unknown', errno: null, message: `not modelled yet: ${why}`, insnIndex: null, log: [] };
  }
  const log = logLevel > 0 ? r.log : [];
  if (r.verdict === 'accept') return { program, verdict: 'accept', errno: null, message: null, insnIndex: null, log };
  return { program, verdict: 'reject', errno: r.errno ?? null, message: r.message ?? null, insnIndex: r.insnIndex ?? null, log };
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
      : r.verdict === 'unknown' ? `${r.program}: unknown (${r.message ?? ''})` : `${r.program}: reject (${r.errno ?? '?'})${r.insnIndex === null ? '' : ` at insn ${r.insnIndex}`}: ${r.message ?? ''}`;
    return [head, ...r.log.map((l) => `  ${l}`)].join('\n');
  }).join('\n') + '\n';
}

export function verifyJson(file: string, reports: readonly VerifyReport[]): string {
  return `${JSON.stringify({ file, programs: reports }, null, 2)}\n`;
}
