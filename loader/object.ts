// loadObject: an eBPF ELF object into the kernel, following libbpf's bpf_object__load sequence:
// object BTF loaded, maps created (.maps definitions with BTF key/value types, inner maps,
// pinning by name; one array map per data section; the .kconfig map), global data written and
// .rodata/.kconfig frozen, map-in-map slots filled, then each entry program linked with the
// subprograms it calls, relocated and loaded with its func_info/line_info; prog-array slots
// named in `.values` are filled last. Each step lives in its own module; this one orders them
// and undoes them all when one fails.

import { type BpfObject, readElf, readObject } from '../elf/index.js';
import type { Arena } from './arena.js';
import { ARENA_SECTION } from './arena.js';
import { bindReadOnlyData, readOnlyDataMaps } from './bind-rodata.js';
import { BtfLoadError, kernelReadyBtf, loadBtf } from './btf-load.js';
import { sanitizedForKernel } from './btf-features.js';
import { requireBpfAccess } from './capabilities.js';
import { BpfCollection, type LoadedProgramHandle } from './collection.js';
import { type CoreRelocationResult, relocateObjectCore } from './core/index.js';
import { reportCoreRelocations } from './core-log.js';
import { coreTarget } from './core-target.js';
import { kfuncResolver, resolveKconfig, resolveKsym } from './externs.js';
import { hiddenSubprograms, markHiddenSubprogramsStatic } from './hidden-linkage.js';
import { type MapSizing, sizeMaps } from './map-sizing.js';
import type { OwnedFd } from './fd.js';
import { linkProgram, sectionStarts } from './link-subprograms.js';
import { type LoaderLog, loaderLog } from './log.js';
import type { BpfMap } from './maps.js';
import { mapObjectArenas } from './object-arenas.js';
import { ObjectInputError } from './object-errors.js';
import { objectNameOf, readObjectBytes } from './object-input.js';
import { createDataMaps, createDefinedMap, fillMapOfMapsSlots, fillProgArraySlots } from './object-maps.js';
import { createStructOpsMaps } from './object-struct-ops.js';
import { type LineInfoRecord, loadProgram } from './program-load.js';
import { programSetup, sourceLineText } from './program-setup.js';
import { loadComparing, preparedMaps } from './preverify-load.js';
import { preverifierFor, type Preverifier, type PreverifyProgram, runPreverifier } from './preverify.js';
import { relocateProgram } from './relocate.js';
import { ProgFlag } from './sys/index.js';
import { unpinAll, withUndone } from './undo.js';

export interface LoadObjectOptions {
  /** Object name for internal map names (`<name>.rodata`); default: the file name up to its first dot. */
  readonly name?: string;
  /** Load only these entry programs (by name); default all but those in `?` sections (autoload off, as libbpf). */
  readonly programs?: readonly string[];
  /** Directory for maps with `pinning = LIBBPF_PIN_BY_NAME`; default /sys/fs/bpf. */
  readonly pinRoot?: string;
  /** Kernel BTF for attach targets and CO-RE; default /sys/kernel/btf/vmlinux. */
  readonly btfPath?: string;
  /** Verifier log level for successful loads too (0: log only on failure). */
  readonly logLevel?: number;
  /** Rewrites the object before loading (the CO-RE step plugs in here). */
  readonly transform?: (object: BpfObject) => BpfObject;
  /** Where the loader reports its decisions (see setLoaderLog); default: the process-wide log, else none. */
  readonly log?: LoaderLog;
  /** Sizes, flags and inner maps of `.maps` maps, set before load (by map name; see map-sizing.ts). */
  readonly maps?: Readonly<Record<string, MapSizing>>;
  /**
   * A verifier model run on each program before BPF_PROG_LOAD (default: the one the `tsbpf` entry
   * registers, the verifier model; false: none). Its prediction is compared with the kernel's
   * verdict; a disagreement is reported (a warning, or the LoadError's message) with a report file.
   */
  readonly preverify?: Preverifier | false;
  /** Where disagreement reports go (default the system's temporary directory). */
  readonly mismatchDir?: string;
}

