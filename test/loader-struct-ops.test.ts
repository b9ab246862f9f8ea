// struct_ops through loadObject: fixtures/obj/struct_ops_tcp_cc.bpf.o (a TCP congestion control)
// is registered with the kernel, which then lists it (tcp_available_congestion_control, and
// `bpftool struct_ops dump` says INUSE), runs its programs for a TCP connection that selects it (the
// program counts acked segments in .bss), and forgets it when the Link is closed. The xlated code of
// its programs against libbpf's load is in test/loader-object.test.ts.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readObject } from '../elf/index.js';
import { kernelBtf, loadObject, planStructOps, StructOpsError } from '../loader/index.js';
import { requireReferences, requireRoot, run } from './support/references.js';
import { transferWithCongestionControl } from './support/tcp-transfer.js';

const ok = requireReferences('bpftool', 'python3', 'clang-19') && requireRoot();
const OBJ = join(import.meta.dirname, '..', 'fixtures', 'obj', 'struct_ops_tcp_cc.bpf.o');
const available = (): string[] => readFileSync('/proc/sys/net/ipv4/tcp_available_congestion_control', 'utf8').trim().split(/\s+/);
// The kernel's state of the struct_ops map as `bpftool struct_ops dump` reports it (INIT, INUSE, TOBEFREE).
const state = (id: number): string | undefined => /"state":"BPF_STRUCT_OPS_STATE_(\w+)"/.exec(run('bpftool', ['-j', 'struct_ops', 'dump', 'id', String(id)]))?.[1];

/** Members of a kernel struct as pahole prints them: name, byte offset, in declaration order. */
function paholeMembers(struct: string): { name: string; offset: number }[] {
  const out: { name: string; offset: number }[] = [];
  for (const line of run('pahole', ['-C', struct, '/sys/kernel/btf/vmlinux']).split('\n')) {
    const m = /^\t(.+?);\s+\/\*\s+(\d+)\s+\d+\s+\*\//.exec(line);
    if (m === null) continue;
    const decl = m[1]!.replace(/__attribute__\(\(.*\)\)/, '').trim();
    const name = /\(\*(\w+)\)/.exec(decl)?.[1] ?? /(\w+)(\[\d+\])*$/.exec(decl)![1]!;
    out.push({ name, offset: Number(m[2]) });
  }
  return out;
}

describe.skipIf(!requireReferences('pahole'))('struct_ops layout (no kernel calls)', () => {
  it('places data and function pointers where pahole says the kernel value has them', () => {
    const object = readObject(new Uint8Array(readFileSync(OBJ)));
    const [plan] = planStructOps(object.structOps!, object.btf!, kernelBtf());
    const value = paholeMembers('bpf_struct_ops_tcp_congestion_ops');
    const data = value.find((m) => m.name === 'data')!;
    const ops = paholeMembers('tcp_congestion_ops');
    expect(plan!.value.length).toBe(Number(/size: (\d+)/.exec(run('pahole', ['-C', 'bpf_struct_ops_tcp_congestion_ops', '/sys/kernel/btf/vmlinux']))![1]));
    const expected = ['cong_avoid', 'init', 'ssthresh', 'undo_cwnd'].map((member) => {
      const index = ops.findIndex((m) => m.name === member);
      return { member, program: `tsbpf_cc_${member}`, valueOffset: data.offset + ops[index]!.offset, memberIndex: index };
    });
    expect([...plan!.slots].sort((a, b) => a.member.localeCompare(b.member))).toEqual(expected);
    // The name member (".name = \"tsbpf_cc\"") copied into the kernel's layout.
    const nameAt = data.offset + ops.find((m) => m.name === 'name')!.offset;
    expect(Buffer.from(plan!.value.subarray(nameAt, nameAt + 9)).toString('latin1')).toBe('tsbpf_cc\0');
  });
});

