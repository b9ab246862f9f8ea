// Externs from the DSL — `.kconfig` values, kfuncs called by name, a typed `.ksyms` variable —
// and direct CO-RE loads through BTF pointers (coreLoad), against clang-19 compiling the same
// C (`extern … __kconfig;`, `extern … __ksym;`): the same undefined symbols and bindings, the same
// BTF records for them (VAR/FUNC with extern linkage, FUNC_PROTO signatures, the .kconfig/.ksyms
// DATASECs), the same ELF relocations and CO-RE records per program in instruction order. Then
// the kconfig/kfunc object is loaded by libbpf (bpftool prog loadall) and by tsbpf's loader and
// run with BPF_PROG_TEST_RUN: the kernel version from uname, CONFIG_* (bool, tristate, int, string)
// from /proc/config.gz, and the caller's tgid through bpf_task_acquire on bpf_get_current_task_btf().
// (The typed ksym is compared statically only: this kernel has no CONFIG_KALLSYMS_ALL, so the
// kernel cannot find a data symbol's address, and neither libbpf nor tsbpf can load it here.)

import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { type BpfObject, decodeBtf, readObject } from '../elf/index.js';
import { loadObject, testRun } from '../loader/index.js';
import { sys } from '../src/internal.js';
import {
  array, asm, bool, char, constOf, defineObject, type DslObject, kconfig, kfunc, ksym, program, type ProgramBuilder, ptr, R0, R1, type Reg, s32, type StructType,
  tristate, u32, void_,
} from '../src/dsl/index.js';
import { generateTypesModule } from '../src/dsl/types/index.js';
import { kernelAvailable, loadAll } from './support/dsl-kernel.js';
import { requireReferences, run } from './support/references.js';
import { btfTypeText } from './support/lang-core.js';

