// Helpers that read the world: time, randomness, the current task and CPU. All deterministic,
// from the run's VmEnvironment, so a run can be repeated exactly.

import type { HelperImpl, Machine } from '../machine.js';

function ktime(m: Machine): bigint {
  const s = m.state as { ktime?: bigint };
  const now = s.ktime ?? m.env.ktimeNs;
  s.ktime = now + m.env.ktimeStepNs;
  return now;
}

/** xorshift32: a deterministic stream from the configured seed. */
function prandom(m: Machine): bigint {
  const s = m.state as { prandom?: number };
  let x = (s.prandom ?? m.env.prandomSeed) | 0 || 1;
  x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
  s.prandom = x;
  return BigInt(x >>> 0);
}

export const environmentHelpers: Record<string, HelperImpl> = {
  bpf_ktime_get_ns: (m) => ktime(m),
  bpf_ktime_get_boot_ns: (m) => ktime(m),
  bpf_ktime_get_coarse_ns: (m) => ktime(m),
  bpf_get_prandom_u32: (m) => prandom(m),
  bpf_get_smp_processor_id: (m) => BigInt(m.env.cpu),
  bpf_get_numa_node_id: () => 0n,
  bpf_get_current_pid_tgid: (m) => (BigInt(m.env.tgid) << 32n) | BigInt(m.env.pid >>> 0),
  bpf_get_current_uid_gid: (m) => (BigInt(m.env.gid) << 32n) | BigInt(m.env.uid >>> 0),
  bpf_get_current_comm: (m, a, insn) => {
    const size = Number(a[1]! & 0xffffffffn);
    const buf = m.mem.slice(a[0]!, size, insn, true);
    buf.fill(0);
    const bytes = new TextEncoder().encode(m.env.comm).subarray(0, Math.max(0, Math.min(15, size - 1)));
    buf.set(bytes);
    return 0n;
  },
};
