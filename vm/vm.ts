// The vm as a user drives it: maps that outlive runs, programs of a type, and runs on a packet
// and/or context that return what BPF_PROG_TEST_RUN returns (retval, data out, ctx out) plus
// the fault, instruction count, printk lines and anything emitted.

import type { MapSpec } from '../elf/index.js';
import type { Instruction } from '../isa/index.js';
import { type ContextInput, type ContextScratch, PACKET_BUFFER, setUpContext, type VmProgramType, VM_PROGRAM_TYPES, packetOf } from './context.js';
import { compiledEngine } from './compile.js';
import { type Engine, execute } from './execute.js';
import { VmError, type VmFault } from './fault.js';
import { DEFAULT_HELPERS } from './helpers/index.js';
import { setMapState, valueAddress } from './helpers/maps.js';
import { interpret } from './interpreter.js';
import { DEFAULT_ENVIRONMENT, FRAME_SIZE, Machine, MAX_FRAMES, type VmEnvironment } from './machine.js';
import { VmMap } from './maps.js';
import { Memory } from './memory.js';
import { MAP_HI, type PreparedProgram, prepareProgram } from './program.js';
import { DEFAULT_MAX_INSTRUCTIONS, unknownHelper } from './raw.js';

export type EngineName = 'compiled' | 'interpreter';

export interface VmOptions {
  /** 'compiled' (default, fast) or 'interpreter' (the reference). */
  readonly engine?: EngineName;
  /** Stop a run after this many instructions (a fault of kind 'limit'). Default 1e9. */
  readonly maxInstructions?: number;
  /** Time, randomness, task and CPU as the helpers report them. `cpus` sizes per-CPU maps. */
  readonly env?: Partial<VmEnvironment>;
}

export interface VmRunInput extends ContextInput {
  /** Memory a probe_read may read: mapped as a region named by the key; its address is in VmRunResult.regions. */
  readonly memory?: Readonly<Record<string, Uint8Array>>;
}

export interface VmRunResult {
  readonly program: string;
  /** r0 as BPF_PROG_TEST_RUN reports it (u32). */
  readonly retval: number;
  /** The full 64-bit r0. */
  readonly r0: bigint;
  /**
   * The packet after the run, as the test run's data out: the caller's own copy (no later run
   * changes it), but when small a view into a buffer shared with other results' copies, so its
   * `byteOffset` may be non-zero and its `.buffer` larger than it: read it through the view.
   */
  readonly dataOut?: Uint8Array;
  /** The context after the run (when one was given), a copy like `dataOut`. */
  readonly ctxOut?: Uint8Array;
  readonly fault: VmFault | null;
  readonly insnsExecuted: number;
  readonly printk: readonly string[];
  /** bpf_redirect's target, when the program called it. */
  readonly redirect?: { readonly ifindex: number; readonly flags: number };
  /** Base address of each `memory` region of the input. */
  readonly regions: Readonly<Record<string, bigint>>;
}

interface VmProgram {
  readonly name: string;
  readonly type: VmProgramType;
  readonly prepared: PreparedProgram;
  /** Whether it has map value references, resolved per run. */
  readonly valueRefs: boolean;
  /** Whether it reads r10: only then can a run write to the stack (which the next run must see zeroed). */
  readonly usesStack: boolean;
}

function readsR10(insn: Instruction | undefined): boolean {
  if (insn === undefined) return false;
  const i = insn as { dst?: unknown; src?: unknown };
  return i.dst === 10 || i.src === 10 || (typeof i.src === 'object' && i.src !== null && (i.src as { reg?: unknown }).reg === 10);
}

export class Vm {
  readonly maps = new Map<string, VmMap>();
  private readonly mapList: VmMap[] = [];
  private readonly programs: VmProgram[] = [];
  readonly env: VmEnvironment;
  private readonly engine: Engine;
  private readonly maxInstructions: number;
  // Reused by every run (nothing of them outlives a run: data out and ctx out are copies).
  private readonly stack = new Uint8Array(FRAME_SIZE * MAX_FRAMES);
  private readonly stackView = new DataView(this.stack.buffer);
  /** Whether a program of this Vm reads r10 (then each run zeroes the stack first). */
  private stackUsed = false;
  private readonly scratch: ContextScratch = { xdpBuffer: new Uint8Array(PACKET_BUFFER) };
  /** Each program's prepared form, by index, when none has map value references (else resolved per run). */
  private preparedList: readonly PreparedProgram[] | undefined;

  constructor(options: VmOptions = {}) {
    this.env = { ...DEFAULT_ENVIRONMENT, ...options.env };
    if (!Number.isInteger(this.env.cpus) || this.env.cpus < 1 || this.env.cpu < 0 || this.env.cpu >= this.env.cpus) {
      throw new VmError(`env: cpu ${this.env.cpu} must be one of the ${this.env.cpus} CPUs`);
    }
    this.engine = options.engine === 'interpreter' ? interpret : compiledEngine;
    this.maxInstructions = options.maxInstructions ?? DEFAULT_MAX_INSTRUCTIONS;
  }

  /** Creates a map; its index (order of creation) is what ld_imm64 map references carry as the "fd". */
  addMap(spec: MapSpec): VmMap {
    if (this.maps.has(spec.name)) throw new VmError(`map ${spec.name} exists already`);
    const map = new VmMap(spec, this.env.cpus);
    this.maps.set(spec.name, map);
    this.mapList.push(map);
    return map;
  }

  mapIndex(name: string): number | undefined {
    const i = this.mapList.findIndex((m) => m.name === name);
    return i < 0 ? undefined : i;
  }

