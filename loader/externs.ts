// Extern resolution: __kconfig values (the .kconfig map's bytes, laid out as libbpf lays them out)
// and __ksym BTF ids from the running kernel's BTF.

import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { type Btf, type BpfObject, type Extern, MAX_RESOLVE_DEPTH, skipModifiers } from '../elf/index.js';
import { sizeOf } from './btf-values.js';
import { kernelBtf } from './kernel-btf.js';
import { ByteWriter, TsbpfError } from '../isa/index.js';

export class ExternError extends TsbpfError {
  override readonly name = 'ExternError';
}

/** Parses a Kconfig .config: CONFIG_X=value lines (y/m/n, numbers, "strings"). */
export function parseKconfig(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const hit = /^(CONFIG_\w+)=(.*)$/.exec(line.trim());
    if (hit !== null) m.set(hit[1]!, hit[2]!);
    const unset = /^# (CONFIG_\w+) is not set$/.exec(line.trim());
    if (unset !== null) m.set(unset[1]!, 'n');
  }
  return m;
}

let kernelConfig: Map<string, string> | undefined;

/**
 * The running kernel's configuration: /proc/config.gz, else /boot/config-$(uname -r). Read once per
 * process (it is the running kernel's: it does not change under a process), not once per load.
 */
export function readKernelConfig(): Map<string, string> {
  kernelConfig ??= readKernelConfigFiles();
  return kernelConfig;
}

function readKernelConfigFiles(): Map<string, string> {
  try {
    return parseKconfig(gunzipSync(readFileSync('/proc/config.gz')).toString('utf8'));
  } catch { /* fall through */ }
  const boot = `/boot/config-${release()}`;
  try {
    return parseKconfig(readFileSync(boot, 'utf8'));
  } catch {
    throw new ExternError(`the object uses __kconfig externs but neither /proc/config.gz nor ${boot} can be read`);
  }
}

/** KERNEL_VERSION(a, b, c) of a release string ("6.18.44-foo" → 0x61244), patch capped at 255. */
export function kernelVersionCode(rel: string): number {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(rel);
  if (m === null) return 0;
  return (Number(m[1]) << 16) + (Number(m[2]) << 8) + Math.min(255, Number(m[3] ?? 0));
}

export interface KconfigLayout {
  readonly size: number;
  readonly placement: ReadonlyMap<string, { offset: number; size: number }>;
  /** Map value (zeros where nothing is set). */
  readonly data: Uint8Array;
}

function alignOf(btf: Btf, id: number): number {
  for (let i = 0; i < MAX_RESOLVE_DEPTH; i++) {
    const t = btf.type(skipModifiers((i) => btf.type(i), id));
    if (t === undefined) return 1;
    if (t.kind === 'VAR' || t.kind === 'ARRAY') { id = t.type; continue; }
    if (t.kind === 'INT' || t.kind === 'ENUM' || t.kind === 'ENUM64' || t.kind === 'FLOAT') return Math.min(t.size, 8);
    if (t.kind === 'PTR') return 8;
    return 1;
  }
  return 1;
}

type ValueKind = 'bool' | 'tristate' | 'char-array' | 'int';

function valueKind(btf: Btf, id: number): { kind: ValueKind; size: number; signed: boolean } {
  for (let i = 0; i < MAX_RESOLVE_DEPTH; i++) {
    id = skipModifiers((i) => btf.type(i), id);
    const t = btf.type(id);
    if (t === undefined) break;
    if (t.kind === 'VAR') { id = t.type; continue; }
    if (t.kind === 'INT') return { kind: (t.encoding & 4) !== 0 ? 'bool' : 'int', size: t.size, signed: (t.encoding & 1) !== 0 };
    if (t.kind === 'ENUM' && t.name === 'libbpf_tristate') return { kind: 'tristate', size: t.size, signed: false };
    if (t.kind === 'ENUM') return { kind: 'int', size: t.size, signed: t.signed };
    if (t.kind === 'ARRAY') return { kind: 'char-array', size: sizeOf(btf, id), signed: false };
    break;
  }
  throw new ExternError(`kconfig extern of type ${id}: only integers, bools, tristates and char arrays are supported`);
}

/** Lays out and fills the .kconfig map for the object's kconfig externs. */
/** Where libbpf lays out the `.kconfig` externs (no values): offsets by name and the section's size. */
export function kconfigPlacement(object: BpfObject): Omit<KconfigLayout, 'data'> | undefined {
  return kconfigInfo(object)?.layout;
}

