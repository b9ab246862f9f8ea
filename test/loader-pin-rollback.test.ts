// Pinning is all or nothing (issue 12): `tsbpf load --pin DIR` and loadObject undo every pin,
// attachment and directory they made when a later step fails, and say so in the error; mixing pins
// into a directory that already holds some needs --pin-reuse. Against the live kernel and bpffs.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoadError, loadObject } from '../loader/index.js';
import { requireReferences, requireRoot, run } from './support/references.js';

const ok = requireReferences('clang-19', 'bpftool') && requireRoot();

const CLI = join(import.meta.dirname, '..', 'dist', 'cli.js');
const ROOT = `/sys/fs/bpf/tsbpf-test-pin-rollback-${process.pid}`;
let dir = '';

const SOURCES: Record<string, string> = {
  // The reproducer: three programs, pinned in this order.
  three: `SEC("socket") int aaa_new(void *ctx) { return 0; }
SEC("socket") int beta(void *ctx) { return 0; }
SEC("socket") int zzz_new(void *ctx) { return 0; }`,
  // Attaching the second fails (xdp without --iface) after the first was attached and pinned.
  attach: `SEC("tracepoint/syscalls/sys_enter_getppid") int rb_tp(void *ctx) { return 0; }
SEC("xdp") int rb_xdp(struct xdp_md *ctx) { return XDP_PASS; }`,
  // A map pinned by name, then a program the verifier rejects (a hash lookup not checked for NULL).
  rejected: `struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tsbpf_rb_map SEC(".maps");
SEC("socket") int rb_bad(void *ctx) { __u32 k = 0; __u64 *v = bpf_map_lookup_elem(&tsbpf_rb_map, &k); return *v; }`,
};
const obj = (name: string): string => join(dir, `${name}.bpf.o`);

beforeAll(() => {
  if (!ok) return;
  dir = mkdtempSync(join(tmpdir(), 'tsbpf-pin-rollback-'));
  const multiarch = `/usr/include/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`;
  for (const [name, body] of Object.entries(SOURCES)) {
    const c = join(dir, `${name}.bpf.c`);
    writeFileSync(c, `#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\n${body}\nchar LICENSE[] SEC("license") = "GPL";\n`);
    run('clang-19', ['-O2', '-g', '-target', 'bpf', `-I${multiarch}`, '-c', c, '-o', obj(name)]);
  }
  mkdirSync(ROOT);
});

