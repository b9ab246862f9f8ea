// The compiler's intermediate form: a linear list of operations on virtual registers (numbered
// from 0, each holding one 64-bit value), with labels and jumps. The frontend (lower-*.ts) makes
// it, the register allocator (regalloc.ts) maps virtual registers to R0–R9 or stack slots, and
// emit.ts writes the instructions.

import type { AluOp, JumpOp } from '../../isa/index.js';
import type { CoreRelocationKind } from '../../elf/index.js';
import type { CType, SourceLocation } from '../dsl/index.js';

export type VReg = number;
/** A virtual register or a constant (any 64-bit value; emit picks imm32 or ld_imm64). */
export type Operand = { readonly reg: VReg } | { readonly imm: bigint };
export type Size = 1 | 2 | 4 | 8;
/** A CO-RE relocation on the instruction an operation becomes (its imm or offset is the local value libbpf patches). */
export interface CoreTag { readonly root: CType; readonly access: string; readonly kind: CoreRelocationKind }

export type Op =
  /** d = s; w 32: the low 32 bits, zero-extended. */
  | { readonly op: 'mov'; readonly d: VReg; readonly s: Operand; readonly w?: 32; readonly core?: CoreTag }
  /** d = a op b in 64 or 32 bits (32: the result is zero-extended). */
  | { readonly op: 'alu'; readonly code: AluOp; readonly w: 32 | 64; readonly d: VReg; readonly a: VReg; readonly b: Operand; readonly core?: CoreTag }
  | { readonly op: 'neg'; readonly d: VReg; readonly a: VReg }
  /** d = sign extension of a's low `bits` bits. */
  | { readonly op: 'movsx'; readonly d: VReg; readonly a: VReg; readonly bits: 8 | 16 | 32 }
  /** d = byte swap to big endian of a's low `bits` bits. */
  | { readonly op: 'be'; readonly d: VReg; readonly a: VReg; readonly bits: 16 | 32 | 64 }
  | { readonly op: 'ld'; readonly size: Size; readonly d: VReg; readonly base: VReg | 'fp'; readonly off: number; readonly signed?: boolean; readonly core?: CoreTag }
  | { readonly op: 'st'; readonly size: Size; readonly base: VReg | 'fp'; readonly off: number; readonly s: Operand; readonly core?: CoreTag }
  | { readonly op: 'atomicAdd'; readonly size: 4 | 8; readonly base: VReg; readonly off: number; readonly s: VReg }
  /** d = address of the map (ld_imm64 with a map relocation). */
  | { readonly op: 'ldmap'; readonly d: VReg; readonly map: string }
  /** d = address of a global variable (placed in its data section by the object writer). */
  | { readonly op: 'ldglobal'; readonly d: VReg; readonly name: string }
  /** d = address of a kfunc (ld_imm64 against its extern): 0 when a __weak one is missing (bpf_ksym_exists). */
  | { readonly op: 'ldkfunc'; readonly d: VReg; readonly kfunc: string }
  /** d = address of the module's subprogram `fn` (ld_imm64 BPF_PSEUDO_FUNC): a callback (bpf_loop). */
  | { readonly op: 'ldfunc'; readonly d: VReg; readonly fn: string }
  /** d = address of a NUL-terminated string in .rodata (printk formats). */
  | { readonly op: 'ldstr'; readonly d: VReg; readonly text: string }
  /** d = fp + off. */
  | { readonly op: 'addrfp'; readonly d: VReg; readonly off: number }
  /**
   * A helper call, or with `fn` a bpf-to-bpf call of the module's subprogram of that name (with
   * `kfunc` a call of the kernel function of that name, lower-kfunc.ts):
   * arguments into R1–R5, the result (R0) into d. Clobbers R0–R5.
   */
  | { readonly op: 'call'; readonly helper: number; readonly fn?: string; readonly kfunc?: string; readonly args: readonly Operand[]; readonly d?: VReg }
  | { readonly op: 'jmp'; readonly target: string }
  | { readonly op: 'br'; readonly cmp: JumpOp; readonly w: 32 | 64; readonly a: VReg; readonly b: Operand; readonly target: string }
  | { readonly op: 'label'; readonly name: string }
  /** Exit with s in R0; without s, R0 is left as it is (a void struct_ops member: the kernel does not read it). */
  | { readonly op: 'ret'; readonly s?: Operand }
  /** d = the context pointer (R1 at entry); only as the first operation. */
  | { readonly op: 'ctx'; readonly d: VReg }
  /** d = a subprogram's argument n (R(n+1) at entry); only among the first operations. */
  | { readonly op: 'arg'; readonly d: VReg; readonly n: number };

export type Located = Op & { readonly loc?: SourceLocation };

export interface IrFunction {
  readonly ops: Located[];
  readonly vregs: number;
  /** Bytes of stack used by the frontend (keys, values); spill slots go below. */
  readonly frame: number;
}

/** Virtual registers an operation reads. */
export function uses(o: Op): VReg[] {
  const r: VReg[] = [];
  const opnd = (x: Operand): void => { if ('reg' in x) r.push(x.reg); };
  switch (o.op) {
    case 'mov': opnd(o.s); break;
    case 'alu': r.push(o.a); opnd(o.b); break;
    case 'neg': case 'movsx': case 'be': r.push(o.a); break;
    case 'ld': if (o.base !== 'fp') r.push(o.base); break;
    case 'st': if (o.base !== 'fp') r.push(o.base); opnd(o.s); break;
    case 'atomicAdd': r.push(o.base, o.s); break;
    case 'call': for (const a of o.args) opnd(a); break;
    case 'br': r.push(o.a); opnd(o.b); break;
    case 'ret': if (o.s !== undefined) opnd(o.s); break;
    default: break;
  }
  return r;
}

/** The virtual register an operation writes, if any. */
export function def(o: Op): VReg | undefined {
  switch (o.op) {
    case 'mov': case 'alu': case 'neg': case 'movsx': case 'be': case 'ld': case 'ldmap': case 'ldglobal': case 'ldkfunc': case 'ldfunc': case 'ldstr': case 'addrfp': case 'ctx': case 'arg': return o.d;
    case 'call': return o.d;
    default: return undefined;
  }
}
