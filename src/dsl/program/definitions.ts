// Entry programs (a section name libbpf understands + a body) and bpf-to-bpf functions.

import type { ProgramBuilder } from './builder.js';
import type { CType } from '../types/index.js';
import type { FunctionRef } from './refs.js';

/** A function's BTF prototype, when its arguments are not plain u64s returning int. */
export interface FunctionSignature {
  readonly params: readonly { readonly name: string; readonly type: CType }[];
  readonly returns: CType;
}

export type Body = (b: ProgramBuilder) => void;

export interface ProgramDef<S extends string = string> {
  readonly dslKind: 'program';
  /** ELF section: the program type and attach point as libbpf reads them (`tracepoint/syscalls/sys_enter_execve`, `xdp`, `socket` …). */
  readonly section: S;
  readonly body: Body;
}

/** An entry program for `section` (kept as a literal type, so struct_ops members can require `struct_ops/…`). */
export function program<S extends string>(section: S, body: Body): ProgramDef<S> {
  return { dslKind: 'program', section, body };
}

export class FunctionDef implements FunctionRef {
  readonly dslKind = 'function' as const;
  constructor(
    readonly name: string,
    /** static: verified in the caller's context; global: verified once on its own (BTF-typed). */
    readonly linkage: 'static' | 'global',
    /** Number of (u64) arguments, 0–5. */
    readonly params: number,
    readonly body: Body,
    /** Its BTF prototype (default: `params` u64 arguments, an int result). */
    readonly signature?: FunctionSignature,
  ) {}
}

/** A bpf-to-bpf function in .text, callable with b.callFunction(fn, …) or as a callback. */
export function fn(name: string, opts: { params?: number; linkage?: 'static' | 'global'; signature?: FunctionSignature }, body: Body): FunctionDef {
  return new FunctionDef(name, opts.linkage ?? 'static', opts.signature?.params.length ?? opts.params ?? 0, body, opts.signature);
}
