// loadObject: an eBPF ELF object into the kernel, following libbpf's bpf_object__load sequence:
// object BTF loaded, maps created (.maps definitions with BTF key/value types, inner maps,
// pinning by name; one array map per data section; the .kconfig map), global data written and
// .rodata/.kconfig frozen, map-in-map slots filled, then each entry program linked with the
// subprograms it calls, relocated and loaded with its func_info/line_info; prog-array slots
// named in `.values` are filled last.

import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { type BpfObject, type BpfProgram, type BtfMap, readElf, readObject } from '../elf/index.js';
import { bpfAccess } from './capabilities.js';
import { type CoreRelocationResult, type CoreTarget, loadKernelCoreTarget, relocateObjectCore } from './core/index.js';
import { BtfLoadError, kernelReadyBtf, loadBtf } from './btf-load.js';
import { type MapSizing, sizeMaps } from './map-sizing.js';
import { hiddenSubprograms, markHiddenSubprogramsStatic } from './hidden-linkage.js';
import { ExternError, kfuncResolver, resolveKconfig, resolveKsym } from './externs.js';
import { OwnedFd } from './fd.js';
import { attachTypeNumber, kernelBtf, progTypeNumber, seedKernelBtf, VMLINUX_BTF } from './kernel-btf.js';
import { linkProgram, sectionStarts } from './link-subprograms.js';
import { isMapOfMaps, MapType } from './map-types.js';
import { BpfMap, MapError, pinFd } from './maps.js';
import { unpinAll, withUndone } from './undo.js';
import { possibleCpus } from './possible-cpus.js';
import { type LineInfoRecord, loadProgram } from './program-load.js';
import { relocateProgram } from './relocate.js';
import { Link } from './attach/link.js';
import { Arena, ARENA_SECTION, mapArena } from './arena.js';
import { planStructOps, STRUCT_OPS_LINK_FLAG, StructOpsError, type StructOpsPlan, structOpsValue } from './struct-ops.js';
import { BpfCommand, bpf, encodeAttr, LinkCreateAttr, MapFlag, ProgFlag, SyscallError } from './sys/index.js';
import { TsbpfError } from '../isa/index.js';

export interface LoadObjectOptions {
  /** Object name for internal map names (`<name>.rodata`); default: the file name up to its first dot. */
  readonly name?: string;
  /** Load only these entry programs (by name); default all. */
  readonly programs?: readonly string[];
  /** Directory for maps with `pinning = LIBBPF_PIN_BY_NAME`; default /sys/fs/bpf. */
  readonly pinRoot?: string;
  /** Kernel BTF for attach targets and CO-RE; default /sys/kernel/btf/vmlinux. */
  readonly btfPath?: string;
  /** Verifier log level for successful loads too (0: log only on failure). */
  readonly logLevel?: number;
  /** Rewrites the object before loading (the CO-RE step plugs in here). */
  readonly transform?: (object: BpfObject) => BpfObject;
  /** Sizes, flags and inner maps of `.maps` maps, set before load (by map name; see map-sizing.ts). */
  readonly maps?: Readonly<Record<string, MapSizing>>;
}

/** The loader cannot run here: not Linux, no CAP_BPF, no koffi. */
export class BpfAccessError extends TsbpfError {
  override readonly name = 'BpfAccessError';
}

/** The object file cannot be read. */
export class ObjectInputError extends TsbpfError {
  override readonly name = 'ObjectInputError';
}

/** A map pinned by name exists with a different definition. */
export class PinMismatchError extends TsbpfError {
  override readonly name = 'PinMismatchError';
}

export interface LoadedProgramHandle {
  readonly name: string;
  readonly section: string;
  readonly type: number;
  readonly fd: OwnedFd;
  /** Verifier log when logLevel > 0. */
  readonly log: string;
  /** Instruction count passed to the kernel. */
  readonly insnCount: number;
}

export class BpfCollection {
  constructor(
    readonly object: BpfObject,
    readonly maps: ReadonlyMap<string, BpfMap>,
    readonly programs: ReadonlyMap<string, LoadedProgramHandle>,
    private readonly extraFds: readonly OwnedFd[],
    /** What CO-RE relocation did to each relocated instruction. */
    readonly coreResults: readonly CoreRelocationResult[] = [],
    /** struct_ops maps (by variable name; their BpfMap is in `maps` under the same name). */
    readonly structOps: ReadonlyMap<string, StructOpsPlan> = new Map(),
    /** Arena maps, mapped into this process (by map name). */
    readonly arenas: ReadonlyMap<string, Arena> = new Map(),
    /**
     * The pins this load created (maps with `pinning = LIBBPF_PIN_BY_NAME` that were not pinned
     * before; reused pins are not listed): what a caller undoes when a later step fails.
     */
    readonly pinnedMaps: readonly string[] = [],
  ) {}

