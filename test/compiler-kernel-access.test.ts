// Kernel arrays, direct bitfield loads and enum values in tsbpf/lang, against clang-19 on the same
// C (the CO-RE records: kind, root type, access string, local value; instruction counts at most
// clang -O2 + 10 %) and on the running kernel: both objects attached to the same exec event
// report the same bytes, and the values are the kernel's (/proc, the kernel's BTF).

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { type BpfInstruction, decodeBtf, readObject } from '../elf/index.js';
import { attachOptionsForSection, attachProgram, loadObject, RingBuffer } from '../loader/index.js';
import { CompileError, generateKernelDeclarations, typeCheck } from '../src/compiler/index.js';
import { langCoreDir, VENDORED_BTF } from './support/lang-core.js';
import { requireReferences, requireRoot } from './support/references.js';

const work = langCoreDir('tsbpf-lang-kaccess-', ['task_struct', 'bpf_map_type']);
afterAll(() => work.remove());
const { moduleFile, compile } = work;
const vendored = decodeBtf(VENDORED_BTF);
const clangObject = (): Uint8Array => work.clang('access', C_SOURCE);

/** `program: kind root access = local value` of every CO-RE record of an object. */
function coreRecords(bytes: Uint8Array): string[] {
  const obj = readObject(bytes);
  const btf = obj.btf!;
  const out = new Set<string>();
  for (const p of obj.programs) {
    for (const ins of p.instructions as readonly BpfInstruction[]) {
      for (const r of ins.coreRelocations ?? []) {
        const i = ins.insn as { src?: { kind: string; value?: number }; offset?: number; kind: string; imm?: number; nextImm?: number };
        const value = i.kind === 'ldx' ? i.offset : i.kind === 'ldImm64' ? (BigInt(i.nextImm! >>> 0) << 32n) | BigInt(i.imm! >>> 0) : i.src?.kind === 'imm' ? i.src.value : undefined;
        out.add(`${p.name}: ${r.kind} ${btf.nameOf(r.typeId)} ${btf.string(r.accessStringOffset)} = ${value}`);
      }
    }
  }
  return [...out].sort();
}
const slots = (b: Uint8Array, name: string): number => readObject(b).programs.find((p) => p.name === name)!.instructions.reduce((n, i) => n + (i.insn.kind === 'ldImm64' ? 2 : 1), 0);

const TS_SOURCE = `import { enumValue, enumValueExists, getCurrentTask, ringBuf, tpBtf, tracepoint, type Arr, type char, type s32, type s64, type u32, type u64 } from 'tsbpf/lang';
import type { bpf_map_type, task_struct } from './vmlinux.js';
interface Ev { kind: u32; pid: u32; comm: Arr<char, 16>; parent: Arr<char, 16>; c3: s64; ci: s64; dumpable: u64; ringbuf: s64; arena: u64 }
export const events = ringBuf({ maxEntries: 65536 });
export const names = ringBuf({ maxEntries: 65536 });
export const IDX: u32 = 2;
export const probe = tracepoint('sched/sched_process_exec', () => {
  const task = getCurrentTask<task_struct>();
  const e = events.reserve<Ev>();
  if (!e) return 0;
  e.kind = 1;
  e.pid = task.tgid;
  e.comm = task.comm;
  const parent = task.real_parent.comm;
  e.parent = parent;
  e.c3 = task.comm[3];
  e.ci = task.comm[IDX];
  e.dumpable = task.user_dumpable;
  e.ringbuf = enumValue<bpf_map_type>('BPF_MAP_TYPE_RINGBUF');
  e.arena = enumValueExists<bpf_map_type>('BPF_MAP_TYPE_ARENA') ? 1 : 0;
  events.submit(e);
  names.output(task.comm);
  return 0;
});
export const exec = tpBtf('sched_process_exec', (t: task_struct, oldPid: s32) => {
  const e = events.reserve<Ev>();
  if (!e) return 0;
  e.kind = 2;
  e.pid = t.tgid;
  e.comm = t.comm;
  e.parent = t.real_parent.comm;
  e.c3 = t.comm[3];
  e.ci = t.comm[IDX];
  e.dumpable = t.user_dumpable;
  e.ringbuf = enumValue<bpf_map_type>('BPF_MAP_TYPE_RINGBUF');
  e.arena = enumValueExists<bpf_map_type>('BPF_MAP_TYPE_ARENA') ? 1 : 0;
  events.submit(e);
  names.output(t.comm);
  return 0;
});
`;

