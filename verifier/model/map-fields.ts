// The special fields of a map value (bpf_spin_lock, bpf_timer) as the kernel's
// btf_record describes them: loads, stores and helper accesses may not touch
// them (check_map_access), and tracing programs may not use maps holding them
// (check_map_prog_compatibility, before the walk).

import type { MapInfo } from './map-info.js';
import { notModelled, reject } from './outcome.js';
import type { RegState } from './reg.js';

interface Field { readonly name: string; readonly off: number; readonly size: number }

function fieldsOf(map: MapInfo | undefined): Field[] {
  const out: Field[] = [];
  if (map?.spinLockOff !== undefined) out.push({ name: 'bpf_spin_lock', off: map.spinLockOff, size: 4 });
  if (map?.timerOff !== undefined) out.push({ name: 'bpf_timer', off: map.timerOff, size: 16 });
  return out.sort((a, b) => a.off - b.off);
}

/** check_map_access's field rule: no byte of [smin+off, umax+off+size) may overlap a special field. */
export function checkMapFieldAccess(reg: RegState, off: number, size: number): void {
  for (const f of fieldsOf(reg.map)) {
    if (reg.s.smin + BigInt(off) < BigInt(f.off + f.size) && BigInt(f.off) < reg.s.umax + BigInt(off + size)) {
      reject('EACCES', `${f.name} cannot be accessed directly by load/store`);
    }
  }
}

const TRACING = new Set(['kprobe', 'tracepoint', 'perf_event', 'raw_tracepoint', 'raw_tracepoint_writable']);

/** check_map_prog_compatibility for the fields the model knows. */
export function checkMapProgCompat(map: MapInfo, progType: string): void {
  // kptrs and the other special fields change what loads, stores and helpers may do with the
  // value (check_map_kptr_access, …); the model does not track them, so it gives no verdict.
  if (map.otherFields !== undefined && map.otherFields.length > 0) notModelled(`map values with special fields (${map.otherFields.join(', ')})`);
  if (map.spinLockOff !== undefined) {
    if (progType === 'socket_filter') reject('EINVAL', 'socket filter progs cannot use bpf_spin_lock yet');
    if (TRACING.has(progType)) reject('EINVAL', 'tracing progs cannot use bpf_spin_lock yet');
  }
  if (map.timerOff !== undefined && TRACING.has(progType)) reject('EINVAL', 'tracing progs cannot use bpf_timer yet');
}
