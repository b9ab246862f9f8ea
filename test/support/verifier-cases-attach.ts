// Hand-written programs whose context is typed by their attach target's BTF (part of the model's
// differential test, test/support/verifier-cases.ts): tp_btf programs (a tracepoint's
// arguments), task iterators, tcp_congestion_ops struct_ops members. The attach target is named by
// its kernel BTF type; offsets come from the running kernel's BTF, and the live kernel labels
// every case when the test runs.

import { kernelStruct, member } from './kernel-struct.js';
import type { ModelCase } from './verifier-cases.js';

/** Byte offset of `name` in the kernel struct `struct`. */
const offsetOf = (struct: string, name: string): number => member(struct, name).off;

/** The index of a tcp_congestion_ops member: the expected_attach_type of its program. */
const ccMember = (member: string): number => kernelStruct('tcp_congestion_ops').members.findIndex((m) => m.name === member);

const TRACE_RAW_TP = 23;
const TRACE_ITER = 28;

/** A tp_btf program on the tracepoint `name`. */
export const tp = (name: string, c: Omit<ModelCase, 'type' | 'attach' | 'expectedAttachType'>): ModelCase =>
  ({ ...c, type: 'tracing', expectedAttachType: TRACE_RAW_TP, attach: { name: `btf_trace_${name}`, kind: 'TYPEDEF' } });
/** A task iterator program. */
export const iter = (c: Omit<ModelCase, 'type' | 'attach' | 'expectedAttachType'>): ModelCase =>
  ({ ...c, type: 'tracing', expectedAttachType: TRACE_ITER, attach: { name: 'bpf_iter_task', kind: 'FUNC' } });
const cc = (member: string, c: Omit<ModelCase, 'type' | 'attach' | 'expectedAttachType'>): ModelCase =>
  ({ ...c, type: 'struct_ops', expectedAttachType: ccMember(member), attach: { name: 'tcp_congestion_ops', kind: 'STRUCT' } });

const pid = offsetOf('task_struct', 'pid');
const cwnd = offsetOf('tcp_sock', 'snd_cwnd');
const rcvNxt = offsetOf('tcp_sock', 'rcv_nxt');
const done = ['r0 = 0', 'exit'];

