// kfuncs in tsbpf/lang (`declare function bpf_task_from_pid(pid: s32): Acquired<task_struct> | null`):
// the object declares and calls them as clang-19 does for `extern … __ksym` (the same extern
// symbols, BTF FUNC/FUNC_PROTO and DATASEC, R_BPF_64_32 relocations, CO-RE records; instruction
// count at most clang -O2 + 10 %); tsc and the compiler refuse the mistakes the verifier would
// (a missing null check, releasing a pointer that was not acquired, never releasing one); on the
// running kernel the program finds the exec'ing child's parent by pid, as /proc shows it.

import { spawnSync } from 'node:child_process';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { type BpfObject, readObject } from '../elf/index.js';
import { attachOptionsForSection, attachProgram, loadObject } from '../loader/index.js';
import { CompileError, typeCheck } from '../src/compiler/index.js';
import { btfTypeText, langCoreDir } from './support/lang-core.js';
import { requireReferences, requireRoot } from './support/references.js';

const work = langCoreDir('tsbpf-lang-kfunc-', ['task_struct']);
afterAll(() => work.remove());
const { moduleFile, compile } = work;
const clangObject = (): Uint8Array => work.clang('kfunc', C_SOURCE);

const TS_SOURCE = `import { arrayMap, tpBtf, type Acquired, type Release, type s32, type u64 } from 'tsbpf/lang';
import type { task_struct } from './vmlinux.js';
declare function bpf_task_from_pid(pid: s32): Acquired<task_struct> | null;
declare function bpf_task_release(p: Release<task_struct>): void;
export const out = arrayMap<u64>({ maxEntries: 4 });
export const exec = tpBtf('sched_process_exec', (p: task_struct, oldPid: s32) => {
  const parent = bpf_task_from_pid(p.real_parent.tgid);
  if (!parent) return 0;
  out.update(0, parent.tgid);
  out.update(1, p.pid);
  bpf_task_release(parent);
  return 0;
});
`;
const C_SOURCE = `#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 4); __type(key, __u32); __type(value, __u64); } out SEC(".maps");
extern struct task_struct *bpf_task_from_pid(int pid) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;
static void put(__u32 k, __u64 v) { bpf_map_update_elem(&out, &k, &v, 0); }
SEC("tp_btf/sched_process_exec")
int BPF_PROG(exec, struct task_struct *p, pid_t old_pid)
{
	struct task_struct *parent = bpf_task_from_pid(p->real_parent->tgid);
	if (!parent)
		return 0;
	put(0, parent->tgid);
	put(1, p->pid);
	bpf_task_release(parent);
	return 0;
}
char LICENSE[] SEC("license") = "GPL";
`;

/** Externs (symbol, binding, BTF), the .ksyms DATASEC, and each program's relocations and CO-RE records in order. */
function externShape(obj: BpfObject): { externs: string[]; ksyms: string[]; program: string[] } {
  const btf = obj.btf!;
  const ksyms: string[] = [];
  for (let id = 1; id <= btf.lastId; id++) {
    const t = btf.requireType(id);
    if (t.kind === 'DATASEC' && t.name === '.ksyms') for (const v of t.vars) ksyms.push(`${btf.nameOf(v.type)} at ${v.offset} size ${v.size}`);
  }
  const p = obj.programs.find((x) => x.name === 'exec')!;
  return {
    externs: obj.externs.map((x) => `${x.name} ${x.kind} ${x.binding} ${btfTypeText(btf, x.btfType!)}`).sort(),
    ksyms: ksyms.sort(),
    program: p.instructions.flatMap((i) => [
      ...(i.relocation === undefined ? [] : [`${i.insn.kind} ${i.relocation.type} ${i.relocation.symbol}`]),
      ...(i.coreRelocations ?? []).map((r) => `core ${r.kind} ${btf.nameOf(r.typeId)} ${btf.string(r.accessStringOffset)}`),
    ]),
  };
}
const slots = (b: Uint8Array): number => readObject(b).programs.find((p) => p.name === 'exec')!.instructions.reduce((n, i) => n + (i.insn.kind === 'ldImm64' ? 2 : 1), 0);