  /** An arena map's memory (the only one when no name is given). */
  arena(name?: string): Arena {
    const a = name === undefined ? (this.arenas.size === 1 ? [...this.arenas.values()][0] : undefined) : this.arenas.get(name);
    if (a === undefined) throw new ObjectInputError(`no arena${name === undefined ? ' (or several)' : ` ${name}`}; the object has ${[...this.arenas.keys()].join(', ') || 'none'}`);
    return a;
  }

  /**
   * Registers a struct_ops map (e.g. a TCP congestion control) with the kernel, as libbpf's
   * bpf_map__attach_struct_ops: the kernel value with the program fds is written at key 0; a
   * `.struct_ops.link` map is then registered through a bpf_link (BPF_LINK_CREATE). Closing the
   * Link unregisters it (deletes key 0, or closes the bpf_link unless it is pinned).
   */
  registerStructOps(name: string): Link {
    const plan = this.structOps.get(name);
    if (plan === undefined) throw new StructOpsError(`no struct_ops map ${name}; the object has ${[...this.structOps.keys()].join(', ') || 'none'}`);
    const map = this.map(name);
    const value = structOpsValue(plan, (prog) => this.program(prog).fd.fd);
    const key = new Uint8Array(4);
    try {
      map.update(key, value);
    } catch (e) {
      // A link map keeps its value once a link used it (EBUSY); that value is this one.
      if (!(plan.link && e instanceof SyscallError && e.code === 'EBUSY')) throw structOpsFailure(name, 'register', e);
    }
    if (!plan.link) return new Link('struct_ops', name, undefined, { detach: () => { map.delete(key); } });
    let fd: number;
    try {
      fd = bpf(BpfCommand.LINK_CREATE, encodeAttr(LinkCreateAttr, { map_fd: map.fd, attach_type: attachTypeNumber('struct_ops') }));
    } catch (e) {
      throw structOpsFailure(name, 'BPF_LINK_CREATE', e);
    }
    return new Link('struct_ops', name, new OwnedFd(fd, `struct_ops link ${name}`));
  }

  map(name: string): BpfMap {
    const m = this.maps.get(name);
    if (m === undefined) throw new ObjectInputError(`no map ${name}; the object has ${[...this.maps.keys()].join(', ') || 'none'}`);
    return m;
  }

  program(name: string): LoadedProgramHandle {
    const p = this.programs.get(name);
    if (p === undefined) throw new ObjectInputError(`no program ${name}; loaded: ${[...this.programs.keys()].join(', ') || 'none'}`);
    return p;
  }

  /** Pins a program (as `bpftool prog loadall` does, one file per program). */
  pinProgram(name: string, path: string): void {
    pinFd(this.program(name).fd.fd, path);
  }

  /** Closes every fd (kernel objects live on while pinned or attached). */
  close(): void {
    for (const a of this.arenas.values()) a.unmap();
    for (const p of this.programs.values()) p.fd.close();
    for (const m of this.maps.values()) m.close();
    for (const f of this.extraFds) f.close();
  }
}

/** Throws BpfAccessError unless this process can use bpf(2). */
export function requireBpfAccess(): void {
  const a = bpfAccess();
  if (!a.available) throw new BpfAccessError(a.reason);
}

const NAME_LEN = 16;

/** libbpf's name for the map of a data section: object-name prefix + section name, 15 bytes, sanitized. */
export function internalMapName(objectName: string, section: string): string {
  const sfx = Math.max(7, section.length);
  const pfx = section.indexOf('.', 1) >= 0 ? 0 : Math.min(NAME_LEN - sfx - 1, objectName.length);
  return (objectName.slice(0, Math.max(0, pfx)) + section.slice(0, sfx)).slice(0, NAME_LEN - 1).replace(/[^A-Za-z0-9_.]/g, '_');
}

/** Object name as libbpf derives it from a path: the base name up to the first dot. */
export function objectNameOf(path: string): string {
  const b = basename(path);
  const dot = b.indexOf('.');
  return dot < 0 ? b : b.slice(0, dot);
}

