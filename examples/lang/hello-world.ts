// Hello world in the language: on every execve, a line in the kernel's trace pipe.
//   tsbpf build examples/lang/hello-world.ts -o hello.o
import { printk, tracepoint } from 'tsbpf/lang';

export const hello = tracepoint('syscalls/sys_enter_execve', () => {
  printk('Hello, BPF world!');
  return 0;
});