const VMLINUX = '/sys/kernel/btf/vmlinux';
const ok = requireReferences('clang-19', 'bpftool') && existsSync(VMLINUX);
const dir = mkdtempSync(join(tmpdir(), 'tsbpf-dsl-externs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const C_KCONFIG = `
extern unsigned int LINUX_KERNEL_VERSION __kconfig;
extern int CONFIG_HZ __kconfig;
extern _Bool CONFIG_BPF_SYSCALL __kconfig;
extern enum libbpf_tristate CONFIG_IPV6 __kconfig __weak;
extern char CONFIG_DEFAULT_HOSTNAME[16] __kconfig __weak;
extern struct task_struct *bpf_task_acquire(struct task_struct *p) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;
extern void bpf_rcu_read_lock(void) __ksym;
extern void bpf_rcu_read_unlock(void) __ksym;
SEC("syscall")
int kver(void *ctx) { return LINUX_KERNEL_VERSION; }
SEC("syscall")
int hz(void *ctx) { return CONFIG_HZ + CONFIG_BPF_SYSCALL * 100000 + CONFIG_IPV6 * 1000000; }
SEC("syscall")
int hostname_char(void *ctx) { return CONFIG_DEFAULT_HOSTNAME[1]; }
SEC("syscall")
int my_tgid(void *ctx)
{
	struct task_struct *t = bpf_task_acquire(bpf_get_current_task_btf());
	int pid;
	if (!t)
		return -1;
	pid = t->tgid;
	bpf_task_release(t);
	bpf_rcu_read_lock();
	bpf_rcu_read_unlock();
	return pid;
}
`;
const C_KSYM = `
extern const struct rq runqueues __ksym;
SEC("syscall")
int rq_cpu(void *ctx)
{
	struct rq *rq = bpf_per_cpu_ptr(&runqueues, 1);
	if (!rq)
		return -1;
	return rq->cpu;
}
`;

function compile(name: string, vmlinuxH: string, body: string): BpfObject {
  const src = join(dir, `${name}.c`);
  writeFileSync(src, `#include "${vmlinuxH}"\n#include <bpf/bpf_helpers.h>\n${body}\nchar LICENSE[] SEC("license") = "GPL";\n`);
  run('clang-19', ['-g', '-O2', '-target', 'bpf', '-D__TARGET_ARCH_x86', '-c', src, '-o', join(dir, `${name}.o`)]);
  return readObject(readFileSync(join(dir, `${name}.o`)));
}

/** What must be the same in both objects: externs, their BTF, relocations and CO-RE records. */
function externShape(obj: BpfObject): { externs: string[]; datasecs: string[]; programs: Record<string, string[]> } {
  const btf = obj.btf!;
  const externs = obj.externs.map((x) => `${x.name} ${x.kind} ${x.binding} ${btfTypeText(btf, x.btfType!)}`).sort();
  const datasecs: string[] = [];
  for (let id = 1; id <= btf.lastId; id++) {
    const t = btf.requireType(id);
    if (t.kind === 'DATASEC' && (t.name === '.kconfig' || t.name === '.ksyms')) {
      for (const v of t.vars) datasecs.push(`${t.name} size ${t.size}: ${btf.nameOf(v.type)} at ${v.offset} size ${v.size}`);
    }
  }
  const programs: Record<string, string[]> = {};
  for (const p of obj.programs) {
    programs[p.name] = p.instructions.flatMap((i) => [
      ...(i.relocation === undefined ? [] : [`${i.insn.kind} ${i.relocation.type} ${i.relocation.symbol}`]),
      ...(i.coreRelocations ?? []).map((r) => `core ${r.kind} ${btf.nameOf(r.typeId)} ${btf.string(r.accessStringOffset)}`),
    ]);
  }
  return { externs, datasecs: datasecs.sort(), programs };
}

async function kernelTypes(): Promise<Record<string, StructType>> {
  const kernel = decodeBtf(new Uint8Array(readFileSync(VMLINUX)));
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  writeFileSync(join(dir, 'kernel.ts'), generateTypesModule(kernel, ['task_struct', 'rq'], { importFrom: resolve('src/dsl/types/index.js') }));
  return await import(join(dir, 'kernel.ts')) as Record<string, StructType>;
}

/** coreLoad on descriptors imported at run time (their field names are not known to tsc here). */
function load(b: ProgramBuilder, dst: Reg, p: Reg, root: StructType, ...path: string[]): void {
  (b.coreLoad as unknown as (...a: unknown[]) => ProgramBuilder).call(b, dst, p, root, ...path);
}

function dslObjects(k: Record<string, StructType>): { kconfigObj: DslObject; ksymObj: DslObject } {
  const task = k.task_struct!;
  const LINUX_KERNEL_VERSION = kconfig('LINUX_KERNEL_VERSION', u32);
  const CONFIG_HZ = kconfig('CONFIG_HZ', s32);
  const CONFIG_BPF_SYSCALL = kconfig('CONFIG_BPF_SYSCALL', bool);
  const CONFIG_IPV6 = kconfig('CONFIG_IPV6', tristate, { weak: true });
  const CONFIG_DEFAULT_HOSTNAME = kconfig('CONFIG_DEFAULT_HOSTNAME', array(char, 16), { weak: true });
  const taskAcquire = kfunc('bpf_task_acquire', { params: [ptr(task)], returns: ptr(task) });
  const taskRelease = kfunc('bpf_task_release', { params: [ptr(task)], returns: void_ });
  const rcuLock = kfunc('bpf_rcu_read_lock');
  const rcuUnlock = kfunc('bpf_rcu_read_unlock');
  const runqueues = ksym('runqueues', constOf(k.rq!));
  const kconfigObj = defineObject({
    license: 'GPL',
    programs: {
      kver: program('syscall', (b) => { b.loadExtern(R0, LINUX_KERNEL_VERSION); b.return(R0); }),
      hz: program('syscall', (b) => {
        const r2 = asm.R2;
        b.loadExtern(R1, CONFIG_HZ);
        b.loadExtern(R0, CONFIG_BPF_SYSCALL);
        b.emit(asm.mul(R0, 100000), asm.add(R0, R1));
        b.loadExtern(r2, CONFIG_IPV6);
        b.emit(asm.mul(r2, 1000000), asm.add(R0, r2));
        b.return(R0);
      }),
      hostname_char: program('syscall', (b) => {
        b.set(R1, CONFIG_DEFAULT_HOSTNAME);
        b.emit(asm.ldxs(1, R0, R1, 1));   // char is signed, as clang loads it
        b.return(R0);
      }),
      my_tgid: program('syscall', (b) => {
        b.helpers.bpf_get_current_task_btf();
        const t = b.let(b.callKfunc(taskAcquire, R0));
        b.if(t, '==', 0, () => b.return(-1));
        const pid = b.reg();
        load(b, pid, t, task, 'tgid');
        b.callKfunc(taskRelease, t);
        b.callKfunc(rcuLock);
        b.callKfunc(rcuUnlock);
        b.return(pid);
      }),
    },
  });
  const ksymObj = defineObject({
    license: 'GPL',
    programs: {
      rq_cpu: program('syscall', (b) => {
        b.helpers.bpf_per_cpu_ptr(runqueues, 1);
        b.if(R0, '==', 0, () => b.return(-1));
        load(b, R0, R0, k.rq!, 'cpu');
        b.return(R0);
      }),
    },
  });
  return { kconfigObj, ksymObj };
}

/** KERNEL_VERSION(a, b, c) of `uname -r`, the patch level capped at 255 as libbpf does. */
function unameVersion(): number {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(release());
  if (m === null) throw new Error(`cannot parse ${release()}`);
  return (Number(m[1]) << 16) + (Number(m[2]) << 8) + Math.min(Number(m[3] ?? 0), 255);
}

function kernelConfig(): Map<string, string> {
  const text = gunzipSync(readFileSync('/proc/config.gz')).toString('utf8');
  return new Map([...text.matchAll(/^(CONFIG_\w+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]));
}

describe.skipIf(!ok)('DSL externs equal clang-19\'s __kconfig / __ksym declarations', () => {
  let objs: { kconfigObj: DslObject; ksymObj: DslObject };
  it('emits the same extern symbols, BTF, relocations and CO-RE records as the C twins', async () => {
    const fixture = resolve('fixtures/build/vmlinux.h');
    const vmlinuxH = existsSync(fixture) ? fixture : join(dir, 'vmlinux.h');
    if (vmlinuxH !== fixture) writeFileSync(vmlinuxH, execFileSync('bpftool', ['btf', 'dump', 'file', VMLINUX, 'format', 'c'], { maxBuffer: 1 << 30 }));
    objs = dslObjects(await kernelTypes());
    const pairs: [DslObject, BpfObject][] = [[objs.kconfigObj, compile('kconfig', vmlinuxH, C_KCONFIG)], [objs.ksymObj, compile('ksym', vmlinuxH, C_KSYM)]];
    for (const [dsl, c] of pairs) {
      const ours = externShape(readObject(dsl.build()));
      const theirs = externShape(c);
      expect(ours).toEqual(theirs);
    }
    // Spot checks of what the comparison covers.
    const shape = externShape(pairs[0]![1]);
    expect(shape.externs).toContain('bpf_task_acquire kfunc global FUNC extern bpf_task_acquire: struct task_struct * (struct task_struct *)');
    expect(shape.externs).toContain('CONFIG_IPV6 kconfig weak VAR extern CONFIG_IPV6: enum libbpf_tristate');
    expect(shape.programs.my_tgid).toContain('call R_BPF_64_32 bpf_rcu_read_lock');
  });

  const live = ok && kernelAvailable();
  it.skipIf(!live)('loads with libbpf and tsbpf\'s loader; reads the kernel version, CONFIG_*, and the caller\'s tgid through kfuncs', () => {
    const bytes = objs.kconfigObj.build();
    const config = kernelConfig();
    const expectedHz = Number(config.get('CONFIG_HZ')) + (config.get('CONFIG_BPF_SYSCALL') === 'y' ? 100000 : 0)
      + ({ y: 1, m: 2 }[config.get('CONFIG_IPV6') ?? 'n'] ?? 0) * 1000000;
    // The second character of the string option (0 when unset, the extern being weak).
    const expectedHostnameChar = JSON.parse(config.get('CONFIG_DEFAULT_HOSTNAME') ?? '""').charCodeAt(1) || 0;

    // libbpf: bpftool resolves the externs and loads the programs.
    const file = join(dir, 'dsl-kconfig.o');
    writeFileSync(file, bytes);
    const pinned = loadAll(file);
    try {
      // bpftool prog run always asks for repeat, which syscall programs refuse: run the pinned program here.
      const runPinned = (name: string): number => {
        const path = Buffer.from(`${join(pinned.pin, name)}\0`);
        const fd = sys.bpf(sys.BpfCommand.OBJ_GET, sys.encodeAttr(sys.ObjAttr, { pathname: sys.pointee(path) }));
        try { return testRun({ fd }).retval; } finally { closeSync(fd); }
      };
      expect(runPinned('kver')).toBe(unameVersion());
      expect(runPinned('hz')).toBe(expectedHz);
      expect(runPinned('hostname_char')).toBe(expectedHostnameChar);
      expect(runPinned('my_tgid')).toBe(process.pid);
    } finally { pinned.cleanup(); }

    // tsbpf's loader: the same values; my_tgid runs in this process.
    const c = loadObject(bytes, { name: 'dslext' });
    try {
      expect(testRun(c.program('kver')).retval).toBe(unameVersion());
      expect(testRun(c.program('hz')).retval).toBe(expectedHz);
      expect(testRun(c.program('hostname_char')).retval).toBe(expectedHostnameChar);
      expect(testRun(c.program('my_tgid')).retval).toBe(process.pid);
    } finally { c.close(); }
  });
});

describe('extern declarations refused at build time', () => {
  it('refuses two different externs of one name and a kfunc called with the wrong argument count', () => {
    const a = kconfig('CONFIG_HZ', s32);
    const b2 = kconfig('CONFIG_HZ', u32);
    const twice = defineObject({ license: 'GPL', programs: { p: program('syscall', (b) => { b.loadExtern(R0, a); b.loadExtern(R1, b2); }) } });
    expect(() => twice.build()).toThrow(/two different externs are named 'CONFIG_HZ'/);
    const k = kfunc('bpf_rcu_read_lock');
    const wrong = defineObject({ license: 'GPL', programs: { p: program('syscall', (b) => { b.callKfunc(k, R1); }) } });
    expect(() => wrong.build()).toThrow(/bpf_rcu_read_lock takes 0 arguments, got 1/);
    // The same declaration used twice is one extern.
    const once = defineObject({ license: 'GPL', programs: { p: program('syscall', (b) => { b.loadExtern(R0, a); b.loadExtern(R1, a); }) } });
    expect(readObject(once.build()).externs.map((x) => x.name)).toEqual(['CONFIG_HZ']);
  });
});
