// Counts execve calls per process (tgid) in a hash map — the README's example.
//   tsbpf build examples/register-level/exec-count.ts -o exec-count.o
import { asm, defineObject, hashMap, program, R0, u32, u64 } from '../../src/index.js';

const execs = hashMap({ key: u32, value: u64, maxEntries: 1024 });

export default defineObject({
  license: 'GPL',
  maps: { execs },
  programs: {
    count_exec: program('tracepoint/syscalls/sys_enter_execve', (b) => {
      b.helpers.bpf_get_current_pid_tgid();          // typed helper call, result in R0
      const tgid = b.local('tgid', 4);
      b.emit(asm.rsh(R0, 32)).store(4, tgid, 0, R0);
      b.lookup(execs, tgid, (count) => b.atomicAdd(8, count, 0, 1),
        () => { const one = b.local('one', 8, 1); b.call('map_update_elem', execs, tgid, one, 0); });
      b.return(0);
    }),
  },
});
