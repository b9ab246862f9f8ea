// The instruction layer: one typed builder per instruction form. The destination register's
// width picks ALU64/JMP (R0–R10) or ALU32/JMP32 (W0–W10); jumps take a label name (resolved
// later) or a raw slot offset; `raw` is the escape hatch for any Instruction of tsbpf/isa.

import type { AluOp, AtomicOp, Instruction, JumpOp, Operand, Register, Size } from '../../../isa/index.js';
import { splitImm64 } from '../../../isa/index.js';
import { DslError } from '../errors.js';
import type { HelperName } from '../helpers/signatures.js';
import { HELPERS } from '../helpers/table.js';
import { callerLocation, instructionLocation } from '../line-info.js';
import { integer } from '../integer.js';
import type { AsmInsn, AsmItem, AsmLabel, AsmReference } from './items.js';
import { checkReg, type Reg, type Reg64 } from './registers.js';
import { quoted } from '../quote.js';

/** A jump destination: a label name, or a raw offset in slots. */
export type Target = string | number;
export type Src = Reg | number;

function item(insn: Instruction, extra?: { target?: string; ref?: AsmReference }): AsmInsn {
  const loc = instructionLocation();
  if (extra === undefined) return loc === undefined ? { kind: 'insn', insn } : { kind: 'insn', insn, loc };
  return { kind: 'insn', insn, ...extra, ...(loc === undefined ? {} : { loc }) };
}
const rn = (r: Reg): Register => checkReg(r).n;
const rw = (r: Reg): 32 | 64 => checkReg(r).width;
/** An access size, checked. */
function checkSize<S extends number>(size: S, allowed: readonly number[] = [1, 2, 4, 8]): S {
  if (typeof size !== 'number' || !allowed.includes(size)) throw new DslError(`access size ${quoted(size)} is not one of ${allowed.join(', ')} bytes`, callerLocation());
  return size;
}
function checkInt32(v: number, what: string): number {
  if (!Number.isInteger(v) || v < -0x80000000 || v > 0xffffffff) throw new DslError(`${what} ${quoted(v)} is not a 32-bit integer`, callerLocation());
  return v | 0;
}
function operand(src: Src): Operand {
  return typeof src === 'number' ? { kind: 'imm', value: checkInt32(src, 'immediate') } : { kind: 'reg', reg: rn(src) };
}
function checkOff(off: number): number {
  if (!Number.isInteger(off) || off < -0x8000 || off > 0x7fff) throw new DslError(`offset ${quoted(off)} is not a 16-bit integer`, callerLocation());
  return off;
}

const alu = (op: AluOp) => (dst: Reg, src: Src): AsmInsn => item({ kind: 'alu', width: rw(dst), op, dst: rn(dst), src: operand(src) });
/** `dst = src` */ export const mov = alu('mov');
/** `dst += src` */ export const add = alu('add');
/** `dst -= src` */ export const sub = alu('sub');
/** `dst *= src` */ export const mul = alu('mul');
/** `dst /= src` (unsigned) */ export const div = alu('div');
/** `dst s/= src` (signed, cpu v4) */ export const sdiv = alu('sdiv');
/** `dst %= src` (unsigned) */ export const mod = alu('mod');
/** `dst s%= src` (signed, cpu v4) */ export const smod = alu('smod');
/** `dst |= src` */ export const or = alu('or');
/** `dst &= src` */ export const and = alu('and');
/** `dst <<= src` */ export const lsh = alu('lsh');
/** `dst >>= src` (logical) */ export const rsh = alu('rsh');
/** `dst s>>= src` (arithmetic) */ export const arsh = alu('arsh');
/** `dst ^= src` */ export const xor = alu('xor');
/** `dst = -dst` */ export const neg = (dst: Reg): AsmInsn => item({ kind: 'neg', width: rw(dst), dst: rn(dst) });
/** `dst = (sN)src` (cpu v4); 32-bit views take bits 8 and 16 only. */
export const movsx = (dst: Reg, src: Reg, bits: 8 | 16 | 32): AsmInsn => {
  if (rw(dst) === 32 && bits === 32) throw new DslError('movsx of a 32-bit view takes 8 or 16 bits', callerLocation());
  return item({ kind: 'movsx', width: rw(dst), dst: rn(dst), src: rn(src), bits });
};
/** `dst = le16/32/64(dst)` — to little endian. */
export const le = (dst: Reg, bits: 16 | 32 | 64): AsmInsn => item({ kind: 'endian', order: 'le', bits, dst: rn(dst) });
/** `dst = be16/32/64(dst)` — to big endian (network order). */
export const be = (dst: Reg, bits: 16 | 32 | 64): AsmInsn => item({ kind: 'endian', order: 'be', bits, dst: rn(dst) });
/** `dst = bswap16/32/64(dst)` (cpu v4). */
export const bswap = (dst: Reg, bits: 16 | 32 | 64): AsmInsn => item({ kind: 'endian', order: 'swap', bits, dst: rn(dst) });

