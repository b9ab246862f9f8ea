// verifyProgram: the whole model — the structural stage, then the path walk —
// with the kernel's verdict, errno, final message and failing instruction.

import type { Btf } from '../elf/index.js';
import { checkStructure } from './check.js';
import { resolveAttachProto } from './model/attach-proto.js';
import type { ModelOptions } from './model/env.js';
import type { MapInfo } from './model/map-info.js';
import type { ModelErrno } from './model/outcome.js';
import { walk, type WalkStats } from './model/walk.js';
import { resolveOptions, type StructureOptions } from './options.js';
import { type ProgramInput, toRawSlots } from './slots.js';
import { ctxTable } from './tables/ctx.js';
import { helperAvailable, helperPrototype } from './tables/helpers.js';
import { programHelperAvailable, programHelperPrototype } from './tables/program-helpers.js';
import { helperNeedsPerfmon, progTypeNeedsMoreThanCapBpf, UNPRIVILEGED_PROG_TYPES, unprivilegedHelperAvailable } from './tables/cap-bpf.js';
import { unprivilegedCtxTable } from './tables/ctx-unprivileged.js';
import { MAX_UNPRIVILEGED_PROGRAM_SLOTS } from './check.js';

export type { MapInfo } from './model/map-info.js';

export interface VerifyOptions extends StructureOptions {
  /** Maps the program's ld_imm64 instructions name, by fd. */
  readonly maps?: Readonly<Record<number, MapInfo>> | ((fd: number) => MapInfo | undefined);
  /** Whether the license is GPL-compatible (default true). */
  readonly gpl?: boolean;
  /** The load's BPF_F_STRICT_ALIGNMENT flag: every pointer's accesses are checked for alignment. */
  readonly strictAlignment?: boolean;
  /** 0, 1 or 2: which log lines to produce (default 1). */
  readonly logLevel?: number;
  /** The target kernel's BTF (tsbpf/elf decodeBtf of /sys/kernel/btf/vmlinux or --btf): kfunc calls and BTF pointers need it. */
  readonly kernelBtf?: Btf;
  /**
   * The loader has CAP_BPF but neither CAP_PERFMON nor CAP_SYS_ADMIN (with `privileged` left true:
   * bpf_capable). Program types that need more are refused with EPERM before the verifier.
   */
  readonly capBpfOnly?: boolean;
  /** The load's BPF_F_TEST_STATE_FREQ flag: a state is kept at every prune point. */
  readonly testStateFreq?: boolean;
}

export interface VerifyResult {
  /** 'unknown': the program uses something the model does not model (see `notModelled`). */
  readonly verdict: 'accept' | 'reject' | 'unknown';
  readonly errno?: ModelErrno;
  /** The kernel's final log line (the last one before the statistics). */
  readonly message?: string;
  readonly insnIndex?: number;
  readonly log: readonly string[];
  readonly insnsProcessed?: number;
  /** The walk's statistics (absent when the structural stage decided or the model could not). */
  readonly stats?: WalkStats;
  readonly notModelled?: string;
  /** Facts about the loading environment that were assumed rather than known. */
  readonly assumptions: readonly string[];
}

function mapLookup(maps: VerifyOptions['maps']): (fd: number) => MapInfo | undefined {
  if (maps === undefined) return () => undefined;
  if (typeof maps === 'function') return maps;
  return (fd) => maps[fd];
}

