// tsbpf verify on a clang object with global functions and a tail call in a static subprogram:
// the func_info BTF reaches the model (global functions checked against their prototypes, the
// no-BTF subprogram rule not applied), and each program gets the live kernel's verdict, errno,
// message and instruction.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failingInsn, lastLogLine, LoadError, loadObject } from '../loader/index.js';
import { sys } from '../src/internal.js';
import { requireReferences, requireRoot } from './support/references.js';

const CLI = join(import.meta.dirname, '../dist/cli.js');
const dir = mkdtempSync(join(tmpdir(), 'tsbpf-verify-global-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ok = requireReferences('clang-19');
const live = requireRoot();

// read_first's pointer may be NULL when verified on its own, though bad() passes its stack.
const C_SOURCE = `#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} jmp SEC(".maps");

__attribute__((noinline)) int add_len(struct __sk_buff *skb, int n) { return skb->len + n; }
__attribute__((noinline)) int read_first(int *p) { return *p; }
static __attribute__((noinline)) int tail(struct __sk_buff *skb) { bpf_tail_call(skb, &jmp, 0); return skb->len; }

SEC("tc") int good(struct __sk_buff *skb) { return add_len(skb, 3) & 1; }
SEC("tc") int bad(struct __sk_buff *skb) { int x = skb->len; return read_first(&x) & 1; }
SEC("tc") int tails(struct __sk_buff *skb) { return tail(skb) & 1; }
char LICENSE[] SEC("license") = "GPL";
`;

interface Outcome { verdict: string; errno: string | null; message: string | null; insn: number | null }

function kernelOutcome(obj: string, program: string): Outcome {
  try {
    loadObject(obj, { programs: [program] }).close();
    return { verdict: 'accept', errno: null, message: null, insn: null };
  } catch (e) {
    if (!(e instanceof LoadError)) throw e;
    return { verdict: 'reject', errno: sys.errnoName(e.errno), message: lastLogLine(e.log), insn: failingInsn(e.log) ?? null };
  }
}

describe.skipIf(!ok)('tsbpf verify on an object with global functions', () => {
  const obj = join(dir, 'global.bpf.o');
  beforeAll(() => {
    writeFileSync(join(dir, 'global.bpf.c'), C_SOURCE);
    const r = spawnSync('clang-19', ['-O2', '-g', '-target', 'bpf', `-I/usr/include/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`, '-c', join(dir, 'global.bpf.c'), '-o', obj], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
  });

  it('gives a verdict for every program (none is left unknown)', () => {
    const j = JSON.parse(spawnSync(process.execPath, [CLI, 'verify', obj, '--json'], { encoding: 'utf8' }).stdout) as { programs: { name: string; accepted: boolean | null }[] };
    expect(j.programs.map((p) => [p.name, p.accepted === null])).toEqual([['good', false], ['bad', false], ['tails', false]]);
  });

  it.skipIf(!live)('agrees with the live kernel on each program', () => {
    const j = JSON.parse(spawnSync(process.execPath, [CLI, 'verify', obj, '--json'], { encoding: 'utf8' }).stdout) as
      { programs: { name: string; accepted: boolean | null; errno: string | null; error: { insn: number | null; message: string } | null }[] };
    for (const p of j.programs) {
      const model: Outcome = { verdict: p.accepted === true ? 'accept' : p.accepted === false ? 'reject' : 'unknown', errno: p.errno, message: p.error?.message ?? null, insn: p.error?.insn ?? null };
      expect({ name: p.name, ...model }).toEqual({ name: p.name, ...kernelOutcome(obj, p.name) });
    }
  });
});
