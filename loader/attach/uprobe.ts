// Uprobes and uretprobes through the uprobe PMU: perf_event_attr.type is the PMU's dynamic type,
// config1 points at the binary's path, config2 is the file offset, and the retprobe bit comes
// from the PMU's format directory.

import { readFileSync } from 'node:fs';
import { pointee } from '../sys/index.js';
import { resolveBinaryPath } from './binary-path.js';
import { AttachError, type Link, type ProgramHandle } from './link.js';
import { attachPerfEvent } from './perf-event.js';
import { SymbolNotFoundError, symbolFileOffset } from './symbol-offset.js';

export interface UprobeOptions {
  /**
   * Path of the executable or library; a name without a '/' is looked up as libbpf does (a
   * library `NAME.so…` on the dynamic loader's search path, an executable along PATH).
   */
  readonly binary: string;
  /** Function to probe; its file offset is looked up in the binary's symbol tables. */
  readonly symbol?: string;
  /** File offset (added to the symbol's offset when both are given). */
  readonly offset?: number;
  /** Fire on return instead of entry. */
  readonly retprobe?: boolean;
  /** Only this process (-1 or absent: every process running the binary). */
  readonly pid?: number;
  /** File offset of a USDT semaphore the kernel increments while the probe is attached. */
  readonly refCtrOffset?: number;
  /** BPF cookie (bpf_get_attach_cookie). */
  readonly cookie?: bigint;
}

/** Reads a dynamic PMU's type and (optionally) the bit of a format field such as `retprobe`. */
export function pmuInfo(pmu: 'uprobe' | 'kprobe'): { type: number; retprobeBit: number } | undefined {
  const dir = `/sys/bus/event_source/devices/${pmu}`;
  try {
    const type = Number.parseInt(readFileSync(`${dir}/type`, 'utf8'), 10);
    const format = readFileSync(`${dir}/format/retprobe`, 'utf8').trim(); // "config:0"
    const bit = Number.parseInt(format.split(':')[1] ?? '0', 10);
    return { type, retprobeBit: bit };
  } catch {
    return undefined;
  }
}

export function attachUprobe(program: ProgramHandle, options: UprobeOptions): Link {
  const kind = options.retprobe === true ? 'uretprobe' : 'uprobe';
  const target = `${options.binary}:${options.symbol ?? ''}${options.offset !== undefined ? `+0x${options.offset.toString(16)}` : ''}`;
  const pmu = pmuInfo('uprobe');
  if (pmu === undefined) throw new AttachError('this kernel has no uprobe PMU (/sys/bus/event_source/devices/uprobe)', kind, target);
  const binary = resolveBinaryPath(options.binary);
  if (binary === undefined) {
    const where = options.binary.includes('.so') ? "the dynamic loader's search path (LD_LIBRARY_PATH, /etc/ld.so.conf, /lib, /usr/lib)" : 'PATH';
    throw new AttachError(`no '${options.binary}' on ${where}`, kind, target, 'ENOENT');
  }
  let offset = options.offset ?? 0;
  if (options.symbol !== undefined) {
    try {
      offset += symbolFileOffset(binary, options.symbol);
    } catch (e) {
      if (e instanceof SymbolNotFoundError || (e as NodeJS.ErrnoException).code !== undefined || (e as Error).name === 'ElfError') {
        throw new AttachError((e as Error).message, kind, target);
      }
      throw e;
    }
  }
  const path = Buffer.from(`${binary}\0`);
  const link = attachPerfEvent(program, kind, target, {
    // The semaphore's offset rides in the top 32 bits of config (PERF_UPROBE_REF_CTR_OFFSET_SHIFT).
    type: pmu.type, config: (options.retprobe === true ? 1n << BigInt(pmu.retprobeBit) : 0n) | (BigInt(options.refCtrOffset ?? 0) << 32n), config1: pointee(path),
    config2: BigInt(offset), ...(options.pid !== undefined ? { pid: options.pid } : {}), ...(options.cookie !== undefined ? { cookie: options.cookie } : {}),
  });
  return link;
}
