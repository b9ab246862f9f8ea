// Example 2: exec counter with CO-RE. On every exec (tracepoint sched/sched_process_exec) count,
// per parent process, how many of its children exec'ed: the parent's tgid is read as
// task->real_parent->tgid with CO-RE relocations, so the object runs on kernels whose
// task_struct is laid out differently.
//   tsbpf build examples/register-level/exec-parents.ts -o exec-parents.o
// C twin: fixtures/src/example_execparents.bpf.c (BPF_CORE_READ(task, real_parent, tgid)).
import { asm, defineObject, hashMap, program, ptr, R0, s32, struct, u32, u64 } from '../../src/index.js';

// Local CO-RE views of task_struct: only the fields read, matched by name against the kernel's
// BTF at load time (like C's `struct task_struct___local { … } __attribute__((preserve_access_index))`).
const parentTask = struct('task_struct', { tgid: s32 });
const task = struct('task_struct', { real_parent: ptr(parentTask) });

export const execsByParent = hashMap({ key: u32, value: u64, maxEntries: 4096 });

export default defineObject({
  license: 'GPL',
  maps: { execsByParent },
  programs: {
    count_exec: program('tp/sched/sched_process_exec', (b) => {
      const t = b.let(b.helpers.bpf_get_current_task());
      const ppid = b.reg();
      b.coreRead(ppid, t, task, 'real_parent', 'tgid');
      const key = b.local('ppid', 4, ppid);
      b.lookup(execsByParent, key, (count) => b.atomicAdd(8, count, 0, 1), () => {
        const one = b.local('one', 8, 1);
        b.call('map_update_elem', execsByParent, key, one, 0);
      });
      b.emit(asm.mov(R0, 0));
      b.return(R0);
    }),
  },
});
