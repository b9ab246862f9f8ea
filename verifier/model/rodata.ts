// Loads from a frozen read-only map (.rodata as libbpf loads it): the kernel reads the value
// while verifying, so the loaded register is that constant (check_mem_access with
// bpf_map_is_rdonly, bpf_map_direct_read) and dead branches on it are pruned.

import { tnumIsConst } from '../scalar/tnum.js';
import { BPF_F_RDONLY_PROG, MapType } from './map-info.js';
import type { RegState } from './reg.js';

/**
 * The value `size` bytes at `off` (the instruction's offset plus the register's fixed offset)
 * from the map value `reg` points into, when the kernel reads it at verification time: an array
 * map that is read-only for programs and frozen (its contents known), at a constant offset.
 * Unsigned; a sign-extending load extends it as it extends any loaded value.
 */
export function frozenMapRead(reg: RegState, off: number, size: 1 | 2 | 4 | 8): bigint | undefined {
  const map = reg.map;
  const bytes = map?.frozenValue;
  if (map === undefined || bytes === undefined || map.type !== MapType.ARRAY || ((map.flags ?? 0) & BPF_F_RDONLY_PROG) === 0) return undefined;
  if (!tnumIsConst(reg.s.varOff)) return undefined;
  const at = off + Number(BigInt.asIntN(64, reg.s.varOff.value));
  if (at < 0 || at + size > bytes.length) return undefined;
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[at + i]!);
  return v;
}
