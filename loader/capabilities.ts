// Whether this process can use bpf(2) at all, and if not, what is missing.
// Plain file reads only: importing tsbpf works on any platform.

import { readFileSync } from 'node:fs';
import { TsbpfError } from '../isa/index.js';

/** Capability numbers from linux/capability.h that bpf(2) cares about. */
export const Capability = { CAP_SYS_ADMIN: 21, CAP_PERFMON: 38, CAP_BPF: 39 } as const;

export type BpfAccess =
  | { readonly available: true }
  | { readonly available: false; readonly reason: string };

/** Effective capability set from the text of /proc/<pid>/status. */
export function effectiveCapabilities(statusText: string): bigint | undefined {
  const m = /^CapEff:\s*([0-9a-fA-F]+)\s*$/m.exec(statusText);
  return m === null ? undefined : BigInt(`0x${m[1]}`);
}

const has = (caps: bigint, cap: number): boolean => ((caps >> BigInt(cap)) & 1n) === 1n;

/** Decides from the platform and the effective capabilities; pure, for tests. */
export function assessBpfAccess(platform: string, statusText: string | undefined): BpfAccess {
  if (platform !== 'linux') return { available: false, reason: `bpf(2) needs Linux; this is ${platform}` };
  const caps = statusText === undefined ? undefined : effectiveCapabilities(statusText);
  if (caps === undefined) return { available: false, reason: 'cannot read the effective capabilities from /proc/self/status' };
  if (has(caps, Capability.CAP_BPF) || has(caps, Capability.CAP_SYS_ADMIN)) return { available: true };
  return { available: false, reason: 'loading BPF programs needs CAP_BPF (or CAP_SYS_ADMIN); this process has neither' };
}

/** A positive verdict, kept for the process (a load asks for it every time). */
let granted: BpfAccess | undefined;

/**
 * Whether this process can use bpf(2). Once it can, that is kept: a process that drops its
 * capabilities later gets EPERM from bpf(2) itself. A negative verdict is asked again.
 */
export function bpfAccess(): BpfAccess {
  if (granted !== undefined) return granted;
  const a = readBpfAccess();
  if (a.available) granted = a;
  return a;
}

function readBpfAccess(): BpfAccess {
  let status: string | undefined;
  try {
    status = readFileSync('/proc/self/status', 'utf8');
  } catch {
    status = undefined;
  }
  return assessBpfAccess(process.platform, status);
}

/** The loader cannot run here: not Linux, no CAP_BPF, no koffi. */
export class BpfAccessError extends TsbpfError {
  override readonly name = 'BpfAccessError';
}

/**
 * kernel.unprivileged_bpf_disabled as this machine has it ('0', '1' or '2'), or undefined where it
 * cannot be read. At 0 a process without CAP_BPF may still create some maps and load socket
 * filters and cgroup skb programs, and the kernel says what it refuses.
 */
export function unprivilegedBpfSetting(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/unprivileged_bpf_disabled', 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Throws BpfAccessError unless this process can use bpf(2) (with CAP_BPF, or unprivileged where the kernel allows it). */
export function requireBpfAccess(): void {
  const a = bpfAccess();
  if (!a.available && !(process.platform === 'linux' && unprivilegedBpfSetting() === '0')) throw new BpfAccessError(a.reason);
}
