// tsbpf verify: the verifier model's verdict on every program of objects, DSL programs or raw
// bytecode, without a kernel (no bpf(2) call; works as any user and where bpf(2) does not exist).
// Each file's programs become one record of the JSON contract (docs/cli.md); the SARIF and JUnit
// reporters are built from the same records.

import { extname } from 'node:path';
import { isElf } from '../../elf/index.js';
import { objectNameOf } from '../../loader/index.js';
import { isGplCompatible } from '../../verifier/index.js';
import { isMismatchReport, readMismatchReport } from './verify-report.js';
import { type SourceLocation, type VerifyCaps, VerifyInputError, verifyObject, verifyWithCaps } from '../verify-object.js';

export { VerifyInputError } from '../verify-object.js';

/** One program's verdict: the `--json` contract's entry. */
export interface VerifyRecord {
  /** The file as given on the command line. */
  readonly file: string;
  /** The program's function name (libbpf's name); for raw bytecode the file as given. */
  readonly name: string;
  /** The ELF section (null for raw bytecode). */
  readonly section: string | null;
  readonly type: string;
  /** true accept, false reject, null: the model cannot tell yet (`notModelled` says why). */
  readonly accepted: boolean | null;
  /** Errno name of a rejection ('EACCES', 'EINVAL', …), null otherwise. */
  readonly errno: string | null;
  /** The rejected instruction (null when the message is about no one instruction) and the kernel's final log line. */
  readonly error: { readonly insn: number | null; readonly message: string } | null;
  /** The kernel's `processed N insns`, as the model counts it; null when no walk ran. */
  readonly insnsProcessed: number | null;
  /** The source line of the rejected instruction (BTF line_info), null without one. */
  readonly source: SourceLocation | null;
  readonly notModelled: string | null;
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
  readonly caps?: VerifyCaps;
}

/** Verifies the programs of `bytes` (an object, or raw bytecode named by `file`). */
export function verifyBytes(bytes: Uint8Array, file: string, options: VerifyCommandOptions): VerifyRecord[] {
  const caps = options.caps === undefined ? {} : { caps: options.caps };
  if (isElf(bytes)) {
    return verifyObject(bytes, {
      ...caps, logLevel: options.logLevel, objectName: objectNameOf(file),
      ...(options.btfPath === undefined ? {} : { btfPath: options.btfPath }),
      ...(options.program === undefined ? {} : { programs: [options.program] }),
      ...(options.type === undefined ? {} : { type: options.type }),
    }).map((v) => ({
      file, name: v.name, section: v.section, type: v.type, accepted: v.accepted, errno: v.errno, error: v.error,
      insnsProcessed: v.stats?.insnsProcessed ?? null, source: v.source, notModelled: v.notModelled, log: options.logLevel > 0 ? v.log : [],
    }));
  }
  if (isMismatchReport(bytes)) {
    const c = readMismatchReport(bytes);
    const v = verifyWithCaps(c.insns, options.type ?? c.type, { ...caps, logLevel: options.logLevel, gpl: isGplCompatible(c.license), maps: c.maps });
    return [{
      file, name: c.name, section: c.section, type: options.type ?? c.type, accepted: v.accepted, errno: v.errno, error: v.error,
      insnsProcessed: v.stats?.insnsProcessed ?? null, source: null, notModelled: v.notModelled, log: options.logLevel > 0 ? v.log : [],
    }];
  }
  if (extname(file) !== '.bin') throw new VerifyInputError(`not an ELF object, a DSL program (.ts), raw bytecode (.bin) or a verifier mismatch report (.json)`);
  if (options.type === undefined) throw new VerifyInputError(`raw bytecode needs --type (e.g. --type xdp)`);
  if (bytes.length === 0 || bytes.length % 8 !== 0) throw new VerifyInputError(`${bytes.length} bytes is not a whole number of 8-byte instructions`);
  const v = verifyWithCaps(bytes, options.type, { ...caps, logLevel: options.logLevel });
  return [{
    file, name: file, section: null, type: options.type, accepted: v.accepted, errno: v.errno, error: v.error,
    insnsProcessed: v.stats?.insnsProcessed ?? null, source: null, notModelled: v.notModelled, log: options.logLevel > 0 ? v.log : [],
  }];
}

/** `file:line:col` of a source location. */
export function formatSource(s: SourceLocation): string {
  return `${s.file}:${s.line}:${s.column}`;
}

/** The text output: one verdict line per program, then its log lines. */
export function formatVerifyRecords(records: readonly VerifyRecord[]): string {
  const files = new Set(records.map((r) => r.file));
  return records.map((r) => {
    const who = files.size > 1 && r.name !== r.file ? `${r.file}: ${r.name}` : r.name;
    const at = r.error?.insn === null || r.error === null ? '' : ` at insn ${r.error.insn}${r.source === null ? '' : ` (${formatSource(r.source)})`}`;
    const head = r.accepted === true
      ? `${who}: accept`
      : r.accepted === null ? `${who}: unknown (not modelled yet: ${r.notModelled ?? ''})` : `${who}: reject (${r.errno ?? '?'})${at}${r.error === null ? ' before the verifier ran' : `: ${r.error.message}`}`;
    return [head, ...r.log.map((l) => `  ${l}`)].join('\n');
  }).join('\n') + '\n';
}

/** The `--json` output: `{ "programs": [ … ] }`. */
export function verifyJson(records: readonly VerifyRecord[]): string {
  return `${JSON.stringify({ programs: records }, null, 2)}\n`;
}

/** Exit status: 1 when any program is rejected; 2 when none is but the model cannot decide one; else 0. */
export function verifyExitStatus(records: readonly VerifyRecord[]): number {
  if (records.some((r) => r.accepted === false)) return 1;
  return records.some((r) => r.accepted === null) ? 2 : 0;
}
