// Helpers of the program types whose *_func_proto the generated table did not measure per attach
// type: tracing (tracing_prog_func_proto, which ends in raw_tp_prog_func_proto and so in
// bpf_tracing_func_proto and bpf_base_func_proto), syscall (syscall_prog_func_proto, which ends in
// tracing_prog_func_proto), cgroup_sockopt (cg_sockopt_func_proto, measured with one attach type only),
// and raw tracepoints, whose bpf_get_stack has its own prototype. Read from
// the 6.12 sources; each entry is checked against the live kernel by test/support/verifier-cases-rest.ts.
// Only helpers these switches return whatever the attach type are listed: the others stay unknown.

import { BPF_ATTACH_TYPE } from '../../elf/index.js';
import { KERNEL_HELPER_NAMES } from '../../isa/index.js';
import type { HelperPrototype } from './types.js';

/** bpf_get_stack_proto_raw_tp: the buffer is read-only memory (the raw_tp wrapper copies into it). */
const GET_STACK_RAW_TP: HelperPrototype = {
  id: 67, name: KERNEL_HELPER_NAMES[67] ?? 'get_stack', ret: 'integer', args: ['ctx', 'mem', 'const_size_or_zero', 'anything'], gplOnly: true,
};

/** Program types that get bpf_get_stack_proto_raw_tp for bpf_get_stack. */
const RAW_TP_STACK = new Set(['raw_tracepoint', 'raw_tracepoint_writable', 'tracing']);

/**
 * map_lookup/update/delete_elem (bpf_base_func_proto); from bpf_tracing_func_proto, whose cases
 * tracing_prog_func_proto and raw_tp_prog_func_proto do not intercept: ktime_get_ns, trace_printk,
 * get_prandom_u32, get_smp_processor_id, get_current_pid_tgid/uid_gid/comm/task/task_btf,
 * probe_read_user/kernel, ktime_get_boot_ns, the ring buffer helpers and task storage;
 * perf_event_output (bpf_event_output_data_proto, the shared prototype's signature) for cgroup_sockopt.
 */
const ANY_ATTACH: Readonly<Record<string, ReadonlySet<number>>> = {
  tracing: new Set([1, 2, 3, 5, 6, 7, 8, 14, 15, 16, 35, 67, 112, 113, 125, 130, 131, 132, 133, 156, 157, 158]),
  syscall: new Set([1, 2, 3, 158]),
  cgroup_sockopt: new Set([25]),
};

/** The prototype `progType` gets for helper `id` where it differs from the model's shared one. */
export function programHelperPrototype(progType: string, id: number): HelperPrototype | undefined {
  return id === 67 && RAW_TP_STACK.has(progType) ? GET_STACK_RAW_TP : undefined;
}

/** tracing_prog_func_proto gives seq_printf and seq_write to iterators (BPF_TRACE_ITER) only. */
const ITER_ONLY = new Set([126, 127]);

/** Whether `progType` has helper `id`: true, false, or undefined when this table does not say. */
export function programHelperAvailable(progType: string, id: number, expectedAttachType: number): boolean | undefined {
  if (id === 67 && RAW_TP_STACK.has(progType)) return true;
  if (progType === 'tracing' && ITER_ONLY.has(id)) return expectedAttachType === BPF_ATTACH_TYPE.TRACE_ITER;
  return ANY_ATTACH[progType]?.has(id) === true ? true : undefined;
}
