// Kernel structs in tsbpf/lang (CO-RE): declarations from `tsbpf btf gen-ts --lang`, member
// chains compiled to relocated probe reads, bitfields, exists()/sizeof(). Checked against clang-19
// on the same accesses (the .BTF.ext core_relo records: kind, root type, access string, local
// value), against the loader's resolution on the running kernel's BTF, and in the kernel:
// examples/lang/exec-parents.ts counting a workload's execs under the parent /proc shows.

import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { type BpfInstruction, decodeBtf, readObject } from '../elf/index.js';
import { attachOptionsForSection, attachProgram, loadKernelCoreTarget, loadObject, relocateObjectCore } from '../loader/index.js';
import { CompileError, typeCheck } from '../src/compiler/index.js';
import { buildProgramFile } from '../src/index.js';
import { e2eAvailable } from './support/e2e-kernel.js';
import { langCoreDir, VENDORED_BTF } from './support/lang-core.js';
import { requireReferences, run } from './support/references.js';

const work = langCoreDir('tsbpf-lang-core-', ['task_struct']);
afterAll(() => work.remove());
const { dir, moduleFile, compile } = work;
const VENDORED = VENDORED_BTF;

/** `kind root access = local value` of every CO-RE record of an object. */
function coreRecords(bytes: Uint8Array): string[] {
  const obj = readObject(bytes);
  const btf = obj.btf!;
  const out = new Set<string>();
  const insns: BpfInstruction[] = obj.programs.flatMap((p) => [...p.instructions]);
  for (const ins of insns) {
    for (const r of ins.coreRelocations ?? []) {
      const i = ins.insn as { src?: { kind: string; value?: number }; offset?: number; kind: string };
      const value = i.kind === 'ldx' ? i.offset : i.src?.kind === 'imm' ? i.src.value : undefined;
      out.add(`${r.kind} ${btf.nameOf(r.typeId)} ${btf.string(r.accessStringOffset)} = ${value}`);
    }
  }
  return [...out].sort();
}

const TS_ACCESSES = `import { arrayMap, exists, getCurrentTask, sizeof, tracepoint, type u64 } from 'tsbpf/lang';
import type { task_struct } from './vmlinux.js';
export const out = arrayMap<u64>({ maxEntries: 8 });
export const probe = tracepoint('sched/sched_process_exec', () => {
  const task = getCurrentTask<task_struct>();
  out.update(0, task.real_parent.tgid);
  out.update(1, task.user_dumpable);
  out.update(2, task.init_private_fork_class);
  out.update(3, exists(task.real_parent) ? 1 : 0);
  out.update(4, sizeof(task.comm));
  out.update(5, sizeof<task_struct>());
  out.update(6, task.real_parent.real_parent.pid);
  return 0;
});
`;
const C_ACCESSES = `#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 8); __type(key, __u32); __type(value, __u64); } out SEC(".maps");
static void put(__u32 k, __u64 v) { bpf_map_update_elem(&out, &k, &v, 0); }
SEC("tracepoint/sched/sched_process_exec")
int probe(void *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	put(0, BPF_CORE_READ(task, real_parent, tgid));
	put(1, BPF_CORE_READ_BITFIELD_PROBED(task, user_dumpable));
	put(2, BPF_CORE_READ_BITFIELD_PROBED(task, init_private_fork_class));
	put(3, bpf_core_field_exists(task->real_parent));
	put(4, bpf_core_field_size(task->comm));
	put(5, bpf_core_type_size(struct task_struct));
	put(6, BPF_CORE_READ(task, real_parent, real_parent, pid));
	return 0;
}
char LICENSE[] SEC("license") = "GPL";
`;

const clangAccesses = (): Uint8Array => work.clang('accesses', C_ACCESSES);

const TS_TPBTF = `import { arrayMap, getCurrentTask, tpBtf, type s32, type u64 } from 'tsbpf/lang';
import type { task_struct } from './vmlinux.js';
export const out = arrayMap<u64>({ maxEntries: 4 });
export const exec = tpBtf('sched_process_exec', (p: task_struct, oldPid: s32) => {
  out.update(0, p.real_parent.tgid);
  out.update(1, oldPid);
  out.update(2, getCurrentTask<task_struct>().real_parent.real_parent.tgid);
  out.update(3, p.pid);
  return 0;
});
`;
const C_TPBTF = `#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 4); __type(key, __u32); __type(value, __u64); } out SEC(".maps");
static void put(__u32 k, __u64 v) { bpf_map_update_elem(&out, &k, &v, 0); }
SEC("tp_btf/sched_process_exec")
int BPF_PROG(exec, struct task_struct *p, pid_t old_pid)
{
	put(0, p->real_parent->tgid);
	put(1, old_pid);
	put(2, bpf_get_current_task_btf()->real_parent->real_parent->tgid);
	put(3, p->pid);
	return 0;
}
char LICENSE[] SEC("license") = "GPL";
`;

