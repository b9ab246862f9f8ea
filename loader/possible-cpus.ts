// Number of possible CPUs (/sys/devices/system/cpu/possible, e.g. "0-1"): per-CPU map values
// carry one slot per possible CPU.

import { readFileSync } from 'node:fs';

/** Parses the kernel's CPU list format ("0-3,5,7-8") into a count of CPUs (highest + 1). */
export function parseCpuList(text: string): number {
  let max = -1;
  for (const part of text.trim().split(',')) {
    if (part === '') continue;
    const [a, b] = part.split('-');
    const hi = Number(b ?? a);
    if (!Number.isInteger(hi) || hi < 0) throw new Error(`bad CPU list "${text.trim()}"`);
    max = Math.max(max, hi);
  }
  return max + 1;
}

let cached: number | undefined;

export function possibleCpus(): number {
  cached ??= parseCpuList(readFileSync('/sys/devices/system/cpu/possible', 'utf8'));
  return cached;
}
