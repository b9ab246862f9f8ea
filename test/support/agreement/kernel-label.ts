// Labels a corpus program with the running kernel: creates its maps, patches their fds in,
// loads it with BPF_PROG_LOAD at log level 1 (default flags otherwise, as root) and keeps the
// verdict, errno, final log line, failing instruction and `processed N insns`.

import { BpfMap, failingInsn, kernelBtf, lastLogLine, LoadError, loadBtf, loadObject, loadProgram, type OwnedFd } from '../../../loader/index.js';
import { sys } from '../../../src/internal.js';
import type { ObjectProgram } from './object-corpus.js';
import type { Verdict } from './model-run.js';
import type { CorpusMap, CorpusProgram } from './corpus.js';
import type { FunctionInfo } from '../../../verifier/index.js';
import { rawFunctions } from './functions.js';
import { TEST_VERIFIER_BTF_BLOB } from './test-verifier-btf.js';

export type KernelOutcome =
  | (Verdict & { readonly log: string; readonly fromStatistics?: true })
  /** Refused before the verifier ran (EPERM with an empty log: this machine's policy). */
  | { readonly kind: 'refused'; readonly errno: string }
  /** The harness could not set the program up here (a map it cannot create, a missing kfunc). */
  | { readonly kind: 'not-replayed'; readonly reason: string };

/** The environment the model needs to see the same program: map fds and what they are. */
export interface PreparedProgram {
  readonly insns: Uint8Array;
  readonly maps: ReadonlyMap<number, CorpusMap>;
  /** Loaded with BTF func_info (objects with .BTF.ext; test_verifier cases with func_info). */
  readonly withFuncInfo?: boolean;
  /** The func_info's subprograms (names, global linkage), for the model. */
  readonly functions?: readonly FunctionInfo[];
  /** Loaded with BPF_F_SLEEPABLE (objects: a `.s` section). */
  readonly sleepable?: boolean;
}

const PROCESSED = /^processed (\d+) insns/m;

function patchImm(insns: Uint8Array, slot: number, imm: number): void {
  new DataView(insns.buffer, insns.byteOffset, insns.byteLength).setInt32(slot * 8 + 4, imm, true);
}

function createMap(m: CorpusMap, owned: { close(): void }[]): number {
  let innerMapFd: number | undefined;
  if (m.inner !== undefined) {
    const inner = BpfMap.create({ name: 'inner', ...m.inner });
    owned.push(inner);
    innerMapFd = inner.fd;
  }
  let btf: { btfFd: number; btfKeyTypeId: number; btfValueTypeId: number } | undefined;
  if (m.btfValueType !== undefined) {
    const fd = loadBtf(TEST_VERIFIER_BTF_BLOB);
    owned.push(fd);
    btf = { btfFd: fd.fd, btfKeyTypeId: 1, btfValueTypeId: m.btfValueType };
  }
  const map = BpfMap.create({ name: m.name.slice(0, 15), type: m.type, keySize: m.keySize, valueSize: m.valueSize,
    maxEntries: m.maxEntries, flags: m.flags, ...(innerMapFd === undefined ? {} : { innerMapFd }), ...btf });
  owned.push(map);
  return map.fd;
}

/**
 * Sets the program up (maps, kfunc ids), runs `use` with the patched program while the maps are
 * open, then closes everything. `use` receives undefined when the program cannot be set up here.
 */
export function withPrepared<T>(p: CorpusProgram, use: (prepared: PreparedProgram | { reason: string }) => T): T {
  const owned: { close(): void }[] = [];
  try {
    const insns = p.insns.slice();
    const maps = new Map<number, CorpusMap>();
    for (const m of p.maps) {
      if (m.unsupported !== undefined) return use({ reason: m.unsupported });
      let fd: number;
      try {
        fd = createMap(m, owned);
      } catch (e) {
        return use({ reason: `map ${m.name}: ${(e as Error).message}` });
      }
      maps.set(fd, m);
      for (const s of m.slots) patchImm(insns, s, fd);
    }
    for (const k of p.kfuncs) {
      const id = kernelBtf().findByName(k.name, 'FUNC')[0];
      if (id === undefined) return use({ reason: `kfunc ${k.name} is not in this kernel's BTF` });
      patchImm(insns, k.insn, id);
    }
    const functions = p.funcInfo !== undefined && p.btf !== undefined ? rawFunctions(p.btf, p.funcInfo) : undefined;
    return use({ insns, maps, withFuncInfo: p.funcInfo !== undefined, ...(functions === undefined ? {} : { functions }) });
  } finally {
    for (const o of owned.reverse()) o.close();
  }
}