export function verifyProgram(input: ProgramInput, options: VerifyOptions = {}): VerifyResult {
  const capBpfOnly = options.capBpfOnly === true && (options.privileged ?? true);
  const resolved = resolveOptions(options);
  const unprivileged = !resolved.privileged;
  if (capBpfOnly && progTypeNeedsMoreThanCapBpf(resolved.progType)) return { verdict: 'reject', errno: 'EPERM', log: [], assumptions: [] };
  if (unprivileged && !UNPRIVILEGED_PROG_TYPES.has(resolved.progType)) {
    // bpf_prog_load checks the size first.
    const n = toRawSlots(input).length;
    return { verdict: 'reject', errno: n === 0 || n > MAX_UNPRIVILEGED_PROGRAM_SLOTS ? 'E2BIG' : 'EPERM', log: [], assumptions: [] };
  }
  const map = mapLookup(options.maps);
  const environment = {
    ...options.environment,
    fdKind: options.environment?.fdKind ?? ((fd: number) => (map(fd) !== undefined ? 'map' : fd >= 0 && fd <= 2 ? 'other' : 'closed')),
  };
  // The fields the structural stage reads (a spread of every option cost more than that stage on small programs).
  const structure = checkStructure(input, {
    progType: options.progType, privileged: options.privileged, environment, functions: options.functions,
    expectedAttachType: options.expectedAttachType, attachBtfId: options.attachBtfId, sleepable: options.sleepable,
  });
  if (structure.verdict === 'reject') {
    return {
      verdict: 'reject', errno: structure.errno, log: structure.log, assumptions: structure.assumptions,
      ...(structure.message === undefined ? {} : { message: structure.message }),
      ...(structure.insnIndex === undefined ? {} : { insnIndex: structure.insnIndex }),
    };
  }
  const progType = resolved.progType;
  // Sleepable programs walk pointers outside RCU sections, which the BTF context does not model.
  const attach = options.kernelBtf === undefined || options.attachBtfId === undefined || options.sleepable === true
    ? undefined : resolveAttachProto(options.kernelBtf, progType, options.expectedAttachType ?? 0, options.attachBtfId);
  const opts: ModelOptions = {
    progType,
    // CAP_BPF alone: bpf_capable (the structural stage above) but no pointer leaks, no uninitialised stack reads;
    // without CAP_BPF, not bpf_capable either.
    privileged: resolved.privileged && !capBpfOnly,
    ...(capBpfOnly || unprivileged ? { capBpfOnly: true } : {}),
    ...(unprivileged ? { unprivileged: true } : {}),
    gpl: options.gpl ?? true,
    expectedAttachType: options.expectedAttachType ?? 0,
    strictAlignment: options.strictAlignment ?? false,
    map,
    ctx: unprivileged ? unprivilegedCtxTable(ctxTable(progType, options.expectedAttachType ?? 0)) : ctxTable(progType, options.expectedAttachType ?? 0),
    helper: (id) => programHelperPrototype(progType, id) ?? helperPrototype(id),
    // raw_tracepoint_writable programs get raw_tp_prog_func_proto's helpers, as raw_tracepoint ones.
    helperAvailable: (id) => (options.environment?.helperAvailable?.(progType, id) === false ? false
      : unprivileged ? unprivilegedHelperAvailable(progType, id) : capBpfOnly && helperNeedsPerfmon(id) ? false
      : programHelperAvailable(progType, id, options.expectedAttachType ?? 0)
        ?? helperAvailable(progType === 'raw_tracepoint_writable' ? 'raw_tracepoint' : progType, id, options.expectedAttachType ?? 0)),
    ...(options.functions === undefined ? {} : { functions: options.functions }),
    ...(options.kernelBtf === undefined ? {} : { kernelBtf: options.kernelBtf }),
    ...(options.sleepable === true ? { sleepable: true } : {}),
    ...(attach === undefined ? {} : { attach }),
    ...(options.testStateFreq === true ? { testStateFreq: true } : {}),
  };
  const level = options.logLevel ?? 1;
  const result = walk({ slots: toRawSlots(input), subprograms: structure.subprograms, faults: structure.instructionFaults, options: opts, traceInstructions: level >= 2 });
  const trace = level >= 2 ? result.trace : [];
  if (result.verdict === 'unknown') {
    return { verdict: 'unknown', notModelled: result.notModelled, insnIndex: result.insnIndex, log: trace, assumptions: structure.assumptions };
  }
  const stats = `processed ${result.insnsProcessed} insns (limit 1000000) max_states_per_insn ${result.stats.maxStatesPerInsn} total_states ${result.stats.totalStates} peak_states ${result.stats.peakStates} mark_read 0`;
  if (result.verdict === 'accept') {
    return { verdict: 'accept', log: level >= 1 ? [...trace, stats] : [], insnsProcessed: result.insnsProcessed, stats: result.stats, assumptions: structure.assumptions };
  }
  const message = result.lines[result.lines.length - 1];
  return {
    verdict: 'reject', errno: result.errno, insnsProcessed: result.insnsProcessed, stats: result.stats,
    ...(result.insnIndex === undefined ? {} : { insnIndex: result.insnIndex }),
    // At level 2 the statistics follow the message too (the model's level 1 keeps only the message).
    log: level >= 2 ? [...trace, ...result.lines, stats] : level >= 1 ? [...trace, ...result.lines] : [],
    ...(message === undefined ? {} : { message }),
    assumptions: structure.assumptions,
  };
}
