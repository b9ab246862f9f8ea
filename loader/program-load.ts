// BPF_PROG_LOAD with the verifier log: loads first without a log (as libbpf does); on failure
// loads again with log level 1 in a buffer that grows until the whole log fits, and throws a
// LoadError carrying errno, program, section, the log and the failing source line.

import type { PreverifyVerdict } from './preverify.js';
import { OwnedFd } from './fd.js';
import { bpfRaw, BpfCommand, encodeAttr, errnoMessage, errnoName, objectName, type Pointee, pointee, ProgLoadAttr, readAttr } from './sys/index.js';
import { TsbpfError } from '../isa/index.js';

export interface FuncInfoRecord { readonly insnOff: number; readonly typeId: number }
export interface LineInfoRecord {
  readonly insnOff: number;
  readonly fileNameOff: number;
  readonly lineOff: number;
  /** line << 10 | column */
  readonly lineCol: number;
}

export interface ProgramLoadSpec {
  readonly name: string;
  readonly section: string;
  readonly type: number;
  /** Instructions, 8 bytes a slot. */
  readonly insns: Uint8Array;
  readonly license: string;
  readonly expectedAttachType?: number;
  readonly flags?: number;
  readonly kernVersion?: number;
  readonly btfFd?: number;
  readonly funcInfo?: readonly FuncInfoRecord[];
  readonly lineInfo?: readonly LineInfoRecord[];
  readonly attachBtfId?: number;
  readonly attachBtfObjFd?: number;
  readonly attachProgFd?: number;
  readonly fdArray?: readonly number[];
  /** 0: log only on failure (default). 1/2: always log at that level, kept in the result. */
  readonly logLevel?: number;
  /** Resolves a line_info record's strings into "file:line: text" for error messages. */
  readonly sourceLine?: (rec: LineInfoRecord) => string;
}

/** The kernel refused the program. */
export class LoadError extends TsbpfError {
  override readonly name = 'LoadError';
  constructor(
    readonly program: string,
    readonly section: string,
    readonly errno: number,
    /** Full verifier log (empty when the kernel wrote none). */
    readonly log: string,
    /** Instruction index the verifier stopped at, from the log, when it says. */
    readonly insnIndex: number | undefined,
    /** "file:line: source text" of that instruction, from line_info. */
    readonly sourceLine: string | undefined,
  ) {
    const code = errnoName(errno);
    const last = lastLogLine(log);
    super(`program ${program} (section ${section}) rejected: ${code} (${errnoMessage(errno)})${last === '' ? '' : `: ${last}`}${sourceLine === undefined ? '' : ` at ${sourceLine}`}`);
  }
  get code(): string { return errnoName(this.errno); }

  /** The verifier model's prediction for this program, when one ran (LoadObjectOptions.preverify). */
  model?: PreverifyVerdict;
  /** The disagreement report written when the model had accepted the program. */
  mismatchReport?: string;
}

/** The verifier's verdict line: the last line that is not a statistics line. */
export function lastLogLine(log: string): string {
  const lines = log.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !/^(processed \d+ insns|verification time|stack depth|-- END PROG LOAD LOG --)/.test(l));
  return lines.at(-1) ?? '';
}

/** Instruction index of the last instruction the verifier printed ("12: (85) call …"). */
export function failingInsn(log: string): number | undefined {
  let found: number | undefined;
  for (const m of log.matchAll(/^(\d+): \([0-9a-f]{2}\)/gm)) found = Number(m[1]);
  return found;
}

export interface LoadedProgram {
  readonly fd: OwnedFd;
  readonly log: string;
}

const INITIAL_LOG = 64 * 1024;
const MAX_LOG = 1 << 30;

