// tsbpf run --interp: runs a program in the vm instead of the kernel. FILE is an object (maps
// created from its definitions, .data/.rodata/.bss initialised, subprograms linked and references
// relocated by the loader's pure preparation steps), a DSL program (built first), or raw bytecode
// (.bin, little-endian slots, with --type).

import { type BpfObject, readObject } from '../../elf/index.js';
import { type CoreTarget, linkProgram, loadKernelCoreTarget, relocateObjectCore, relocateProgram } from '../../loader/index.js';
import { Vm, VM_PROGRAM_TYPES, VmError, VmMapType, type VmProgramType, type VmRunResult } from '../../vm/index.js';

export interface VmRunOptions {
  readonly program?: string;
  readonly type?: string;
  readonly data?: Uint8Array;
  readonly ctx?: Uint8Array;
  readonly repeat?: number;
  readonly engine?: 'compiled' | 'interpreter';
  /** BTF to resolve CO-RE relocations against (default the running kernel's /sys/kernel/btf/vmlinux). */
  readonly btfPath?: string;
}

export interface VmRunCommandResult extends VmRunResult {
  /** Mean wall time of one run in nanoseconds (over --repeat runs). */
  readonly durationNs: number;
}

function programType(type: string | undefined, what: string): VmProgramType {
  if (type === undefined) throw new VmError(`${what} needs --type (one of ${VM_PROGRAM_TYPES.join(', ')})`);
  if (!(VM_PROGRAM_TYPES as readonly string[]).includes(type)) throw new VmError(`--type ${type} is not a program type the vm runs (one of ${VM_PROGRAM_TYPES.join(', ')})`);
  return type as VmProgramType;
}

const coreTargets = new Map<string, CoreTarget>();

/**
 * The object with its CO-RE relocations resolved, as the loader resolves them before loading
 * (the same pure step, against `btfPath` or the running kernel's BTF); unchanged without any.
 */
export function resolveObjectCore(object: BpfObject, btfPath?: string): BpfObject {
  if (!object.programs.some((p) => p.instructions.some((i) => i.coreRelocations !== undefined))) return object;
  const key = btfPath ?? '';
  let target = coreTargets.get(key);
  if (target === undefined) {
    target = loadKernelCoreTarget(btfPath === undefined ? {} : { btfPath });
    coreTargets.set(key, target);
  }
  return relocateObjectCore(object, target).object;
}

/** A Vm holding every entry program of the object (CO-RE relocated), its maps and its global data. */
export function vmFromObject(original: BpfObject, options: { engine?: 'compiled' | 'interpreter'; type?: string; btfPath?: string } = {}): Vm {
  const object = resolveObjectCore(original, options.btfPath);
  const vm = new Vm({ ...(options.engine === undefined ? {} : { engine: options.engine }) });
  const unsupported = new Map<string, string>();
  for (const m of object.maps) {
    if (m.type === undefined) {
      unsupported.set(m.name, 'its definition has no map type');
      continue;
    }
    // As the loader: absent sizes are 0 (ring buffers), except a prog array's u32 index and fd.
    const word = m.type === VmMapType.PROG_ARRAY ? 4 : 0;
    try {
      vm.addMap({ name: m.name, type: m.type, keySize: m.keySize ?? word, valueSize: m.valueSize ?? word, maxEntries: m.maxEntries ?? 0, flags: m.flags ?? 0 });
    } catch (e) {
      if (!(e instanceof VmError)) throw e;
      unsupported.set(m.name, e.message);
    }
  }
  for (const g of object.globals) {
    if (g.kind === 'arena') { unsupported.set(g.name, 'arena sections are not supported by the vm'); continue; }
    const map = vm.addMap({ name: g.name, type: VmMapType.ARRAY, keySize: 4, valueSize: Math.max(1, g.size), maxEntries: 1 });
    map.lookup(new Uint8Array(4))!.set(g.data.subarray(0, g.size));
  }
  for (const p of object.programs) {
    if (p.subprogram) continue;
    const type = options.type ?? p.programType?.type;
    const vmType = programType(type, `program ${p.name} (section ${p.section})`);
    const linked = linkProgram(object, p);
    const index = (name: string): number | undefined => {
      const why = unsupported.get(name);
      if (why !== undefined) throw new VmError(`program ${p.name} uses map ${name}: ${why}`);
      return vm.mapIndex(name);
    };
    relocateProgram(linked, {
      mapFd: index, dataMapFd: index,
      kconfig: (name) => { throw new VmError(`program ${p.name}: the kconfig extern ${name} is not supported by the vm`); },
      kfunc: (name) => { throw new VmError(`program ${p.name}: kfunc ${name} is not supported by the vm`); },
      ksym: (name) => { throw new VmError(`program ${p.name}: ksym ${name} is not supported by the vm`); },
    });
    vm.addProgram(p.name, vmType, linked.insns);
  }
  // Prog arrays initialised in the object (`.values = { [i] = &prog }`).
  for (const m of object.maps) {
    if (m.type !== VmMapType.PROG_ARRAY || !vm.maps.has(m.name)) continue;
    m.values.forEach((v, i) => { if (v !== null) vm.map(m.name).programs.set(i, v); });
  }
  return vm;
}

