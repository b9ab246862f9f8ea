// What programs refer to, seen from the structured layer: maps, global variables, functions of
// the object and stack slots. The object (object.ts) owns the names; BuildContext resolves them.

import type { ExternRef, KfuncRef } from '../externs.js';
import type { Reg } from '../asm/registers.js';
import type { BtfBuilder } from '../types/index.js';

export interface MapRef { readonly dslKind: 'map' }
export interface GlobalRef { readonly dslKind: 'global'; readonly size: number }
export interface FunctionRef { readonly dslKind: 'function'; readonly name: string }

/** A named slot of the program's stack frame, at `offset` from R10 (negative). */
export interface StackSlot {
  readonly dslKind: 'stack';
  readonly name: string;
  readonly offset: number;
  readonly size: number;
}

/** A pointer argument: a register holding one, a stack slot, a global variable, a function. */
export type PtrArg = Reg | StackSlot | GlobalRef | ExternRef;
/** A scalar argument: a register or a constant. */
export type ScalarArg = Reg | number | bigint;

/** Resolution of object-level names while a program body is built. */
export interface BuildContext {
  /** The object's BTF: CO-RE relocations name local types and access strings in it. */
  readonly btf: BtfBuilder;
  mapName(map: MapRef): string;
  global(ref: GlobalRef): { readonly section: string; readonly variable: string; readonly offset: number };
  functionName(fn: FunctionRef): string;
  /** Places a NUL-terminated string in .rodata (deduplicated); returns its offset there. */
  rodataString(text: string): { readonly section: string; readonly offset: number; readonly size: number };
  /** Declares an extern (kconfig, ksym, kfunc) in the object; returns its symbol name. */
  extern(ref: ExternRef | KfuncRef): string;
}

export function isStackSlot(v: unknown): v is StackSlot {
  return typeof v === 'object' && v !== null && (v as StackSlot).dslKind === 'stack';
}
export function isGlobalRef(v: unknown): v is GlobalRef {
  return typeof v === 'object' && v !== null && (v as GlobalRef).dslKind === 'global';
}
export function isMapRef(v: unknown): v is MapRef {
  return typeof v === 'object' && v !== null && (v as MapRef).dslKind === 'map';
}
export function isFunctionRef(v: unknown): v is FunctionRef {
  return typeof v === 'object' && v !== null && (v as FunctionRef).dslKind === 'function';
}
