// Helper prototypes the model knows (the kernel's bpf_func_proto for Linux
// 6.18), by helper id. A helper missing here is 'not modelled'.

import { BPF_MAP_TYPE as M } from '../../elf/index.js';
import { KERNEL_HELPER_NAMES } from '../../isa/index.js';
import { HELPER_TABLE } from './helpers.generated.js';
import type { HelperArgType, HelperPrototype, HelperReturnType } from './types.js';
import { SOCKET_HELPERS } from './socket-helpers.js';
import { contextHelperPrototype, contextHelperScoped } from './context-helpers.js';
import { generatedPrototype } from './generated-prototypes.js';

function proto(id: number, ret: HelperReturnType, args: HelperArgType[], extra: Partial<HelperPrototype> = {}): HelperPrototype {
  return { id, name: KERNEL_HELPER_NAMES[id] ?? `unknown`, ret, args, ...extra };
}

const list: HelperPrototype[] = [
  // Which maps they take is the map's side of check_map_func_compatibility (model/map-compat.ts).
  proto(1, 'map_value_or_null', ['const_map_ptr', 'map_key'], { pktAccess: true }),
  proto(2, 'integer', ['const_map_ptr', 'map_key', 'map_value', 'anything'], { pktAccess: true }),
  proto(3, 'integer', ['const_map_ptr', 'map_key'], { pktAccess: true }),
  proto(4, 'integer', ['uninit_mem', 'const_size_or_zero', 'anything'], { gplOnly: true }),
  proto(5, 'integer', []),
  proto(6, 'integer', ['mem', 'const_size'], { gplOnly: true }),
  proto(7, 'integer', []),
  proto(8, 'integer', []),
  proto(14, 'integer', []),
  proto(15, 'integer', []),
  proto(16, 'integer', ['uninit_mem', 'const_size']),
  proto(25, 'integer', ['ctx', 'const_map_ptr', 'anything', 'mem', 'const_size_or_zero'], { gplOnly: true, mapTypes: [M.PERF_EVENT_ARRAY] }),
  proto(26, 'integer', ['ctx', 'anything', 'uninit_mem', 'const_size']),
  proto(35, 'integer', [], { gplOnly: true }),
  proto(42, 'integer', []),
  proto(112, 'integer', ['uninit_mem', 'const_size_or_zero', 'anything'], { gplOnly: true }),
  proto(113, 'integer', ['uninit_mem', 'const_size_or_zero', 'anything'], { gplOnly: true }),
  proto(125, 'integer', []),
  proto(130, 'integer', ['const_map_ptr', 'mem', 'const_size_or_zero', 'anything'], { mapTypes: [M.RINGBUF] }),
  proto(131, 'ringbuf_mem_or_null', ['const_map_ptr', 'const_alloc_size_or_zero', 'anything'], { mapTypes: [M.RINGBUF], acquires: true }),
  proto(132, 'void', ['ringbuf_mem_release', 'anything'], { releasesArg: 0 }),
  proto(133, 'void', ['ringbuf_mem_release', 'anything'], { releasesArg: 0 }),
  proto(160, 'integer', []),
  proto(158, 'btf_id_trusted:task_struct', [], { gplOnly: true }),
  proto(28, 'integer', ['mem_or_null', 'const_size_or_zero', 'mem_or_null', 'const_size_or_zero', 'anything'], { pktAccess: true }),
  proto(34, 'integer', ['ctx']),
  // Queue, stack and bloom filter maps (keyless: the value is the argument).
  proto(87, 'integer', ['const_map_ptr', 'map_value', 'anything'], { mapTypes: [M.QUEUE, M.STACK, M.BLOOM_FILTER], pktAccess: true }),
  proto(88, 'integer', ['const_map_ptr', 'uninit_map_value'], { mapTypes: [M.QUEUE, M.STACK] }),
  proto(89, 'integer', ['const_map_ptr', 'uninit_map_value'], { mapTypes: [M.QUEUE, M.STACK, M.BLOOM_FILTER] }),
  proto(105, 'integer', ['mem', 'const_size', 'anything', 'long']),
  proto(106, 'integer', ['mem', 'const_size', 'anything', 'long']),
  proto(153, 'unmodelled', ['percpu_btf_id', 'anything']),
  proto(154, 'unmodelled', ['percpu_btf_id']),
  // seq_file output of iterator programs (tracing with BPF_TRACE_ITER: program-helpers.ts).
  proto(126, 'integer', ['btf_id:seq_file', 'mem', 'const_size', 'mem_or_null', 'const_size_or_zero'], { gplOnly: true }),
  proto(127, 'integer', ['btf_id:seq_file', 'mem', 'const_size_or_zero'], { gplOnly: true }),
  // Task local storage: the task may be NULL; the initial value is the map's value or NULL.
  proto(156, 'map_value_or_null', ['const_map_ptr', 'btf_id_or_null:task_struct', 'map_value_or_null', 'anything'], { mapTypes: [M.TASK_STORAGE] }),
  proto(157, 'integer', ['const_map_ptr', 'btf_id_or_null:task_struct'], { mapTypes: [M.TASK_STORAGE] }),
  proto(194, 'kptr_or_null', ['kptr_xchg_dest', 'btf_id_or_null_release'], { acquires: true, releasesArg: 1 }),
  proto(93, 'void', ['spin_lock']),
  proto(94, 'void', ['spin_lock']),
  ...SOCKET_HELPERS,
  // Helpers of bpf-to-bpf calls and callbacks; available where the generated table measured them.
  proto(12, 'void', ['ctx', 'const_map_ptr', 'anything'], { mapTypes: [M.PROG_ARRAY] }),
  proto(17, 'integer', ['ctx']),
  proto(118, 'integer', []),
  proto(164, 'integer', ['const_map_ptr', 'func', 'stack_or_null', 'anything']),
  proto(181, 'integer', ['anything', 'func', 'stack_or_null', 'anything']),
  proto(180, 'integer', ['btf_id:task_struct', 'anything', 'func', 'stack_or_null', 'anything']),
  proto(209, 'integer', ['const_map_ptr', 'func', 'stack_or_null', 'anything'], { mapTypes: [M.USER_RINGBUF] }),
];

