// The running kernel's BTF (/sys/kernel/btf/vmlinux), decoded once on first use. The loader reads
// enum values (program, attach and map types) and BTF ids (attach targets, kfuncs, ksyms) from it,
// so these numbers always agree with the kernel in use.

import { type Btf, decodeBtf } from '../elf/index.js';
import { readKernelBtfBytes } from './kernel-btf-bytes.js';
import { TsbpfError } from '../isa/index.js';

export const VMLINUX_BTF = '/sys/kernel/btf/vmlinux';

export class KernelBtfError extends TsbpfError {
  override readonly name = 'KernelBtfError';
}

let cached: { path: string; btf: Btf } | undefined;

export function kernelBtf(path = VMLINUX_BTF): Btf {
  if (cached?.path === path) return cached.btf;
  let bytes: Uint8Array;
  try {
    bytes = readKernelBtfBytes(path).bytes;
  } catch (e) {
    throw new KernelBtfError(`cannot read kernel BTF ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  // The structural check suffices for the kernel's own files: it validated them at boot (libbpf trusts
  // them too); a file the user names gets the full check.
  const btf = decodeBtf(bytes, { validation: path.startsWith('/sys/kernel/btf/') ? 'structure' : 'full' });
  btf.buildNameIndex();
  cached = { path, btf };
  return btf;
}

/** Shares a BTF already decoded from `path` (the CO-RE target's vmlinux) instead of decoding it again. */
export function seedKernelBtf(path: string, btf: Btf): void {
  if (cached === undefined) cached = { path, btf };
}

const enumCache = new Map<string, Map<string, number>>();

/** Values of a kernel enum by enumerator name (e.g. bpf_prog_type → BPF_PROG_TYPE_XDP → 6). */
export function kernelEnum(enumName: string): Map<string, number> {
  const hit = enumCache.get(enumName);
  if (hit !== undefined) return hit;
  const btf = kernelBtf();
  const id = btf.findOne(enumName, 'ENUM');
  const t = id === undefined ? undefined : btf.type(id);
  if (t?.kind !== 'ENUM') throw new KernelBtfError(`kernel BTF has no enum ${enumName}`);
  const m = new Map(t.values.map((v) => [v.name, v.value]));
  enumCache.set(enumName, m);
  return m;
}

/** BPF_PROG_TYPE_* number for a bpftool-style name ('sched_cls'). */
export function progTypeNumber(name: string): number {
  const v = kernelEnum('bpf_prog_type').get(`BPF_PROG_TYPE_${name.toUpperCase()}`);
  if (v === undefined) throw new KernelBtfError(`this kernel has no program type ${name}`);
  return v;
}

/** BPF_* attach type number for a name such as 'cgroup_inet_ingress' or 'trace_fentry'. */
export function attachTypeNumber(name: string): number {
  const v = kernelEnum('bpf_attach_type').get(`BPF_${name.toUpperCase()}`);
  if (v === undefined) throw new KernelBtfError(`this kernel has no attach type ${name}`);
  return v;
}

