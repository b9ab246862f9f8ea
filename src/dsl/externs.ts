// Extern declarations, resolved by the loader (libbpf or tsbpf's) from the running kernel:
// `.kconfig` values (LINUX_KERNEL_VERSION, CONFIG_*), typed `.ksyms` kernel variables and kfuncs
// called by name. They are emitted as clang-19 emits `extern … __kconfig;`, `extern … __ksym;`:
// undefined ELF symbols, BTF VAR/FUNC records with extern linkage in the `.kconfig`/`.ksyms`
// DATASECs, and relocations against the symbols (R_BPF_64_64 on an ld_imm64, R_BPF_64_32 on a
// call). An object includes the externs its programs use.

import { DslError } from './errors.js';
import { callerLocation } from './line-info.js';
import { type CType, enumType, resolve, void_ } from './types/index.js';

/** A `.kconfig` value or a typed `.ksyms` kernel variable: `b.set(reg, ref)` puts its address in a register. */
export interface ExternRef {
  readonly dslKind: 'extern';
  readonly name: string;
  readonly section: '.kconfig' | '.ksyms';
  readonly type: CType;
  /** `__weak`: the loader uses 0 (kconfig) or fails softly when the kernel lacks it. */
  readonly weak: boolean;
}

/** A kernel function called by name (`b.callKfunc(k, …)`), its BTF id found by the loader. */
export interface KfuncRef {
  readonly dslKind: 'kfunc';
  readonly name: string;
  readonly params: readonly CType[];
  readonly returns: CType;
  readonly weak: boolean;
}

export interface ExternOptions {
  /** `__weak`: allowed to be missing from the kernel. */
  readonly weak?: boolean;
}

/** libbpf's `enum libbpf_tristate`: the type of a tristate CONFIG_* (n/y/m). */
export const tristate = enumType('libbpf_tristate', { TRI_NO: 0, TRI_YES: 1, TRI_MODULE: 2 });

/**
 * `extern TYPE NAME __kconfig;`: LINUX_KERNEL_VERSION (u32), LINUX_HAS_SYSCALL_WRAPPER (bool) or
 * a CONFIG_* option: bool or char for y/n, `tristate` for y/n/m, an integer type for numbers,
 * `array(char, N)` for strings. Read it with `b.loadExtern(dst, ref)` (scalars) or `b.set(reg, ref)`.
 */
export function kconfig<T extends CType>(name: string, type: T, options: ExternOptions = {}): ExternRef & { readonly type: T } {
  if (resolve(type).size === 0) throw new DslError(`kconfig ${name}: a type with a size is needed`, callerLocation());
  return { dslKind: 'extern', name, section: '.kconfig', type, weak: options.weak === true };
}

/**
 * `extern TYPE NAME __ksym;`: a kernel variable with its BTF type (e.g. `init_task` as a
 * `task_struct`, or a per-CPU variable for bpf_per_cpu_ptr). `b.set(reg, ref)` gives the loader
 * its BTF id, and the verifier a typed pointer to it.
 */
export function ksym<T extends CType>(name: string, type: T, options: ExternOptions = {}): ExternRef & { readonly type: T } {
  return { dslKind: 'extern', name, section: '.ksyms', type, weak: options.weak === true };
}

/** `extern RET NAME(PARAMS…) __ksym;`: a kfunc (e.g. bpf_task_acquire, bpf_rcu_read_lock). */
export function kfunc(name: string, signature: { readonly params?: readonly CType[]; readonly returns?: CType } = {}, options: ExternOptions = {}): KfuncRef {
  const params = signature.params ?? [];
  if (params.length > 5) throw new DslError(`kfunc ${name}: at most 5 parameters`, callerLocation());
  return { dslKind: 'kfunc', name, params, returns: signature.returns ?? void_, weak: options.weak === true };
}

export function isExternRef(v: unknown): v is ExternRef {
  return typeof v === 'object' && v !== null && (v as ExternRef).dslKind === 'extern';
}
export function isKfuncRef(v: unknown): v is KfuncRef {
  return typeof v === 'object' && v !== null && (v as KfuncRef).dslKind === 'kfunc';
}