const byId = new Map(list.map((p) => [p.id, p]));

/** The prototype of helper `id`, if the model knows it: the hand tables first, then the generated one. */
export function helperPrototype(id: number): HelperPrototype | undefined {
  return byId.get(id) ?? contextHelperPrototype(id) ?? generatedPrototype(id);
}

/**
 * Helpers of the table available to each program type for a root loader on 6.18
 * (read from the kernel: a call of each id, refused with `program of this type cannot use helper` or not).
 */
const available: Readonly<Record<string, readonly number[]>> = {
  socket_filter: [1, 2, 3, 5, 6, 7, 8, 14, 15, 16, 25, 26, 35, 42, 112, 113, 125, 130, 131, 132, 133, 160],
  kprobe: [1, 2, 3, 4, 5, 6, 7, 8, 14, 15, 16, 25, 35, 42, 112, 113, 125, 130, 131, 132, 133],
  sched_cls: [1, 2, 3, 5, 6, 7, 8, 14, 15, 16, 25, 26, 35, 42, 112, 113, 125, 130, 131, 132, 133, 160],
  sched_act: [1, 2, 3, 5, 6, 7, 8, 14, 15, 16, 25, 26, 35, 42, 112, 113, 125, 130, 131, 132, 133, 160],
  tracepoint: [1, 2, 3, 4, 5, 6, 7, 8, 14, 15, 16, 25, 35, 42, 112, 113, 125, 130, 131, 132, 133],
  xdp: [1, 2, 3, 5, 6, 7, 8, 14, 15, 16, 25, 35, 42, 112, 113, 125, 130, 131, 132, 133, 160],
  perf_event: [1, 2, 3, 4, 5, 6, 7, 8, 14, 15, 16, 25, 35, 42, 112, 113, 125, 130, 131, 132, 133],
  cgroup_skb: [1, 2, 3, 5, 6, 7, 8, 14, 15, 16, 25, 26, 35, 42, 112, 113, 125, 130, 131, 132, 133, 160],
};

/** __BPF_FUNC_MAX_ID on 6.18: ids from here on are `invalid func unknown#N`. */
export const HELPER_ID_LIMIT = KERNEL_HELPER_NAMES.length;

/**
 * Whether `id` is available to `progType` (for a root loader), as far as the model knows:
 * undefined when it does not.
 */
export function helperAvailable(progType: string, id: number, expectedAttachType = 0): boolean | undefined {
  if (!byId.has(id) && contextHelperPrototype(id) === undefined) {
    // A generated prototype: available where the live measurement says.
    return generatedPrototype(id) === undefined ? undefined : measuredAvailability(progType, id, expectedAttachType);
  }
  if (!byId.has(id)) {
    // A helper of the context table: its prototype is known for the program types it lists.
    const scoped = contextHelperScoped(id, progType);
    if (scoped === undefined) return undefined;
    if (scoped === 'always') return true;
    const measured = measuredAvailability(progType, id, expectedAttachType);
    return scoped || measured === false ? measured : undefined;
  }
  const list = available[progType];
  if (list?.includes(id) === true) return true;
  // Otherwise the program types measured live for the generated table.
  const measured = measuredAvailability(progType, id, expectedAttachType);
  if (measured !== undefined) return measured;
  return list === undefined ? undefined : false;
}

/** The live measurement of npm run verifier:tables (helpers.generated.ts), for the program types it probed. */
const measuredById = new Map(Object.values(HELPER_TABLE).map((h) => [h.id, h.programTypes]));
const measuredTypes = new Set([...measuredById.values()].flat());
/** The attach type the measurement loaded these types with: their helpers depend on it (*_func_proto). */
const measuredAttach: Readonly<Record<string, number>> = { cgroup_sock_addr: 10, cgroup_sockopt: 21, sk_lookup: 36 };
const ATTACH_DEPENDENT_HELPERS = new Set(['cgroup_sock_addr', 'cgroup_sockopt', 'cgroup_sock']);

function measuredAvailability(progType: string, id: number, attach: number): boolean | undefined {
  if (!measuredTypes.has(progType)) return undefined;
  if (ATTACH_DEPENDENT_HELPERS.has(progType) && attach !== (measuredAttach[progType] ?? 0)) return undefined;
  const types = measuredById.get(id);
  return types === undefined ? undefined : types.includes(progType);
}

