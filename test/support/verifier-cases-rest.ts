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
  // cg_sockopt_func_proto gives perf_event_output to both attach types.
  ...[21, 22].flatMap((attach) => [8, 9].map((size): ModelCase => ({
    name: `cgroup_sockopt (attach ${attach}) perf_event_output of ${size} bytes of an 8-byte stack slot`, type: 'cgroup_sockopt', expectedAttachType: attach,
    maps: [{ type: 4, keySize: 4, valueSize: 4, maxEntries: 1 }],
    asm: ['*(u64 *)(r10 - 8) = 0', 'r4 = r10', 'r4 += -8', `r5 = ${size}`, 'r2 = map_fd(0)', 'r3 = 0', 'call 25', 'r0 = 1', 'exit'],
  }))),
];
