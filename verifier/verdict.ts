// Result types of the structural stage of the verifier model: what the Linux
// 6.18 verifier decides about a program before it starts abstract
// interpretation, and which per-instruction field checks it will apply once
// abstract interpretation reaches an instruction.

/** errno values the kernel returns from BPF_PROG_LOAD in the structural checks. */
export type Errno = 'EPERM' | 'EINVAL' | 'EACCES' | 'EBADF' | 'ENOENT' | 'EPROTO' | 'E2BIG';

/** Linux errno numbers (asm-generic/errno-base.h and errno.h). */
export const ERRNO_NUMBER: Readonly<Record<Errno, number>> = {
  EPERM: 1,
  ENOENT: 2,
  E2BIG: 7,
  EBADF: 9,
  EACCES: 13,
  EINVAL: 22,
  EPROTO: 71,
};

/**
 * The structural passes, in the order the 6.18 kernel runs them:
 * - `program-size`: BPF_PROG_LOAD refuses 0 or more than 1,000,000 slots, 4096 without
 *   CAP_BPF (E2BIG, empty log);
 * - `subprograms`: every bpf-to-bpf call and ld_imm64 function reference names a slot of the
 *   program (`call to invalid destination`), at most 256 subprograms, kfunc ids and offsets;
 *   without CAP_BPF the first of them is refused (EPERM);
 * - `jump-ranges`: each jump stays inside its subprogram, each subprogram ends in exit or ja;
 * - `subprogram-contents`: without BTF function info, subprograms other than the main one
 *   may not use legacy packet loads (LD_ABS/LD_IND) or tail calls;
 * - `instruction-table`: LDX reserved fields, ld_imm64 pairs and pseudo sources, unknown opcodes;
 * - `control-flow`: the depth-first walk (unreachable slots, jumps into an ld_imm64, and the
 *   back-edge ban for unprivileged loaders);
 * - `first-instructions`: a field check of do_check (reserved fields, `div by zero`,
 *   `invalid shift`, ...) on an instruction the kernel is certain to reach first.
 */
export type StructuralPass =
  | 'program-size'
  | 'attach'
  | 'subprograms'
  | 'jump-ranges'
  | 'subprogram-contents'
  | 'instruction-table'
  | 'control-flow'
  | 'first-instructions';

/**
 * What must hold, when abstract interpretation reaches an instruction, for the
 * kernel to get as far as its field fault:
 * - `initialised`: the register holds a value (else `R<reg> !read_ok`, EACCES);
 * - `atomic-target`: the register passes the BPF_ATOMIC destination check, i.e.
 *   is not a pointer to ctx, packet data, flow keys or a socket (else
 *   `BPF_ATOMIC stores into R<reg> ... is not allowed`, EACCES).
 */
export type FaultPrecondition =
  | { readonly kind: 'initialised'; readonly reg: number }
  /** The value an atomic stores or compares is no pointer, or the loader may leak pointers (CAP_PERFMON). */
  | { readonly kind: 'not-pointer'; readonly reg: number }
  | { readonly kind: 'atomic-target'; readonly reg: number };

/**
 * A field check that do_check applies when (and only when) abstract
 * interpretation reaches the instruction: once the preconditions hold, in
 * order, the kernel rejects with `message`.
 */
export interface InstructionFault {
  readonly insnIndex: number;
  readonly message: string;
  readonly errno: Errno;
  readonly preconditions: readonly FaultPrecondition[];
}

export interface StructureRejection {
  readonly verdict: 'reject';
  readonly errno: Errno;
  /** The kernel's last verifier log line; absent when the kernel logs nothing. */
  readonly message?: string;
  /**
   * The lines the failing check logs, the message last (two lines for kfunc
   * offset errors). Lines that describe verifier state, which the kernel
   * interleaves from abstract interpretation on, are not modelled.
   */
  readonly log: readonly string[];
  /** The slot the rejection is about, when there is one. */
  readonly insnIndex?: number;
  readonly pass: StructuralPass;
  /** Facts about the loading environment that were assumed rather than known. */
  readonly assumptions: readonly string[];
}

export interface StructureAcceptance {
  readonly verdict: 'accept-structure';
  /** Start slots of the subprograms, the main program's 0 first. */
  readonly subprograms: readonly number[];
  /**
   * Field checks that fail on instructions the kernel may or may not reach;
   * abstract interpretation reports the first one it reaches (at most one
   * per slot).
   */
  readonly instructionFaults: readonly InstructionFault[];
  readonly assumptions: readonly string[];
}

export type StructureResult = StructureRejection | StructureAcceptance;
