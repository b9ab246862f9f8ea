// Two things libbpf does that the agreement corpus (compiled kernel selftests) depends on, checked
// against libbpf 1.1 itself (test/harness/libbpf-autoload.c, built at test time) on objects clang-19
// compiles here:
// - a `?` section (SEC("?socket")) starts with autoload off: not loaded unless asked for by name;
// - an object whose BTF the kernel refuses (clang-19 writes `__naked` functions' parameters without
//   names: "Invalid arg#1") is loaded without its BTF: no func_info, no line_info.
// For each object and request, loadObject must load the same programs as libbpf with the same
// type, BTF presence and func_info/line_info counts in the kernel. The verifier's preparation
// (prepareObjectPrograms, no system call) must predict the same BTF outcome, and the sections of
// libbpf's current table that 1.1 lacks (tc/ingress, …) must load with the type they name.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { programTypeOf, readElf, readObject } from '../elf/index.js';
import { BtfLoadError, kernelReadyBtf, loadBtf, loadObject, prepareObjectPrograms, ProgType } from '../loader/index.js';
import { btfKernelRefusal } from '../loader/btf-kernel-refusal.js';
import { kernelAvailable } from './support/dsl-kernel.js';
import { programSummary } from './support/prog-xlated.js';
import { run } from './support/references.js';

const live = kernelAvailable('clang-19', 'cc');

const HEAD = '#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\n';
const LICENSE = 'char LICENSE[] SEC("license") = "GPL";\n';
const SOURCES: Readonly<Record<string, string>> = {
  // The kernel refuses this object's BTF (the naked function's unnamed parameter).
  naked: `${HEAD}SEC("socket") __attribute__((naked)) void naked_prog(void *ctx) { asm volatile ("r0 = 0; exit;" ::: "memory"); }
SEC("?socket") int off_prog(struct __sk_buff *ctx) { return 1; }
SEC("socket") int plain_prog(struct __sk_buff *ctx) { return 2; }
${LICENSE}`,
  // Clean BTF: loaded with it.
  clean: `${HEAD}SEC("?xdp") int off_xdp(struct xdp_md *ctx) { return XDP_DROP; }
SEC("xdp") int on_xdp(struct xdp_md *ctx) { return XDP_PASS; }
SEC("?tc") int off_tc(struct __sk_buff *ctx) { return 0; }
${LICENSE}`,
};

const dir = mkdtempSync(join(tmpdir(), 'tsbpf-fallbacks-'));
const objects = new Map<string, string>();
let harness = '';

afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Line = string;

/** libbpf's view: one line per program, as the harness prints it. */
function libbpf(obj: string, named: readonly string[]): Line[] {
  return run(harness, [obj, ...named]).trim().split('\n').sort();
}

/** tsbpf's view of the same request, in the harness's format. */
function tsbpf(obj: string, named: readonly string[]): Line[] {
  const object = readObject(new Uint8Array(readFileSync(obj)));
  const entries = object.programs.filter((p) => !p.subprogram);
  const wanted = named.length === 0 ? undefined : entries.filter((p) => p.programType?.autoload !== false || named.includes(p.name)).map((p) => p.name);
  const c = loadObject(obj, { preverify: false, ...(wanted === undefined ? {} : { programs: wanted }) });
  try {
    return entries.map((p) => {
      const h = c.programs.get(p.name);
      if (h === undefined) return `prog ${p.name} not-loaded`;
      const s = programSummary(h.fd.fd);
      return `prog ${p.name} loaded ${s.type} ${s.hasBtf ? 'BTF' : 0} ${s.nrFuncInfo} ${s.nrLineInfo}`;
    }).sort();
  } finally {
    c.close();
  }
}

/** The harness prints the BTF id; only whether there is one is comparable between two loads. */
const btfPresence = (lines: Line[]): Line[] => lines.map((l) => l.replace(/^(prog \S+ loaded \d+) (\d+)/, (_, head: string, id: string) => `${head} ${id === '0' ? 0 : 'BTF'}`));

