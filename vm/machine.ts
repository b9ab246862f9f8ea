// What an engine runs against: memory, the helper dispatcher, the stack region, and the
// instruction budget. One Machine serves a whole run (tail calls and bpf_loop callbacks included).

import { Memory } from './memory.js';

/** Bytes of stack per frame, as in the kernel (MAX_BPF_STACK). */
export const FRAME_SIZE = 512;
/** Frames: the kernel's MAX_CALL_FRAMES (8), plus one for a callback's frame. */
export const MAX_FRAMES = 9;
/** The kernel's may_goto budget per frame (BPF_MAX_LOOPS). */
export const MAY_GOTO_BUDGET = 8 * 1024 * 1024;

/** A helper call's outcome besides a value: the program asked to be replaced (bpf_tail_call). */
export interface Invoker {
  /** Runs the function at `slot` of the current program as a callback (bpf_loop) and returns its r0. */
  callback(slot: number, args: readonly bigint[], depth: number, insn: number): bigint;
}

/** What the helpers that read the world see: deterministic, set per run. */
export interface VmEnvironment {
  /** bpf_ktime_get_ns (and boot/coarse): the first call's value; each call adds `ktimeStepNs`. */
  ktimeNs: bigint;
  ktimeStepNs: bigint;
  /** Seed of bpf_get_prandom_u32's generator (xorshift32). */
  prandomSeed: number;
  pid: number;
  tgid: number;
  uid: number;
  gid: number;
  comm: string;
  cpu: number;
  /** Number of possible CPUs: the size of per-CPU map values. */
  cpus: number;
}

export const DEFAULT_ENVIRONMENT: VmEnvironment = {
  ktimeNs: 1_000_000_000n, ktimeStepNs: 1000n, prandomSeed: 0x2545f491, pid: 4242, tgid: 4242, uid: 0, gid: 0,
  comm: 'tsbpf-vm', cpu: 0, cpus: 2,
};

const NO_LD_ABS = (): undefined => undefined;

export type HelperImpl = (m: Machine, args: readonly bigint[], insn: number, depth: number) => bigint;

export class Machine {
  readonly stackHi: number;
  /** Instructions executed so far in this run (engines add their local counts at exits and calls). */
  count = 0;
  /** Set by bpf_tail_call: the program to continue with. */
  tailCall: number | undefined;
  invoker: Invoker | undefined;

  readonly mem: Memory;
  readonly helpers: ReadonlyMap<number, HelperImpl>;
  readonly maxInsns: number;
  readonly unknownHelper: (id: number, insn: number) => never;
  /** The legacy packet loads: the value at the packet offset, or undefined when out of bounds. */
  ldAbs: (offset: number, size: 1 | 2 | 4) => bigint | undefined = NO_LD_ABS;
  /** The high word of the arena's user address space (addr_space_cast 1 → 0); 0 without an arena. */
  readonly arenaHi: number;
  readonly env: VmEnvironment;
  readonly printk: string[] = [];
  /** State the helpers keep per run (packet bounds, maps, redirect target …), set up by the runner. */
  readonly state: Record<string, unknown> = {};

  constructor(o: { mem: Memory; helpers: ReadonlyMap<number, HelperImpl>; maxInsns: number; unknownHelper: (id: number, insn: number) => never; env: VmEnvironment; arenaHi?: number; stack?: Uint8Array; stackView?: DataView; stackClean?: boolean }) {
    this.mem = o.mem;
    this.helpers = o.helpers;
    this.maxInsns = o.maxInsns;
    this.unknownHelper = o.unknownHelper;
    this.env = o.env;
    this.arenaHi = o.arenaHi ?? 0;
    // A caller running many times passes its own stack (and a view of it) to spare the allocation;
    // it is zeroed here unless the caller knows no run wrote to it (no program reads r10).
    const own = o.stack?.length === FRAME_SIZE * MAX_FRAMES;
    const stack = own ? (o.stackClean === true ? o.stack! : o.stack!.fill(0)) : new Uint8Array(FRAME_SIZE * MAX_FRAMES);
    this.stackHi = o.mem.map('stack', stack, true, own && o.stackView?.buffer === stack.buffer ? o.stackView : undefined);
  }

  /** r10 of the frame at `depth` (0 is the program's own frame): the top of its 512 bytes. */
  framePointer(depth: number): bigint {
    return (BigInt(this.stackHi) << 32n) | BigInt(FRAME_SIZE * (MAX_FRAMES - depth));
  }

  callHelper(id: number, args: readonly bigint[], insn: number, depth: number): bigint {
    const h = this.helpers.get(id);
    if (h === undefined) this.unknownHelper(id, insn);
    return h(this, args, insn, depth);
  }
}