const clangOk = requireReferences('clang-19', 'bpftool');

describe('kernel structs: declarations and compile errors', () => {
  it('gen-ts --lang declarations type-check, and tsc refuses a misspelt member at its line', () => {
    const good = moduleFile('typed', TS_ACCESSES);
    expect(() => typeCheck(ts, good)).not.toThrow();
    const bad = moduleFile('misspelt', TS_ACCESSES.replace('task.real_parent.tgid', 'task.real_parnet.tgid'));
    expect(() => typeCheck(ts, bad)).toThrow(/misspelt\.ts:6:\d+: error: .*real_parnet/);
  });

  it('examples/lang/vmlinux.ts is what `tsbpf btf gen-ts --lang` writes for the vendored BTF', () => {
    writeFileSync(join(dir, 'vmlinux.btf'), VENDORED);
    const r = spawnSync(process.execPath, ['dist/cli.js', 'btf', 'gen-ts', join(dir, 'vmlinux.btf'), '--type', 'task_struct', '--lang'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const body = (text: string): string[] => text.split('\n').filter((l) => !l.startsWith('// Source:'));
    expect(body(r.stdout)).toEqual(body(readFileSync('examples/lang/vmlinux.ts', 'utf8')));
    expect(r.stdout).toContain('readonly real_parent: At<10240, Ptr<task_struct>>;');
  });

  it('property: reads of random task_struct members carry the BTF member index and byte offset (the kernel BTF as oracle)', () => {
    const btf = decodeBtf(VENDORED);
    const task = btf.requireType(btf.findByName('task_struct', 'STRUCT')[0]!) as { kindFlag: boolean; members: readonly { name: string; type: number; bitsOffset: number; bitfieldSize: number }[] };
    const scalar = (id: number): boolean => {
      let t = btf.requireType(id);
      while ('type' in t && ['TYPEDEF', 'CONST', 'VOLATILE', 'TYPE_TAG', 'RESTRICT'].includes(t.kind)) t = btf.requireType((t as { type: number }).type);
      return t.kind === 'INT' || t.kind === 'ENUM' || t.kind === 'PTR';
    };
    const members = task.members.map((m, i) => ({ ...m, i })).filter((m) => m.name !== '' && scalar(m.type));
    fc.assert(fc.property(fc.uniqueArray(fc.constantFrom(...members), { minLength: 1, maxLength: 3, selector: (m) => m.i }), (picked) => {
      const body = picked.map((m, k) => `  out.update(${k}, task.${m.name} as u64);`).join('\n');
      const file = moduleFile('prop', `import { arrayMap, getCurrentTask, tracepoint, type u64 } from 'tsbpf/lang';
import type { task_struct } from './vmlinux.js';
export const out = arrayMap<u64>({ maxEntries: 4 });
export const probe = tracepoint('sched/sched_process_exec', () => {
  const task = getCurrentTask<task_struct>();
${body}
  return 0;
});
`);
      const records = coreRecords(compile(file));
      for (const m of picked) {
        const mine = records.filter((r) => r.includes(` task_struct 0:${m.i} `));
        if (m.bitfieldSize === 0) expect(mine).toEqual([`field_byte_offset task_struct 0:${m.i} = ${m.bitsOffset / 8}`]);
        else expect(mine.map((r) => r.split(' ')[0]).sort()).toEqual(['field_byte_offset', 'field_byte_size', 'field_lshift_u64', 'field_rshift_u64', 'field_signed']);
      }
    }), { numRuns: 25 });
  });

  const cases: [string, string, RegExp][] = [
    ['an array member as an integer', 'out.update(0, task.comm as u64);', /a kernel array is not an integer here: read an element/],
    ['sizeof of a non-kernel value', 'out.update(0, sizeof(out));', /sizeof takes a kernel struct member/],
    ['exists of a whole struct', 'out.update(0, exists(task) ? 1 : 0);', /exists takes a kernel struct member/],
    ['an embedded kernel struct used as an integer', 'out.update(0, task.se as u64);', /'se' is a struct sched_entity held inside its parent, not a value: read its members/],
  ];
  for (const [what, stmt, msg] of cases) {
    it(`${what}: a CompileError at file:line:col`, () => {
      const src = TS_ACCESSES.replace('  out.update(0, task.real_parent.tgid);', `  ${stmt}`);
      const file = moduleFile('bad', src);
      let err: unknown;
      try { compile(file); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(CompileError);
      const line = src.split('\n').indexOf(`  ${stmt}`) + 1;
      expect((err as CompileError).message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${line}:\\d+: error: `));
      expect((err as CompileError).message).toMatch(msg);
    });
  }

  it('kernel memory outside tracing programs: getCurrentTask in an XDP program is a BTF pointer (a task storage owner), reading its members is refused at the line', () => {
    const file = moduleFile('xdp', `import { getCurrentTask, xdp, XDP_PASS, type u32 } from 'tsbpf/lang';
import type { task_struct } from './vmlinux.js';
export const p = xdp(() => {
  const t = getCurrentTask<task_struct>();
  return t.pid as u32;
});
`);
    expect(() => compile(file)).toThrow(/xdp\.ts:5:10: error: reading struct task_struct\.pid reads kernel memory: tracing programs only/);
  });
});

describe.skipIf(!clangOk)('kernel structs: CO-RE records against clang-19', () => {
  it('the same core_relo records (kind, root type, access string, local value) as clang for the same accesses', () => {
    const ours = coreRecords(compile(moduleFile('accesses', TS_ACCESSES)));
    const theirs = coreRecords(clangAccesses());
    expect(ours).toEqual(theirs);
    // The accesses cover every kind the language emits.
    expect(new Set(ours.map((r) => r.split(' ')[0]))).toEqual(new Set(['field_byte_offset', 'field_byte_size', 'field_lshift_u64', 'field_rshift_u64', 'field_signed', 'field_exists', 'type_size']));
    console.info(`compiler-core: ${ours.length} distinct CO-RE records equal clang-19's`);
  });

  it('tpBtf: BTF pointer arguments loaded directly, the records of clang for the same C (BPF_PROG, preserve_access_index loads)', () => {
    clangAccesses();
    writeFileSync(join(dir, 'tpbtf.bpf.c'), C_TPBTF);
    run('clang-19', ['-O2', '-g', '-target', 'bpf', '-D__TARGET_ARCH_x86', '-I/usr/include/x86_64-linux-gnu', `-I${dir}`, '-c', join(dir, 'tpbtf.bpf.c'), '-o', join(dir, 'tpbtf.o')]);
    const ours = compile(moduleFile('tpbtf', TS_TPBTF));
    expect(coreRecords(ours)).toEqual(coreRecords(new Uint8Array(readFileSync(join(dir, 'tpbtf.o')))));
    // No probe read: every kernel access is a relocated ldx.
    const insns = readObject(ours).programs[0]!.instructions;
    expect(insns.some((i) => i.insn.kind === 'call' && (i.insn as { imm: number }).imm === 113)).toBe(false);
    expect(insns.filter((i) => i.coreRelocations !== undefined).every((i) => i.insn.kind === 'ldx')).toBe(true);
  });

  it('examples/lang/exec-parents.ts: the records of its C twin, and at most clang-19 -O2 + 10% instructions', async () => {
    const ours = await buildProgramFile('examples/lang/exec-parents.ts');
    clangAccesses();
    run('clang-19', ['-O2', '-g', '-target', 'bpf', '-I/usr/include/x86_64-linux-gnu', `-I${dir}`, '-c', 'examples/lang/c/exec-parents.bpf.c', '-o', join(dir, 'twin.o')]);
    const twin = new Uint8Array(readFileSync(join(dir, 'twin.o')));
    expect(coreRecords(ours)).toEqual(coreRecords(twin));
    const slots = (b: Uint8Array): number => readObject(b).programs.find((p) => p.name === 'count_exec')!.instructions.reduce((n, i) => n + (i.insn.kind === 'ldImm64' ? 2 : 1), 0);
    console.info(`exec-parents count_exec: tsbpf ${slots(ours)}, clang-19 -O2 ${slots(twin)}`);
    expect(slots(ours)).toBeLessThanOrEqual(Math.floor(slots(twin) * 1.1));
    const lines = (f: string): number => readFileSync(f, 'utf8').split('\n').filter((l) => l.trim() !== '' && !/^\s*(\/\/|\/\*|\*)/.test(l)).length;
    expect(lines('examples/lang/exec-parents.ts')).toBeLessThanOrEqual(lines('examples/lang/c/exec-parents.bpf.c'));
  });
});

describe.skipIf(!clangOk || !e2eAvailable())('kernel structs on the running kernel', () => {
  it("the loader resolves the compiled object's relocations against /sys/kernel/btf/vmlinux as it does clang's", () => {
    const target = loadKernelCoreTarget({ modules: false });
    const resolved = (b: Uint8Array): string[] => [...new Set(relocateObjectCore(readObject(b), target).results.map((r) => {
      expect(r.ok).toBe(true);
      return `${r.kind} ${r.localType} ${r.accessString} -> ${r.patched}`;
    }))].sort();
    const ours = resolved(compile(moduleFile('accesses', TS_ACCESSES)));
    expect(ours).toEqual(resolved(clangAccesses()));
    // And the byte offsets are the running kernel's own.
    const kernel = target.btf;
    const task = kernel.requireType(kernel.findByName('task_struct', 'STRUCT')[0]!) as { members: readonly { name: string; bitsOffset: number }[] };
    const off = (name: string): number => task.members.find((m) => m.name === name)!.bitsOffset / 8;
    expect(ours).toContain(`field_byte_offset struct task_struct 0:${task.members.findIndex((m) => m.name === 'real_parent')} -> ${off('real_parent')}`);
    expect(ours).toContain(`field_byte_offset struct task_struct 0:${task.members.findIndex((m) => m.name === 'tgid')} -> ${off('tgid')}`);
  });

  it('the accesses read what clang reads in the same exec event (CO-RE reads, bitfields, exists, sizeof)', () => {
    const objs = [loadObject(compile(moduleFile('accesses', TS_ACCESSES)), { name: 'core_ts' }), loadObject(clangAccesses(), { name: 'core_c' })];
    const links = objs.map((c) => { const p = c.programs.get('probe')!; return attachProgram(p, attachOptionsForSection(p.section, {})); });
    try {
      // Execs of this process's children until both programs saw the same one (each keeps the last exec it saw).
      let values: bigint[][] = [];
      for (let i = 0; i < 20; i++) {
        spawnSync('/bin/true');
        values = objs.map((c) => [0, 1, 2, 3, 4, 5, 6].map((k) => { const b = Buffer.alloc(4); b.writeUInt32LE(k); return Buffer.from(c.maps.get('out')!.lookup(b)!).readBigUInt64LE(0); }));
        if (values[0]![0] === BigInt(process.pid) && values[1]![0] === BigInt(process.pid) && values[0]!.join() === values[1]!.join()) break;
      }
      expect(values[0]).toEqual(values[1]);
      expect(values[0]![0]).toBe(BigInt(process.pid));
      expect(values[0]![3]).toBe(1n);
    } finally { for (const l of links) l.close(); for (const c of objs) c.close(); }
  });

  it('tpBtf: the exec event\'s task, old pid and parents as /proc shows them', () => {
    const c = loadObject(compile(moduleFile('tpbtf', TS_TPBTF)), { name: 'core_tpbtf' });
    const prog = c.programs.get('exec')!;
    const link = attachProgram(prog, attachOptionsForSection(prog.section, {}));
    try {
      const read = (): bigint[] => [0, 1, 2, 3].map((k) => { const b = Buffer.alloc(4); b.writeUInt32LE(k); return Buffer.from(c.maps.get('out')!.lookup(b)!).readBigUInt64LE(0); });
      // Other processes exec too: retry until the last exec seen is this process's child.
      let v: bigint[] = [];
      let child = 0;
      for (let i = 0; i < 20; i++) {
        child = spawnSync('/bin/true').pid!;
        v = read();
        if (v[3] === BigInt(child)) break;
      }
      const ppid = Number(/^PPid:\s+(\d+)$/m.exec(readFileSync(`/proc/${process.pid}/status`, 'utf8'))![1]);
      expect(v).toEqual([BigInt(process.pid), BigInt(child), BigInt(ppid), BigInt(child)]);
    } finally { link.close(); c.close(); }
  });

  it('examples/lang/exec-parents.ts counts execs under the parent tgid /proc shows', async () => {
    const c = loadObject(await buildProgramFile('examples/lang/exec-parents.ts'), { name: 'exec_parents' });
    const prog = c.programs.get('count_exec')!;
    const link = attachProgram(prog, attachOptionsForSection(prog.section, {}));
    try {
      // sh (a child of this process) prints its own /proc status, then forks two more execs; `exit` keeps sh from exec'ing the last one itself.
      const r = spawnSync('/bin/sh', ['-c', 'cat /proc/$$/status; /bin/true; /bin/true; exit 0'], { encoding: 'utf8' });
      const status = Object.fromEntries(r.stdout.split('\n').map((l) => l.split(':\t')).filter((p) => p.length === 2).map(([k, v]) => [k, v!.trim()]));
      expect(Number(status.Tgid)).toBe(r.pid);
      const key = (n: number): Uint8Array => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return b; };
      const count = (n: number): bigint | undefined => { const v = c.maps.get('execsByParent')!.lookup(key(n)); return v === undefined ? undefined : Buffer.from(v).readBigUInt64LE(0); };
      // sh's three children (cat, true, true) were exec'ed with sh as their parent; sh itself with /proc's PPid, this process.
      expect(count(r.pid!)).toBe(3n);
      expect(count(Number(status.PPid))).toBe(1n);
      expect(Number(status.PPid)).toBe(process.pid);
    } finally { link.close(); c.close(); }
  });
});
