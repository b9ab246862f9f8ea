// probe_read_kernel/user(_str) and bpf_loop. Probe reads copy from any region of the run (the
// test maps "kernel" or "user" memory as regions); an address in no region reads as -EFAULT with
// the destination zeroed, as the kernel's copy_from_kernel_nofault path leaves it.

import { FaultSignal } from '../fault.js';
import type { HelperImpl, Machine } from '../machine.js';
import { CODE_HI } from '../program.js';

const EFAULT = -14n;
const EINVAL = -22n;

/** The bytes at addr, or undefined when they are not all in one region. */
function source(m: Machine, addr: bigint, len: number, insn: number): Uint8Array | undefined {
  try {
    return m.mem.slice(addr, len, insn, false);
  } catch (e) {
    if (e instanceof FaultSignal) return undefined;
    throw e;
  }
}

const probeRead: HelperImpl = (m, a, insn) => {
  const size = Number(a[1]! & 0xffffffffn);
  const dst = m.mem.slice(a[0]!, size, insn, true);
  const src = source(m, a[2]!, size, insn);
  if (src === undefined) { dst.fill(0); return EFAULT; }
  dst.set(src.slice());
  return 0n;
};

const probeReadStr: HelperImpl = (m, a, insn) => {
  const size = Number(a[1]! & 0xffffffffn);
  const dst = m.mem.slice(a[0]!, size, insn, true);
  if (size === 0) return 0n;
  const bytes: number[] = [];
  for (let i = 0; i < size - 1; i++) {
    const b = source(m, a[2]! + BigInt(i), 1, insn);
    if (b === undefined) { if (i === 0) { dst.fill(0); return EFAULT; } break; }
    if (b[0] === 0) break;
    bytes.push(b[0]!);
  }
  dst.set(bytes);
  dst[bytes.length] = 0;
  return BigInt(bytes.length + 1);
};

/** bpf_loop(nr, callback, ctx, flags): calls callback(i, ctx) until it returns 1 or nr calls; returns the count. */
const bpfLoop: HelperImpl = (m, a, insn, depth) => {
  const nr = Number(a[0]! & 0xffffffffn);
  if (a[3] !== 0n) return EINVAL;
  if (nr > 1 << 23) return -7n; // -E2BIG, as the kernel's BPF_MAX_LOOPS check
  if (a[1]! >> 32n !== BigInt(CODE_HI)) return EINVAL;
  const slot = Number(a[1]! & 0xffffffffn);
  let i = 0;
  while (i < nr) {
    const r = m.invoker!.callback(slot, [BigInt(i), a[2]!], depth + 1, insn);
    i++;
    if ((r & 0xffffffffn) === 1n) break;
  }
  return BigInt(i);
};

export const memoryHelpers: Record<string, HelperImpl> = {
  bpf_probe_read: probeRead,
  bpf_probe_read_kernel: probeRead,
  bpf_probe_read_user: probeRead,
  bpf_probe_read_str: probeReadStr,
  bpf_probe_read_kernel_str: probeReadStr,
  bpf_probe_read_user_str: probeReadStr,
  bpf_loop: bpfLoop,
};
