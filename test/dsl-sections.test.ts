// Program types: a DSL program in each of many section names of libbpf's table loads with bpftool,
// and the kernel reports the program type tsbpf/elf's section table (checked against libbpf 1.1)
// derives from the name. fentry/fexit/lsm are left out: this kernel refuses every trampoline
// program with EPERM, clang's objects included (fixtures/README.md).

import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { programTypeOf } from '../elf/index.js';
import { defineObject, program } from '../src/dsl/index.js';
import { bpftoolJson, kernelAvailable, loadAll, tempDir, writeTemp } from './support/dsl-kernel.js';

const SECTIONS = [
  'socket', 'xdp', 'tc', 'classifier', 'action', 'tracepoint/syscalls/sys_enter_getpid', 'tp/sched/sched_switch',
  'raw_tp/sched_switch', 'raw_tracepoint/sched_process_exit', 'tp_btf/sched_switch', 'perf_event',
  'cgroup_skb/ingress', 'cgroup_skb/egress', 'cgroup/skb', 'cgroup/sock_create', 'cgroup/connect4', 'cgroup/sendmsg6',
  'cgroup/getsockopt', 'cgroup/sysctl', 'cgroup/dev', 'sockops', 'sk_skb/stream_verdict', 'sk_msg', 'sk_lookup',
  'sk_reuseport', 'flow_dissector', 'lwt_in', 'lwt_xmit', 'kprobe/do_nanosleep', 'uprobe//bin/true:main', 'iter/task', 'syscall',
];

const dir = tempDir('tsbpf-dsl-sections-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ok = kernelAvailable();

describe.skipIf(!ok)('section names', () => {
  it(`${SECTIONS.length} program types load with the type the section names`, () => {
    for (const [i, section] of SECTIONS.entries()) {
      const obj = defineObject({ license: 'GPL', programs: { p: program(section, (b) => { b.return(0); }) } });
      const file = writeTemp(dir, `s${i}.o`, obj.build());
      const loaded = loadAll(file);
      try {
        const info = bpftoolJson(['prog', 'show', 'pinned', `${loaded.pin}/p`]) as { type: string };
        expect(info.type, section).toBe(programTypeOf(section)!.type);
      } finally { loaded.cleanup(); }
    }
  });
});