export function runVmCommand(bytes: Uint8Array, file: string, options: VmRunOptions): VmRunCommandResult {
  let vm: Vm;
  let program: string;
  if (file.endsWith('.bin')) {
    vm = new Vm({ ...(options.engine === undefined ? {} : { engine: options.engine }) });
    program = options.program ?? 'program';
    vm.addProgram(program, programType(options.type, 'raw bytecode'), bytes);
  } else {
    vm = vmFromObject(readObject(bytes), {
      ...(options.engine === undefined ? {} : { engine: options.engine }), ...(options.type === undefined ? {} : { type: options.type }),
      ...(options.btfPath === undefined ? {} : { btfPath: options.btfPath }),
    });
    const names = vm.programNames();
    if (options.program !== undefined) program = options.program;
    else if (names.length === 1) program = names[0]!;
    else throw new VmError(`${file} has ${names.length} programs: choose one with --prog (${names.join(', ') || 'none'})`);
  }
  const input = { ...(options.data === undefined ? {} : { data: options.data }), ...(options.ctx === undefined ? {} : { ctx: options.ctx }) };
  const repeat = Math.max(1, options.repeat ?? 1);
  let r = vm.run(program, input);
  const start = process.hrtime.bigint();
  for (let i = 1; i < repeat; i++) r = vm.run(program, input);
  const durationNs = repeat > 1 ? Number(process.hrtime.bigint() - start) / (repeat - 1) : 0;
  return { ...r, durationNs: Math.round(durationNs) };
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** The --interp --json shape (docs/cli.md). */
export function vmRunJson(r: VmRunCommandResult): string {
  return `${JSON.stringify({
    program: r.program, retval: r.retval, ...(r.dataOut !== undefined ? { dataOut: hex(r.dataOut) } : {}),
    ...(r.ctxOut !== undefined ? { ctxOut: hex(r.ctxOut) } : {}),
    fault: r.fault === null ? null : { insn: r.fault.insn, message: r.fault.message }, insnsExecuted: r.insnsExecuted, printk: r.printk,
  })}\n`;
}

export function formatVmRunResult(r: VmRunCommandResult): string {
  const lines = [`retval ${r.retval}`, `insns ${r.insnsExecuted}`];
  if (r.durationNs > 0) lines.push(`duration ${r.durationNs} ns`);
  if (r.dataOut !== undefined) lines.push(`data_out ${r.dataOut.length} ${hex(r.dataOut)}`);
  if (r.ctxOut !== undefined) lines.push(`ctx_out ${r.ctxOut.length} ${hex(r.ctxOut)}`);
  for (const p of r.printk) lines.push(`printk ${p}`);
  if (r.fault !== null) lines.push(`fault at instruction ${r.fault.insn}: ${r.fault.message}`);
  return `${lines.join('\n')}\n`;
}
