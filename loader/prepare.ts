// An object's programs as the loader would hand them to BPF_PROG_LOAD, with no system call: CO-RE
// relocated against a BTF file, subprograms linked, and every map, data section and .kconfig named
// by a stand-in fd, described so that a model of the verifier can stand in for the kernel.

import { type BpfObject, type Btf, readElf, readObject } from '../elf/index.js';
import { type CoreTarget, loadKernelCoreTarget, relocateObjectCore } from './core/index.js';
import { type AttachTarget, attachTargets } from './attach-target.js';
import { btfKernelRefusal } from './btf-kernel-refusal.js';
import { hiddenSubprograms } from './hidden-linkage.js';
import { kconfigPlacement, kfuncResolver, resolveKconfig, resolveKsym } from './externs.js';
import { internalMapName } from './internal-map-name.js';
import { type LinkedProgram, linkProgram, sectionStarts } from './link-subprograms.js';
import { MapType } from './map-types.js';
import { type MapKptrField, mapValueFields } from './map-value-fields.js';
import type { MapSpec } from './maps.js';
import { type RelocationTargets, relocateProgram } from './relocate.js';

/** A map as the program sees it (what BPF_MAP_CREATE would be given). */
export interface PreparedMap extends Pick<MapSpec, 'name' | 'type' | 'keySize' | 'valueSize' | 'maxEntries'> {
  readonly flags: number;
  /** Contents of a frozen read-only data section (.rodata), which the verifier may read. */
  readonly frozenValue?: Uint8Array;
  /** The map is created with BTF for its value: the value's special fields are known. */
  readonly valueFieldsKnown?: boolean;
  readonly spinLockOff?: number;
  readonly timerOff?: number;
  readonly kptrs?: readonly MapKptrField[];
  /** Special fields besides the lock and timer (kptrs, graph roots …), by kind. */
  readonly otherFields?: readonly string[];
  /** A map of maps: the inner map template the loader creates it with (without BTF). */
  readonly inner?: Omit<PreparedMap, 'name' | 'inner'>;
}

export interface PreparedProgram {
  readonly name: string;
  readonly section: string;
  /** Program type as bpftool names it ('socket_filter', 'xdp', …); undefined for an unknown section. */
  readonly type: string | undefined;
  readonly attachType: string | undefined;
  /** The BTF attach target the loader would give BPF_PROG_LOAD (tracing, LSM and struct_ops programs). */
  readonly attachTarget?: AttachTarget;
  readonly sleepable: boolean;
  readonly license: string;
  readonly insns: Uint8Array;
  /** The stand-in fds the instructions carry, and their maps. */
  readonly maps: ReadonlyMap<number, PreparedMap>;
  /** BTF func_info/line_info of the linked program (empty without .BTF.ext): the kernel checks subprograms differently with them. */
  readonly funcInfo: LinkedProgram['funcInfo'];
  readonly lineInfo: LinkedProgram['lineInfo'];
  /** The BTF the load passes (func_info's type ids name its FUNCs); undefined when the loader drops it. */
  readonly btf: Btf | undefined;
  /** Hidden global subprograms, whose FUNCs libbpf marks static before loading the BTF. */
  readonly staticFunctions: readonly string[];
  /** The object's BTF string at an offset (a line_info record's file name or line text); '' without BTF. */
  readonly lineSource: (offset: number) => string;
}

/** First stand-in fd: far above what a process has open, so it never names a real file. */
export const STAND_IN_FD = 1_000_000;

const BPF_F_RDONLY_PROG = 0x80;
const BPF_F_MMAPABLE = 0x400;

export interface PrepareOptions {
  /** BTF for CO-RE and kfuncs (default the running kernel's /sys/kernel/btf/vmlinux). */
  readonly btfPath?: string;
  /** Only these entry programs. */
  readonly programs?: readonly string[];
  /** The object's name as loadObject derives it (objectNameOf): global-data maps are named as the kernel will see them ('prog.bss'). */
  readonly objectName?: string;
  /**
   * The target kernel's configuration (readKernelConfig for the running one): the .kconfig map then
   * holds the values loadObject writes into it, frozen, so that a model reads them as the kernel
   * does. Without it the values are unknown to the model.
   */
  readonly kconfig?: () => Map<string, string>;
}

const targets = new Map<string, CoreTarget>();

/** A map definition's shape, with the kernel's defaults for what the object leaves out. */
function shapeOf(d: { readonly type?: number; readonly keySize?: number; readonly valueSize?: number; readonly maxEntries?: number; readonly flags?: number }) {
  return { type: d.type ?? 0, keySize: d.keySize ?? 0, valueSize: d.valueSize ?? 0, maxEntries: d.maxEntries ?? 0, flags: d.flags ?? 0 };
}

