// CO-RE in the vm: an object's CO-RE relocations are resolved (the loader's pure step, against the
// running kernel's BTF or --btf FILE) before it runs. The clang-built fixtures core_types and
// core_enum store bpf_core_type_size/exists, type ids and enum values into globals; the vm's
// globals after a run must equal the kernel's after BPF_PROG_TEST_RUN of the same prepared
// instructions (loaded as a sleepable syscall program, since tracepoints have no test run).

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readObject } from '../elf/index.js';
import { decodeInstructions, type Instruction } from '../isa/index.js';
import { prepareObjectPrograms, ProgType, testRun } from '../loader/index.js';
import { sys } from '../src/internal.js';
import { resolveObjectCore, vmFromObject } from '../src/commands/run-vm.js';
import { createMap, loadRaw } from './support/bpf-raw.js';
import { requireRoot } from './support/references.js';

const ok = requireRoot();
const KERNEL_BTF = '/sys/kernel/btf/vmlinux';
const SLEEPABLE = 1 << 4;
const fixture = (name: string): Uint8Array => readFileSync(new URL(`../fixtures/obj/${name}.bpf.o`, import.meta.url));

/** The object's .bss after one kernel test run of its program, hex. */
function kernelBss(bytes: Uint8Array, program: string): string {
  const [p] = prepareObjectPrograms(bytes, { btfPath: KERNEL_BTF, programs: [program] });
  const fds = new Map([...p!.maps].map(([standIn, m]) => [standIn, createMap(m.type, m.keySize, m.valueSize, m.maxEntries, m.flags)]));
  try {
    const insns: Instruction[] = decodeInstructions(p!.insns).map((i) => (i.kind === 'ldImm64' && i.pseudo !== 0 && fds.has(i.imm) ? { ...i, imm: fds.get(i.imm)!.fd } : i));
    const prog = loadRaw(ProgType.SYSCALL, [], { insns, progFlags: SLEEPABLE, name: 'vm_core' });
    try {
      expect(testRun({ fd: prog.fd }).retval).toBe(0);
    } finally {
      prog.close();
    }
    const [standIn, bss] = [...p!.maps].find(([, m]) => m.name.endsWith('.bss'))!;
    const value = sys.pointee(bss.valueSize);
    sys.bpf(sys.BpfCommand.MAP_LOOKUP_ELEM, sys.encodeAttr(sys.MapElemAttr, { map_fd: fds.get(standIn)!.fd, key: sys.pointee(Buffer.alloc(4)), value }));
    return Buffer.from(value.bytes).toString('hex');
  } finally {
    for (const fd of fds.values()) fd.close();
  }
}

function vmBss(bytes: Uint8Array, program: string, engine: 'compiled' | 'interpreter', btfPath?: string): string {
  const vm = vmFromObject(readObject(bytes), { engine, type: 'syscall', ...(btfPath === undefined ? {} : { btfPath }) });
  const r = vm.run(program);
  expect(r.fault).toBeNull();
  return Buffer.from(vm.map('.bss').lookup(new Uint8Array(4))!).toString('hex');
}

describe.skipIf(!ok)('CO-RE in the vm against the kernel', () => {
  it.each([['core_types', 'probe_types'], ['core_enum', 'probe_enums']])('%s: the globals after a run equal the kernel\'s', (name, program) => {
    const bytes = fixture(name);
    const want = kernelBss(bytes, program);
    for (const engine of ['compiled', 'interpreter'] as const) {
      expect(vmBss(bytes, program, engine)).toBe(want);
      expect(vmBss(bytes, program, engine, KERNEL_BTF)).toBe(want);
    }
    // The relocations matter: the object as compiled stores other values.
    const asCompiled = readObject(bytes);
    expect(resolveObjectCore(asCompiled, KERNEL_BTF)).not.toBe(asCompiled);
  });

  it('tsbpf run --interp --btf FILE runs the relocated program; a bad --btf is exit 2 with one line', () => {
    const file = new URL('../fixtures/obj/core_types.bpf.o', import.meta.url).pathname;
    const good = spawnSync('node', ['dist/cli.js', 'run', file, '--interp', '--btf', KERNEL_BTF, '--json'], { encoding: 'utf8' });
    expect(good.status).toBe(0);
    expect(JSON.parse(good.stdout)).toMatchObject({ program: 'probe_types', retval: 0, fault: null });
    const bad = spawnSync('node', ['dist/cli.js', 'run', file, '--interp', '--btf', 'package.json'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/BTF/);
  });
});