// Map types whose BTF key/value types libbpf drops before MAP_CREATE.
const NO_BTF_TYPES = new Set<number>([
  MapType.PERF_EVENT_ARRAY, MapType.CGROUP_ARRAY, MapType.STACK_TRACE, MapType.ARRAY_OF_MAPS, MapType.HASH_OF_MAPS,
  MapType.DEVMAP, MapType.DEVMAP_HASH, MapType.CPUMAP, MapType.XSKMAP, MapType.SOCKMAP, MapType.SOCKHASH, MapType.QUEUE, MapType.STACK,
]);

export function loadObject(input: Uint8Array | string, options: LoadObjectOptions = {}): BpfCollection {
  let bytes: Uint8Array;
  if (typeof input === 'string') {
    try {
      bytes = new Uint8Array(readFileSync(input));
    } catch (e) {
      throw new ObjectInputError(`cannot read ${input}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  } else bytes = input;
  const objName = options.name ?? (typeof input === 'string' ? objectNameOf(input) : 'obj');
  const elf = readElf(bytes);
  let object = readObject(bytes);
  requireBpfAccess();
  if (options.transform !== undefined) object = options.transform(object);
  object = sizeMaps(object, options.maps);
  let coreResults: CoreRelocationResult[] = [];
  if (object.programs.some((p) => p.instructions.some((i) => i.coreRelocations !== undefined))) {
    const target = coreTarget(options.btfPath);
    ({ object, results: coreResults } = relocateObjectCore(object, target));
  }

  const owned: OwnedFd[] = [];
  const maps = new Map<string, BpfMap>();
  const programs = new Map<string, LoadedProgramHandle>();
  const arenas = new Map<string, Arena>();
  const pinned: string[] = [];
  const fail = (e: unknown): never => {
    for (const a of arenas.values()) a.unmap();
    for (const p of programs.values()) p.fd.close();
    for (const m of maps.values()) m.close();
    for (const f of owned) f.close();
    // All or nothing, as libbpf's bpf_object__load: the pins this load created go too.
    throw withUndone(e, unpinAll(pinned).map((p) => `unpinned ${p}`));
  };
  try {
    // Externs first: the kconfig layout shapes the .kconfig DATASEC in the BTF we load.
    const kconfig = resolveKconfig(object);
    let btfFd: OwnedFd | undefined;
    if (object.btf !== undefined) {
      const blob = kernelReadyBtf(object.btf, elf, { kconfig: kconfig?.placement ?? new Map(), kconfigSize: kconfig?.size ?? 0 });
      markHiddenSubprogramsStatic(blob, object.btf, hiddenSubprograms(elf));
      btfFd = loadBtf(blob);
      owned.push(btfFd);
    }
    const btf = object.btf;
    const datasecId = (name: string): number => btf?.findOne(name, 'DATASEC') ?? 0;

    // .maps definitions.
    const pinRoot = options.pinRoot ?? '/sys/fs/bpf';
    const byName = new Map(object.maps.map((m) => [m.name, m]));
    for (const def of object.maps) maps.set(def.name, createDefinedMap(def, btfFd, pinRoot, btf, pinned));
    // Arenas are mapped now, before any program is loaded, with the __arena globals at their end.
    const arenaData = object.globals.find((g) => g.kind === 'arena');
    const arenaDefs = object.maps.filter((d) => d.type === MapType.ARENA);
    if (arenaData !== undefined && arenaDefs.length !== 1) {
      throw new ObjectInputError(`${ARENA_SECTION} (__arena globals) needs exactly one arena map; the object has ${arenaDefs.length}`);
    }
    for (const def of arenaDefs) {
      const data = arenaData !== undefined && def === arenaDefs[0] ? arenaData : undefined;
      arenas.set(def.name, mapArena(maps.get(def.name)!, BigInt(def.mapExtra ?? 0), data?.data, data?.size ?? 0));
    }
    const globalsArena = arenaDefs.length === 1 ? arenas.get(arenaDefs[0]!.name) : undefined;
    // Data sections and .kconfig.
    for (const g of object.globals) {
      if (g.kind === 'arena') continue;
      const flags = MapFlag.MMAPABLE | (g.kind === 'rodata' ? MapFlag.RDONLY_PROG : 0);
      const name = internalMapName(objName, g.name);
      const m = createWithBtfFallback({ name, type: MapType.ARRAY, keySize: 4, valueSize: g.size, maxEntries: 1, flags }, btfFd, 0, datasecId(g.name), btf);
      // A new array map is all zeros: a .bss (no bytes in the file) or all-zero data needs no
      // update, so a large .bss costs the kernel's memory only, never this process's.
      if (g.data.some((b) => b !== 0)) {
        const value = new Uint8Array(g.size);
        value.set(g.data.subarray(0, g.size));
        m.update(new Uint8Array(4), value);
      }
      if (g.kind === 'rodata') m.freeze();
      maps.set(g.name, m);
    }
    if (kconfig !== undefined) {
      const m = createWithBtfFallback({ name: internalMapName(objName, '.kconfig'), type: MapType.ARRAY, keySize: 4, valueSize: kconfig.size, maxEntries: 1, flags: MapFlag.MMAPABLE | MapFlag.RDONLY_PROG }, btfFd, 0, datasecId('.kconfig'), btf);
      m.update(new Uint8Array(4), kconfig.data);
      m.freeze();
      maps.set('.kconfig', m);
    }
    // struct_ops maps: the kernel's bpf_struct_ops_<struct> value, data copied into its layout.
    const structOps = new Map<string, StructOpsPlan>();
    const structOpsProgram = new Map<string, { plan: StructOpsPlan; memberIndex: number }>();
    if (object.structOps !== undefined && object.structOps.length > 0) {
      if (btf === undefined) throw new StructOpsError('struct_ops maps need the object\'s BTF');
      for (const plan of planStructOps(object.structOps, btf, kernelBtf(options.btfPath))) {
        const m = BpfMap.create({
          name: plan.name.slice(0, NAME_LEN - 1), type: MapType.STRUCT_OPS, keySize: 4, valueSize: plan.value.length, maxEntries: 1,
          flags: plan.link ? STRUCT_OPS_LINK_FLAG : 0, ...(btfFd === undefined ? {} : { btfFd: btfFd.fd }), btfVmlinuxValueTypeId: plan.valueTypeId,
        });
        maps.set(plan.name, m);
        structOps.set(plan.name, plan);
        for (const slot of plan.slots) structOpsProgram.set(slot.program, { plan, memberIndex: slot.memberIndex });
      }
    }
    // Map-in-map slots named in `.values`.
    for (const def of object.maps) {
      if (!isMapOfMaps(def.type ?? 0)) continue;
      def.values.forEach((v, slot) => {
        if (v === null) return;
        const inner = maps.get(v);
        if (inner === undefined || !byName.has(v)) throw new ObjectInputError(`map ${def.name}: slot ${slot} names ${v}, which is not a map`);
        const key = new Uint8Array(4);
        new DataView(key.buffer).setUint32(0, slot, true);
        const val = new Uint8Array(4);
        new DataView(val.buffer).setUint32(0, inner.fd, true);
        maps.get(def.name)!.update(key, val);
      });
    }

    // Programs.
    const starts = sectionStarts(object);
    const wanted = options.programs;
    // A struct_ops program no struct_ops map points at has no attach target; libbpf ≥ 1.3 does not load it either.
    const entries = object.programs.filter((p) => !p.subprogram && (wanted === undefined || wanted.includes(p.name))
      && (p.programType?.type !== 'struct_ops' || structOpsProgram.has(p.name)));
    if (wanted !== undefined) {
      const missing = wanted.filter((n) => !entries.some((p) => p.name === n));
      if (missing.length > 0) throw new ObjectInputError(`no program ${missing.join(', ')} in the object (it has ${object.programs.filter((p) => !p.subprogram).map((p) => p.name).join(', ')})`);
    }
    const kfuncIds = kfuncResolver(object, options.btfPath);
    for (const entry of entries) {
      const linked = linkProgram(object, entry, starts);
      relocateProgram(linked, {
        mapFd: (n) => maps.get(n)?.fd,
        dataMapFd: (s) => (s === ARENA_SECTION ? globalsArena?.map.fd : maps.get(s)?.fd),
        dataOffset: (s) => (s === ARENA_SECTION ? globalsArena?.globalsOffset ?? 0 : 0),
        kconfig: (n) => {
          const k = kconfig?.placement.get(n);
          const m = maps.get('.kconfig');
          return k === undefined || m === undefined ? undefined : { fd: m.fd, offset: k.offset };
        },
        kfunc: kfuncIds,
        ksym: (n) => resolveKsym(n, 'ksym', options.btfPath),
      });
      const info = programSetup(entry, options.btfPath);
      const ops = structOpsProgram.get(entry.name);
      if (ops !== undefined) { info.attachBtfId = ops.plan.structTypeId; info.attachType = ops.memberIndex; }
      const loaded = loadProgram({
        name: entry.name, section: entry.section, type: info.type, insns: linked.insns, license: object.license,
        ...(info.attachType === undefined ? {} : { expectedAttachType: info.attachType }),
        flags: info.flags, kernVersion: object.kernelVersion ?? 0,
        ...(btfFd === undefined ? {} : { btfFd: btfFd.fd, funcInfo: linked.funcInfo, lineInfo: linked.lineInfo }),
        ...(info.attachBtfId === undefined ? {} : { attachBtfId: info.attachBtfId }),
        logLevel: options.logLevel ?? 0,
        sourceLine: (rec: LineInfoRecord) => sourceLineText(object, rec),
      });
      programs.set(entry.name, { name: entry.name, section: entry.section, type: info.type, fd: loaded.fd, log: loaded.log, insnCount: linked.insns.length / 8 });
    }
    // Prog-array slots named in `.values`.
    for (const def of object.maps) {
      if (def.type !== MapType.PROG_ARRAY) continue;
      def.values.forEach((v, slot) => {
        const p = v === null ? undefined : programs.get(v);
        if (p === undefined) return;
        const key = new Uint8Array(4);
        new DataView(key.buffer).setUint32(0, slot, true);
        const val = new Uint8Array(4);
        new DataView(val.buffer).setUint32(0, p.fd.fd, true);
        maps.get(def.name)!.update(key, val);
      });
    }
    return new BpfCollection(object, maps, programs, owned, coreResults, structOps, arenas, pinned);
  } catch (e) {
    return fail(e);
  }
}

// The kernel's BTF (and its modules') is decoded once per process and path.
const coreTargets = new Map<string, CoreTarget>();
function coreTarget(btfPath: string | undefined): CoreTarget {
  const key = btfPath ?? '';
  let t = coreTargets.get(key);
  if (t === undefined) {
    t = loadKernelCoreTarget(btfPath === undefined ? {} : { btfPath });
    coreTargets.set(key, t);
    if (btfPath === undefined) seedKernelBtf(VMLINUX_BTF, t.btf);
  }
  return t;
}

function sourceLineText(object: BpfObject, rec: LineInfoRecord): string {
  const btf = object.btf;
  if (btf === undefined) return '';
  const file = btf.string(rec.fileNameOff);
  const text = btf.string(rec.lineOff).trim();
  return `${file}:${rec.lineCol >>> 10}${text === '' ? '' : `: ${text}`}`;
}

interface ProgramSetup { type: number; attachType?: number; flags: number; attachBtfId?: number }

/** Program type, expected attach type, flags and BTF attach target from the section name. */
function programSetup(p: BpfProgram, btfPath: string | undefined): ProgramSetup {
  const info = p.programType;
  if (info === undefined) throw new ObjectInputError(`program ${p.name}: section ${p.section} does not name a program type libbpf knows`);
  const type = progTypeNumber(info.type);
  let flags = 0;
  if (info.sleepable) flags |= ProgFlag.SLEEPABLE;
  if (info.frags) flags |= ProgFlag.XDP_HAS_FRAGS;
  const setup: ProgramSetup = { type, flags };
  if (info.attachType !== undefined) setup.attachType = attachTypeNumber(info.attachType);
  const target = info.target;
  const btfTarget = (prefix: string, kind: 'FUNC' | 'TYPEDEF'): number => {
    if (target === undefined || target === '') throw new ObjectInputError(`program ${p.name}: section ${p.section} names no attach target`);
    const id = kernelBtf(btfPath).findOne(prefix + target, kind);
    if (id === undefined) throw new ObjectInputError(`program ${p.name}: attach target ${prefix}${target} is not in the kernel's BTF`);
    return id;
  };
  switch (info.attachType) {
    case 'trace_fentry': case 'trace_fexit': case 'modify_return': setup.attachBtfId = btfTarget('', 'FUNC'); break;
    case 'trace_raw_tp': setup.attachBtfId = btfTarget('btf_trace_', 'TYPEDEF'); break;
    case 'lsm_mac': case 'lsm_cgroup': setup.attachBtfId = btfTarget('bpf_lsm_', 'FUNC'); break;
    case 'trace_iter': setup.attachBtfId = btfTarget('bpf_iter_', 'FUNC'); break;
    default: break;
  }
  return setup;
}

function createWithBtfFallback(
  spec: { name: string; type: number; keySize: number; valueSize: number; maxEntries: number; flags: number; numaNode?: number; mapExtra?: number; innerMapFd?: number },
  btfFd: OwnedFd | undefined, keyType: number, valueType: number, btf: BpfObject['btf'],
): BpfMap {
  const types = btf === undefined ? undefined : { btf, ...(keyType === 0 ? {} : { key: keyType }), ...(valueType === 0 ? {} : { value: valueType }) };
  if (btfFd !== undefined && (keyType !== 0 || valueType !== 0)) {
    try {
      return BpfMap.create({ ...spec, btfFd: btfFd.fd, btfKeyTypeId: keyType, btfValueTypeId: valueType }, types);
    } catch (e) {
      // libbpf retries without BTF types when the kernel refuses them for this map.
      if (!(e instanceof MapError)) throw e;
    }
  }
  return BpfMap.create(spec, types);
}

function createDefinedMap(def: BtfMap, btfFd: OwnedFd | undefined, pinRoot: string, btf: BpfObject['btf'], pinned: string[]): BpfMap {
  if (def.type === undefined) throw new ObjectInputError(`map ${def.name}: definition has no type`);
  let maxEntries = def.maxEntries ?? 0;
  if (def.type === MapType.PERF_EVENT_ARRAY && maxEntries === 0) maxEntries = possibleCpus();
  const spec = {
    name: def.name.slice(0, NAME_LEN - 1), type: def.type, keySize: def.keySize ?? 0, valueSize: def.valueSize ?? 0,
    maxEntries, flags: def.flags ?? 0, ...(def.numaNode === undefined ? {} : { numaNode: def.numaNode }),
    ...(def.mapExtra === undefined ? {} : { mapExtra: def.mapExtra }),
  };
  if (def.type === MapType.PERF_EVENT_ARRAY) { spec.keySize ||= 4; spec.valueSize ||= 4; }
  // Map-in-map values are fds (4 bytes) whatever the definition says about the inner type.
  // So are prog-array values; a `values` member implies 4-byte values as in libbpf.
  if (isMapOfMaps(def.type) || (def.valuesOffset !== undefined && spec.valueSize === 0)) spec.valueSize = 4;
  const pinPath = def.pinning === 1 ? `${pinRoot}/${def.name}` : undefined;
  if (pinPath !== undefined && existsSync(pinPath)) {
    const m = BpfMap.fromPin(pinPath);
    const i = m.info;
    if (i.type !== spec.type || i.keySize !== spec.keySize || i.valueSize !== spec.valueSize || i.maxEntries !== spec.maxEntries || i.flags !== spec.flags) {
      m.close();
      throw new PinMismatchError(`map ${def.name}: the map pinned at ${pinPath} has a different definition`);
    }
    if (btf !== undefined) m.types = { btf, ...(def.keyType === undefined ? {} : { key: def.keyType }), ...(def.valueType === undefined ? {} : { value: def.valueType }) };
    return m;
  }
  let inner: BpfMap | undefined;
  if (def.inner !== undefined) {
    const i = def.inner;
    inner = BpfMap.create({ name: `${def.name}.inner`.slice(0, NAME_LEN - 1), type: i.type ?? 0, keySize: i.keySize ?? 0, valueSize: i.valueSize ?? 0, maxEntries: i.maxEntries ?? 0, flags: i.flags ?? 0 });
  }
  try {
    const noTypes = NO_BTF_TYPES.has(def.type);
    const m = createWithBtfFallback({ ...spec, ...(inner === undefined ? {} : { innerMapFd: inner.fd }) }, btfFd,
      noTypes ? 0 : def.keyType ?? 0, noTypes ? 0 : def.valueType ?? 0, btf);
    if (noTypes && btf !== undefined) m.types = { btf, ...(def.keyType === undefined ? {} : { key: def.keyType }), ...(def.valueType === undefined ? {} : { value: def.valueType }) };
    if (pinPath !== undefined) {
      try {
        m.pin(pinPath);
      } catch (e) {
        m.close();
        throw e;
      }
      pinned.push(pinPath);
    }
    return m;
  } finally {
    inner?.close();
  }
}

export { BtfLoadError, ExternError };

function structOpsFailure(name: string, step: string, e: unknown): Error {
  if (e instanceof SyscallError || e instanceof MapError) return new StructOpsError(`struct_ops map ${name}: ${step}: ${e.message}`);
  return e as Error;
}
