// TypeScript signatures of the helpers, derived from the generated table: a call with the wrong
// number or kind of arguments fails at tsc.

import type { Reg64 } from '../asm/registers.js';
import type { FunctionRef, MapRef, PtrArg, ScalarArg } from '../program/refs.js';
import type { HELPERS } from './table.js';

export type HelperName = keyof typeof HELPERS;
export type HelperArgKind = 'map' | 'ptr' | 'scalar' | 'func';

/** The TypeScript type each argument kind accepts. */
export interface HelperArgTypes {
  map: MapRef;
  ptr: PtrArg;
  scalar: ScalarArg;
  func: FunctionRef;
}

type KindsOf<N extends HelperName> = (typeof HELPERS)[N]['args'];
type Mapped<K extends readonly HelperArgKind[]> = { -readonly [I in keyof K]: HelperArgTypes[K[I]] };
type Rest<K extends readonly unknown[]> =
  K['length'] extends 0 ? [ScalarArg?, ScalarArg?, ScalarArg?, ScalarArg?, ScalarArg?]
    : K['length'] extends 1 ? [ScalarArg?, ScalarArg?, ScalarArg?, ScalarArg?]
      : K['length'] extends 2 ? [ScalarArg?, ScalarArg?, ScalarArg?]
        : K['length'] extends 3 ? [ScalarArg?, ScalarArg?] : K['length'] extends 4 ? [ScalarArg?] : [];

/** Arguments of helper N, in order; variadic helpers take extra scalars up to five in all. */
export type HelperArgs<N extends HelperName> = (typeof HELPERS)[N] extends { readonly variadic: true }
  ? [...Mapped<KindsOf<N>>, ...Rest<KindsOf<N>>]
  : Mapped<KindsOf<N>>;

/** `b.helpers.bpf_map_lookup_elem(map, key)` … — every helper by its C name; each returns R0. */
export type HelperFunctions = { [N in HelperName as `bpf_${N}`]: (...args: HelperArgs<N>) => Reg64 };
