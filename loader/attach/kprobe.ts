// Kprobes through the kprobe PMU (config1 = function name, config2 = offset). Kernels built
// without CONFIG_KPROBES have no such PMU; the error says so instead of a bare errno.

import { pointee } from '../sys/index.js';
import { AttachError, type Link, type ProgramHandle } from './link.js';
import { attachPerfEvent } from './perf-event.js';
import { pmuInfo } from './uprobe.js';

export interface KprobeOptions {
  /** Kernel function to probe. */
  readonly function: string;
  readonly offset?: number;
  readonly retprobe?: boolean;
}

export function attachKprobe(program: ProgramHandle, options: KprobeOptions): Link {
  const kind = options.retprobe === true ? 'kretprobe' : 'kprobe';
  const target = options.offset !== undefined ? `${options.function}+0x${options.offset.toString(16)}` : options.function;
  const pmu = pmuInfo('kprobe');
  if (pmu === undefined) {
    throw new AttachError('this kernel has no kprobe support (no kprobe PMU at /sys/bus/event_source/devices/kprobe; CONFIG_KPROBES is off)', kind, target, 'ENOENT');
  }
  const name = Buffer.from(`${options.function}\0`);
  return attachPerfEvent(program, kind, target, {
    type: pmu.type, config: options.retprobe === true ? 1n << BigInt(pmu.retprobeBit) : 0n, config1: pointee(name),
    config2: BigInt(options.offset ?? 0),
  });
}
