// Maps with `pinning = LIBBPF_PIN_BY_NAME`: the first load pins them under pinRoot, a second load
// reuses the pinned map (same kernel id, same contents, as bpftool sees it), a different
// definition under the same name is refused and leaves the pin alone.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadObject, PinMismatchError } from '../loader/index.js';
import { requireReferences, requireRoot, run } from './support/references.js';

const ok = requireReferences('clang-19', 'bpftool') && requireRoot();

const source = (entries: number): string => `#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ${entries});
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tsbpf_pinned SEC(".maps");
SEC("tp/sched/sched_process_exec")
int touch(void *ctx)
{
	__u32 k = 1;
	__u64 one = 1;
	bpf_map_update_elem(&tsbpf_pinned, &k, &one, BPF_ANY);
	return 0;
}
char LICENSE[] SEC("license") = "GPL";
`;

let dir = '';
const ROOT = `/sys/fs/bpf/tsbpf-test-pinning-${process.pid}`;
const CLI = join(import.meta.dirname, '..', 'dist', 'cli.js');
const objs: string[] = [];

beforeAll(() => {
  if (!ok) return;
  dir = mkdtempSync(join(tmpdir(), 'tsbpf-pinning-'));
  const multiarch = `/usr/include/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`;
  for (const n of [16, 32]) {
    const c = join(dir, `pinned${n}.bpf.c`);
    writeFileSync(c, source(n));
    run('clang-19', ['-O2', '-g', '-target', 'bpf', `-I${multiarch}`, '-c', c, '-o', join(dir, `pinned${n}.bpf.o`)]);
    objs.push(join(dir, `pinned${n}.bpf.o`));
  }
});

afterAll(() => {
  rmSync(ROOT, { recursive: true, force: true });
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!ok)('pinning by name', () => {
  it('pins on first load, reuses on the next, refuses a different definition', () => {
    mkdirSync(ROOT, { recursive: true });
    const path = join(ROOT, 'tsbpf_pinned');
    const first = loadObject(objs[0]!, { pinRoot: ROOT });
    const id = first.map('tsbpf_pinned').info.id;
    first.map('tsbpf_pinned').set(7, 77n);
    first.close();
    expect(existsSync(path)).toBe(true);
    expect(JSON.parse(run('bpftool', ['-j', 'map', 'show', 'pinned', path])).id).toBe(id);

    const second = loadObject(objs[0]!, { pinRoot: ROOT });
    expect(second.map('tsbpf_pinned').info.id).toBe(id);
    expect(second.map('tsbpf_pinned').get(7)).toBe(77n);
    second.close();

    expect(() => loadObject(objs[1]!, { pinRoot: ROOT })).toThrow(PinMismatchError);
    expect(spawnSync('bpftool', ['map', 'show', 'pinned', path]).status).toBe(0);
  });

  it('tsbpf load --pin-maps DIR pins by-name maps in DIR, and a failed load leaves nothing there', () => {
    const root = `${ROOT}-cli`;
    mkdirSync(root, { recursive: true });
    try {
      const r = spawnSync('node', [CLI, 'load', objs[0]!, '--pin-maps', root], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const shown = JSON.parse(run('bpftool', ['-j', 'map', 'show', 'pinned', join(root, 'tsbpf_pinned')])) as { name: string };
      expect(shown.name).toBe('tsbpf_pinned');
      expect(existsSync('/sys/fs/bpf/tsbpf_pinned')).toBe(false);
      // The other definition of the same name is refused against the pin in DIR.
      const bad = spawnSync('node', [CLI, 'load', objs[1]!, '--pin-maps', root], { encoding: 'utf8' });
      expect(bad.status).toBe(2);
      expect(bad.stderr.split('\n').filter((l) => l !== '')).toHaveLength(1);
      expect(readdirSync(root)).toEqual(['tsbpf_pinned']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
