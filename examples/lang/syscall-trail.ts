// The system calls of one process, in order: a raw tracepoint on sys_enter pushes each call's
// number (the tracepoint's second argument) into a queue that user space pops.
//   tsbpf build examples/lang/syscall-trail.ts -o syscall-trail.o
import { getCurrentPidTgid, queueMap, rawTracepoint, type u32 } from 'tsbpf/lang';

/** The process to follow (user space sets it after loading: c.globals.target = pid). */
let target: u32 = 0;
export const trail = queueMap<u32>({ maxEntries: 4096 });

export const on_sys_enter = rawTracepoint('sys_enter', (ctx) => {
  if ((getCurrentPidTgid() >> 32) !== target) return 0;
  trail.push(ctx.arg(1) as u32); // sys_enter(struct pt_regs *regs, long id)
  return 0;
});
