// Cases for what issue 10 left: which helpers make a global function "might sleep" (the helper's
// prototype for this program, not any prototype of its id), and helpers whose prototype or
// availability depends on the program type or attach type. Labelled by the live kernel at run time.

import { iter, tp } from './verifier-cases-attach.js';
import type { ModelCase } from './verifier-cases.js';

/** Main calls global f1(ctx), which passes its context and 16 bytes of stack to bpf_get_stack. */
const getStackInGlobal = (type: string): ModelCase => ({
  name: `global function calling bpf_get_stack from a non-sleepable ${type} program`, type,
  functions: [{ start: 0 }, { start: 3, global: true, params: ['void *ctx'] }],
  asm: ['call_local +2', 'r0 = 0', 'exit', 'r2 = r10', 'r2 += -16', 'r3 = 16', 'r4 = 0', 'call 67', 'r0 = 0', 'exit'],
});

type Body = Omit<ModelCase, 'type' | 'attach' | 'expectedAttachType'>;
const tpBtf = (c: Body): ModelCase => tp('sched_switch', c);
const iterTask = iter;

/** bpf_get_stack(ctx, fp-16, 16, 0), the buffer written first or not. */
const getStack = (init: boolean): string[] => [
  ...(init ? ['*(u64 *)(r10 - 16) = 0', '*(u64 *)(r10 - 8) = 0'] : []), 'r2 = r10', 'r2 += -16', 'r3 = 16', 'r4 = 0', 'call 67', 'r0 = 0', 'exit',
];
const lookup = ['*(u32 *)(r10 - 4) = 0', 'r2 = r10', 'r2 += -4', 'r1 = map_fd(0)', 'call 1', 'if r0 == 0 goto +1', 'r0 = *(u64 *)(r0 + 0)', 'r0 = 0', 'exit'];
const ARRAY_4_8 = { type: 2, keySize: 4, valueSize: 8, maxEntries: 1 };
const currentTask = ['call 158', 'r0 = 0', 'exit'];

