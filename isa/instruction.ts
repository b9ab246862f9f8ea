// The typed instruction model: one discriminated union over every instruction
// form of RFC 9669 and the Linux 6.18 extensions. Every field of the encoding
// that is not reserved appears here, so decode(encode(x)) deep-equals x.

/** Register number r0..r10 (r10 is the read-only frame pointer). */
export type Register = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10;

/** Operand width of ALU and JMP instructions: 64 (ALU64/JMP) or 32 (ALU/JMP32). */
export type Width = 32 | 64;

/** Memory access size in bytes. */
export type Size = 1 | 2 | 4 | 8;

export type AluOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'sdiv' | 'or' | 'and' | 'lsh'
  | 'rsh' | 'mod' | 'smod' | 'xor' | 'mov' | 'arsh';

export type JumpOp =
  | 'jeq' | 'jgt' | 'jge' | 'jset' | 'jne' | 'jsgt' | 'jsge'
  | 'jlt' | 'jle' | 'jslt' | 'jsle';

export type AtomicOp =
  | 'add' | 'or' | 'and' | 'xor' | 'xchg' | 'cmpxchg' | 'loadAcquire' | 'storeRelease';

/** Second operand of ALU and conditional jump instructions. */
export type Operand =
  | { readonly kind: 'imm'; readonly value: number }
  | { readonly kind: 'reg'; readonly reg: Register };

/** `dst OP= src` (ALU64 or ALU), including `mov` and the signed div/mod. */
export interface AluInstruction {
  readonly kind: 'alu';
  readonly width: Width;
  readonly op: AluOp;
  readonly dst: Register;
  readonly src: Operand;
}

/** `dst = -dst`. */
export interface NegInstruction {
  readonly kind: 'neg';
  readonly width: Width;
  readonly dst: Register;
}

/** Sign-extending move `dst = (sN)src` (cpu v4). width 32 allows bits 8 and 16 only. */
export interface MovsxInstruction {
  readonly kind: 'movsx';
  readonly width: Width;
  readonly dst: Register;
  readonly src: Register;
  readonly bits: 8 | 16 | 32;
}

/** Arena pointer conversion (ALU64|MOV|X with off=1); imm = dstAs << 16 | srcAs. */
export interface AddrSpaceCastInstruction {
  readonly kind: 'addrSpaceCast';
  readonly dst: Register;
  readonly src: Register;
  readonly dstAddrSpace: number;
  readonly srcAddrSpace: number;
}

/** Byte order conversion: to little endian, to big endian, or unconditional swap. */
export interface EndianInstruction {
  readonly kind: 'endian';
  readonly order: 'le' | 'be' | 'swap';
  readonly bits: 16 | 32 | 64;
  readonly dst: Register;
}

/** Unconditional jump with a 16-bit slot offset (`goto +off`). */
export interface JaInstruction {
  readonly kind: 'ja';
  readonly offset: number;
}

/** Unconditional jump with a 32-bit slot offset in imm (JMP32|JA, `gotol`). */
export interface GotolInstruction {
  readonly kind: 'gotol';
  readonly imm: number;
}

/** Conditional jump `if dst OP src goto +off`. */
export interface JumpInstruction {
  readonly kind: 'jump';
  readonly width: Width;
  readonly op: JumpOp;
  readonly dst: Register;
  readonly src: Operand;
  readonly offset: number;
}

/**
 * `call imm`. `callee` is the src_reg field: a helper id, a pc-relative local
 * (bpf-to-bpf) call, or a kfunc by BTF id whose `offset` indexes fd_array
 * (0 = vmlinux).
 */
export interface CallInstruction {
  readonly kind: 'call';
  readonly callee: 'helper' | 'local' | 'kfunc';
  readonly imm: number;
  readonly offset: number;
}

/** Indirect call through a register (LLVM `callx rN`, not loadable on Linux 6.18). */
export interface CallxInstruction {
  readonly kind: 'callx';
  readonly dst: Register;
}

export interface ExitInstruction {
  readonly kind: 'exit';
}

/** `may_goto +off` (JMP|JCOND with src=0): jump once the loop budget is spent. */
export interface MayGotoInstruction {
  readonly kind: 'mayGoto';
  readonly offset: number;
}

