// Every descriptor is owned by one object and closed by close(): after 10,000 load / attach /
// close cycles the process has the same open descriptors as before (/proc/self/fd).

import { mkdirSync, readdirSync, rmdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { encodeInstructions } from '../isa/index.js';
import {
  AttachError, attachCgroup, attachRawTracepoint, AttachType, attachTracepoint, loadObject, loadProgram, MapType, ProgType, RingBuffer, testRun,
} from '../loader/index.js';
import { assemble, createMap } from './support/bpf-raw.js';
import { requireRoot } from './support/references.js';

const ok = requireRoot();

const openFds = (): number => readdirSync('/proc/self/fd').length;

describe.skipIf(!ok)('descriptor ownership', () => {
  it('10,000 load/attach/close cycles leave the open fd count unchanged', async () => {
    const raw = encodeInstructions(assemble(['r0 = 0', 'exit']));
    const skb = encodeInstructions(assemble(['r0 = 1', 'exit']));
    // Warm up lazily created descriptors (koffi, kernel BTF) before counting.
    loadProgram({ name: 'warm', section: 'raw_tp/sys_enter', type: ProgType.RAW_TRACEPOINT, insns: raw, license: 'GPL' }).fd.close();
    const before = openFds();
    // cgroup links: detaching them does not wait for an RCU grace period, unlike tracepoints,
    // so 10,000 cycles take seconds, not minutes.
    const cg = `/sys/fs/cgroup/unified/tsbpf_leak_${process.pid}`;
    mkdirSync(cg);
    try {
      for (let i = 0; i < 10_000; i++) {
        const p = loadProgram({ name: 'tsbpf_leak', section: 'cgroup_skb/egress', type: ProgType.CGROUP_SKB, insns: skb, license: 'GPL', expectedAttachType: AttachType.CGROUP_INET_EGRESS });
        const link = attachCgroup(p.fd, cg, 'inet_egress');
        link.close();
        link.close(); // a second close does nothing
        p.fd.close();
      }
    } finally {
      rmdirSync(cg);
    }
    expect(openFds()).toBe(before);
    for (let i = 0; i < 20; i++) {
      const p = loadProgram({ name: 'tsbpf_leak', section: 'raw_tp/sys_enter', type: ProgType.RAW_TRACEPOINT, insns: raw, license: 'GPL' });
      attachRawTracepoint(p.fd, 'sys_enter').close();
      p.fd.close();
    }

    // The other owners: perf-event links, failed attaches, object collections, ring buffer readers.
    const tp = loadProgram({ name: 'tsbpf_leak_tp', section: 'tp/x', type: ProgType.TRACEPOINT, insns: raw, license: 'GPL' });
    for (let i = 0; i < 20; i++) {
      attachTracepoint(tp.fd, 'syscalls', 'sys_enter_getppid').close();
      expect(() => attachTracepoint(tp.fd, 'syscalls', 'no_such')).toThrow(AttachError);
      expect(() => testRun({ fd: tp.fd }, {})).toThrow(); // refused (no test run for tracepoints): must not leak either
    }
    tp.fd.close();
    for (let i = 0; i < 20; i++) loadObject('fixtures/obj/prog_xdp.bpf.o').close();
    for (let i = 0; i < 50; i++) {
      const m = createMap(MapType.RINGBUF, 0, 0, 4096);
      const r = new RingBuffer(m);
      await r.close();
      m.close();
    }
    expect(openFds()).toBe(before);
  }, 120_000);
});
