// Feature probes against the live kernel and against bpftool's probe of the same kernel.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KERNEL_HELPER_NAMES } from '../isa/index.js';
import { MapType, probeHelper, probeKernel, probeMapType, probeProgramType, ProgType } from '../loader/index.js';
import { createMap, loadRaw } from './support/bpf-raw.js';
import { notAvailable } from './support/kernel-features.js';
import { bpfRaw, BpfCommand, close, encodeAttr, errnoName, MapCreateAttr, MapFlag } from '../loader/sys/index.js';
import { requireReferences, requireRoot, run } from './support/references.js';

const ok = requireReferences('bpftool') && requireRoot();

const CLI = join(import.meta.dirname, '..', 'dist', 'cli.js');

interface BpftoolFeatures {
  program_types: Record<string, boolean>;
  map_types: Record<string, boolean>;
  helpers: Record<string, string[]>;
}

describe.skipIf(!ok)('feature probes', () => {
  const report = ok ? probeKernel({ helpers: true }) : undefined;
  const bpftool = ok ? JSON.parse(run('bpftool', ['feature', 'probe', 'kernel', '-j'])) as BpftoolFeatures : undefined;

  it('agrees with bpftool on every program type bpftool knows', () => {
    const theirs = Object.entries(bpftool!.program_types).map(([k, v]) => [/^have_(.+)_prog_type$/.exec(k)![1]!, v] as const);
    expect(theirs.length).toBeGreaterThan(25);
    for (const [name, v] of theirs) expect([name, report!.programTypes[name]]).toEqual([name, v]);
  });

  it('attach probes: a program type that loads is not an attachment that works (kprobe PMU, uprobe PMU, tracefs)', () => {
    // The kernel's own evidence for each kind, read from sysfs and tracefs rather than attached.
    const pmu = (name: string): boolean => existsSync(`/sys/bus/event_source/devices/${name}/type`);
    const tracefs = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'].find((d) => existsSync(`${d}/events`));
    const event = (path: string): boolean => tracefs !== undefined && existsSync(`${tracefs}/events/${path}/id`);
    expect(report!.attach).toEqual({
      kprobe: pmu('kprobe'), kretprobe: pmu('kprobe'), uprobe: pmu('uprobe'), uretprobe: pmu('uprobe'),
      tracepoint: event('syscalls/sys_enter_getpid'), raw_tracepoint: event('raw_syscalls/sys_enter'),
    });
    // The program type loads either way: that is what the report used to give for "kprobe".
    expect(report!.programTypes.kprobe).toBe(true);
    const cli = spawnSync('node', [CLI, 'probe', '--attach', 'kprobe'], { encoding: 'utf8' });
    expect(cli.status).toBe(pmu('kprobe') ? 0 : 1);
    expect(cli.stdout).toMatch(pmu('kprobe') ? /^attach kprobe: yes\n$/ : /^attach kprobe: no \(attach kprobe do_sys_openat2: this kernel has no kprobe support/);
    expect(spawnSync('node', [CLI, 'probe', '--attach', 'kprob'], { encoding: 'utf8' }).stderr).toBe('tsbpf: error: unknown attach kind \'kprob\' (known: kprobe, kretprobe, uprobe, uretprobe, tracepoint, raw_tracepoint)\n');
  });

  it('agrees with bpftool on every map type bpftool knows', () => {
    const theirs = Object.entries(bpftool!.map_types).map(([k, v]) => [/^have_(.+)_map_type$/.exec(k)![1]!, v] as const);
    expect(theirs.length).toBeGreaterThan(25);
    for (const [name, v] of theirs) expect([name, report!.mapTypes[name]]).toEqual([name, v]);
  });

  it('probes types bpftool 7.1 does not know (netfilter programs, cgrp_storage and arena maps) by real loads', () => {
    expect(report!.programTypes.netfilter).toBe(probeProgramType(ProgType.NETFILTER).supported);
    // The probe's verdict is what a real create does.
    const r = probeMapType(MapType.CGRP_STORAGE);
    expect(r.supported ? 'ok' : r.detail).toBe('ok');
    // A made-up type number is refused.
    expect(probeProgramType(999).supported).toBe(false);
    expect(probeMapType(999).supported).toBe(false);
  });

  it('probes arena maps by a real create; the verdict is what a create with other valid arguments gets', (ctx) => {
    const r = probeMapType(MapType.ARENA);
    // A second, independent create: two pages at a fixed user address, as the arena fixture asks.
    const fd = bpfRaw(BpfCommand.MAP_CREATE, encodeAttr(MapCreateAttr, { map_type: MapType.ARENA, max_entries: 2, map_flags: MapFlag.MMAPABLE, map_extra: 1n << 44n }));
    if (fd >= 0) close(fd);
    expect(r.supported ? 'ok' : r.detail).toBe(fd >= 0 ? 'ok' : errnoName(-fd));
    // EPERM is a policy of this machine (the 6.18 kernel has arenas); anything else is a failure.
    if (!r.supported && r.detail === 'EPERM') ctx.skip(notAvailable('arena maps', { refused: true, detail: `BPF_MAP_CREATE of a minimal arena map: ${r.detail}` }));
    expect(r.supported).toBe(true);
  });

  it('helper verdicts are the verifier\'s: the ones we drop are refused with "cannot use helper"; bpftool 7.1 lists them anyway', () => {
    // bpftool 7.1 looks only for "invalid func"/"unknown func" in the log; Linux 6.18 says
    // "program of this type cannot use helper", so bpftool lists every helper for every type.
    // bpftool also leaves out on purpose the helpers that print a kernel warning when probed.
    const notProbedByBpftool = new Set(['bpf_trace_printk', 'bpf_probe_write_user', 'bpf_trace_vprintk']);
    let compared = 0;
    for (const [type, ours] of Object.entries(report!.helpers!)) {
      const theirs = bpftool!.helpers[`${type}_available_helpers`] ?? [];
      if (ours.length === 0 || theirs.length === 0) continue;
      const known = Math.max(...theirs.map((h) => KERNEL_HELPER_NAMES.indexOf(h)));
      const set = new Set(theirs);
      expect(ours.filter((h) => !set.has(h) && !notProbedByBpftool.has(h) && KERNEL_HELPER_NAMES.indexOf(h) <= known)).toEqual([]);
      expect(ours.length).toBeLessThan(theirs.length + notProbedByBpftool.size);
      compared++;
    }
    expect(compared).toBeGreaterThan(20);
    expect(probeHelper(ProgType.KPROBE, 9).detail).toBe('program of this type cannot use helper bpf_skb_store_bytes#9');
    expect(report!.helpers!.kprobe).not.toContain('bpf_skb_store_bytes');
    expect(report!.helpers!.sched_cls).toContain('bpf_skb_store_bytes');
    expect(report!.helpers!.xdp).toContain('bpf_xdp_adjust_head');
    expect(report!.helpers!.socket_filter).not.toContain('bpf_xdp_adjust_head');
  });

  it('a helper the probe accepts loads in a real program of that type, with proper arguments', () => {
    // bpf_get_current_pid_tgid (14) from a tracepoint; bpf_map_lookup_elem (1) from XDP with a real map.
    expect(report!.helpers!.tracepoint).toContain('bpf_get_current_pid_tgid');
    loadRaw(ProgType.TRACEPOINT, ['call 14', 'r0 = 0', 'exit']).close();
    const m = createMap(MapType.ARRAY, 4, 8, 1);
    try {
      expect(report!.helpers!.xdp).toContain('bpf_map_lookup_elem');
      loadRaw(ProgType.XDP, ['*(u32 *)(r10 - 4) = 0', 'r2 = r10', 'r2 += -4', `r1 = map_fd(${m.fd})`, 'call 1', 'r0 = 2', 'exit']).close();
      // And one it refuses really is refused.
      expect(report!.helpers!.tracepoint).not.toContain('bpf_xdp_adjust_head');
      expect(() => loadRaw(ProgType.TRACEPOINT, ['r2 = 0', 'call 44', 'r0 = 0', 'exit'])).toThrow(/cannot use helper bpf_xdp_adjust_head#44/);
    } finally {
      m.close();
    }
  });
});
