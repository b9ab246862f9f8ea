// The record of tracepoint syscalls/sys_enter_openat, from /sys/kernel/tracing/events/syscalls/sys_enter_openat/format
// (tsbpf gen tracepoint syscalls/sys_enter_openat). A program takes it as its parameter:
//   tracepoint('syscalls/sys_enter_openat', (ctx: SysEnterOpenat) => { … })
import type { s32, u16, u64, u8 } from 'tsbpf/lang';

export interface SysEnterOpenat {
  common_type: u16;
  common_flags: u8;
  common_preempt_count: u8;
  common_pid: s32;
  __syscall_nr: s32;
  dfd: u64;
  filename: u64; // const char *: an address (read it with probeRead*)
  flags: u64;
  mode: u64;
}