afterAll(() => {
  rmSync(ROOT, { recursive: true, force: true });
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

function tsbpf(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const mapId = (pin: string): number => (JSON.parse(run('bpftool', ['-j', 'map', 'show', 'pinned', pin])) as { id: number }).id;

/** Kernel programs by name (the kernel frees a program's last reference asynchronously: wait for it). */
async function programsNamed(names: readonly string[]): Promise<string[]> {
  let left: string[] = [];
  for (let i = 0; i < 50; i++) {
    const all = JSON.parse(run('bpftool', ['-j', 'prog', 'show'])) as { name?: string }[];
    left = all.map((p) => p.name ?? '').filter((n) => names.includes(n));
    if (left.length === 0) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  return left;
}

describe.skipIf(!ok)('tsbpf load --pin: all or nothing', () => {
  it("the issue's reproducer: DIR/beta exists — exit 2, nothing new pinned or loaded, beta untouched", async () => {
    const d = join(ROOT, 'repro');
    mkdirSync(d);
    run('bpftool', ['map', 'create', join(d, 'beta'), 'type', 'array', 'key', '4', 'value', '4', 'entries', '1', 'name', 'beta']);
    const beta = mapId(join(d, 'beta'));

    // Without --pin-reuse the directory is refused before anything is loaded.
    const r = tsbpf('load', obj('three'), '--pin', d);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`tsbpf: error: ${d}: already holds "beta"; nothing was loaded or pinned (pass --pin-reuse to pin beside what is there)\n`);
    expect(readdirSync(d)).toEqual(['beta']);
    expect(mapId(join(d, 'beta'))).toBe(beta);

    // With it, aaa_new is pinned, beta fails, and aaa_new is unpinned again before the error.
    const m = tsbpf('load', obj('three'), '--pin', d, '--pin-reuse');
    expect(m.status).toBe(2);
    expect(m.stdout).toBe('');
    expect(m.stderr).toBe(`tsbpf: error: ${d}/beta: cannot pin program beta: already exists; undone: unpinned ${d}/aaa_new\n`);
    expect(readdirSync(d)).toEqual(['beta']);
    expect(mapId(join(d, 'beta'))).toBe(beta);
    expect(await programsNamed(['aaa_new', 'zzz_new'])).toEqual([]);
  });

  it('--pin-reuse pins beside another object\'s pins; without --pin it is a usage error', () => {
    const d = join(ROOT, 'reuse');
    mkdirSync(d);
    run('bpftool', ['map', 'create', join(d, 'other'), 'type', 'array', 'key', '4', 'value', '4', 'entries', '1', 'name', 'other']);
    const r = tsbpf('load', obj('three'), '--pin', d, '--pin-reuse');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(readdirSync(d).sort()).toEqual(['aaa_new', 'beta', 'other', 'zzz_new']);
    const bare = tsbpf('load', obj('three'), '--pin-reuse');
    expect([bare.status, bare.stderr]).toEqual([2, 'tsbpf: error: --pin-reuse needs --pin DIR\n']);
  });

  it('attach fails after pinning: links and pins undone, the directory the call created removed', async () => {
    const d = join(ROOT, 'created', 'sub');
    const r = tsbpf('load', obj('attach'), '--pin', d, '--attach');
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(r.stderr).toMatch(/section xdp needs an interface \(--iface\)/);
    expect(r.stderr).toContain(`; undone: unpinned ${d}/rb_tp_link (detached), unpinned ${d}/rb_xdp, unpinned ${d}/rb_tp, removed ${join(ROOT, 'created')}\n`);
    expect(existsSync(join(ROOT, 'created'))).toBe(false);
    // A link left attached would hold rb_tp loaded.
    expect(await programsNamed(['rb_tp', 'rb_xdp'])).toEqual([]);
  });
});

describe.skipIf(!ok)('loadObject: pins by name are all or nothing', () => {
  it('a rejected program unpins the map this load pinned, and the error says so', () => {
    const root = join(ROOT, 'byname');
    mkdirSync(root);
    let err: unknown;
    try {
      loadObject(obj('rejected'), { pinRoot: root });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LoadError);
    expect((err as Error).message).toMatch(new RegExp(`; undone: unpinned ${root}/tsbpf_rb_map$`));
    expect(readdirSync(root)).toEqual([]);
  });

  it('a map pinned before the load is reused and stays when the load fails', () => {
    const root = join(ROOT, 'byname-reused');
    mkdirSync(root);
    run('bpftool', ['map', 'create', join(root, 'tsbpf_rb_map'), 'type', 'hash', 'key', '4', 'value', '8', 'entries', '1', 'name', 'tsbpf_rb_map']);
    const id = mapId(join(root, 'tsbpf_rb_map'));
    expect(() => loadObject(obj('rejected'), { pinRoot: root })).toThrow(LoadError);
    expect(readdirSync(root)).toEqual(['tsbpf_rb_map']);
    expect(mapId(join(root, 'tsbpf_rb_map'))).toBe(id);
  });
});

describe.skipIf(!ok)('load --pin into a directory that cannot be made', () => {
  it('a pin directory under /proc: one line and exit 2 at once (Node\'s recursive mkdir would retry for ever)', () => {
    const started = Date.now();
    const r = spawnSync('node', [CLI, 'load', join(import.meta.dirname, '..', 'fixtures', 'obj', 'map_hash.bpf.o'), '--pin', '/proc/tsbpf-no/such'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('tsbpf: error: /proc/tsbpf-no/such: cannot create the pin directory: ENOENT\n');
    expect(Date.now() - started).toBeLessThan(60_000);
  });
});
