// Programs on perf events (tracepoints, uprobes, kprobes): perf_event_open, then a bpf_link of
// attach type BPF_PERF_EVENT (Linux ≥ 5.15). The link owns the perf event fd as well.

import { OwnedFd } from '../fd.js';
import { bpf, BpfCommand, encodeAttr, LinkCreateAttr, perfEventOpen, PerfEventAttr, type Pointee } from '../sys/index.js';
import { AttachType, Perf } from './kernel-enums.js';
import { attachStep, Link, type LinkKind, type ProgramHandle, programFd } from './link.js';

export interface PerfEventSpec {
  readonly type: number;
  readonly config?: number | bigint;
  /** A value, or the memory it points to (the kprobe function name, the uprobe path). */
  readonly config1?: bigint | Pointee;
  readonly config2?: bigint;
  /** Process to watch; -1 (the default) for every process. */
  readonly pid?: number;
  /** BPF cookie the program reads with bpf_get_attach_cookie (Linux ≥ 5.15). */
  readonly cookie?: bigint;
}

/** Opens the perf event and links the program to it. */
export function attachPerfEvent(program: ProgramHandle, kind: LinkKind, target: string, spec: PerfEventSpec): Link {
  const attr = encodeAttr(PerfEventAttr, {
    type: spec.type, size: PerfEventAttr.size, config: spec.config ?? 0, config1: spec.config1 ?? 0n,
    config2: spec.config2 ?? 0n, sample_period: 1, wakeup_events: 1,
  });
  const pid = spec.pid ?? -1;
  // A perf event for all processes must name a CPU; the program still runs on every CPU.
  const perfFd = attachStep(kind, target, 'perf_event_open', () => perfEventOpen(attr, pid, pid === -1 ? 0 : -1, -1, Perf.FLAG_FD_CLOEXEC));
  const perf = new OwnedFd(perfFd, `perf event for ${kind} ${target}`);
  try {
    const linkFd = attachStep(kind, target, 'BPF_LINK_CREATE', () =>
      bpf(BpfCommand.LINK_CREATE, encodeAttr(LinkCreateAttr, { prog_fd: programFd(program), target_fd: perfFd, attach_type: AttachType.PERF_EVENT, 'perf_event.bpf_cookie': spec.cookie ?? 0n })));
    return new Link(kind, target, new OwnedFd(linkFd, `${kind} link ${target}`), { extra: [perf] });
  } catch (e) {
    perf.close();
    throw e;
  }
}