export const restCases: readonly ModelCase[] = [
  getStackInGlobal('kprobe'),
  getStackInGlobal('perf_event'),
  getStackInGlobal('tracepoint'),
  // Raw tracepoints get bpf_get_stack_proto_raw_tp: its buffer must be initialized.
  { name: 'raw_tp bpf_get_stack into written stack', type: 'raw_tracepoint', asm: getStack(true) },
  { name: 'raw_tp bpf_get_stack into unwritten stack', type: 'raw_tracepoint', asm: getStack(false) },
  { name: 'raw_tp.w bpf_get_stack into unwritten stack', type: 'raw_tracepoint_writable', asm: getStack(false) },
  tpBtf({ name: 'tp_btf bpf_get_stack into written stack', asm: getStack(true) }),
  tpBtf({ name: 'tp_btf bpf_get_stack into unwritten stack', asm: getStack(false) }),
  iterTask({ name: 'iter bpf_get_stack into unwritten stack', asm: getStack(false) }),
  { name: 'kprobe bpf_get_stack into unwritten stack', type: 'kprobe', asm: getStack(false) },
  // Helpers every tracing attach type has.
  tpBtf({ name: 'tp_btf map lookup', maps: [ARRAY_4_8], asm: lookup }),
  iterTask({ name: 'iter map lookup', maps: [ARRAY_4_8], asm: lookup }),
  tpBtf({ name: 'tp_btf bpf_get_current_task_btf', asm: currentTask }),
  iterTask({ name: 'iter bpf_get_current_task_btf', asm: currentTask }),
  { name: 'syscall bpf_get_current_task_btf', type: 'syscall', asm: currentTask },
  { name: 'sleepable syscall bpf_get_current_task_btf', type: 'syscall', sleepable: true, asm: currentTask },
  { name: 'syscall map lookup', type: 'syscall', maps: [ARRAY_4_8], asm: lookup },
  { name: 'kprobe bpf_get_current_task_btf', type: 'kprobe', asm: currentTask },
  // bpf_tracing_func_proto's helpers in tp_btf programs.
  ...[5, 7, 8, 14, 15, 35, 125].map((id) => tpBtf({ name: `tp_btf helper ${id} without arguments`, asm: [`call ${id}`, 'r0 = 0', 'exit'] })),
  tpBtf({ name: 'tp_btf bpf_get_current_comm into the stack', asm: ['r1 = r10', 'r1 += -16', 'r2 = 16', 'call 16', 'r0 = 0', 'exit'] }),
  tpBtf({ name: 'tp_btf bpf_get_current_comm past the stack', asm: ['r1 = r10', 'r1 += -8', 'r2 = 16', 'call 16', 'r0 = 0', 'exit'] }),
  ...[112, 113].map((id) => tpBtf({ name: `tp_btf probe read ${id} into the stack`, asm: ['r1 = r10', 'r1 += -8', 'r2 = 8', 'r3 = 0', `call ${id}`, 'r0 = 0', 'exit'] })),
  tpBtf({ name: 'tp_btf bpf_trace_printk of written stack', asm: ['*(u64 *)(r10 - 8) = 0', 'r1 = r10', 'r1 += -8', 'r2 = 8', 'call 6', 'r0 = 0', 'exit'] }),
  tpBtf({
    name: 'tp_btf ring buffer reserve and submit', maps: [{ type: 27, keySize: 0, valueSize: 0, maxEntries: 4096 }],
    asm: ['r1 = map_fd(0)', 'r2 = 8', 'r3 = 0', 'call 131', 'if r0 == 0 goto +4', 'r1 = r0', 'r2 = 0', 'call 132', 'r0 = 0', 'exit'],
  }),
  tpBtf({ name: 'tp_btf bpf_ringbuf_output from the stack', maps: [{ type: 27, keySize: 0, valueSize: 0, maxEntries: 4096 }],
    asm: ['*(u64 *)(r10 - 8) = 0', 'r1 = map_fd(0)', 'r2 = r10', 'r2 += -8', 'r3 = 8', 'r4 = 0', 'call 130', 'r0 = 0', 'exit'] }),
  // seq_printf/seq_write on the iterator's seq_file (ctx->meta->seq), for iterators only.
  ...[true, false].flatMap((isIter) => [
    { id: 126, args: ['r3 = 8', 'r4 = 0', 'r5 = 0'] }, { id: 127, args: ['r3 = 8'] },
  ].map(({ id, args }) => (isIter ? iterTask : tpBtf)({
    name: `${isIter ? 'iter' : 'tp_btf'} seq helper ${id} on meta->seq`,
    asm: ['r2 = *(u64 *)(r1 + 0)', 'r1 = *(u64 *)(r2 + 0)', '*(u64 *)(r10 - 8) = 0', 'r2 = r10', 'r2 += -8', ...args, `call ${id}`, 'r0 = 0', 'exit'],
  }))),
  iterTask({ name: 'iter seq_printf with the format unwritten', asm: ['r2 = *(u64 *)(r1 + 0)', 'r1 = *(u64 *)(r2 + 0)', 'r2 = r10', 'r2 += -8', 'r3 = 8', 'r4 = 0', 'r5 = 0', 'call 126', 'r0 = 0', 'exit'] }),
  iterTask({ name: 'iter seq_write with a zero size', asm: ['r2 = *(u64 *)(r1 + 0)', 'r1 = *(u64 *)(r2 + 0)', 'r2 = r10', 'r2 += -8', 'r3 = 0', 'call 127', 'r0 = 0', 'exit'] }),
  // bpf_get_task_stack of the current task: R0 is at most the buffer's size.
  ...[16, 24].map((size) => tpBtf({
    name: `tp_btf bpf_get_task_stack into 16 bytes of stack, size ${size}`,
    asm: ['call 158', 'r1 = r0', 'r2 = r10', 'r2 += -16', `r3 = ${size}`, 'r4 = 0', 'call 141', 'if r0 s> 16 goto +2', 'r0 = 0', 'exit', 'r0 = *(u64 *)(r10 - 24)', 'r0 = 0', 'exit'],
  })),
  { name: 'kprobe bpf_get_task_stack of the current task', type: 'kprobe', asm: ['call 158', 'r1 = r0', 'r2 = r10', 'r2 += -16', 'r3 = 16', 'r4 = 0', 'call 141', 'r0 = 0', 'exit'] },
  { name: 'kprobe bpf_get_task_stack of a scalar', type: 'kprobe', asm: ['r1 = 0', 'r2 = r10', 'r2 += -16', 'r3 = 16', 'r4 = 0', 'call 141', 'r0 = 0', 'exit'] },
  // bpf_copy_from_user_task might sleep: sleepable programs only.
  ...[true, false].map((sleepable): ModelCase => ({
    name: `${sleepable ? 'sleepable ' : ''}kprobe bpf_copy_from_user_task of the current task`, type: 'kprobe', ...(sleepable ? { sleepable } : {}),
    asm: ['call 158', 'r4 = r0', 'r1 = r10', 'r1 += -16', 'r2 = 16', 'r3 = 0', 'r5 = 0', 'call 191', 'r0 = 0', 'exit'],
  })),
  // sk_lookup's bpf_sk_assign: a socket from a sockmap (checked for NULL or not), NULL, or the ctx.
  ...[
    ['a sockmap socket before its NULL check', ['r2 = r7']], ['NULL', ['r2 = 0']], ['the ctx', ['r2 = r6']],
  ].map(([what, set]): ModelCase => ({
    name: `sk_lookup bpf_sk_assign of ${what as string}`, type: 'sk_lookup', expectedAttachType: 36,
    maps: [{ type: 15, keySize: 4, valueSize: 8, maxEntries: 1 }],
    asm: ['r6 = r1', '*(u32 *)(r10 - 4) = 0', 'r2 = r10', 'r2 += -4', 'r1 = map_fd(0)', 'call 1', 'r7 = r0',
      'r1 = r6', ...(set as string[]), 'r3 = 0', 'call 124', 'if r7 == 0 goto +2', 'r1 = r7', 'call 86', 'r0 = 0', 'exit'],
  })),
  // Task storage takes a task storage map only (a task storage map needs BTF: the fixture map_task_storage loads one).
  ...[156, 157].map((id) => tpBtf({ name: `tp_btf task storage helper ${id} with an array map`, maps: [ARRAY_4_8],
    asm: ['r1 = map_fd(0)', 'r2 = 0', 'r3 = 0', 'r4 = 0', `call ${id}`, 'r0 = 0', 'exit'] })),
  // cg_sockopt_func_proto gives perf_event_output to both attach types.
  ...[21, 22].flatMap((attach) => [8, 9].map((size): ModelCase => ({
    name: `cgroup_sockopt (attach ${attach}) perf_event_output of ${size} bytes of an 8-byte stack slot`, type: 'cgroup_sockopt', expectedAttachType: attach,
    maps: [{ type: 4, keySize: 4, valueSize: 4, maxEntries: 1 }],
    asm: ['*(u64 *)(r10 - 8) = 0', 'r4 = r10', 'r4 += -8', `r5 = ${size}`, 'r2 = map_fd(0)', 'r3 = 0', 'call 25', 'r0 = 1', 'exit'],
  }))),
];