/** `dst = *(uN *)(src + off)` */
export const ldx = (size: Size, dst: Reg, src: Reg, off = 0): AsmInsn =>
  item({ kind: 'ldx', size: checkSize(size), signed: false, dst: rn(dst), src: rn(src), offset: checkOff(off) });
/** `dst = *(sN *)(src + off)` (sign-extending, cpu v4) */
export const ldxs = (size: 1 | 2 | 4, dst: Reg, src: Reg, off = 0): AsmInsn =>
  item({ kind: 'ldx', size: checkSize(size), signed: true, dst: rn(dst), src: rn(src), offset: checkOff(off) });
/** `*(uN *)(dst + off) = imm` */
export const st = (size: Size, dst: Reg, off: number, imm: number): AsmInsn =>
  item({ kind: 'st', size: checkSize(size), dst: rn(dst), offset: checkOff(off), imm: checkInt32(imm, 'immediate') });
/** `*(uN *)(dst + off) = src` */
export const stx = (size: Size, dst: Reg, off: number, src: Reg): AsmInsn =>
  item({ kind: 'stx', size: checkSize(size), dst: rn(dst), src: rn(src), offset: checkOff(off) });

const atomicRmw = (op: AtomicOp) => (size: 4 | 8, dst: Reg, off: number, src: Reg, fetch = false): AsmInsn =>
  item({ kind: 'atomic', size: checkSize(size, [4, 8]), op, fetch: fetch || op === 'xchg' || op === 'cmpxchg', dst: rn(dst), src: rn(src), offset: checkOff(off) });
/** `lock *(uN *)(dst + off) += src`; fetch: src receives the old value. */ export const atomicAdd = atomicRmw('add');
/** `lock *(uN *)(dst + off) |= src` */ export const atomicOr = atomicRmw('or');
/** `lock *(uN *)(dst + off) &= src` */ export const atomicAnd = atomicRmw('and');
/** `lock *(uN *)(dst + off) ^= src` */ export const atomicXor = atomicRmw('xor');
/** `src = xchg(dst + off, src)` */ export const xchg = (size: 4 | 8, dst: Reg, off: number, src: Reg): AsmInsn => atomicRmw('xchg')(size, dst, off, src, true);
/** `r0 = cmpxchg(dst + off, r0, src)` */ export const cmpxchg = (size: 4 | 8, dst: Reg, off: number, src: Reg): AsmInsn => atomicRmw('cmpxchg')(size, dst, off, src, true);
/** `dst = load_acquire((uN *)(src + off))` */
export const loadAcquire = (size: Size, dst: Reg, src: Reg, off = 0): AsmInsn =>
  item({ kind: 'atomic', size, op: 'loadAcquire', fetch: false, dst: rn(dst), src: rn(src), offset: checkOff(off) });
/** `store_release((uN *)(dst + off), src)` */
export const storeRelease = (size: Size, dst: Reg, off: number, src: Reg): AsmInsn =>
  item({ kind: 'atomic', size, op: 'storeRelease', fetch: false, dst: rn(dst), src: rn(src), offset: checkOff(off) });

/** `dst = imm64 ll` */
export const lddw = (dst: Reg64, value: bigint | number): AsmInsn => {
  const v = integer(value);
  if (v < -(1n << 63n) || v >= 1n << 64n) throw new DslError(`${v} does not fit in 64 bits`, callerLocation());
  return item({ kind: 'ldImm64', dst: rn(dst), pseudo: 0, ...splitImm64(v) });
};
/** `dst = map ll` — the map (by its name in the object) the loader replaces with its fd. */
export const ldMap = (dst: Reg64, map: string): AsmInsn =>
  item({ kind: 'ldImm64', dst: rn(dst), pseudo: 0, imm: 0, nextImm: 0 }, { ref: { kind: 'map', map } });
/** `dst = &section[offset]` — a global variable's address (or an offset into its data section). */
export const ldGlobal = (dst: Reg64, section: string, offset: number, variable?: string): AsmInsn =>
  item({ kind: 'ldImm64', dst: rn(dst), pseudo: 0, imm: 0, nextImm: 0 },
    { ref: { kind: 'global', section, offset, ...(variable === undefined ? {} : { variable }) } });
/** `dst = fn ll` — a function's address, for callbacks (bpf_loop, bpf_for_each_map_elem, timers). */
export const ldFunc = (dst: Reg64, fn: string): AsmInsn =>
  item({ kind: 'ldImm64', dst: rn(dst), pseudo: 0, imm: 0, nextImm: 0 }, { ref: { kind: 'func', function: fn } });

