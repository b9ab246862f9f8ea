// What the loader says when the kernel refuses: a program the verifier rejects (LoadError with
// errno name, program, section, the whole log grown past the first buffer, the failing source
// line from line_info), maps the kernel refuses (EINVAL, E2BIG), bad paths and no capabilities,
// through the API and through `tsbpf load` (exit 1 for a rejected program, 2 for the rest).
// The objects are compiled here by clang-19 from the C sources below.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoadError, loadObject, MapError, MapSizingError } from '../loader/index.js';
import { requireReferences, requireRoot, run } from './support/references.js';

const ok = requireReferences('clang-19', 'bpftool', 'setpriv') && requireRoot();

const CLI = join(import.meta.dirname, '..', 'dist', 'cli.js');

// Dereferences a map value without the NULL check the verifier demands.
const NULL_DEREF = `#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 8); __type(key, __u32); __type(value, __u64); } vals SEC(".maps");
SEC("tp/sched/sched_process_exec")
int forgets_null_check(void *ctx)
{
	__u32 key = 1;
	__u64 *v = bpf_map_lookup_elem(&vals, &key);
	return *v == 7;
}
char LICENSE[] SEC("license") = "GPL";
`;

// A long straight-line program (1,000 unrolled helper calls) that fails at its very end: its
// level-1 log, one line per instruction, is far longer than the loader's first 64 KiB buffer.
const LONG_LOG = `#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
SEC("tp/sched/sched_process_exec")
int long_then_bad(void *ctx)
{
	__u64 s = 0;
#pragma clang loop unroll(full)
	for (int i = 0; i < 1000; i++) s += bpf_get_prandom_u32();
	return *(volatile __u64 *)(long)s;
}
char LICENSE[] SEC("license") = "GPL";
`;

const BAD_MAPS = (def: string): string => `#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
struct { ${def} } broken SEC(".maps");
SEC("tp/sched/sched_process_exec")
int uses_map(void *ctx)
{
	__u32 key = 0;
	return bpf_map_lookup_elem(&broken, &key) != 0;
}
char LICENSE[] SEC("license") = "GPL";
`;

let dir = '';
const obj: Record<string, string> = {};

function compile(name: string, source: string): string {
  const c = join(dir, `${name}.bpf.c`);
  const o = join(dir, `${name}.bpf.o`);
  writeFileSync(c, source);
  // linux/bpf.h needs the host's asm/ headers (Debian multiarch directory).
  const multiarch = `/usr/include/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`;
  run('clang-19', ['-O2', '-g', '-target', 'bpf', `-I${multiarch}`, '-c', c, '-o', o]);
  return o;
}

function cli(args: string[], drop = false): { status: number | null; stdout: string; stderr: string } {
  const cmd = drop ? ['setpriv', '--inh-caps=-all', '--bounding-set=-all', '--', process.execPath, CLI, ...args] : [process.execPath, CLI, ...args];
  const r = spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  if (!ok) return;
  dir = mkdtempSync(join(tmpdir(), 'tsbpf-loader-errors-'));
  obj.nullDeref = compile('null_deref', NULL_DEREF);
  obj.longLog = compile('long_log', LONG_LOG);
  obj.zeroEntries = compile('zero_entries', BAD_MAPS('__uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 0); __type(key, __u32); __type(value, __u64);'));
  obj.hugeValue = compile('huge_value', BAD_MAPS('__uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 1); __uint(key_size, 4); __uint(value_size, 1 << 28);'));
});

afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

/** "file:line: text" for the line of `source` that contains `needle` (1-based, as line_info). */
function lineOf(file: string, source: string, needle: string): string {
  const lines = source.split('\n');
  const i = lines.findIndex((l) => l.includes(needle));
  return `${file}:${i + 1}: ${lines[i]!.trim()}`;
}

function loadError(path: string): LoadError {
  try {
    loadObject(path).close();
  } catch (e) {
    if (e instanceof LoadError) return e;
    throw e;
  }
  throw new Error(`${path} loaded`);
}

