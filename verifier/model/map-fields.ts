// The special fields of a map value (bpf_spin_lock, bpf_timer, kptrs) as the kernel's
// btf_record describes them: loads, stores and helper accesses may not touch
// the lock and timer, and touch a kptr only with an aligned 8-byte load or store
// (check_map_access); tracing programs may not use maps holding a lock or timer
// (check_map_prog_compatibility, before the walk).

import { tnumIsConst } from '../scalar/tnum.js';
import type { MapInfo } from './map-info.js';
import { notModelled, reject } from './outcome.js';
import type { RegState } from './reg.js';

interface Field { readonly name: string; readonly off: number; readonly size: number; readonly kptr?: true }

const fieldCache = new WeakMap<MapInfo, readonly Field[]>();

/** The map's special fields by offset (the kernel's btf_record), computed once per map. */
function fieldsOf(map: MapInfo | undefined): readonly Field[] {
  if (map === undefined) return [];
  let fields = fieldCache.get(map);
  if (fields === undefined) fieldCache.set(map, (fields = recordOf(map)));
  return fields;
}

function recordOf(map: MapInfo): Field[] {
  const out: Field[] = [];
  if (map.spinLockOff !== undefined) out.push({ name: 'bpf_spin_lock', off: map.spinLockOff, size: 4 });
  if (map.timerOff !== undefined) out.push({ name: 'bpf_timer', off: map.timerOff, size: 16 });
  for (const k of map.kptrs ?? []) out.push({ name: 'kptr', off: k.off, size: 8, kptr: true });
  return out.sort((a, b) => a.off - b.off);
}

/**
 * check_map_access's field rule: a byte of [smin+off, umax+off+size) that overlaps a special field
 * is refused, unless it is a kptr accessed directly (not by a helper) with exactly its 8 bytes.
 */
export function checkMapFieldAccess(reg: RegState, off: number, size: number, direct: boolean): void {
  for (const f of fieldsOf(reg.map)) {
    if (!(reg.s.smin + BigInt(off) < BigInt(f.off + f.size) && BigInt(f.off) < reg.s.umax + BigInt(off + size))) continue;
    if (f.kptr !== true) reject('EACCES', `${f.name} cannot be accessed directly by load/store`);
    if (!direct) reject('EACCES', 'kptr cannot be accessed indirectly by helper');
    if (!tnumIsConst(reg.s.varOff)) reject('EACCES', 'kptr access cannot have variable offset');
    const at = BigInt.asUintN(64, BigInt(off) + reg.s.varOff.value);
    if (BigInt(f.off) !== at) reject('EACCES', `kptr access misaligned expected=${f.off} off=${at}`);
    if (size !== 8) reject('EACCES', 'kptr access size must be BPF_DW');
  }
}

/** Whether bytes [off, off+size) of the map's value overlap a special field. */
export const touchesMapField = (map: MapInfo, off: number, size: number): boolean =>
  fieldsOf(map).some((f) => off < f.off + f.size && f.off < off + size);

const TRACING = new Set(['kprobe', 'tracepoint', 'perf_event', 'raw_tracepoint', 'raw_tracepoint_writable']);

/** check_map_prog_compatibility for the fields the model knows. */
export function checkMapProgCompat(map: MapInfo, progType: string): void {
  // The other special fields (graph roots, refcounts, kptrs it cannot describe) change what loads,
  // stores and helpers may do with the value; the model does not track them, so it gives no verdict.
  if (map.otherFields !== undefined && map.otherFields.length > 0) notModelled(`map values with special fields (${map.otherFields.join(', ')})`);
  if (map.spinLockOff !== undefined) {
    if (progType === 'socket_filter') reject('EINVAL', 'socket filter progs cannot use bpf_spin_lock yet');
    if (TRACING.has(progType)) reject('EINVAL', 'tracing progs cannot use bpf_spin_lock yet');
  }
  if (map.timerOff !== undefined && TRACING.has(progType)) reject('EINVAL', 'tracing progs cannot use bpf_timer yet');
}