/** A jump target: a label name or a slot offset (anything else is the user's mistake). */
function checkTarget(target: Target): Target {
  if (typeof target !== 'string' && typeof target !== 'number') throw new DslError(`jump target ${quoted(target)} is not a label name or an offset`, callerLocation());
  return target;
}
function jumpTo(insn: Instruction, target: Target): AsmInsn {
  checkTarget(target);
  return typeof target === 'number' ? item({ ...insn, offset: checkOff(target) } as Instruction) : item(insn, { target });
}
/** `goto target` */
export const ja = (target: Target): AsmInsn => jumpTo({ kind: 'ja', offset: 0 }, target);
/** `gotol target` (32-bit offset, cpu v4) */
export const gotol = (target: Target): AsmInsn => {
  checkTarget(target);
  return typeof target === 'number' ? item({ kind: 'gotol', imm: checkInt32(target, 'offset') }) : item({ kind: 'gotol', imm: 0 }, { target });
};
/** `may_goto target` */
export const mayGoto = (target: Target): AsmInsn => jumpTo({ kind: 'mayGoto', offset: 0 }, target);
/** The conditional jump builder of a JumpOp. */
export const jmpOp = (op: JumpOp) => (dst: Reg, src: Src, target: Target): AsmInsn =>
  jumpTo({ kind: 'jump', width: rw(dst), op, dst: rn(dst), src: operand(src), offset: 0 }, target);
/** `if dst == src goto target` */ export const jeq = jmpOp('jeq');
/** `if dst != src goto target` */ export const jne = jmpOp('jne');
/** `if dst > src goto target` (unsigned) */ export const jgt = jmpOp('jgt');
/** `if dst >= src goto target` (unsigned) */ export const jge = jmpOp('jge');
/** `if dst < src goto target` (unsigned) */ export const jlt = jmpOp('jlt');
/** `if dst <= src goto target` (unsigned) */ export const jle = jmpOp('jle');
/** `if dst s> src goto target` */ export const jsgt = jmpOp('jsgt');
/** `if dst s>= src goto target` */ export const jsge = jmpOp('jsge');
/** `if dst s< src goto target` */ export const jslt = jmpOp('jslt');
/** `if dst s<= src goto target` */ export const jsle = jmpOp('jsle');
/** `if dst & src goto target` */ export const jset = jmpOp('jset');

/** `call helper` — by name (`'map_lookup_elem'`) or id. */
export const call = (helper: HelperName | number): AsmInsn => {
  const id = typeof helper === 'number' ? helper : HELPERS[helper]?.id;
  if (id === undefined) throw new DslError(`unknown helper '${String(helper)}'`, callerLocation());
  return item({ kind: 'call', callee: 'helper', imm: checkInt32(id, 'helper id'), offset: 0 });
};
/** `call fn` — bpf-to-bpf call of a function of the object. */
export const callFunction = (fn: string): AsmInsn =>
  item({ kind: 'call', callee: 'local', imm: -1, offset: 0 }, { ref: { kind: 'call', function: fn } });
/**
 * `call kfunc` by name: as clang-19 emits a call of an `extern … __ksym` function (src_reg 1,
 * imm -1, an R_BPF_64_32 relocation against the extern), which the loader turns into
 * src_reg BPF_PSEUDO_KFUNC_CALL with the kernel's BTF id. The object declares the extern.
 */
export const callKfuncByName = (name: string): AsmInsn =>
  item({ kind: 'call', callee: 'local', imm: -1, offset: 0 }, { ref: { kind: 'kfunc', name } });
/** `dst = extern ll` — a `.kconfig` value's address or a `.ksyms` variable, resolved by the loader. */
export const ldExtern = (dst: Reg64, name: string, section: '.kconfig' | '.ksyms'): AsmInsn =>
  item({ kind: 'ldImm64', dst: rn(dst), pseudo: 0, imm: 0, nextImm: 0 }, { ref: { kind: 'extern', name, section } });
/** `call kfunc` by BTF id (`offset` indexes fd_array, 0 = vmlinux). */
export const callKfunc = (btfId: number, offset = 0): AsmInsn => item({ kind: 'call', callee: 'kfunc', imm: btfId, offset });
/** `exit` */
export const exit = (): AsmInsn => item({ kind: 'exit' });
/** `r0 = *(uN *)skb[imm]` (legacy packet access, socket filters) */
export const ldAbs = (size: 1 | 2 | 4, imm: number): AsmInsn => item({ kind: 'ldAbs', size, imm: checkInt32(imm, 'immediate') });
/** `r0 = *(uN *)skb[src + imm]` */
export const ldInd = (size: 1 | 2 | 4, src: Reg, imm: number): AsmInsn => item({ kind: 'ldInd', size, src: rn(src), imm: checkInt32(imm, 'immediate') });

/** A jump destination. */
export const label = (name: string): AsmLabel => {
  if (typeof name !== 'string') throw new DslError(`label name ${quoted(name)} is not a string`, callerLocation());
  return { kind: 'label', name };
};
/** Any instruction of the tsbpf/isa model, as is (the escape hatch). */
export const raw = (insn: Instruction, ref?: AsmReference): AsmInsn => item(insn, ref === undefined ? {} : { ref });
/** Flattens nested instruction lists (for building programs from helper functions). */
export function seq(...parts: (AsmItem | readonly AsmItem[])[]): AsmItem[] {
  return parts.flat() as AsmItem[];
}