export function loadObject(input: Uint8Array | string, options: LoadObjectOptions = {}): BpfCollection {
  const bytes = readObjectBytes(input);
  const objName = options.name ?? (typeof input === 'string' ? objectNameOf(input) : 'obj');
  const log = loaderLog(options.log);
  const elf = readElf(bytes);
  let object = readObject(bytes, elf);
  requireBpfAccess();
  if (options.transform !== undefined) object = options.transform(object);
  object = sizeMaps(object, options.maps);
  let coreResults: CoreRelocationResult[] = [];
  if (object.programs.some((p) => p.instructions.some((i) => i.coreRelocations !== undefined))) {
    const target = coreTarget(options.btfPath);
    ({ object, results: coreResults } = relocateObjectCore(object, target));
    reportCoreRelocations(log, object, target, coreResults);
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
      const ready = kernelReadyBtf(object.btf, elf, { kconfig: kconfig?.placement ?? new Map(), kconfigSize: kconfig?.size ?? 0 });
      markHiddenSubprogramsStatic(ready, object.btf, hiddenSubprograms(elf));
      const { blob, rewritten } = sanitizedForKernel(ready);
      if (rewritten.length > 0) log('info', `object '${objName}': BTF sanitised for this kernel, which lacks ${rewritten.join(', ')}`);
      try {
        btfFd = loadBtf(blob);
        owned.push(btfFd);
        log('debug', `object '${objName}': BTF loaded (${blob.length} bytes${kconfig === undefined ? '' : `, .kconfig laid out in ${kconfig.size} bytes`}), fd=${btfFd.fd}`);
      } catch (e) {
        // libbpf's bpf_object__sanitize_and_load_btf: the BTF is optional unless struct_ops needs it.
        if (!(e instanceof BtfLoadError) || (object.structOps?.length ?? 0) > 0) throw e;
        log('warn', `object '${objName}': ${e.message}; loading without BTF, as libbpf does (no func_info/line_info, maps without BTF types)`);
      }
    }

    const pinRoot = options.pinRoot ?? '/sys/fs/bpf';
    for (const def of object.maps) maps.set(def.name, createDefinedMap(def, btfFd, pinRoot, object.btf, pinned, log));
    // Arenas are mapped now, before any program is loaded, with the __arena globals at their end.
    const globalsArena = mapObjectArenas(object, maps, arenas);
    createDataMaps(object, objName, btfFd, kconfig, maps, log);
    const structOps = createStructOpsMaps(object, btfFd, options.btfPath, maps);
    fillMapOfMapsSlots(object, maps);

    // Programs.
    const starts = sectionStarts(object);
    const wanted = options.programs;
    // A struct_ops program no struct_ops map points at has no attach target; libbpf ≥ 1.3 does not load it either.
    const entries = object.programs.filter((p) => {
      if (p.subprogram || (wanted !== undefined && !wanted.includes(p.name))) return false;
      // A `?` section starts with autoload off (libbpf): loaded only when named in `programs`.
      if (wanted === undefined && p.programType?.autoload === false) {
        log('info', `prog '${p.name}': section ${p.section} has autoload off; not loaded (name it to load it)`);
        return false;
      }
      if (p.programType?.type !== 'struct_ops' || structOps.programs.has(p.name)) return true;
      log('info', `prog '${p.name}': no struct_ops map points at it; not loaded`);
      return false;
    });
    if (wanted !== undefined) {
      const missing = wanted.filter((n) => !entries.some((p) => p.name === n));
      if (missing.length > 0) throw new ObjectInputError(`no program ${missing.join(', ')} in the object (it has ${object.programs.filter((p) => !p.subprogram).map((p) => p.name).join(', ')})`);
    }
    const kfuncIds = kfuncResolver(object, options.btfPath);
    const rodata = readOnlyDataMaps(object, maps);
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
      const ops = structOps.programs.get(entry.name);
      if (ops !== undefined) { info.attachBtfId = ops.plan.structTypeId; info.attachType = ops.memberIndex; }
      // expected_attach_type and attach_btf_id, as the load and the preverifier both get them.
      const target = {
        ...(info.attachType === undefined ? {} : { expectedAttachType: info.attachType }),
        ...(info.attachBtfId === undefined ? {} : { attachBtfId: info.attachBtfId }),
      };
      const preverifier = preverifierFor(options.preverify);
      const candidate: PreverifyProgram | undefined = preverifier === undefined ? undefined : {
        name: entry.name, section: entry.section, type: entry.programType?.type ?? '', insns: linked.insns, license: object.license,
        maps: preparedMaps(object, maps),
        attach: { ...target, sleepable: (info.flags & ProgFlag.SLEEPABLE) !== 0 },
      };
      const predicted = preverifier === undefined || candidate === undefined || candidate.type === '' ? undefined : runPreverifier(preverifier, candidate, log);
      const loaded = loadComparing(candidate, predicted, options.mismatchDir, log, () => loadProgram({
        name: entry.name, section: entry.section, type: info.type, insns: linked.insns, license: object.license, ...target,
        flags: info.flags, kernVersion: object.kernelVersion ?? 0,
        ...(btfFd === undefined ? {} : { btfFd: btfFd.fd, funcInfo: linked.funcInfo, lineInfo: linked.lineInfo }),
        logLevel: options.logLevel ?? 0,
        sourceLine: (rec: LineInfoRecord) => sourceLineText(object, rec),
      }));
      bindReadOnlyData(entry.name, loaded.fd.fd, rodata, log);
      programs.set(entry.name, { name: entry.name, section: entry.section, type: info.type, fd: loaded.fd, log: loaded.log, insnCount: linked.insns.length / 8 });
      log('debug', `prog '${entry.name}': loaded (section ${entry.section}, ${linked.insns.length / 8} insns), fd=${loaded.fd.fd}`);
    }
    fillProgArraySlots(object, maps, (name) => programs.get(name)?.fd.fd);
    return new BpfCollection(object, maps, programs, owned, coreResults, structOps.plans, arenas, pinned);
  } catch (e) {
    return fail(e);
  }
}
