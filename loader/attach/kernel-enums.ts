// Kernel enum values the attach code passes: the program and attach types are the kernel's
// (generated from its BTF into elf/kernel/), the perf ones are include/uapi/linux/perf_event.h's.

import { BPF_ATTACH_TYPE, BPF_PROG_TYPE } from '../../elf/index.js';

/** enum bpf_attach_type, by name without BPF_. */
export const AttachType = BPF_ATTACH_TYPE;

/** enum bpf_prog_type, by name without BPF_PROG_TYPE_. */
export const ProgType = BPF_PROG_TYPE;

/** perf_event_attr.type values and ioctls the perf-event paths use. */
export const Perf = {
  TYPE_SOFTWARE: 1, TYPE_TRACEPOINT: 2, COUNT_SW_BPF_OUTPUT: 10, SAMPLE_RAW: 1 << 10, FLAG_FD_CLOEXEC: 8,
  IOC_ENABLE: 0x2400, IOC_DISABLE: 0x2401, IOC_SET_BPF: 0x40042408,
  RECORD_LOST: 2, RECORD_SAMPLE: 9,
} as const;
