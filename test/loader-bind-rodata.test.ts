// libbpf binds each read-only data map to every program it loads (BPF_PROG_BIND_MAP), so a
// .rodata that no instruction reads still belongs to the program: bpftool prog show lists it
// among the program's maps and prints its bpf_metadata_* variables. loadObject must leave the
// kernel in the same state as libbpf (bpftool prog load, which is libbpf) for the same object.

import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadObject } from '../loader/index.js';
import { kernelAvailable, tempDir } from './support/dsl-kernel.js';
import { run } from './support/references.js';

const live = kernelAvailable('clang-19');

// Nothing reads the metadata; the string constant lands in .rodata.str1.1, which the program reads.
const SOURCE = `#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
volatile const char bpf_metadata_owner[] SEC(".rodata") = "tsbpf-bind-test";
volatile const int bpf_metadata_version SEC(".rodata") = 7;
SEC("socket") int meta_prog(void *ctx) { return 0; }
SEC("tracepoint/syscalls/sys_enter_getpid") int str_prog(void *ctx) { bpf_printk("bound %d", 1); return 0; }
char LICENSE[] SEC("license") = "GPL";
`;

interface ProgShow { readonly id: number; readonly map_ids?: readonly number[]; readonly metadata?: Record<string, unknown> }
interface MapShow { readonly name: string }

const dir = tempDir('tsbpf-bind-rodata-');
const pins = join('/sys/fs/bpf', `tsbpf-bind-rodata-${process.pid}`);
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(pins, { recursive: true, force: true });
});

const show = (pin: string): ProgShow => JSON.parse(run('bpftool', ['-j', 'prog', 'show', 'pinned', pin])) as ProgShow;
/** The program's maps by name without the object prefix (libbpf and tsbpf name them alike, e.g. `x.rodata`). */
const mapNames = (p: ProgShow): string[] =>
  (p.map_ids ?? []).map((id) => (JSON.parse(run('bpftool', ['-j', 'map', 'show', 'id', String(id)])) as MapShow).name.replace(/^[^.]*/, '')).sort();

describe.skipIf(!live)('read-only data bound to each program, as libbpf binds it', () => {
  it('bpftool shows the same maps and metadata for libbpf\'s load and loadObject\'s', () => {
    const src = join(dir, 'meta.bpf.c');
    const obj = join(dir, 'meta.bpf.o');
    writeFileSync(src, SOURCE);
    run('clang-19', ['-O2', '-g', '--target=bpf', '-I/usr/include/x86_64-linux-gnu', '-c', src, '-o', obj]);
    run('mkdir', ['-p', join(pins, 'libbpf'), join(pins, 'tsbpf')]);

    run('bpftool', ['prog', 'loadall', obj, join(pins, 'libbpf')]);
    const c = loadObject(obj, { preverify: false });
    try {
      for (const name of ['meta_prog', 'str_prog']) c.pinProgram(name, join(pins, 'tsbpf', name));
    } finally {
      c.close();
    }
    for (const name of ['meta_prog', 'str_prog']) {
      const ref = show(join(pins, 'libbpf', name));
      const ours = show(join(pins, 'tsbpf', name));
      expect(ref.metadata, `${name}: libbpf binds .rodata`).toEqual({ owner: 'tsbpf-bind-test', version: 7 });
      expect(ours.metadata, name).toEqual(ref.metadata);
      expect(mapNames(ours), name).toEqual(mapNames(ref));
    }
  });
});