const clangOk = requireReferences('clang-19', 'bpftool');

describe('kfuncs: mistakes refused at the TypeScript line', () => {
  const cases: [string, string, string, RegExp][] = [
    ['a member read before the null check (tsc)', '  if (!parent) return 0;\n', '', /'parent' is possibly 'null'/],
    ['releasing a pointer that was not acquired (tsc)', '  bpf_task_release(parent);', '  bpf_task_release(p);', /not assignable to parameter of type 'Release<task_struct>'/],
    ['an acquired pointer never released', '  bpf_task_release(parent);\n', '', /the pointer bpf_task_from_pid acquires is never released/],
    ['a wrong argument count', 'bpf_task_from_pid(p.real_parent.tgid)', 'bpf_task_from_pid(p.real_parent.tgid, 1 as never)', /Expected 1 arguments, but got 2|bpf_task_from_pid takes 1 argument/],
  ];
  for (const [what, from, to, msg] of cases) {
    it(`${what}: an error at file:line:col`, () => {
      const src = TS_SOURCE.replace(from, to);
      expect(src).not.toBe(TS_SOURCE);
      const file = moduleFile('bad', src);
      let err: unknown;
      try { typeCheck(ts, file); compile(file); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(CompileError);
      expect((err as CompileError).message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: error: `));
      expect((err as CompileError).message).toMatch(msg);
    });
  }

  it('the acquisition is where an unreleased pointer is reported', () => {
    const src = TS_SOURCE.replace('  bpf_task_release(parent);\n', '');
    expect(() => compile(moduleFile('unreleased', src))).toThrow(/unreleased\.ts:7:18: error: /);
  });

  it('the module type-checks', () => {
    expect(() => typeCheck(ts, moduleFile('typed', TS_SOURCE))).not.toThrow();
  });
});

describe.skipIf(!clangOk)('kfuncs against clang-19', () => {
  it('the extern symbols, BTF, .ksyms, relocations and CO-RE records of clang, and at most clang -O2 + 10 % instructions', () => {
    const ours = compile(moduleFile('kfunc', TS_SOURCE));
    const theirs = clangObject();
    const shape = externShape(readObject(ours));
    expect(shape).toEqual(externShape(readObject(theirs)));
    expect(shape.program).toContain('call R_BPF_64_32 bpf_task_from_pid');
    expect(shape.externs).toContain('bpf_task_release kfunc global FUNC extern bpf_task_release: void (struct task_struct *)');
    console.info(`kfunc exec: tsbpf ${slots(ours)}, clang-19 -O2 ${slots(theirs)}`);
    expect(slots(ours)).toBeLessThanOrEqual(Math.floor(slots(theirs) * 1.1));
  });
});

describe.skipIf(!clangOk || !requireRoot())('kfuncs on the running kernel', () => {
  it("bpf_task_from_pid finds the exec'ing child's parent: this process, as in clang's object", () => {
    const objs = [loadObject(compile(moduleFile('kfunc', TS_SOURCE)), { name: 'kfunc_ts' }), loadObject(clangObject(), { name: 'kfunc_c' })];
    const links = objs.map((c) => { const p = c.programs.get('exec')!; return attachProgram(p, attachOptionsForSection(p.section, {})); });
    try {
      const read = (c: (typeof objs)[number]): bigint[] => [0, 1].map((k) => { const b = Buffer.alloc(4); b.writeUInt32LE(k); return Buffer.from(c.maps.get('out')!.lookup(b)!).readBigUInt64LE(0); });
      // Other processes exec too: retry until both saw this process's child last.
      let seen: bigint[][] = [];
      let child = 0;
      for (let i = 0; i < 20; i++) {
        child = spawnSync('/bin/true').pid!;
        seen = objs.map(read);
        if (seen.every((v) => v[1] === BigInt(child))) break;
      }
      expect(seen).toEqual([[BigInt(process.pid), BigInt(child)], [BigInt(process.pid), BigInt(child)]]);
    } finally { for (const l of links) l.close(); for (const c of objs) c.close(); }
  });
});
