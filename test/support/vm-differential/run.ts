// Runs a generated program in the kernel (BPF_PROG_TEST_RUN) and in the vm (both engines) on
// the same inputs, one after the other with maps that persist across the inputs, and compares
// after every input: retval, data out, ctx out, every map's contents (per-CPU maps: every CPU's
// value) and, for the vm, that it did not fault. The process is pinned to one CPU while it runs
// the kernel, so that per-CPU maps and bpf_get_smp_processor_id name the CPU the vm is told.

import type { Instruction } from '../../../isa/index.js';
import { possibleCpus, ProgType, testRun, TestRunError } from '../../../loader/index.js';
import { libcFunction } from '../../../loader/sys/libc.js';
import { sys } from '../../../src/internal.js';
import { type EngineName, Vm, VmError, type VmMapSpec, type VmRunResult } from '../../../vm/index.js';
import { createMap, loadRaw } from '../bpf-raw.js';
import { type DiffInput, type DiffMap, type DiffProgram, lowerProgram } from './program.js';

const KERNEL_TYPE: Record<DiffProgram['type'], number> = { socket_filter: ProgType.SOCKET_FILTER, xdp: ProgType.XDP, sched_cls: ProgType.SCHED_CLS, syscall: ProgType.SYSCALL };
const SLEEPABLE = 1 << 4;

/** What one run leaves behind, as comparable strings. */
export interface Observation {
  readonly retval?: number;
  readonly dataOut?: string;
  readonly ctxOut?: string;
  readonly maps?: readonly (readonly string[])[];
  /** Kernel: the test run's error; vm: the fault. */
  readonly error?: string;
}

export type Outcome =
  | { readonly verdict: 'rejected'; readonly log: string }
  | { readonly verdict: 'agree'; readonly runs: number; readonly refusedInputs: readonly string[] }
  | { readonly verdict: 'differ'; readonly runs: number; readonly input: number; readonly engine: EngineName; readonly kernel: Observation; readonly vm: Observation };

const hex = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : Buffer.from(b).toString('hex'));

let pinned: { cpu: number } | undefined;

/** Pins this thread to the CPU it is on (once); returns that CPU. */
export function pinToCpu(): number {
  if (pinned !== undefined) return pinned.cpu;
  const getcpu = libcFunction<() => number>('int sched_getcpu()');
  const setaffinity = libcFunction<(pid: number, size: number, mask: Buffer) => number>('int sched_setaffinity(int pid, size_t size, const uint8_t *mask)');
  const cpu = getcpu();
  const mask = Buffer.alloc(128);
  mask[cpu >> 3] = 1 << (cpu & 7);
  if (setaffinity(0, mask.length, mask) !== 0) throw new Error('sched_setaffinity failed');
  pinned = { cpu };
  return cpu;
}

/** Undoes pinToCpu: every CPU again. */
export function unpin(): void {
  if (pinned === undefined) return;
  const setaffinity = libcFunction<(pid: number, size: number, mask: Buffer) => number>('int sched_setaffinity(int pid, size_t size, const uint8_t *mask)');
  setaffinity(0, 128, Buffer.alloc(128, 0xff));
  pinned = undefined;
}

function dumpKernelMap(fd: number, m: DiffMap, cpus: number, perCpu: boolean): string[] {
  const out: string[] = [];
  const valueLen = perCpu ? Math.ceil(m.valueSize / 8) * 8 * cpus : m.valueSize;
  let key: Buffer | undefined;
  for (;;) {
    const next = sys.pointee(m.keySize);
    try {
      sys.bpf(sys.BpfCommand.MAP_GET_NEXT_KEY, sys.encodeAttr(sys.MapElemAttr, { map_fd: fd, key: key === undefined ? 0n : sys.pointee(key), next_key: next }));
    } catch {
      break;
    }
    key = Buffer.from(next.bytes);
    const value = sys.pointee(valueLen);
    sys.bpf(sys.BpfCommand.MAP_LOOKUP_ELEM, sys.encodeAttr(sys.MapElemAttr, { map_fd: fd, key: sys.pointee(key), value }));
    out.push(`${key.toString('hex')}=${Buffer.from(value.bytes).toString('hex')}`);
  }
  return out.sort();
}

