// Global variables in .data, .rodata and .bss: typed, with an initial value, readable and
// writable from programs (their address goes in a register through ld_imm64, relocated).

import type { GlobalRef } from './program/refs.js';
import type { CType, ValueOf } from './types/index.js';

export type GlobalSection = 'data' | 'rodata' | 'bss';

/** A global variable of any type, as defineObject takes them. */
export interface GlobalDecl extends GlobalRef {
  readonly section: GlobalSection;
  readonly type: CType;
  readonly init?: unknown;
}

export class GlobalDef<T extends CType = CType> implements GlobalDecl {
  readonly dslKind = 'global' as const;
  constructor(readonly section: GlobalSection, readonly type: T, readonly init?: ValueOf<T>) {}
  get size(): number { return this.type.size; }
}

/** A variable in .data (initialised) or .bss (no initial value: zero). */
export function globalVar<T extends CType>(type: T, init?: ValueOf<T>): GlobalDef<T> {
  return init === undefined ? new GlobalDef('bss', type) : new GlobalDef('data', type, init);
}
/** A read-only variable in .rodata (`const volatile`: the loader may set it before load). */
export function constVar<T extends CType>(type: T, init: ValueOf<T>): GlobalDef<T> {
  return new GlobalDef('rodata', type, init);
}
