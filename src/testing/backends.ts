// Where a subject runs: the vm (always) and the kernel (BPF_PROG_LOAD, BPF_PROG_TEST_RUN, maps
// through bpf(2); only when this process may use bpf(2)). Both behind one interface so that the
// matchers and the harness say the same thing of each.

import { encodeInstructions, type Instruction } from '../../isa/index.js';
import { bpfAccess, BpfMap, type BpfCollection, loadObject, loadProgram, type OwnedFd, testRun } from '../../loader/index.js';
import { Vm, type VmEnvironment, type VmFault, type VmProgramType } from '../../vm/index.js';
import { vmFromObject } from '../commands/run-vm.js';
import { TestingError } from './errors.js';
import { isObjectProgram, type RawTestProgram, subjectName, type TestSubject } from './subject.js';

/** One run's input: packet data and/or context, as BPF_PROG_TEST_RUN takes them. */
export interface RunInput {
  readonly data?: Uint8Array;
  readonly ctx?: Uint8Array;
  /** vm only: pid/tgid, time, randomness… for this run (the kernel's are the real ones). */
  readonly env?: Partial<VmEnvironment>;
  /** vm only: memory a probe_read may read (see VmRunInput). */
  readonly memory?: Readonly<Record<string, Uint8Array>>;
}

export type BackendName = 'vm' | 'kernel';

export interface RunOutcome {
  readonly backend: BackendName;
  readonly retval: number;
  readonly dataOut?: Uint8Array;
  readonly ctxOut?: Uint8Array;
  /** vm: the fault that ended the run, null when it ran to exit. The kernel's runs never fault. */
  readonly fault: VmFault | null;
  /** vm: bpf_printk lines. Undefined for the kernel (its lines go to the system-wide trace buffer). */
  readonly printk?: readonly string[];
}

export interface MapShape {
  readonly name: string;
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
}

/** The kernel option of the matchers and the harness: true needs the kernel, 'auto' uses it when it is there. */
export type KernelOption = boolean | 'auto';

export interface Backend {
  readonly name: BackendName;
  run(input: RunInput): RunOutcome;
  /** Map contents: every element (array maps: every index). */
  entries(map: string): [Uint8Array, Uint8Array][];
  update(map: string, key: Uint8Array, value: Uint8Array): void;
  shape(map: string): MapShape;
  close(): void;
}

/** Whether this process can load and run programs in the kernel, and if not why. */
export function kernelStatus(): { readonly available: boolean; readonly reason: string } {
  const a = bpfAccess();
  return { available: a.available, reason: a.available ? 'bpf(2) is available' : a.reason };
}

/** Whether to use the kernel for this option; throws when `true` and the kernel is not available. */
export function wantKernel(option: KernelOption | undefined): boolean {
  if (option === undefined || option === false) return false;
  const s = kernelStatus();
  if (!s.available && option === true) throw new TestingError(`kernel: true, but the kernel is not available here: ${s.reason}`);
  return s.available;
}

/** bpf_prog_type numbers of the vm's program types. */
const KERNEL_TYPE: Record<Exclude<VmProgramType, 'raw'>, number> = {
  socket_filter: 1, kprobe: 2, sched_cls: 3, sched_act: 4, tracepoint: 5, xdp: 6, perf_event: 7, raw_tracepoint: 17, tracing: 26, syscall: 31,
};
const BPF_F_SLEEPABLE = 16;

export function kernelProgramType(type: VmProgramType): number {
  if (type === 'raw') throw new TestingError(`program type raw is the vm's own convention; the kernel has no such type`);
  return KERNEL_TYPE[type];
}

// ---- vm

export function vmBackend(subject: TestSubject, engine?: 'compiled' | 'interpreter'): Backend {
  const options = engine === undefined ? {} : { engine };
  let vm: Vm;
  if (isObjectProgram(subject)) vm = vmFromObject(subject.object, options);
  else {
    vm = new Vm(options);
    for (const m of subject.maps ?? []) vm.addMap(m);
    vm.addProgram(subjectName(subject), subject.type, subject.insns);
  }
  const name = subjectName(subject);
  const base = { ...vm.env };
  return {
    name: 'vm',
    run(input) {
      Object.assign(vm.env, base, input.env);
      const r = vm.run(name, {
        ...(input.data === undefined ? {} : { data: input.data }), ...(input.ctx === undefined ? {} : { ctx: input.ctx }),
        ...(input.memory === undefined ? {} : { memory: input.memory }),
      });
      return {
        backend: 'vm', retval: r.retval, fault: r.fault, printk: r.printk,
        ...(r.dataOut === undefined ? {} : { dataOut: r.dataOut }), ...(r.ctxOut === undefined ? {} : { ctxOut: r.ctxOut }),
      };
    },
    entries: (map) => vm.map(map).entries().map(([k, v]) => [new Uint8Array(k), new Uint8Array(v)]),
    update(map, key, value) {
      const m = vm.map(map);
      const r = m.update(key, value, 0);
      if (r !== 0) throw new TestingError(`vm: map ${map}: update failed with ${r}`);
    },
    shape: (map) => shapeOf(vm.map(map)),
    close() {},
  };
}