function dumpVmMap(vm: Vm, m: DiffMap): string[] {
  const map = vm.map(m.name);
  return map.entries().map(([k]) => {
    const values = map.isPerCpu() ? map.perCpuValues(k)! : [map.lookup(k)!];
    const pad = map.isPerCpu() ? Math.ceil(m.valueSize / 8) * 8 : m.valueSize;
    const v = Buffer.concat(values.map((x) => { const b = Buffer.alloc(pad); b.set(x); return b; }));
    return `${Buffer.from(k).toString('hex')}=${v.toString('hex')}`;
  }).sort();
}

const isPerCpu = (m: DiffMap): boolean => m.type === 5 || m.type === 6;

/** The kernel's observations, one per input (undefined: the program was rejected, with the log). */
export function runInKernel(prog: DiffProgram, insns: readonly Instruction[]): { log: string } | Observation[] {
  const cpus = possibleCpus();
  const maps = prog.maps.map((m) => createMap(m.type, m.keySize, m.valueSize, m.maxEntries, 0, m.name));
  try {
    const withFds = insns.map((i) => (i.kind === 'ldImm64' && i.pseudo !== 0 ? { ...i, imm: maps[i.imm]!.fd } : i));
    let p: ReturnType<typeof loadRaw>;
    try {
      p = loadRaw(KERNEL_TYPE[prog.type], [], { insns: withFds, name: 'vm_diff', progFlags: prog.type === 'syscall' ? SLEEPABLE : 0, logSize: 1 << 20 });
    } catch (e) {
      return { log: (e as Error).message };
    }
    try {
      return prog.inputs.map((input) => {
        let obs: Observation;
        try {
          const r = testRun({ fd: p.fd }, { ...(input.data ? { data: input.data } : {}), ...(input.ctx ? { ctx: input.ctx } : {}) });
          obs = { retval: r.retval, dataOut: hex(r.dataOut), ctxOut: hex(r.ctxOut) };
        } catch (e) {
          if (!(e instanceof TestRunError || e instanceof sys.SyscallError)) throw e;
          obs = { error: `refused (${e.code ?? e.message})` };
        }
        return { ...obs, maps: prog.maps.map((m, i) => dumpKernelMap(maps[i]!.fd, m, cpus, isPerCpu(m))) };
      });
    } finally {
      p.close();
    }
  } finally {
    for (const m of maps) m.close();
  }
}

/** The vm's observations, one per input (an input the vm refuses with a VmError: `refused`). */
export function runInVm(prog: DiffProgram, insns: readonly Instruction[], engine: EngineName, cpu: number): Observation[] {
  const vm = new Vm({ engine, env: { cpus: possibleCpus(), cpu } });
  for (const m of prog.maps) vm.addMap(m as VmMapSpec);
  vm.addProgram('p', prog.type, insns);
  return prog.inputs.map((input: DiffInput, i) => {
    let r: VmRunResult;
    try {
      r = vm.run('p', input);
    } catch (e) {
      if (!(e instanceof VmError)) throw e;
      return { error: `refused (${e.message})`, maps: prog.maps.map((m) => dumpVmMap(vm, m)) };
    }
    const obs: Observation = r.fault !== null ? { error: `fault at ${r.fault.insn}: ${r.fault.message}` } : { retval: r.retval, dataOut: hex(r.dataOut), ctxOut: hex(r.ctxOut) };
    return { ...obs, maps: prog.maps.map((m) => dumpVmMap(vm, m)) };
  });
}

/** An observation as compared: an input refused (kernel: EINVAL, vm: VmError) is the same refusal whatever the reason. */
function comparable(o: Observation): string {
  return JSON.stringify(o.error?.startsWith('refused') === true ? { error: 'refused', maps: o.maps } : o);
}

/** Runs the program everywhere and compares. Call pinToCpu() first. */
export function differential(prog: DiffProgram, cpu: number): Outcome {
  const insns = lowerProgram(prog);
  const kernel = runInKernel(prog, insns);
  if (!Array.isArray(kernel)) return { verdict: 'rejected', log: kernel.log };
  const refused = kernel.flatMap((o, i) => (o.error?.startsWith('refused') === true ? [i] : []));
  for (const engine of ['interpreter', 'compiled'] as const) {
    const vm = runInVm(prog, insns, engine, cpu);
    for (let i = 0; i < kernel.length; i++) {
      if (comparable(vm[i]!) !== comparable(kernel[i]!)) return { verdict: 'differ', runs: kernel.length, input: i, engine, kernel: kernel[i]!, vm: vm[i]! };
    }
  }
  return { verdict: 'agree', runs: kernel.length - refused.length, refusedInputs: refused.map((i) => `${prog.type}: ${kernel[i]!.error!}`) };
}