  map(name: string): VmMap {
    const m = this.maps.get(name);
    if (m === undefined) throw new VmError(`no map named ${name}`);
    return m;
  }

  /**
   * Adds a program. ld_imm64 map references carry a map index in imm (BPF_PSEUDO_MAP_FD/IDX) and,
   * for BPF_PSEUDO_MAP_VALUE/IDX_VALUE, the offset into the map's first value in the second imm.
   */
  addProgram(name: string, type: VmProgramType, code: Uint8Array | readonly Instruction[]): void {
    if (!VM_PROGRAM_TYPES.includes(type)) throw new VmError(`program type ${String(type)} is not one the vm runs (${VM_PROGRAM_TYPES.join(', ')})`);
    if (this.programs.some((p) => p.name === name)) throw new VmError(`program ${name} exists already`);
    const prepared = prepareProgram(name, code, (insn, slot) => {
      const map = this.mapList[insn.imm];
      if (insn.pseudo === 3) throw new VmError(`${name}: instruction ${slot}: BTF id references (ksyms) are not supported by the vm`);
      if (map === undefined) throw new VmError(`${name}: instruction ${slot}: ld_imm64 refers to map ${insn.imm}, which does not exist`);
      if (insn.pseudo === 1 || insn.pseudo === 5) return (BigInt(MAP_HI) << 32n) | BigInt(insn.imm);
      if (!map.isArray() || map.isPerCpu()) throw new VmError(`${name}: instruction ${slot}: a map value reference needs an array map (${map.name} is not one)`);
      // A placeholder: the value's address is only known per run (see run()).
      return (BigInt(VALUE_REF) << 32n) | BigInt(insn.imm);
    });
    const usesStack = prepared.slots.some(readsR10);
    this.programs.push({ name, type, prepared, valueRefs: [...prepared.imm64.values()].some((v) => v >> 32n === BigInt(VALUE_REF)), usesStack });
    this.stackUsed ||= usesStack;
    this.programIndex = undefined;
    this.preparedList = undefined;
  }

  private programIndex: Map<string, number> | undefined;

  programNames(): string[] {
    return this.programs.map((p) => p.name);
  }

  run(name: string, input: VmRunInput = {}): VmRunResult {
    const programIndex = this.programIndex ??= new Map(this.programs.map((p, i) => [p.name, i]));
    const index = programIndex.get(name);
    if (index === undefined) throw new VmError(`no program named ${name} (programs: ${this.programNames().join(', ') || 'none'})`);
    const prog = this.programs[index]!;
    const mem = new Memory();
    const m = new Machine({ mem, helpers: DEFAULT_HELPERS, maxInsns: this.maxInstructions, unknownHelper, env: this.env, stack: this.stack, stackView: this.stackView, stackClean: !this.stackUsed });
    setMapState(m, this.mapList, programIndex);
    const regions: Record<string, bigint> = {};
    if (input.memory !== undefined) for (const [k, bytes] of Object.entries(input.memory)) regions[k] = mem.base(mem.map(k, bytes));
    const ctx = setUpContext(m, prog.type, input, this.scratch);
    // Map value references: the address of the array map's first value, plus the offset.
    const programs = this.preparedList ?? this.preparedPrograms(m);
    const r = execute(programs, index, m, ctx.args, this.engine);
    const out = ctx.finish();
    const redirect = packetOf(m)?.redirect;
    const result: { -readonly [K in keyof VmRunResult]: VmRunResult[K] } = {
      program: this.programs[r.program]!.name, retval: Number(r.r0 & 0xffffffffn), r0: r.r0, fault: r.fault,
      insnsExecuted: r.insnsExecuted, printk: m.printk, regions,
    };
    if (out.dataOut !== undefined) result.dataOut = out.dataOut;
    if (out.ctxOut !== undefined) result.ctxOut = out.ctxOut;
    if (redirect !== undefined) result.redirect = redirect;
    return result;
  }

  /** The programs as this run executes them: map value references resolved to this run's addresses. */
  private preparedPrograms(m: Machine): readonly PreparedProgram[] {
    if (!this.programs.some((p) => p.valueRefs)) return this.preparedList = this.programs.map((p) => p.prepared);
    return this.programs.map((p) => !p.valueRefs ? p.prepared : resolveValueRefs(p.prepared, (idx, off) => valueAddress(m, this.mapList[idx]!, this.mapList[idx]!.lookup(new Uint8Array(4))!) + BigInt(off)));
  }
}

/** High word of the per-program placeholder for a map value reference, resolved per run. */
const VALUE_REF = 0x7fff0002;

const resolvedCache = new WeakMap<PreparedProgram, { key: string; prog: PreparedProgram }>();

/** The program with its map value placeholders replaced by this run's addresses (cached while they stay the same). */
function resolveValueRefs(p: PreparedProgram, address: (map: number, offset: number) => bigint): PreparedProgram {
  const refs = [...p.imm64].filter(([, v]) => v >> 32n === BigInt(VALUE_REF));
  if (refs.length === 0) return p;
  const imm64 = new Map(p.imm64);
  for (const [slot, v] of refs) {
    const insn = p.slots[slot] as { nextImm: number };
    imm64.set(slot, address(Number(v & 0xffffffffn), insn.nextImm));
  }
  const key = [...imm64.values()].join(',');
  const hit = resolvedCache.get(p);
  if (hit !== undefined && hit.key === key) return hit.prog;
  const prog = { ...p, imm64 };
  resolvedCache.set(p, { key, prog });
  return prog;
}
