// Typed registers: R0–R10 as 64-bit operands and W0–W10 as their 32-bit views (ALU32/JMP32).

import type { Register } from '../../../isa/index.js';
import { DslError } from '../errors.js';
import { callerLocation } from '../line-info.js';
import { quoted } from '../quote.js';

export interface Reg64 { readonly kind: 'reg'; readonly n: Register; readonly width: 64 }
export interface Reg32 { readonly kind: 'reg'; readonly n: Register; readonly width: 32 }
export type Reg = Reg64 | Reg32;

const r64 = (n: Register): Reg64 => Object.freeze({ kind: 'reg', n, width: 64 });
const r32 = (n: Register): Reg32 => Object.freeze({ kind: 'reg', n, width: 32 });

export const R0 = r64(0), R1 = r64(1), R2 = r64(2), R3 = r64(3), R4 = r64(4), R5 = r64(5);
export const R6 = r64(6), R7 = r64(7), R8 = r64(8), R9 = r64(9), R10 = r64(10);
export const W0 = r32(0), W1 = r32(1), W2 = r32(2), W3 = r32(3), W4 = r32(4), W5 = r32(5);
export const W6 = r32(6), W7 = r32(7), W8 = r32(8), W9 = r32(9), W10 = r32(10);
/** The frame pointer (read only). */
export const FP = R10;

const REGS64 = [R0, R1, R2, R3, R4, R5, R6, R7, R8, R9, R10] as const;
const REGS32 = [W0, W1, W2, W3, W4, W5, W6, W7, W8, W9, W10] as const;

export function reg64(n: Register): Reg64 { return REGS64[n]; }
export function reg32(n: Register): Reg32 { return REGS32[n]; }
/** The 32-bit view of a register. */
export function w(r: Reg): Reg32 { return REGS32[r.n]; }
/** The 64-bit register of a view. */
export function x(r: Reg): Reg64 { return REGS64[r.n]; }
export function isReg(v: unknown): v is Reg {
  return typeof v === 'object' && v !== null && (v as Reg).kind === 'reg' && typeof (v as Reg).n === 'number';
}

/** `r`, checked: a value cast past the types is a DslError at the user's line, not a TypeError. */
export function checkReg(r: Reg): Reg {
  if (!isReg(r) || !Number.isInteger(r.n) || r.n < 0 || r.n > 10 || (r.width !== 32 && r.width !== 64)) {
    const what = r !== null && typeof r === 'object' ? 'an object' : typeof r === 'string' ? `'${quoted(r)}'` : quoted(String(r));
    throw new DslError(`${what} is not a register (R0–R10 or W0–W10)`, callerLocation());
  }
  return r;
}
