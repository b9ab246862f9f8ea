// What an expression lowers to: a typed value (a folded constant or a virtual register), or a
// pointer-like thing the language names (a map value, a header, memory of a struct or array, a
// map, the context). lower.ts and lower-*.ts share these.

import type { ArrayType, PathElement } from '../dsl/index.js';
import type { Aggregate } from './layout.js';
import type { KernelComposite } from './kernel-types.js';
import type { IntType } from './int-type.js';
import type { VReg } from './ir.js';
import type { MapDecl } from './module.js';

export type Hdr = 'eth' | 'ipv4' | 'udp' | 'tcp';
export type SockShape = 'common' | 'full' | 'tcp';
export type Val =
  | { readonly k: 'const'; readonly type: IntType; readonly c: bigint; readonly lit?: boolean }
  /** owned: a fresh temporary nobody else names (a local may take it over). */
  | { readonly k: 'reg'; readonly type: IntType; readonly v: VReg; readonly owned: boolean; readonly fits?: number }
  | { readonly k: 'cell'; readonly v: VReg; readonly type: IntType; readonly map: MapDecl }
  | { readonly k: 'hdr'; readonly v: VReg; readonly hdr: Hdr }
  | { readonly k: 'pkt' }
  | { readonly k: 'ctx' }
  | { readonly k: 'map'; readonly map: MapDecl }
  | { readonly k: 'null' }
  /**
   * A socket (lower-socket.ts): a struct bpf_sock_common, bpf_sock ('full') or bpf_tcp_sock ('tcp');
   * `ref`: a lookup's reference, or a pointer derived from one (it dies with skRelease).
   */
  | { readonly k: 'sock'; readonly v: VReg; readonly shape: SockShape; readonly ref: boolean }
  | Kernel
  | KernelArray
  | Mem;

/**
 * A kernel struct reached from the pointer in `base` through `path` (fields; pointer hops and
 * embedded structs alike), not read yet: a read happens at a scalar member (lower-core.ts).
 * `direct`: a BTF pointer the verifier lets the program load through (tp_btf arguments).
 */
export interface Kernel {
  readonly k: 'kernel'; readonly base: VReg; readonly root: KernelComposite; readonly path: readonly PathElement[]; readonly ty: KernelComposite; readonly direct?: true;
  /** A socket's BTF pointer (skcTo…): its members are read in any program type, not only in tracing ones. */
  readonly anyProgram?: true;
}

/** An array member of a kernel struct (`task.comm`), not read yet: an element read, or a copy (lower-kernel-array.ts). */
export interface KernelArray {
  readonly k: 'karr'; readonly base: VReg; readonly root: KernelComposite; readonly path: readonly PathElement[]; readonly arr: ArrayType; readonly direct?: true;
}

/**
 * A struct or array in memory: on the stack (`base` 'fp', `off` from R10), or behind a pointer
 * register (a map value, a ring buffer record, the context) at `off` from it. `nullable`: a
 * pointer a helper returned, not yet checked (lookup, reserve). `align`: what the address base + off
 * is known to be aligned to, when more than its type's alignment (the stack, map values and ring
 * buffer records are 8-aligned), so copies use the widest accesses (memAlign).
 */
export interface Mem {
  readonly k: 'mem'; readonly base: VReg | 'fp'; readonly off: number; readonly ty: Aggregate; readonly nullable?: true; readonly align?: number;
  /** A map value (or a member of one): the map it was looked up in (a timer is initialised with it). */
  readonly map?: MapDecl;
  /** An element of an array of structs at a variable index (lower-struct-elements.ts): the label its out-of-bounds check jumps to, placed once the access is done, and a register already 0 there. */
  readonly skip?: string; readonly zero?: VReg;
}

/** The alignment of a Mem's address: at least its type's (C's rule), more when its origin says so. */
export function memAlign(m: Mem): number { return Math.max(m.ty.align, m.align ?? 1); }

export type Binding = { readonly kind: 'local'; readonly v: VReg; readonly type: IntType } | { readonly kind: 'value'; readonly val: Val };

