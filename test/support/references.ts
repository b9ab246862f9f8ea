// Locating the reference tools (llvm-mc-19, llvm-objdump-19, clang-19, bpftool)
// and root. On a developer machine a missing reference skips with a visible
// reason; under CI=true it is a failure, never a skip.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const inCI = process.env.CI === 'true' || process.env.CI === '1';

export function hasTool(name: string): boolean {
  return spawnSync(name, ['--version'], { stdio: 'ignore' }).status === 0;
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/**
 * Returns true as root. Otherwise: in CI throws (CI runs as root, so a skip there would hide a
 * whole file); elsewhere prints why and returns false for `describe.skipIf(!ok)`.
 */
export function requireRoot(why = 'loading BPF programs needs root (CAP_BPF)'): boolean {
  if (isRoot()) return true;
  if (inCI) throw new Error(`${why}; CI=true requires it`);
  console.warn(`SKIP: ${why}`);
  return false;
}

/** Whether the running kernel's BTF is readable: required under CI, a printed skip elsewhere. */
export function requireKernelBtf(): boolean {
  if (existsSync('/sys/kernel/btf/vmlinux')) return true;
  const why = 'the running kernel has no BTF at /sys/kernel/btf/vmlinux';
  if (inCI) throw new Error(`${why}; CI=true requires it`);
  console.warn(`SKIP: ${why}`);
  return false;
}

/**
 * Returns true when every named tool is present. When one is missing: in CI
 * throws (the suite fails); elsewhere prints why and returns false so that the
 * caller can `describe.skipIf(!ok)`.
 */
export function requireReferences(...tools: string[]): boolean {
  const missing = tools.filter((t) => !hasTool(t));
  if (missing.length === 0) return true;
  const msg = `reference tools missing: ${missing.join(', ')} (install: apt-get install clang-19 llvm-19 bpftool libbpf-dev)`;
  if (inCI) throw new Error(`${msg}; CI=true requires them`);
  console.warn(`SKIP: ${msg}`);
  return false;
}

export function run(cmd: string, args: string[], input?: string | Uint8Array): string {
  return execFileSync(cmd, args, { input, encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['pipe', 'pipe', 'pipe'] });
}