describe.skipIf(!ok)('struct_ops maps', () => {
  it('loads the maps and programs of a struct_ops object', () => {
    const c = loadObject(OBJ);
    try {
      expect([...c.programs.keys()].sort()).toEqual(['tsbpf_cc_cong_avoid', 'tsbpf_cc_init', 'tsbpf_cc_ssthresh', 'tsbpf_cc_undo_cwnd']);
      const m = c.map('tsbpf_cc');
      expect(m.typeName).toBe('struct_ops');
      // The value is the kernel's struct bpf_struct_ops_tcp_congestion_ops, as bpftool reports for libbpf's map.
      const info = JSON.parse(run('bpftool', ['-j', 'map', 'show', 'id', String(m.info.id)])) as { bytes_value: number; bytes_key: number };
      expect(info.bytes_value).toBe(m.info.valueSize);
      const plan = c.structOps.get('tsbpf_cc')!;
      expect(plan.structName).toBe('tcp_congestion_ops');
      expect(plan.slots.map((s) => s.member).sort()).toEqual(['cong_avoid', 'init', 'ssthresh', 'undo_cwnd']);
      expect(() => c.registerStructOps('nope')).toThrow(StructOpsError);
    } finally {
      c.close();
    }
  });

  it('registers the congestion control, runs it for a connection, and unregisters it on close', () => {
    const c = loadObject(OBJ);
    try {
      const id = c.map('tsbpf_cc').info.id;
      expect(available()).not.toContain('tsbpf_cc');
      expect(state(id)).toBe('INIT');
      const link = c.registerStructOps('tsbpf_cc');
      try {
        expect(available()).toContain('tsbpf_cc');
        expect(state(id)).toBe('INUSE');
        const bss = c.map('.bss');
        const acks = (): number => (bss.decodeValue(bss.lookup(new Uint8Array(4))!) as { acks_seen: number }).acks_seen;
        const before = acks();
        expect(transferWithCongestionControl('tsbpf_cc')).toBe('tsbpf_cc');
        const after = acks();
        // cong_avoid adds the segments each ACK acknowledged: 1 MiB over loopback is acked in > 0 segments.
        expect(after).toBeGreaterThan(before);
      } finally {
        link.close();
      }
      expect(available()).not.toContain('tsbpf_cc');
      expect(state(id)).toBe('TOBEFREE');
    } finally {
      c.close();
    }
  });

  it('registers a .struct_ops.link map through a bpf_link (BPF_F_LINK), unregistered when the link closes', () => {
    // The fixture's source with its map moved to .struct_ops.link (and renamed, so both can coexist).
    const dir = mkdtempSync(join(tmpdir(), 'tsbpf-struct-ops-link-'));
    try {
      writeFileSync(join(dir, 'vmlinux.h'), run('bpftool', ['btf', 'dump', 'file', '/sys/kernel/btf/vmlinux', 'format', 'c']));
      const src = readFileSync(OBJ.replace('/obj/', '/src/').replace(/\.o$/, '.c'), 'utf8')
        .replaceAll('SEC(".struct_ops")', 'SEC(".struct_ops.link")').replace('.name = "tsbpf_cc"', '.name = "tsbpf_cl"').replace('tsbpf_cc =', 'tsbpf_cl =');
      writeFileSync(join(dir, 'link.bpf.c'), src);
      run('clang-19', ['-O2', '-g', '-target', 'bpf', '-D__TARGET_ARCH_x86', '-I', dir, '-c', join(dir, 'link.bpf.c'), '-o', join(dir, 'link.bpf.o')]);
      const c = loadObject(join(dir, 'link.bpf.o'));
      try {
        expect(c.structOps.get('tsbpf_cl')?.link).toBe(true);
        expect(c.map('tsbpf_cl').info.flags).toBe(1 << 13); // BPF_F_LINK
        const link = c.registerStructOps('tsbpf_cl');
        expect(link.fd).toBeGreaterThan(0);
        expect(available()).toContain('tsbpf_cl');
        link.close();
        expect(available()).not.toContain('tsbpf_cl');
      } finally {
        c.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('tsbpf load --pin DIR --attach registers the struct_ops map and pins it; bpftool unregisters it', () => {
    const dir = `/sys/fs/bpf/tsbpf-test-struct-ops-${process.pid}`;
    let id: number | undefined;
    try {
      const out = run(process.execPath, [join(import.meta.dirname, '..', 'dist', 'cli.js'), 'load', OBJ, '--pin', dir, '--attach']);
      expect(out).toContain(`tsbpf_cc\tregistered struct_ops tcp_congestion_ops\tmap pinned ${dir}/tsbpf_cc`);
      expect(available()).toContain('tsbpf_cc'); // still registered after the command exited
      ({ id } = JSON.parse(run('bpftool', ['-j', 'map', 'show', 'pinned', join(dir, 'tsbpf_cc')])) as { id: number });
      run('bpftool', ['struct_ops', 'unregister', 'id', String(id)]);
      id = undefined;
      expect(available()).not.toContain('tsbpf_cc');
    } finally {
      // Never leave the congestion control registered (the kernel would keep it after this test).
      if (id !== undefined) run('bpftool', ['struct_ops', 'unregister', 'id', String(id)]);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
