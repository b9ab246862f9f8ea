// Helpers the language declares from the UAPI documentation (src/compiler/lang-helpers.generated.ts),
// on every task rename (raw tracepoint task_rename, as exec names a process after its file): ids,
// clocks and the NUMA node, the kernel stack, the new name read from kernel memory, a formatted
// line, all sent through a ring buffer. Buffer sizes come from the arguments
// (`getStack(ctx, e.stack, 0)` passes e.stack's 32 bytes).
import {
  getCurrentCgroupId, getCurrentComm, getCurrentPidTgid, getNumaNodeId, getStack, jiffies64, probeReadKernelStr,
  rawTracepoint, ringBuf, ringbufOutput, snprintf, zero, type Arr, type char, type s64, type u32, type u64,
} from 'tsbpf/lang';

interface Event {
  pid: u32;
  numa: u32;
  cgroup: u64;
  jiffies: u64;
  stackBytes: s64;
  nameLen: s64;
  textLen: s64;
  comm: Arr<char, 16>;
  name: Arr<char, 64>;
  text: Arr<char, 48>;
  stack: Arr<u64, 4>;
}

export const events = ringBuf({ maxEntries: 1 << 18 });

export const onRename = rawTracepoint('task_rename', (ctx) => {
  const e = zero<Event>();
  e.pid = (getCurrentPidTgid() >> 32) as u32;
  e.numa = getNumaNodeId();
  e.cgroup = getCurrentCgroupId();
  e.jiffies = jiffies64();
  getCurrentComm(e.comm);
  e.stackBytes = getStack(ctx, e.stack, 0);
  // task_rename(struct task_struct *task, const char *comm): the new name, in kernel memory.
  e.nameLen = probeReadKernelStr(e.name, ctx.arg(1));
  const args = zero<Arr<u64, 2>>();
  args[0] = e.pid;
  args[1] = e.numa;
  e.textLen = snprintf(e.text, 'pid %u on node %u', args);
  ringbufOutput(events, e, 0);
  return 0;
});