/**
 * The 16-byte `ld_imm64`. `pseudo` is the src_reg field (BPF_PSEUDO_*: 0 plain
 * value, 1 map fd, 2 map value, 3 BTF id, 4 func, 5 map idx, 6 map idx value).
 * `imm` and `nextImm` are the low and high 32-bit halves as signed int32.
 */
export interface LdImm64Instruction {
  readonly kind: 'ldImm64';
  readonly dst: Register;
  readonly pseudo: 0 | 1 | 2 | 3 | 4 | 5 | 6;
  readonly imm: number;
  readonly nextImm: number;
}

/** `dst = *(uN *)(src + off)`; `signed` selects the sign-extending MEMSX form. */
export interface LdxInstruction {
  readonly kind: 'ldx';
  readonly size: Size;
  readonly signed: boolean;
  readonly dst: Register;
  readonly src: Register;
  readonly offset: number;
}

/** `*(uN *)(dst + off) = imm`. */
export interface StInstruction {
  readonly kind: 'st';
  readonly size: Size;
  readonly dst: Register;
  readonly offset: number;
  readonly imm: number;
}

/** `*(uN *)(dst + off) = src`. */
export interface StxInstruction {
  readonly kind: 'stx';
  readonly size: Size;
  readonly dst: Register;
  readonly src: Register;
  readonly offset: number;
}

/**
 * STX|ATOMIC. Read-modify-write ops (`fetch` returns the old value in src;
 * xchg and cmpxchg always fetch) exist for sizes 4 and 8; load-acquire
 * (`dst = *(src + off)`) and store-release (`*(dst + off) = src`) for all sizes.
 */
export interface AtomicInstruction {
  readonly kind: 'atomic';
  readonly size: Size;
  readonly op: AtomicOp;
  readonly fetch: boolean;
  readonly dst: Register;
  readonly src: Register;
  readonly offset: number;
}

/** Legacy packet load `r0 = *(uN *)skb[imm]`. */
export interface LdAbsInstruction {
  readonly kind: 'ldAbs';
  readonly size: 1 | 2 | 4;
  readonly imm: number;
}

/** Legacy packet load `r0 = *(uN *)skb[src + imm]`. */
export interface LdIndInstruction {
  readonly kind: 'ldInd';
  readonly size: 1 | 2 | 4;
  readonly src: Register;
  readonly imm: number;
}

export type Instruction =
  | AluInstruction
  | NegInstruction
  | MovsxInstruction
  | AddrSpaceCastInstruction
  | EndianInstruction
  | JaInstruction
  | GotolInstruction
  | JumpInstruction
  | CallInstruction
  | CallxInstruction
  | ExitInstruction
  | MayGotoInstruction
  | LdImm64Instruction
  | LdxInstruction
  | StInstruction
  | StxInstruction
  | AtomicInstruction
  | LdAbsInstruction
  | LdIndInstruction;

export type InstructionKind = Instruction['kind'];

/** Number of 8-byte slots an instruction occupies (jump offsets count slots). */
export function slotCount(insn: Instruction): 1 | 2 {
  return insn.kind === 'ldImm64' ? 2 : 1;
}

/** The 64-bit value of a plain ld_imm64 as an unsigned bigint. */
export function ldImm64Value(insn: LdImm64Instruction): bigint {
  return (BigInt(insn.nextImm >>> 0) << 32n) | BigInt(insn.imm >>> 0);
}

/** Splits a 64-bit value (signed or unsigned) into the int32 halves of ld_imm64. */
export function splitImm64(value: bigint): { imm: number; nextImm: number } {
  const u = BigInt.asUintN(64, value);
  return { imm: Number(BigInt.asIntN(32, u)), nextImm: Number(BigInt.asIntN(32, u >> 32n)) };
}

export const imm = (value: number): Operand => ({ kind: 'imm', value });
export const reg = (r: Register): Operand => ({ kind: 'reg', reg: r });

export function isRegister(n: number): n is Register {
  return Number.isInteger(n) && n >= 0 && n <= 10;
}