export const attachCases: readonly ModelCase[] = [
  // sched_switch(bool preempt, struct task_struct *prev, struct task_struct *next, unsigned int prev_state)
  tp('sched_switch', { name: 'tp_btf: prev->pid', asm: ['r2 = *(u64 *)(r1 + 8)', `r0 = *(u32 *)(r2 + ${pid})`, ...done] }),
  tp('sched_switch', { name: 'tp_btf: bool argument is a scalar', asm: ['r0 = *(u64 *)(r1 + 0)', 'r0 &= 1', 'exit'] }),
  tp('sched_switch', { name: 'tp_btf: narrow read of a scalar argument', asm: ['r0 = *(u32 *)(r1 + 24)', ...done] }),
  tp('sched_switch', { name: 'tp_btf: narrow read of a pointer argument', asm: ['r2 = *(u32 *)(r1 + 8)', ...done] }),
  tp('sched_switch', { name: 'tp_btf: offset not a multiple of 8', asm: ['r2 = *(u32 *)(r1 + 12)', ...done] }),
  tp('sched_switch', { name: 'tp_btf: past the last argument', asm: ['r2 = *(u64 *)(r1 + 32)', ...done] }),
  tp('sched_switch', { name: 'tp_btf: beyond the context', asm: ['r2 = *(u64 *)(r1 + 96)', ...done] }),
  tp('sched_switch', { name: 'tp_btf: ctx write', asm: ['r2 = 0', '*(u64 *)(r1 + 0) = r2', ...done] }),
  tp('sched_switch', { name: 'tp_btf: store through a trusted argument', asm: ['r2 = *(u64 *)(r1 + 16)', 'r3 = 0', `*(u32 *)(r2 + ${pid}) = r3`, ...done] }),
  tp('sched_switch', { name: 'tp_btf: argument pointer arithmetic', asm: ['r2 = *(u64 *)(r1 + 16)', 'r2 += 8', `r0 = *(u32 *)(r2 + ${pid - 8})`, ...done] }),
  tp('sched_switch', { name: 'tp_btf: argument compared with NULL', asm: ['r2 = *(u64 *)(r1 + 16)', 'if r2 == 0 goto +1', `r0 = *(u32 *)(r2 + ${pid})`, ...done] }),
  tp('sched_switch', { name: 'tp_btf: returns a pointer', asm: ['r0 = *(u64 *)(r1 + 8)', 'exit'] }),
  tp('sched_switch', { name: 'tp_btf: exit without r0', asm: ['exit'] }),
  // sched_pi_setprio(struct task_struct *tsk, struct task_struct *pi_task): pi_task may be NULL.
  tp('sched_pi_setprio', { name: 'tp_btf: NULL-able argument without check', asm: ['r2 = *(u64 *)(r1 + 8)', `r0 = *(u32 *)(r2 + ${pid})`, ...done] }),
  tp('sched_pi_setprio', { name: 'tp_btf: NULL-able argument checked', asm: ['r2 = *(u64 *)(r1 + 8)', 'if r2 == 0 goto +1', `r0 = *(u32 *)(r2 + ${pid})`, ...done] }),
  tp('sched_pi_setprio', { name: 'tp_btf: non-NULL argument of a tracepoint with NULL-able ones', asm: ['r2 = *(u64 *)(r1 + 0)', `r0 = *(u32 *)(r2 + ${pid})`, ...done] }),
  // bpf_iter_task(struct bpf_iter_meta *meta, struct task_struct *task): task may be NULL.
  iter({ name: 'iter/task: meta->seq and task->pid', asm: ['r2 = *(u64 *)(r1 + 0)', 'r2 = *(u64 *)(r2 + 0)', 'r3 = *(u64 *)(r1 + 8)', 'if r3 == 0 goto +1', `r0 = *(u32 *)(r3 + ${pid})`, ...done] }),
  iter({ name: 'iter/task: task without NULL check', asm: ['r3 = *(u64 *)(r1 + 8)', `r0 = *(u32 *)(r3 + ${pid})`, ...done] }),
  iter({ name: 'iter/task: narrow read of meta->seq', asm: ['r2 = *(u64 *)(r1 + 0)', 'r0 = *(u32 *)(r2 + 0)', ...done] }),
  iter({ name: 'iter/task: walked seq stays trusted', asm: ['r2 = *(u64 *)(r1 + 0)', 'r2 = *(u64 *)(r2 + 0)', 'r0 = *(u64 *)(r2 + 0)', ...done] }),
  iter({ name: 'iter/task: returns 2', asm: ['r0 = 2', 'exit'] }),
  iter({ name: 'iter/task: returns 1', asm: ['r0 = 1', 'exit'] }),
  // tcp_congestion_ops: ssthresh(struct sock *) returns u32, init(struct sock *) returns void,
  // cong_avoid(struct sock *, u32 ack, u32 acked); the sock is a tcp_sock.
  cc('ssthresh', { name: 'struct_ops: ssthresh reads snd_cwnd', asm: ['r1 = *(u64 *)(r1 + 0)', `r0 = *(u32 *)(r1 + ${cwnd})`, 'exit'] }),
  cc('ssthresh', { name: 'struct_ops: ssthresh without r0', asm: ['exit'] }),
  cc('init', { name: 'struct_ops: void init without r0', asm: ['exit'] }),
  cc('cong_avoid', { name: 'struct_ops: cong_avoid sets snd_cwnd', asm: ['r2 = *(u64 *)(r1 + 16)', 'r1 = *(u64 *)(r1 + 0)', `*(u32 *)(r1 + ${cwnd}) = r2`, 'exit'] }),
  cc('cong_avoid', { name: 'struct_ops: cong_avoid sets rcv_nxt', asm: ['r1 = *(u64 *)(r1 + 0)', 'r2 = 1', `*(u32 *)(r1 + ${rcvNxt}) = r2`, 'exit'] }),
  cc('cong_avoid', { name: 'struct_ops: cong_avoid 8-byte store to snd_cwnd', asm: ['r1 = *(u64 *)(r1 + 0)', 'r2 = 1', `*(u64 *)(r1 + ${cwnd}) = r2`, 'exit'] }),
  cc('cong_avoid', { name: 'struct_ops: cong_avoid past its arguments', asm: ['r2 = *(u64 *)(r1 + 24)', 'exit'] }),
  // raw_tracepoint_writable: ctx slot 0 is the tracepoint's writable buffer (its size is checked at attach).
  { name: 'writable buffer: store and load', type: 'raw_tracepoint_writable', asm: ['r6 = *(u64 *)(r1 + 0)', 'r2 = 7', '*(u64 *)(r6 + 16) = r2', 'r0 = *(u32 *)(r6 + 4)', ...done] },
  { name: 'writable buffer: negative offset', type: 'raw_tracepoint_writable', asm: ['r6 = *(u64 *)(r1 + 0)', 'r0 = *(u32 *)(r6 - 4)', ...done] },
  { name: 'writable buffer: variable offset', type: 'raw_tracepoint_writable', asm: ['r6 = *(u64 *)(r1 + 0)', 'r0 = *(u64 *)(r1 + 8)', 'r0 &= 8', 'r6 += r0', 'r0 = *(u8 *)(r6 + 0)', ...done] },
  { name: 'writable buffer: narrow read of slot 0', type: 'raw_tracepoint_writable', asm: ['r6 = *(u32 *)(r1 + 0)', ...done] },
  { name: 'writable buffer: other slots are scalars', type: 'raw_tracepoint_writable', asm: ['r6 = *(u64 *)(r1 + 8)', 'r0 = *(u8 *)(r6 + 0)', ...done] },
];
