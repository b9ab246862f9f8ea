// Counts, per parent process, the children that exec'ed: the parent's tgid is read as
// task.real_parent.tgid with CO-RE relocations, so the object runs on kernels whose task_struct
// is laid out differently. vmlinux.ts is the kernel's task_struct as the language declares it:
//   tsbpf btf gen-ts /sys/kernel/btf/vmlinux --type task_struct --lang -o examples/lang/vmlinux.ts
//   tsbpf build examples/lang/exec-parents.ts -o exec-parents.o
import { getCurrentTask, hashMap, tracepoint, type u32, type u64 } from 'tsbpf/lang';
import type { task_struct } from './vmlinux.js';

export const execsByParent = hashMap<u32, u64>({ maxEntries: 4096 });

export const count_exec = tracepoint('sched/sched_process_exec', () => {
  execsByParent.increment(getCurrentTask<task_struct>().real_parent.tgid as u32);
  return 0;
});
