// Raw tracepoints: BPF_RAW_TRACEPOINT_OPEN returns a bpf_link directly.

import { OwnedFd } from '../fd.js';
import { pointee, bpf, BpfCommand, encodeAttr, RawTracepointAttr } from '../sys/index.js';
import { attachStep, Link, type ProgramHandle, programFd } from './link.js';

/**
 * Attaches a BPF_PROG_TYPE_RAW_TRACEPOINT program to the kernel tracepoint NAME (e.g. sys_enter);
 * `btf`: a tp_btf program, whose tracepoint was fixed at load (attach_btf_id): the kernel wants no name then.
 */
export function attachRawTracepoint(program: ProgramHandle, name: string, btf = false): Link {
  const n = Buffer.from(`${name}\0`);
  const fd = attachStep('raw_tracepoint', name, 'BPF_RAW_TRACEPOINT_OPEN', () =>
    bpf(BpfCommand.RAW_TRACEPOINT_OPEN, encodeAttr(RawTracepointAttr, btf ? { prog_fd: programFd(program) } : { name: pointee(n), prog_fd: programFd(program) })));
  return new Link('raw_tracepoint', name, new OwnedFd(fd, `raw_tracepoint link ${name}`));
}