describe.skipIf(!live)('libbpf 1.1\'s `?` sections and optional BTF, against loadObject', () => {
  beforeAll(() => {
    harness = join(dir, 'libbpf-autoload');
    run('cc', ['-O2', '-Wall', '-o', harness, join(import.meta.dirname, 'harness', 'libbpf-autoload.c'), '-lbpf']);
    for (const [name, src] of Object.entries(SOURCES)) {
      writeFileSync(join(dir, `${name}.c`), src);
      run('clang-19', ['-O2', '-g', '--target=bpf', '-I/usr/include/x86_64-linux-gnu', '-c', join(dir, `${name}.c`), '-o', join(dir, `${name}.o`)]);
      objects.set(name, join(dir, `${name}.o`));
    }
  });

  for (const [name, named] of [['naked', []], ['naked', ['off_prog']], ['clean', []], ['clean', ['off_tc']]] as const) {
    it(`${name}.o${named.length === 0 ? '' : ` with ${named.join(', ')} asked for`}: the same programs, types, BTF and func/line info`, () => {
      const obj = objects.get(name)!;
      const theirs = btfPresence(libbpf(obj, named));
      expect(tsbpf(obj, named)).toEqual(theirs);
      // What the comparison covers: autoload off skipped by default, loaded when named; BTF kept or not.
      if (named.length === 0) expect(theirs.some((l) => / not-loaded$/.test(l))).toBe(true);
      for (const n of named) expect(theirs.some((l) => l.startsWith(`prog ${n} loaded `))).toBe(true);
      expect(theirs.filter((l) => / loaded /.test(l)).every((l) => l.includes(' BTF ') === (name === 'clean'))).toBe(true);
    });
  }

  it('the kernel refuses exactly the BTF btfKernelRefusal predicts, and prepareObjectPrograms follows it', () => {
    for (const [name, obj] of objects) {
      const bytes = new Uint8Array(readFileSync(obj));
      const object = readObject(bytes);
      const predicted = btfKernelRefusal(object.btf!);
      let refused: string | undefined;
      try {
        loadBtf(kernelReadyBtf(object.btf!, readElf(bytes), { kconfig: new Map(), kconfigSize: 0 })).close();
      } catch (e) {
        if (!(e instanceof BtfLoadError)) throw e;
        refused = e.log.trim().split('\n').pop();
      }
      expect([name, predicted]).toEqual([name, refused]);
      for (const p of prepareObjectPrograms(bytes)) expect([name, p.name, p.funcInfo.length > 0]).toEqual([name, p.name, refused === undefined]);
    }
  });

  it('sections of libbpf\'s current table that 1.1 lacks load with the program type they name', () => {
    const src = `${HEAD}SEC("tc/ingress") int in_prog(struct __sk_buff *ctx) { return 0; }
SEC("tc/egress") int out_prog(struct __sk_buff *ctx) { return 0; }
SEC("?tcx/ingress") int tcx_prog(struct __sk_buff *ctx) { return 0; }
${LICENSE}`;
    writeFileSync(join(dir, 'tcx.c'), src);
    run('clang-19', ['-O2', '-g', '--target=bpf', '-I/usr/include/x86_64-linux-gnu', '-c', join(dir, 'tcx.c'), '-o', join(dir, 'tcx.o')]);
    const c = loadObject(join(dir, 'tcx.o'), { preverify: false, programs: ['in_prog', 'out_prog', 'tcx_prog'] });
    try {
      for (const n of ['in_prog', 'out_prog', 'tcx_prog']) expect([n, programSummary(c.programs.get(n)!.fd.fd).type]).toEqual([n, ProgType.SCHED_CLS]);
    } finally {
      c.close();
    }
  });
});

describe('section names of libbpf\'s current table (src/libbpf.c section_defs)', () => {
  // [section, program type, expected attach type, sleepable]: libbpf's SEC_DEF entries.
  const CURRENT: readonly [string, string, string | undefined, boolean][] = [
    ['tc/ingress', 'sched_cls', 'tcx_ingress', false],
    ['tc/egress', 'sched_cls', 'tcx_egress', false],
    ['tcx/ingress', 'sched_cls', 'tcx_ingress', false],
    ['tc', 'sched_cls', undefined, false],
    ['kprobe.session/do_nanosleep', 'kprobe', 'trace_kprobe_session', false],
    ['uprobe.session//bin/true:main', 'kprobe', 'trace_uprobe_session', false],
    ['uprobe.multi.s//bin/true:main', 'kprobe', 'trace_uprobe_multi', true],
    ['tp.s/syscalls/sys_enter_getpid', 'tracepoint', undefined, true],
    ['raw_tp.s/sys_enter', 'raw_tracepoint', undefined, true],
    ['tp_btf.s/sys_enter', 'tracing', 'trace_raw_tp', true],
    ['sk_skb/verdict', 'sk_skb', 'sk_skb_verdict', false],
    ['cgroup/connect_unix', 'cgroup_sock_addr', 'cgroup_unix_connect', false],
    ['netfilter', 'netfilter', 'netfilter', false],
  ];
  it.each(CURRENT)('%s → %s', (section, type, attach, sleepable) => {
    const info = programTypeOf(section);
    expect(info).toMatchObject({ type, sleepable, autoload: true });
    expect(info?.attachType).toBe(attach);
  });
  it('a leading ? names the same entry with autoload off, and nothing else', () => {
    for (const [section] of CURRENT) {
      const plain = programTypeOf(section)!;
      expect(programTypeOf(`?${section}`)).toEqual({ ...plain, autoload: false });
    }
    expect(programTypeOf('??socket')).toBeUndefined();
    expect(programTypeOf('?')).toBeUndefined();
  });
});