function kconfigInfo(object: BpfObject): { layout: Omit<KconfigLayout, 'data'>; info: { e: Extern; size: number; align: number }[]; btf: Btf } | undefined {
  const btf = object.btf;
  const exts = object.externs.filter((e) => e.kind === 'kconfig');
  if (exts.length === 0 || btf === undefined) return undefined;
  const info = exts.map((e) => {
    if (e.btfType === undefined) throw new ExternError(`kconfig extern ${e.name} has no BTF`);
    const v = btf.type(e.btfType);
    const typeId = v?.kind === 'VAR' ? v.type : e.btfType;
    return { e, size: sizeOf(btf, typeId), align: alignOf(btf, typeId) };
  });
  // libbpf's order: larger alignment first, then smaller size, then name.
  info.sort((a, b) => b.align - a.align || a.size - b.size || (a.e.name < b.e.name ? -1 : a.e.name > b.e.name ? 1 : 0));
  const placement = new Map<string, { offset: number; size: number }>();
  let off = 0;
  for (const x of info) {
    off = Math.ceil(off / x.align) * x.align;
    placement.set(x.e.name, { offset: off, size: x.size });
    off += x.size;
  }
  return { layout: { size: off, placement }, info, btf };
}

export function resolveKconfig(object: BpfObject, config?: () => Map<string, string>): KconfigLayout | undefined {
  const k = kconfigInfo(object);
  if (k === undefined) return undefined;
  const { info, btf } = k;
  const { placement, size: off } = k.layout;
  const data = new Uint8Array(off);
  const view = ByteWriter.over(data);
  let cfg: Map<string, string> | undefined;
  for (const x of info) {
    const { offset } = placement.get(x.e.name)!;
    const vk = valueKind(btf, x.e.btfType!);
    let raw: string | undefined;
    if (x.e.name === 'LINUX_KERNEL_VERSION') raw = String(kernelVersionCode(release()));
    else if (x.e.name === 'LINUX_HAS_BPF_COOKIE' || x.e.name === 'LINUX_HAS_SYSCALL_WRAPPER') raw = 'y';
    else if (x.e.name.startsWith('CONFIG_')) {
      cfg ??= (config ?? readKernelConfig)();
      raw = cfg.get(x.e.name);
    } else throw new ExternError(`unknown kconfig extern ${x.e.name}`);
    if (raw === undefined) {
      if (x.e.binding === 'weak') continue;
      throw new ExternError(`kconfig extern ${x.e.name} is not set in the kernel configuration (declare it __weak to default to 0)`);
    }
    writeKconfig(view, offset, x.e, vk, raw, data);
  }
  return { size: off, placement, data };
}

function writeKconfig(view: ByteWriter, offset: number, e: Extern, vk: { kind: ValueKind; size: number }, raw: string, data: Uint8Array): void {
  const tri = raw === 'y' ? 1 : raw === 'n' ? 0 : raw === 'm' ? 2 : undefined;
  if (vk.kind === 'bool') {
    if (tri === undefined || tri === 2) throw new ExternError(`kconfig extern ${e.name}: value '${raw}' for a bool`);
    view.setU8(offset, tri);
    return;
  }
  if (vk.kind === 'tristate') {
    if (tri === undefined) throw new ExternError(`kconfig extern ${e.name}: value '${raw}' for a tristate`);
    view.setU32(offset, tri);
    return;
  }
  if (vk.kind === 'char-array') {
    const m = /^"(.*)"$/.exec(raw);
    if (m === null) throw new ExternError(`kconfig extern ${e.name}: value '${raw}' for a string`);
    const b = Buffer.from(m[1]!, 'utf8').subarray(0, vk.size - 1);
    data.set(b, offset);
    return;
  }
  let n: bigint;
  if (tri !== undefined) n = BigInt(tri);
  else {
    try {
      n = BigInt(raw);
    } catch {
      throw new ExternError(`kconfig extern ${e.name}: value '${raw}' for an integer`);
    }
  }
  for (let i = 0; i < vk.size; i++) view.setU8(offset + i, Number((BigInt.asUintN(64, n) >> BigInt(8 * i)) & 0xffn));
}

/** BTF id of a kernel function (kfunc) or variable (ksym) in vmlinux BTF. */
export function resolveKsym(name: string, kind: 'kfunc' | 'ksym', btfPath?: string): number {
  const btf = kernelBtf(btfPath);
  const id = btf.findOne(name, kind === 'kfunc' ? 'FUNC' : 'VAR');
  if (id === undefined) throw new ExternError(`${kind === 'kfunc' ? 'kernel function' : 'kernel symbol'} ${name} is not in the kernel's BTF`);
  return id;
}

/**
 * The kfunc resolver relocation uses for one object: each kfunc's vmlinux BTF id, looked up once;
 * a `__weak` kfunc the kernel lacks resolves to undefined (libbpf writes 0 for it), any other
 * missing one is an ExternError.
 */
export function kfuncResolver(object: BpfObject, btfPath?: string): (name: string) => number | undefined {
  const ids = new Map<string, number | undefined>();
  return (name) => {
    if (ids.has(name)) return ids.get(name);
    let id: number | undefined;
    try {
      id = resolveKsym(name, 'kfunc', btfPath);
    } catch (e) {
      if (!(e instanceof ExternError) || object.externs.find((x) => x.name === name)?.binding !== 'weak') throw e;
    }
    ids.set(name, id);
    return id;
  };
}
