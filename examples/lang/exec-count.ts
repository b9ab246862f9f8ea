// Counts execve calls per process (tgid) in a hash map, written as plain TypeScript.
//   tsbpf build examples/lang/exec-count.ts -o exec-count.o
import { getCurrentPidTgid, hashMap, tracepoint, type u32, type u64 } from 'tsbpf/lang';

export const execs = hashMap<u32, u64>({ maxEntries: 1024 });

export const count_exec = tracepoint('syscalls/sys_enter_execve', () => {
  const tgid = (getCurrentPidTgid() >> 32) as u32;
  execs.increment(tgid);
  return 0;
});