describe.skipIf(!ok)('a program the verifier rejects', () => {
  it('is a LoadError with errno, program, section, log and the source line', () => {
    const e = loadError(obj.nullDeref!);
    // libbpf's view of the same object, for the errno and the verifier's words.
    const lib = spawnSync('bpftool', ['prog', 'loadall', obj.nullDeref!, `/sys/fs/bpf/tsbpf-errors-${process.pid}`], { encoding: 'utf8' });
    expect(lib.status).not.toBe(0);
    expect(lib.stderr).toContain("invalid mem access 'map_value_or_null'");
    expect(lib.stderr).toContain('-13'); // libbpf prints -EACCES
    expect(e.code).toBe('EACCES');
    expect(e.program).toBe('forgets_null_check');
    expect(e.section).toBe('tp/sched/sched_process_exec');
    expect(e.log).toContain("invalid mem access 'map_value_or_null'");
    expect(e.sourceLine).toBe(lineOf(join(dir, 'null_deref.bpf.c'), NULL_DEREF, 'return *v == 7;'));
    expect(e.message).toBe(`program forgets_null_check (section tp/sched/sched_process_exec) rejected: EACCES (Permission denied): R0 invalid mem access 'map_value_or_null' at ${e.sourceLine}`);
  });

  it('keeps the whole log when it outgrows the first buffer', () => {
    const e = loadError(obj.longLog!);
    expect(e.log.length).toBeGreaterThan(64 * 1024);
    // The complete log still starts at instruction 0 and ends with the verdict.
    expect(e.log).toMatch(/(^|\n)0: R1=ctx\(\) R10=fp0\n/);
    expect(e.log).toMatch(/invalid mem access 'scalar'\n/);
    expect(e.sourceLine).toBe(lineOf(join(dir, 'long_log.bpf.c'), LONG_LOG, 'return *(volatile'));
  });

  it('tsbpf load: exit 1, one line; the log only with --print-log', () => {
    const plain = cli(['load', obj.nullDeref!]);
    expect(plain.status).toBe(1);
    expect(plain.stdout).toBe('');
    expect(plain.stderr.trim().split('\n')).toHaveLength(1);
    expect(plain.stderr).toContain(`${obj.nullDeref}: program forgets_null_check (section tp/sched/sched_process_exec) rejected: EACCES`);
    const withLog = cli(['load', obj.nullDeref!, '--print-log']);
    expect(withLog.status).toBe(1);
    expect(withLog.stderr).toContain('--- verifier log of forgets_null_check ---');
    expect(withLog.stderr).toContain("R0 invalid mem access 'map_value_or_null'");
    expect(withLog.stderr.trim().split('\n').at(-1)).toBe(plain.stderr.trim());
  });
});

describe.skipIf(!ok)('maps the kernel refuses, bad paths, no capabilities', () => {
  it('a map the kernel refuses (E2BIG) or that is still unsized names the map (API: MapError; CLI: exit 2, one line)', () => {
    // max_entries 0: refused before BPF_MAP_CREATE (the kernel would say EINVAL), with the option that sizes it.
    for (const [file, code] of [[obj.zeroEntries!, undefined], [obj.hugeValue!, 'E2BIG']] as const) {
      let err: unknown;
      try { loadObject(file).close(); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(code === undefined ? MapSizingError : MapError);
      expect((err as MapError).code).toBe(code);
      const r = cli(['load', file]);
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      // libbpf fails on the same map.
      const lib = spawnSync('bpftool', ['prog', 'loadall', file, `/sys/fs/bpf/tsbpf-errors-${process.pid}`], { encoding: 'utf8' });
      expect(lib.stderr).toContain(`map 'broken': failed to create`);
      if (code === undefined) expect(r.stderr.trim()).toMatch(new RegExp(`^${file.replace(/[.]/g, '\\.')}: error: map broken \\(hash\\): max_entries is 0; size it before load`));
      else expect(r.stderr.trim()).toMatch(new RegExp(`^${file.replace(/[.]/g, '\\.')}: error: map broken: BPF_MAP_CREATE: ${code} \\(`));
    }
  });

  it('a missing object and an unknown --prog: exit 2, one line', () => {
    const missing = cli(['load', join(dir, 'nope.o')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe(`tsbpf: error: ${join(dir, 'nope.o')}: cannot read: no such file\n`);
    const unknown = cli(['load', obj.longLog!, '--prog', 'nope']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    expect(unknown.stderr).toMatch(/no program nope in the object \(it has long_then_bad\)/);
  });

  it('without CAP_BPF: exit 2 and one line naming the capability (EPERM avoided up front)', () => {
    const r = cli(['load', obj.nullDeref!], true);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('tsbpf: error: loading BPF programs needs CAP_BPF (or CAP_SYS_ADMIN); this process has neither\n');
    // The kernel agrees: bpftool, with the same capabilities dropped, gets EPERM.
    const lib = spawnSync('setpriv', ['--inh-caps=-all', '--bounding-set=-all', '--', 'bpftool', 'prog', 'loadall', obj.nullDeref!, '/sys/fs/bpf/x'], { encoding: 'utf8' });
    expect(lib.stderr).toMatch(/Operation not permitted/);
  });
});
