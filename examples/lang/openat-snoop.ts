// Every openat: the process, its name and the path it opens, to user space over a ring buffer.
// The tracepoint's record type is generated from the kernel's format file:
//   tsbpf gen tracepoint syscalls/sys_enter_openat -o sys-enter-openat.ts
//   tsbpf build examples/lang/openat-snoop.ts -o openat-snoop.o
import { type Arr, type char, getCurrentComm, getCurrentPidTgid, probeReadUserStr, ringBuf, tracepoint, type u32 } from 'tsbpf/lang';
import type { SysEnterOpenat } from './sys-enter-openat.js';

interface OpenEvent {
  pid: u32;
  flags: u32;
  comm: Arr<char, 16>;
  filename: Arr<char, 256>;
}

export const events = ringBuf({ maxEntries: 256 * 1024 });

export const snoop_openat = tracepoint('syscalls/sys_enter_openat', (ctx: SysEnterOpenat) => {
  const e = events.reserve<OpenEvent>();
  if (!e) return 0;
  e.pid = (getCurrentPidTgid() >> 32) as u32;
  e.flags = ctx.flags as u32;
  getCurrentComm(e.comm);
  probeReadUserStr(e.filename, ctx.filename);
  events.submit(e);
  return 0;
});
