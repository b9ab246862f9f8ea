// The context of a cgroup skb program loaded without CAP_BPF (cg_skb_is_valid_access): no packet
// pointers (data, data_end) and no tstamp write. Socket filters see the same fields either way.

import type { CtxTable } from './types.js';

/** __sk_buff's data, data_end (u32 each) and tstamp (u64): any access starting inside them. */
const DATA = [76, 84] as const;
const TSTAMP = [152, 160] as const;

const within = (off: number, [lo, hi]: readonly [number, number]): boolean => off >= lo && off < hi;

export function unprivilegedCtxTable(table: CtxTable | undefined): CtxTable | undefined {
  if (table === undefined || table.progType !== 'cgroup_skb') return table;
  return {
    progType: table.progType,
    structName: table.structName,
    decide(off, size, kind, signExtend) {
      if (within(off, DATA) || (kind === 'write' && within(off, TSTAMP))) return { allowed: false };
      return table.decide(off, size, kind, signExtend);
    },
  };
}