const C_SOURCE = `#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
struct ev { __u32 kind; __u32 pid; char comm[16]; char parent[16]; __s64 c3; __s64 ci; __u64 dumpable; __s64 ringbuf; __u64 arena; };
struct { __uint(type, BPF_MAP_TYPE_RINGBUF); __uint(max_entries, 65536); } events SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_RINGBUF); __uint(max_entries, 65536); } names SEC(".maps");
const volatile __u32 IDX = 2;
SEC("tracepoint/sched/sched_process_exec")
int probe(void *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct ev *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) return 0;
	e->kind = 1;
	e->pid = BPF_CORE_READ(task, tgid);
	BPF_CORE_READ_INTO(&e->comm, task, comm);
	char parent[16];
	BPF_CORE_READ_INTO(&parent, task, real_parent, comm);
	__builtin_memcpy(e->parent, parent, 16);
	e->c3 = BPF_CORE_READ(task, comm[3]);
	char c = 0;
	if (IDX < 16) bpf_core_read(&c, 1, &task->comm[IDX]);
	e->ci = c;
	e->dumpable = BPF_CORE_READ_BITFIELD_PROBED(task, user_dumpable);
	e->ringbuf = bpf_core_enum_value(enum bpf_map_type, BPF_MAP_TYPE_RINGBUF);
	e->arena = bpf_core_enum_value_exists(enum bpf_map_type, BPF_MAP_TYPE_ARENA);
	bpf_ringbuf_submit(e, 0);
	char comm[16];
	BPF_CORE_READ_INTO(&comm, task, comm);
	bpf_ringbuf_output(&names, comm, 16, 0);
	return 0;
}
SEC("tp_btf/sched_process_exec")
int BPF_PROG(exec, struct task_struct *t, pid_t old_pid)
{
	struct ev *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) return 0;
	e->kind = 2;
	e->pid = t->tgid;
	__builtin_memcpy(e->comm, t->comm, 16);
	__builtin_memcpy(e->parent, t->real_parent->comm, 16);
	e->c3 = t->comm[3];
	char c = 0;
	if (IDX < 16) bpf_core_read(&c, 1, &t->comm[IDX]); /* the verifier refuses t->comm[IDX]: a variable offset */
	e->ci = c;
	e->dumpable = BPF_CORE_READ_BITFIELD(t, user_dumpable);
	e->ringbuf = bpf_core_enum_value(enum bpf_map_type, BPF_MAP_TYPE_RINGBUF);
	e->arena = bpf_core_enum_value_exists(enum bpf_map_type, BPF_MAP_TYPE_ARENA);
	bpf_ringbuf_submit(e, 0);
	char comm[16];
	__builtin_memcpy(comm, t->comm, 16);
	bpf_ringbuf_output(&names, comm, 16, 0);
	return 0;
}
char LICENSE[] SEC("license") = "GPL";
`;

const clangOk = requireReferences('clang-19', 'bpftool');

