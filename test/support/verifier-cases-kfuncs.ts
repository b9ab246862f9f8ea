// Hand-written programs for kfunc calls and BTF pointers (part of the model's differential test,
// test/support/verifier-cases.ts): `call_kfunc NAME` is a call of the kernel function NAME by its
// BTF id in the running kernel (`call_kfunc 0`: an unresolved weak kfunc). Struct member offsets
// come from the running kernel's BTF; the live kernel labels every case when the test runs.

import { member } from './kernel-struct.js';
import type { ModelCase } from './verifier-cases.js';

const pid = member('task_struct', 'pid');
/** r0 = bpf_get_current_task_btf(). */
const current = ['call 158'];
/** r0 = bpf_task_from_pid(0), null-checked (exit 0 on NULL), kept in r7. */
const fromPid = ['r1 = 0', 'call_kfunc bpf_task_from_pid', 'if r0 != 0 goto +2', 'r0 = 0', 'exit', 'r7 = r0'];
const releaseTask = (reg = 'r7'): string[] => [`r1 = ${reg}`, 'call_kfunc bpf_task_release'];
const done = ['r0 = 0', 'exit'];

export const kfuncCases: readonly ModelCase[] = [
  { name: 'current task pid', type: 'tracepoint', asm: [...current, `r0 = *(u32 *)(r0 + ${pid.off})`, ...done] },
  { name: 'current task pid, narrow load', type: 'tracepoint', asm: [...current, `r0 = *(u16 *)(r0 + ${pid.off + 2})`, 'exit'] },
  { name: 'current task load past the struct', type: 'tracepoint', asm: [...current, `r0 = *(u32 *)(r0 + ${pid.structSize})`, ...done] },
  { name: 'current task load across pid', type: 'tracepoint', asm: [...current, `r0 = *(u64 *)(r0 + ${pid.off})`, ...done] },
  { name: 'current task negative offset', type: 'tracepoint', asm: [...current, 'r0 = *(u32 *)(r0 - 8)', ...done] },
  { name: 'current task variable offset', type: 'tracepoint', asm: [...current, 'r6 = r0', 'call 7', 'r0 &= 4', 'r6 += r0', `r0 = *(u32 *)(r6 + ${pid.off})`, ...done] },
  { name: 'current task store', type: 'tracepoint', asm: [...current, 'r1 = 0', `*(u32 *)(r0 + ${pid.off}) = r1`, ...done] },
  { name: 'current task is never NULL', type: 'tracepoint', asm: [...current, 'if r0 == 0 goto +1', `r0 = *(u32 *)(r0 + ${pid.off})`, ...done] },
  { name: 'task_from_pid, null check, release', type: 'tracepoint', asm: [...fromPid, ...releaseTask(), ...done] },
  { name: 'task_from_pid leaked', type: 'tracepoint', asm: [...fromPid, ...done] },
  { name: 'task_from_pid released without null check', type: 'tracepoint', asm: ['r1 = 0', 'call_kfunc bpf_task_from_pid', ...releaseTask('r0'), ...done] },
  { name: 'task_from_pid deref without null check', type: 'tracepoint', asm: ['r1 = 0', 'call_kfunc bpf_task_from_pid', `r0 = *(u32 *)(r0 + ${pid.off})`, ...done] },
  { name: 'task_from_pid given a pointer', type: 'tracepoint', asm: ['r1 = r10', 'call_kfunc bpf_task_from_pid', ...done] },
  { name: 'task_from_pid not allowed in raw_tracepoint', type: 'raw_tracepoint', asm: [...fromPid, ...releaseTask(), ...done] },
  { name: 'task_from_pid in xdp', type: 'xdp', asm: [...fromPid, ...releaseTask(), ...done] },
  { name: 'task_from_pid not allowed in socket_filter', type: 'socket_filter', asm: [...fromPid, ...releaseTask(), ...done] },
  { name: 'task released twice', type: 'tracepoint', asm: [...fromPid, 'r1 = r7', 'call_kfunc bpf_task_release', ...releaseTask(), ...done] },
  { name: 'task used after release', type: 'tracepoint', asm: [...fromPid, ...releaseTask(), `r0 = *(u32 *)(r7 + ${pid.off})`, ...done] },
  { name: 'release of the current task', type: 'tracepoint', asm: [...current, ...releaseTask('r0'), ...done] },
  { name: 'release of a modified task pointer', type: 'tracepoint', asm: [...fromPid, 'r1 = r7', 'r1 += 8', 'call_kfunc bpf_task_release', ...done] },
  {
    name: 'task_acquire of the current task', type: 'tracepoint',
    asm: [...current, 'r1 = r0', 'call_kfunc bpf_task_acquire', 'if r0 == 0 goto +2', 'r1 = r0', 'call_kfunc bpf_task_release', ...done],
  },
  { name: 'task_acquire of NULL', type: 'tracepoint', asm: ['r1 = 0', 'call_kfunc bpf_task_acquire', ...done] },
  {
    name: 'task_acquire of a possibly NULL task', type: 'tracepoint',
    asm: ['r1 = 0', 'call_kfunc bpf_task_from_pid', 'r6 = r0', 'r1 = r0', 'call_kfunc bpf_task_acquire', ...done],
  },
  {
    name: 'task_acquire of a released task', type: 'tracepoint',
    asm: [...fromPid, ...releaseTask(), 'r1 = r7', 'call_kfunc bpf_task_acquire', ...done],
  },
  {
    name: 'task_acquire of an acquired task, both released', type: 'tracepoint',
    asm: [...fromPid, 'r1 = r7', 'call_kfunc bpf_task_acquire', 'if r0 == 0 goto +2', 'r1 = r0', 'call_kfunc bpf_task_release', ...releaseTask(), ...done],
  },
  { name: 'cgroup_acquire of a task', type: 'tracepoint', asm: [...fromPid, 'r1 = r7', 'call_kfunc bpf_cgroup_acquire', ...done] },
  { name: 'cgroup_release of a task', type: 'tracepoint', asm: [...fromPid, 'r1 = r7', 'call_kfunc bpf_cgroup_release', ...done] },
  {
    name: 'cgroup_from_id, acquire, release both', type: 'perf_event',
    asm: ['r1 = 0', 'call_kfunc bpf_cgroup_from_id', 'if r0 != 0 goto +2', 'r0 = 0', 'exit', 'r7 = r0', 'r1 = r0', 'call_kfunc bpf_cgroup_acquire',
      'if r0 == 0 goto +2', 'r1 = r0', 'call_kfunc bpf_cgroup_release', 'r1 = r7', 'call_kfunc bpf_cgroup_release', ...done],
  },
  {
    name: 'cpumask create, set, test through struct cpumask, release', type: 'tracepoint',
    asm: ['call_kfunc bpf_cpumask_create', 'if r0 != 0 goto +2', 'r0 = 0', 'exit', 'r7 = r0', 'r1 = 0', 'r2 = r7', 'call_kfunc bpf_cpumask_set_cpu',
      'r1 = 0', 'r2 = r7', 'call_kfunc bpf_cpumask_test_cpu', 'r1 = r7', 'call_kfunc bpf_cpumask_release', ...done],
  },
  { name: 'cpumask_set_cpu of the current task', type: 'tracepoint', asm: [...current, 'r1 = 0', 'r2 = r0', 'call_kfunc bpf_cpumask_set_cpu', ...done] },
  { name: 'cpumask_create not allowed in xdp', type: 'xdp', asm: ['call_kfunc bpf_cpumask_create', ...done] },
  { name: 'rcu read section', type: 'tracepoint', asm: ['call_kfunc bpf_rcu_read_lock', 'call_kfunc bpf_rcu_read_unlock', ...done] },
  { name: 'exit inside an rcu read section', type: 'tracepoint', asm: ['call_kfunc bpf_rcu_read_lock', ...done] },
  { name: 'nested rcu read lock', type: 'tracepoint', asm: ['call_kfunc bpf_rcu_read_lock', 'call_kfunc bpf_rcu_read_lock', 'call_kfunc bpf_rcu_read_unlock', ...done] },
  { name: 'unmatched rcu read unlock', type: 'socket_filter', asm: ['call_kfunc bpf_rcu_read_unlock', ...done] },
  { name: 'rcu section held on one branch', type: 'tracepoint', asm: ['call 7', 'if r0 == 0 goto +1', 'call_kfunc bpf_rcu_read_lock', ...done] },
  { name: 'reachable weak kfunc call', type: 'tracepoint', asm: ['call_kfunc 0', ...done] },
  { name: 'unreachable weak kfunc call', type: 'tracepoint', asm: ['r0 = 0', 'if r0 == 0 goto +1', 'call_kfunc 0', ...done] },
];