/** Loads the prepared program and reads the kernel's outcome. */
export function labelWithKernel(p: CorpusProgram, prepared: PreparedProgram, logLevel = 1): KernelOutcome {
  let btfFd: OwnedFd | undefined;
  try {
    if (p.btf !== undefined) {
      try {
        btfFd = loadBtf(p.btf);
      } catch (e) {
        return { kind: 'not-replayed', reason: `program BTF: ${(e as Error).message}` };
      }
    }
    let attachBtfId: number | undefined;
    if (p.attachTo !== undefined) {
      attachBtfId = attachTarget(p.attachTo, p.expectedAttachType);
      if (attachBtfId === undefined) return { kind: 'not-replayed', reason: `attach target ${p.attachTo} is not in this kernel's BTF` };
    }
    try {
      const loaded = loadProgram({
        name: 'agreement', section: p.name, type: p.progType, insns: prepared.insns, license: p.license,
        expectedAttachType: p.expectedAttachType, flags: p.progFlags, logLevel,
        ...(btfFd === undefined ? {} : { btfFd: btfFd.fd }),
        ...(p.funcInfo === undefined ? {} : { funcInfo: p.funcInfo }),
        ...(attachBtfId === undefined ? {} : { attachBtfId }),
      });
      loaded.fd.close();
      return { kind: 'verdict', verdict: 'accept', errno: null, message: null, insnIndex: null, insnsProcessed: processed(loaded.log), log: loaded.log };
    } catch (e) {
      if (!(e instanceof LoadError)) throw e;
      return rejection(e);
    }
  } finally {
    btfFd?.close();
  }
}

const VERIFICATION_TIME = /^verification time (\d+) usec$/m;

/** BPF_LOG_STATS: the statistics lines alone, the log level whose time the model is compared with. */
export const LOG_STATS = 4;

/** The kernel's own `verification time N usec` in a log written with BPF_LOG_STATS. */
export function verificationUsec(outcome: KernelOutcome): number | undefined {
  if (outcome.kind !== 'verdict') return undefined;
  const m = VERIFICATION_TIME.exec(outcome.log);
  return m === null ? undefined : Number(m[1]);
}

/**
 * Above this many processed instructions a load at log level 1 costs the kernel seconds and tens
 * of megabytes of log (a program the CAP_BPF-only verifier walks to its 1M limit: 13 s and 55 MB
 * per load, loaded twice as the first buffer is too small), against 1.6 s with statistics alone.
 */
export const FULL_LOG_MAX_PROCESSED = 100_000;

/** A program's label and the kernel's own verification time (from the BPF_LOG_STATS load). */
export interface KernelLabel {
  readonly kernel: KernelOutcome;
  readonly kernelUsec: number | undefined;
}

/**
 * Loads with BPF_LOG_STATS (the kernel's time), then at log level 1 for the label, except when
 * the statistics load processed more than FULL_LOG_MAX_PROCESSED instructions: then that load is
 * the label (verdict, errno, message and count; no failing instruction, so none is compared).
 */
export function labelWithStatistics(load: (logLevel: number) => KernelOutcome): KernelLabel {
  const stats = load(LOG_STATS);
  const kernelUsec = verificationUsec(stats);
  if (stats.kind === 'verdict' && (stats.insnsProcessed ?? 0) > FULL_LOG_MAX_PROCESSED) {
    return { kernel: { ...stats, insnIndex: null, fromStatistics: true }, kernelUsec };
  }
  return { kernel: load(1), kernelUsec };
}

function processed(log: string): number | null {
  const m = PROCESSED.exec(log);
  return m === null ? null : Number(m[1]);
}

// How libbpf names the BTF of an attach target (libbpf_find_vmlinux_btf_id): raw tracepoints by
// their btf_trace_ typedef, LSM hooks and iterators by their bpf_lsm_/bpf_iter_ functions.
const BPF_TRACE_RAW_TP = 23;
const BPF_LSM_MAC = 27;
const BPF_TRACE_ITER = 28;
export function attachTarget(name: string, attachType: number): number | undefined {
  const btf = kernelBtf();
  if (attachType === BPF_TRACE_RAW_TP) return btf.findByName(`btf_trace_${name}`, 'TYPEDEF')[0];
  if (attachType === BPF_LSM_MAC) return btf.findByName(`bpf_lsm_${name}`, 'FUNC')[0];
  if (attachType === BPF_TRACE_ITER) return btf.findByName(`bpf_iter_${name}`, 'FUNC')[0];
  return btf.findByName(name, 'FUNC')[0];
}

function rejection(e: LoadError): KernelOutcome {
  const name = sys.errnoName(e.errno);
  if (name === 'EPERM' && e.log.trim() === '') return { kind: 'refused', errno: name };
  const message = lastLogLine(e.log);
  return { kind: 'verdict', verdict: 'reject', errno: name, message: message === '' ? null : message,
    insnIndex: failingInsn(e.log) ?? null, insnsProcessed: processed(e.log), log: e.log };
}

/**
 * Loads one program of an object the way `tsbpf load` does (its maps, BTF, CO-RE and
 * subprograms), at log level 1. Failures before BPF_PROG_LOAD (a map or BTF the kernel refuses,
 * an extern it lacks) are not verifier verdicts: the program is not replayed.
 */
export function labelObjectProgram(p: ObjectProgram, pinRoot: string, logLevel = 1): KernelOutcome {
  try {
    const c = loadObject(p.objectPath, { programs: [p.program], logLevel, pinRoot, preverify: false });
    const h = c.programs.get(p.program)!;
    const log = h.log;
    c.close();
    return { kind: 'verdict', verdict: 'accept', errno: null, message: null, insnIndex: null, insnsProcessed: processed(log), log };
  } catch (e) {
    if (e instanceof LoadError && e.program === p.program) return rejection(e);
    return { kind: 'not-replayed', reason: (e as Error).message.split('\n')[0] ?? '' };
  }
}
