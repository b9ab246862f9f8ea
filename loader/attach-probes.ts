// Attach probes: whether a kind of attachment works on the running kernel, by a real attach of a
// minimal program (then detached). A program type can load where its attachment cannot: the
// kprobe program type exists on a kernel built without kprobe events, and only the attach says so.

import { AttachError, attachKprobe, attachRawTracepoint, attachTracepoint, attachUprobe, type Link, ProgType } from './attach/index.js';
import { LoadError, loadProgram } from './program-load.js';
import { RETURN_ZERO } from './probe-program.js';
import type { ProbeResult } from './probes.js';

interface AttachProbe {
  readonly programType: number;
  readonly attach: (program: { fd: number }) => Link;
}

/** A function every kernel has, a tracepoint and a raw tracepoint every kernel with syscall tracing has, libc's getpid. */
const PROBES = {
  kprobe: { programType: ProgType.KPROBE, attach: (p) => attachKprobe(p, { function: 'do_sys_openat2' }) },
  kretprobe: { programType: ProgType.KPROBE, attach: (p) => attachKprobe(p, { function: 'do_sys_openat2', retprobe: true }) },
  uprobe: { programType: ProgType.KPROBE, attach: (p) => attachUprobe(p, { binary: 'libc.so.6', symbol: 'getpid' }) },
  uretprobe: { programType: ProgType.KPROBE, attach: (p) => attachUprobe(p, { binary: 'libc.so.6', symbol: 'getpid', retprobe: true }) },
  tracepoint: { programType: ProgType.TRACEPOINT, attach: (p) => attachTracepoint(p, 'syscalls', 'sys_enter_getpid') },
  raw_tracepoint: { programType: ProgType.RAW_TRACEPOINT, attach: (p) => attachRawTracepoint(p, 'sys_enter') },
} satisfies Record<string, AttachProbe>;

export type AttachProbeName = keyof typeof PROBES;
export const ATTACH_PROBE_NAMES = Object.keys(PROBES) as AttachProbeName[];

/** Loads a minimal program of the kind's type and attaches it; detaches at once. */
export function probeAttach(kind: AttachProbeName): ProbeResult {
  const probe: AttachProbe = PROBES[kind];
  let loaded;
  try {
    loaded = loadProgram({ name: 'tsbpf_probe', section: kind, type: probe.programType, insns: RETURN_ZERO, license: 'GPL' });
  } catch (e) {
    if (e instanceof LoadError) return { supported: false, detail: `program load: ${e.message}` };
    throw e;
  }
  try {
    probe.attach({ fd: loaded.fd.fd }).close();
    return { supported: true, detail: 'ok' };
  } catch (e) {
    if (e instanceof AttachError) return { supported: false, detail: e.message };
    throw e;
  } finally {
    loaded.fd.close();
  }
}