function shapeOf(m: MapShape): MapShape {
  return { name: m.name, type: m.type, keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries };
}

// ---- kernel

/** ld_imm64 map references by index (pseudo 1/2/5/6) rewritten to fds (pseudo 1/2). */
function withFds(insns: readonly Instruction[], fds: readonly number[], program: string): Instruction[] {
  return insns.map((insn, i) => {
    if (insn.kind !== 'ldImm64' || (insn.pseudo !== 1 && insn.pseudo !== 2 && insn.pseudo !== 5 && insn.pseudo !== 6)) return insn;
    const fd = fds[insn.imm];
    if (fd === undefined) throw new TestingError(`${program}: instruction ${i}: ld_imm64 refers to map ${insn.imm}, which does not exist`);
    return { ...insn, pseudo: insn.pseudo === 1 || insn.pseudo === 5 ? 1 : 2, imm: fd };
  });
}

interface KernelProgram {
  readonly fd: OwnedFd;
  readonly maps: ReadonlyMap<string, BpfMap>;
  close(): void;
}

/** Loads a subject into the kernel (throws the loader's LoadError when the verifier refuses it). */
export function loadIntoKernel(subject: TestSubject): KernelProgram {
  if (isObjectProgram(subject)) {
    const c: BpfCollection = loadObject(subject.elf, { name: 'tsbpf_test', programs: [subject.program] });
    const maps = new Map<string, BpfMap>();
    const byName = (n: string): BpfMap | undefined => { try { return c.map(n); } catch { return undefined; } };
    for (const m of subject.object.maps) { const b = byName(m.name); if (b !== undefined) maps.set(m.name, b); }
    return { fd: c.program(subject.program).fd, maps, close: () => c.close() };
  }
  return loadRaw(subject);
}

function loadRaw(subject: RawTestProgram): KernelProgram {
  const maps = new Map<string, BpfMap>();
  const closeMaps = (): void => { for (const m of maps.values()) m.close(); };
  try {
    for (const spec of subject.maps ?? []) {
      maps.set(spec.name, BpfMap.create({ name: spec.name, type: spec.type, keySize: spec.keySize, valueSize: spec.valueSize, maxEntries: spec.maxEntries, ...(spec.flags === undefined ? {} : { flags: spec.flags }) }));
    }
    const name = subjectName(subject);
    const insns = encodeInstructions(withFds(subject.insns, [...maps.values()].map((m) => m.fd), name));
    const loaded = loadProgram({
      name, section: subject.type, type: kernelProgramType(subject.type), insns, license: subject.license ?? 'GPL',
      ...(subject.type === 'syscall' ? { flags: BPF_F_SLEEPABLE } : {}),
    });
    return { fd: loaded.fd, maps, close: () => { loaded.fd.close(); closeMaps(); } };
  } catch (e) {
    closeMaps();
    throw e;
  }
}

export function kernelBackend(subject: TestSubject): Backend {
  const k = loadIntoKernel(subject);
  const name = subjectName(subject);
  const map = (n: string): BpfMap => {
    const m = k.maps.get(n);
    if (m === undefined) throw new TestingError(`kernel: no map named ${n} (maps: ${[...k.maps.keys()].join(', ') || 'none'})`);
    return m;
  };
  return {
    name: 'kernel',
    run(input) {
      const r = testRun({ fd: k.fd, name }, { ...(input.data === undefined ? {} : { data: input.data }), ...(input.ctx === undefined ? {} : { ctx: input.ctx }) });
      return { backend: 'kernel', retval: r.retval, fault: null, ...(r.dataOut === undefined ? {} : { dataOut: r.dataOut }), ...(r.ctxOut === undefined ? {} : { ctxOut: r.ctxOut }) };
    },
    entries(n) {
      const m = map(n);
      if (m.perCpu) throw new TestingError(`kernel: map ${n} is per-CPU; the kit compares the values of maps that are not`);
      return [...m.entries()];
    },
    update: (n, key, value) => map(n).update(key, value),
    shape(n) {
      const m = map(n);
      return { name: n, type: m.info.type, keySize: m.info.keySize, valueSize: m.info.valueSize, maxEntries: m.info.maxEntries };
    },
    close: () => k.close(),
  };
}

/** The backends an option asks for: the vm, then the kernel when wanted. */
export function backendsFor(subject: TestSubject, kernel: KernelOption | undefined): Backend[] {
  const out = [vmBackend(subject)];
  if (wantKernel(kernel)) out.push(kernelBackend(subject));
  return out;
}