/** The PROG_LOAD attr, with the instructions, license, func/line info and fd array in its buffer. */
function attrFor(spec: ProgramLoadSpec, log?: Pointee, level = 0): Buffer {
  const lic = Buffer.from(`${spec.license}\0`);
  const fi = spec.funcInfo !== undefined && spec.funcInfo.length > 0 ? packFuncInfo(spec.funcInfo) : undefined;
  const li = spec.lineInfo !== undefined && spec.lineInfo.length > 0 ? packLineInfo(spec.lineInfo) : undefined;
  const fda = spec.fdArray !== undefined && spec.fdArray.length > 0 ? Buffer.from(new Int32Array(spec.fdArray).buffer) : undefined;
  return encodeAttr(ProgLoadAttr, {
    prog_type: spec.type, insn_cnt: spec.insns.length / 8, insns: pointee(spec.insns), license: pointee(lic),
    log_level: log === undefined ? 0 : level, log_size: log?.size ?? 0, log_buf: log ?? 0n,
    kern_version: spec.kernVersion ?? 0, prog_flags: spec.flags ?? 0, prog_name: objectName(spec.name),
    expected_attach_type: spec.expectedAttachType ?? 0, prog_btf_fd: spec.btfFd ?? 0,
    ...(fi === undefined ? {} : { func_info_rec_size: 8, func_info: pointee(fi), func_info_cnt: spec.funcInfo!.length }),
    ...(li === undefined ? {} : { line_info_rec_size: 16, line_info: pointee(li), line_info_cnt: spec.lineInfo!.length }),
    attach_btf_id: spec.attachBtfId ?? 0,
    ...(spec.attachProgFd !== undefined ? { attach_prog_fd: spec.attachProgFd } : spec.attachBtfObjFd !== undefined ? { attach_btf_obj_fd: spec.attachBtfObjFd } : {}),
    ...(fda === undefined ? {} : { fd_array: pointee(fda) }),
  });
}

function packFuncInfo(recs: readonly FuncInfoRecord[]): Buffer {
  const b = Buffer.alloc(recs.length * 8);
  recs.forEach((r, i) => { b.writeUInt32LE(r.insnOff, i * 8); b.writeUInt32LE(r.typeId, i * 8 + 4); });
  return b;
}

function packLineInfo(recs: readonly LineInfoRecord[]): Buffer {
  const b = Buffer.alloc(recs.length * 16);
  recs.forEach((r, i) => {
    b.writeUInt32LE(r.insnOff, i * 16); b.writeUInt32LE(r.fileNameOff, i * 16 + 4);
    b.writeUInt32LE(r.lineOff, i * 16 + 8); b.writeUInt32LE(r.lineCol >>> 0, i * 16 + 12);
  });
  return b;
}

const EAGAIN = 11;

/** Loads one program; throws LoadError when the kernel refuses it. */
export function loadProgram(spec: ProgramLoadSpec): LoadedProgram {
  if (spec.insns.length % 8 !== 0) throw new Error(`program ${spec.name}: ${spec.insns.length} bytes is not a whole number of instructions`);
  const wanted = spec.logLevel ?? 0;
  let logSize = INITIAL_LOG;
  let log: Pointee | undefined = wanted > 0 ? pointee(logSize) : undefined;
  let interrupted = 0;
  for (;;) {
    const attr = attrFor(spec, log, wanted > 0 ? wanted : 1);
    const r = bpfRaw(BpfCommand.PROG_LOAD, attr);
    if (r >= 0) return { fd: new OwnedFd(r, `program ${spec.name}`), log: log === undefined ? '' : log.cString() };
    const errno = -r;
    // EAGAIN: the verifier stopped for a pending signal (a profiler's SIGPROF, a child's SIGCHLD);
    // libbpf retries 5 times, and so do we.
    if (errno === EAGAIN && ++interrupted < 5) continue;
    if (log === undefined) {
      // First failure without a log: load again with one.
      log = pointee(logSize);
      continue;
    }
    // ENOSPC: the log did not fit. log_true_size (5.x+) says how big it must be.
    const trueSize = readAttr(ProgLoadAttr, attr, 'log_true_size');
    if (errno === 28 && logSize < MAX_LOG) {
      logSize = Math.min(MAX_LOG, Math.max(logSize * 4, trueSize + 1));
      log = pointee(logSize);
      continue;
    }
    const text = log.cString();
    const insnIndex = failingInsn(text);
    let source: string | undefined;
    if (insnIndex !== undefined && spec.lineInfo !== undefined && spec.sourceLine !== undefined) {
      let best: LineInfoRecord | undefined;
      for (const l of spec.lineInfo) if (l.insnOff <= insnIndex && (best === undefined || l.insnOff >= best.insnOff)) best = l;
      if (best !== undefined) source = spec.sourceLine(best);
    }
    throw new LoadError(spec.name, spec.section, errno, text, insnIndex, source);
  }
}
