// Example 1: hello world. On every execve, print a line to the kernel's trace pipe.
//   tsbpf build examples/register-level/hello-world.ts -o hello-world.o
//   (load it with bpftool or any libbpf loader; read /sys/kernel/tracing/trace_pipe)
import { defineObject, program } from '../../src/index.js';

export default defineObject({
  license: 'GPL',
  programs: {
    hello: program('tracepoint/syscalls/sys_enter_execve', (b) => {
      b.printk('Hello, BPF world!');
      b.return(0);
    }),
  },
});