describe('kernel arrays, enums and bitfields: compile errors at the TypeScript line', () => {
  const cases: [string, string, RegExp][] = [
    ['a constant index past the end', 'e.c3 = task.comm[16];', /index 16 is outside kernel array comm\[16\]/],
    ['a store into a kernel array', 'task.comm[0] = 1;', /kernel memory is read-only here/],
    ['a kernel array as a condition', 'if (task.comm) return 1;', /this value is not a condition/],
    ['a copy into an array of another size (tsc)', 'const small: Arr<char, 8> = task.comm;', /Type 'Arr<number, 16>' is not assignable to type 'Arr<number, 8>'/],
    ['a copy into an array of wider elements', 'const wide: Arr<u16, 16> = task.comm;', /a kernel array comm\[16\] is a Arr<char, 16>/],
    ['a kernel array as a helper\'s destination', 'probeReadKernel(task.comm, 0);', /is written: kernel memory is read-only here/],
    ['an enumerator the enum does not have (tsc)', "e.ringbuf = enumValue<bpf_map_type>('BPF_MAP_TYPE_NOPE');", /BPF_MAP_TYPE_NOPE/],
    ['enumValue without its enum', "e.ringbuf = enumValue('BPF_MAP_TYPE_HASH' as never);", /enumValue takes a kernel enum type argument/],
  ];
  for (const [what, stmt, msg] of cases) {
    it(`${what}: an error at file:line:col`, () => {
      const src = TS_SOURCE.replace("import { enumValue,", "import { probeReadKernel, type u16, enumValue,").replace('  e.comm = task.comm;', `  ${stmt}`);
      const file = moduleFile('bad', src);
      let err: unknown;
      try { typeCheck(ts, file); compile(file); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(CompileError);
      const line = src.split('\n').indexOf(`  ${stmt}`) + 1;
      expect((err as CompileError).message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${line}:\\d+: error: `));
      expect((err as CompileError).message).toMatch(msg);
    });
  }

  it('gen-ts --lang writes an enum asked for by name: its enumerators in BTF order, typed as their values', () => {
    const text = generateKernelDeclarations(vendored, ['bpf_map_type']);
    const e = vendored.requireType(vendored.findByName('bpf_map_type', 'ENUM')[0]!) as { values: readonly { name: string; value: number }[] };
    expect(text).toContain("export interface bpf_map_type extends KernelEnum<'bpf_map_type', 4> {");
    expect([...text.matchAll(/readonly (\w+): (-?\d+);/g)].map((m) => [m[1], Number(m[2])])).toEqual(e.values.map((v) => [v.name, v.value]));
    expect(text).toMatch(/^import type \{ .*KernelEnum.* \} from 'tsbpf\/lang';$/m);
  });

  it('the module type-checks', () => {
    expect(() => typeCheck(ts, moduleFile('typed', TS_SOURCE))).not.toThrow();
  });
});

describe.skipIf(!clangOk)('kernel arrays, enums and bitfields against clang-19', () => {
  it('the same core_relo records as clang, and at most clang -O2 + 10 % instructions per program', () => {
    const ours = compile(moduleFile('access', TS_SOURCE));
    const theirs = clangObject();
    expect(coreRecords(ours)).toEqual(coreRecords(theirs));
    const kinds = new Set(coreRecords(ours).map((r) => r.split(' ')[1]));
    expect(kinds).toEqual(new Set(['field_byte_offset', 'field_byte_size', 'field_lshift_u64', 'field_rshift_u64', 'field_signed', 'enumval_value', 'enumval_exists']));
    for (const p of ['probe', 'exec']) {
      console.info(`kernel-access ${p}: tsbpf ${slots(ours, p)}, clang-19 -O2 ${slots(theirs, p)}`);
      expect(slots(ours, p)).toBeLessThanOrEqual(Math.floor(slots(theirs, p) * 1.1));
    }
    // tpBtf: the array copy and constant index are loads through the BTF pointer; the variable index a probe read.
    const exec = readObject(ours).programs.find((p) => p.name === 'exec')!.instructions;
    expect(exec.filter((i) => i.insn.kind === 'call' && (i.insn as { imm: number }).imm === 113).length).toBe(1);
  });
});

describe.skipIf(!clangOk || !requireRoot())('kernel arrays, enums and bitfields on the running kernel', () => {
  it("one exec: tsbpf's and clang's programs report the same event, with the comm /proc shows and the kernel BTF's enum values", async () => {
    const objs = [loadObject(compile(moduleFile('access', TS_SOURCE)), { name: 'kaccess_ts' }), loadObject(clangObject(), { name: 'kaccess_c' })];
    const links = objs.flatMap((c) => ['probe', 'exec'].map((n) => { const p = c.programs.get(n)!; return attachProgram(p, attachOptionsForSection(p.section, {})); }));
    const rings = objs.map((c) => new RingBuffer(c.maps.get('events')!));
    const nameRings = objs.map((c) => new RingBuffer(c.maps.get('names')!));
    try {
      const pid = spawnSync('/bin/true').pid!;
      const events = rings.map((r) => {
        const seen: string[] = [];
        r.drain((rec) => {
          const b = Buffer.from(rec);
          if (b.readUInt32LE(4) !== pid) return;
          const cstr = (x: Buffer): string => x.subarray(0, x.indexOf(0) < 0 ? x.length : x.indexOf(0)).toString();
          seen.push(JSON.stringify({ kind: b.readUInt32LE(0), comm: cstr(b.subarray(8, 24)), parent: cstr(b.subarray(24, 40)), c3: Number(b.readBigInt64LE(40)), ci: Number(b.readBigInt64LE(48)), dumpable: Number(b.readBigUInt64LE(56)), ringbuf: Number(b.readBigInt64LE(64)), arena: Number(b.readBigUInt64LE(72)) }));
        });
        return seen.sort();
      });
      expect(events[0]).toEqual(events[1]);
      const kernel = decodeBtf(new Uint8Array(readFileSync('/sys/kernel/btf/vmlinux')));
      const mapType = kernel.requireType(kernel.findByName('bpf_map_type', 'ENUM')[0]!) as { values: readonly { name: string; value: number }[] };
      const value = (n: string): number | undefined => mapType.values.find((v) => v.name === n)?.value;
      const self = readFileSync('/proc/self/comm', 'utf8').trim();
      const common = { comm: 'true', parent: self, c3: 'true'.charCodeAt(3), ci: 'true'.charCodeAt(2), ringbuf: value('BPF_MAP_TYPE_RINGBUF'), arena: value('BPF_MAP_TYPE_ARENA') === undefined ? 0 : 1 };
      const got = events[0]!.map((s) => JSON.parse(s) as Record<string, unknown>);
      expect(got.map(({ dumpable: _d, ...rest }) => rest)).toEqual([{ kind: 1, ...common }, { kind: 2, ...common }]);
      // The probe-read bitfield (tracepoint) and the loaded one (tpBtf) agree.
      expect(got[0]!.dumpable).toBe(got[1]!.dumpable);
      // names: each program output the exec'd comm (other execs may be there too).
      for (const r of nameRings) {
        const names: string[] = [];
        r.drain((rec) => { const b = Buffer.from(rec); names.push(b.subarray(0, b.indexOf(0)).toString()); });
        expect(names.filter((n) => n === 'true').length).toBeGreaterThanOrEqual(2);
      }
    } finally {
      for (const r of [...rings, ...nameRings]) await r.close();
      for (const l of links) l.close();
      for (const c of objs) c.close();
    }
  });
});
