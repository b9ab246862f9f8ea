// System calls per process and name: the key is the process (tgid) with its comm, so a process
// that execs another program counts under each name it had.
//   tsbpf build examples/lang/syscall-count.ts -o syscall-count.o
import { type Arr, type char, getCurrentComm, getCurrentPidTgid, hashMap, tracepoint, type u32, type u64, zero } from 'tsbpf/lang';

interface Task {
  tgid: u32;
  comm: Arr<char, 16>;
}

export const syscalls = hashMap<Task, u64>({ maxEntries: 10240 });

export const count_syscalls = tracepoint('raw_syscalls/sys_enter', () => {
  const key = zero<Task>();
  key.tgid = (getCurrentPidTgid() >> 32) as u32;
  getCurrentComm(key.comm);
  syscalls.increment(key);
  return 0;
});