/** Prepares the object's entry programs; throws the loader's typed errors on what cannot be prepared. */
export function prepareObjectPrograms(bytes: Uint8Array, options: PrepareOptions = {}): PreparedProgram[] {
  const elf = readElf(bytes);
  let object: BpfObject = readObject(bytes, elf);
  if (object.programs.some((p) => p.instructions.some((i) => i.coreRelocations !== undefined))) {
    const key = options.btfPath ?? '';
    let target = targets.get(key);
    if (target === undefined) {
      target = loadKernelCoreTarget(options.btfPath === undefined ? {} : { btfPath: options.btfPath });
      targets.set(key, target);
    }
    object = relocateObjectCore(object, target).object;
  }
  // BTF the kernel would refuse is dropped by the loader (as libbpf): no func_info, maps without BTF.
  const btf = object.btf !== undefined && btfKernelRefusal(object.btf) === undefined ? object.btf : undefined;
  const starts = sectionStarts(object);
  // The functions the loader marks static in the BTF it loads (markHiddenSubprogramsStatic).
  const staticFunctions = hiddenSubprograms(elf);
  // The .kconfig layout libbpf gives the externs (their values are the kernel's, not needed here).
  const kconfig = kconfigPlacement(object);
  const kconfigValues = options.kconfig === undefined ? undefined : resolveKconfig(object, options.kconfig)?.data;
  const kfuncIds = kfuncResolver(object, options.btfPath);
  const targetsByProgram = attachTargets(object, options.btfPath);
  const kernelName = (section: string): string => (options.objectName === undefined ? section : internalMapName(options.objectName, section));
  const out: PreparedProgram[] = [];
  for (const entry of object.programs) {
    if (entry.subprogram || (options.programs !== undefined && !options.programs.includes(entry.name))) continue;
    const maps = new Map<number, PreparedMap>();
    const fds = new Map<string, number>();
    const fdOf = (key: string, map: PreparedMap): number => {
      let fd = fds.get(key);
      if (fd === undefined) {
        fd = STAND_IN_FD + fds.size;
        fds.set(key, fd);
        maps.set(fd, map);
      }
      return fd;
    };
    const relocation: RelocationTargets = {
      mapFd: (n) => {
        const d = object.maps.find((m) => m.name === n);
        const fields = d?.valueType === undefined || btf === undefined ? {} : { valueFieldsKnown: true, ...mapValueFields(btf, d.valueType) };
        const inner = d?.inner === undefined ? {} : { inner: shapeOf(d.inner) };
        return d === undefined ? undefined : fdOf(n, { name: n, ...shapeOf(d), ...fields, ...inner });
      },
      dataMapFd: (s) => {
        const g = object.globals.find((x) => x.name === s);
        if (g === undefined) return undefined;
        const rodata = g.kind === 'rodata';
        return fdOf(s, { name: kernelName(s), type: MapType.ARRAY, keySize: 4, valueSize: g.size, maxEntries: 1, flags: BPF_F_MMAPABLE | (rodata ? BPF_F_RDONLY_PROG : 0),
          ...(rodata ? { frozenValue: g.data.subarray(0, g.size) } : {}) });
      },
      kconfig: (n) => {
        const k = kconfig?.placement.get(n);
        return k === undefined ? undefined : {
          fd: fdOf('.kconfig', { name: kernelName('.kconfig'), type: MapType.ARRAY, keySize: 4, valueSize: kconfig!.size, maxEntries: 1, flags: BPF_F_MMAPABLE | BPF_F_RDONLY_PROG,
            ...(kconfigValues === undefined ? {} : { frozenValue: kconfigValues }) }),
          offset: k.offset,
        };
      },
      // As the loader does: a __weak kfunc the kernel lacks resolves to 0.
      kfunc: kfuncIds,
      ksym: (n) => resolveKsym(n, 'ksym', options.btfPath),
    };
    const linked = linkProgram(object, entry, starts);
    relocateProgram(linked, relocation);
    const attachTarget = targetsByProgram.get(entry.name);
    out.push({ name: entry.name, section: entry.section, type: entry.programType?.type, attachType: entry.programType?.attachType,
      ...(attachTarget === undefined ? {} : { attachTarget }),
      sleepable: entry.programType?.sleepable ?? false, license: object.license, insns: linked.insns, maps,
      funcInfo: btf === undefined ? [] : linked.funcInfo, lineInfo: btf === undefined ? [] : linked.lineInfo, btf, staticFunctions,
      lineSource: (offset) => object.btf?.string(offset) ?? '' });
  }
  return out;
}
