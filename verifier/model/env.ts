// What every check of the path walk can see: the current state, the
// instruction being checked, the id generator and the load's options.

import type { Btf } from '../../elf/index.js';
import type { FunctionInfo } from '../options.js';
import type { CtxTable, HelperPrototype } from '../tables/types.js';
import type { AttachProto } from './attach-proto.js';
import type { AluSanitation } from './cap-bpf-alu.js';
import type { MapInfo } from './map-info.js';
import { reject } from './outcome.js';
import type { InsnPointerTypes } from './insn-pointer-type.js';
import type { LoopInlineStates } from './loop-inline.js';
import type { StackLiveness } from './liveness.js';
import type { PrecisionContext } from './precision.js';
import type { RegState } from './reg.js';
import { curFrame, type VerifierState } from './state.js';

export interface ModelOptions {
  readonly progType: string;
  readonly privileged: boolean;
  /**
   * No CAP_PERFMON (CAP_BPF alone, or no capability at all with `unprivileged`): privileged is
   * false, and the Spectre sanitation and the guards of cap-bpf.ts apply.
   */
  readonly capBpfOnly?: boolean;
  /**
   * No CAP_BPF either (env->bpf_capable off; capBpfOnly is set too): scalar spills are not
   * tracked, there is no precision tracking (every scalar is precise) and at most 64 states are
   * kept per instruction. The structural stage refuses calls, kfuncs and loops before the walk.
   */
  readonly unprivileged?: boolean;
  readonly gpl: boolean;
  readonly expectedAttachType: number;
  /** BPF_F_STRICT_ALIGNMENT (the host itself allows unaligned access). */
  readonly strictAlignment?: boolean;
  readonly map: (fd: number) => MapInfo | undefined;
  readonly ctx: CtxTable | undefined;
  readonly helper: (id: number) => HelperPrototype | undefined;
  /** Whether helper `id` is available to the program type: undefined when not known. */
  readonly helperAvailable: (id: number) => boolean | undefined;
  /** The load's BTF func_info by subprogram (undefined: a load without it). */
  readonly functions?: readonly FunctionInfo[];
  /** Loaded with BPF_F_SLEEPABLE: outside bpf_rcu_read_lock it is not in an RCU read section, and global functions that might sleep may be called. */
  readonly sleepable?: boolean;
  /** The target kernel's BTF (kfunc prototypes, structs behind BTF pointers); without it those are not modelled. */
  readonly kernelBtf?: Btf;
  /** The attach target's prototype, for contexts typed by BTF (tp_btf, iterators, struct_ops); needs kernelBtf. */
  readonly attach?: AttachProto;
  /** BPF_F_TEST_STATE_FREQ: every prune point keeps a state (the kernel's test_state_freq). */
  readonly testStateFreq?: boolean;
}

export interface Env {
  state: VerifierState;
  insnIdx: number;
  readonly opts: ModelOptions;
  nextId(): number;
  /** Log lines the checks add before a rejection (context for the final message). */
  note(line: string): void;
  /** The first pointer type each load/store was verified with, across all paths. */
  readonly pointerTypes: InsnPointerTypes;
  /** Whether each bpf_loop call may still be inlined (loop-inline.ts). */
  readonly loopInline?: LoopInlineStates;
  /** Precision backtracking over the walk's instructions (precision.ts). */
  readonly precision?: PrecisionContext;
  /** The stack reads and whole-slot writes pruning needs (liveness.ts), when the program has no callbacks or kfuncs. */
  readonly stackLive?: StackLiveness;
  /** Without CAP_PERFMON: the Spectre v1 sanitation of pointer arithmetic (cap-bpf-alu.ts). */
  readonly aluSanitation?: AluSanitation;
  /** Each instruction's live registers (live-regs.ts), when computed: a jump links only live copies. */
  readonly liveRegsBefore?: Int32Array;
}

export const regs = (env: Env): RegState[] => curFrame(env.state).regs;

/** check_reg_arg(SRC_OP): the register must hold a value. */
export function readReg(env: Env, r: number): RegState {
  const reg = regs(env)[r]!;
  if (reg.type === 'not_init') reject('EACCES', `R${r} !read_ok`);
  return reg;
}

/** check_reg_arg(DST_OP): r10 is read only. */
export function checkWritable(r: number): void {
  if (r === 10) reject('EACCES', 'frame pointer is read only');
}
