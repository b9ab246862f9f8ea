// What the structural stage needs to know about the loader and the running
// kernel, with defaults that describe a privileged loader such as bpftool
// loading an object that has no maps and no BTF.

import type { Btf } from '../elf/index.js';

/** What a file descriptor number refers to in the loading process. */
export type FdKind = 'map' | 'btf' | 'other' | 'closed';

/**
 * The loading environment. The model assumes a load without BTF (no
 * func_info or line_info), as bpftool does for an object without a .BTF
 * section; loads with BTF function info check subprograms differently.
 */
export interface LoadEnvironment {
  /**
   * Classifies fds named by ld_imm64 map references and module BTF fds.
   * Default: 0, 1 and 2 are open non-map files, every other fd is closed.
   */
  readonly fdKind?: (fd: number) => FdKind;
  /**
   * The BTF kind number (tsbpf/elf BTF_KIND) of a type id of the running kernel's vmlinux BTF, or
   * undefined when there is no such id. Without it, kfunc ids and ld_imm64
   * BTF ids are assumed valid (and the assumption is reported).
   */
  readonly kernelBtfKind?: (id: number) => number | undefined;
  /** Whether the load passes fd_array (libbpf 1.1 and bpftool 7.1 do not). */
  readonly fdArray?: boolean;
  /** Whether the program has an arena map (needed by addr_space_cast). */
  readonly arena?: boolean;
  /**
   * False where the target kernel refuses helper number `id` to programs of `progType` although
   * tsbpf's table of Linux 6.18 offers it (true or undefined: the table and the privilege profile
   * decide). Kernel builds and security policies differ: one build seen here refuses
   * bpf_xdp_adjust_meta to XDP.
   */
  readonly helperAvailable?: (progType: string, id: number) => boolean | undefined;
}

export interface StructureOptions {
  /**
   * Program type, as the kernel names it without BPF_PROG_TYPE_ (lower case,
   * e.g. 'socket_filter', 'sched_cls', 'xdp') or bpftool's 'socket'.
   * Default 'socket_filter'.
   */
  readonly progType?: string;
  /**
   * Whether the loader is bpf_capable (CAP_BPF or CAP_SYS_ADMIN); default true. Without it
   * (an ordinary user, with kernel.unprivileged_bpf_disabled 0) only socket filters and
   * cgroup skb programs of at most 4096 slots load, with no calls, kfuncs or loops, and the
   * walk has the CAP_BPF-only checks and more (verifier/model/env.ts `unprivileged`).
   */
  readonly privileged?: boolean;
  readonly environment?: LoadEnvironment;
  /**
   * The load's BTF func_info, one entry per subprogram in slot order (main first): with it the
   * kernel lets subprograms use LD_ABS and tail calls, and verifies global functions on their own.
   */
  readonly functions?: readonly FunctionInfo[];
  /** expected_attach_type of the load (default 0). */
  readonly expectedAttachType?: number;
  /** attach_btf_id of the load (default none). */
  readonly attachBtfId?: number;
  /** BPF_F_SLEEPABLE (default false). */
  readonly sleepable?: boolean;
}

/** A subprogram as the load's BTF func_info describes it. */
export interface FunctionInfo {
  /** First slot. */
  readonly start: number;
  readonly name: string;
  /** BTF_FUNC_GLOBAL linkage: verified separately, against its BTF prototype. */
  readonly global: boolean;
  /** The BTF prototype returns an integer or enum (default true): only such subprograms may use LD_ABS or tail calls. */
  readonly scalarReturn?: boolean;
  /** The FUNC in the load's BTF (func_info's type id): a global function is checked against its prototype. */
  readonly prototype?: { readonly btf: Btf; readonly typeId: number };
}

export interface ResolvedOptions {
  readonly progType: string;
  readonly privileged: boolean;
  readonly fdKind: (fd: number) => FdKind;
  readonly kernelBtfKind: ((id: number) => number | undefined) | undefined;
  readonly fdArray: boolean;
  readonly arena: boolean;
}

const progTypeAliases: Readonly<Record<string, string>> = {
  socket: 'socket_filter',
  tc: 'sched_cls',
  classifier: 'sched_cls',
  action: 'sched_act',
};

const defaultFdKind = (fd: number): FdKind => (fd >= 0 && fd <= 2 ? 'other' : 'closed');

/** Program type names as given, normalised (every verification resolves its options; the corpus has a few dozen names). */
const progTypeNames = new Map<string, string>();

function progTypeName(given: string): string {
  let name = progTypeNames.get(given);
  if (name === undefined) {
    const raw = given.toLowerCase().replace(/^bpf_prog_type_/, '');
    name = progTypeAliases[raw] ?? raw;
    progTypeNames.set(given, name);
  }
  return name;
}

export function resolveOptions(options: StructureOptions | undefined): ResolvedOptions {
  const env = options?.environment;
  return {
    progType: progTypeName(options?.progType ?? 'socket_filter'),
    privileged: options?.privileged ?? true,
    fdKind: env?.fdKind ?? defaultFdKind,
    kernelBtfKind: env?.kernelBtfKind,
    fdArray: env?.fdArray ?? false,
    arena: env?.arena ?? false,
  };
}
