// The maps of an object, created as libbpf's bpf_object__create_maps does: `.maps` definitions
// (BTF key/value types, inner maps, pinning by name), one array map per data section and the
// .kconfig map (written, then frozen when read-only), and the slots `.values` names in
// map-in-map and prog-array maps.

import { existsSync } from 'node:fs';
import { ByteWriter } from '../isa/index.js';
import type { BpfObject, BtfMap } from '../elf/index.js';
import type { KconfigLayout } from './externs.js';
import type { LoaderLog } from './log.js';
import type { OwnedFd } from './fd.js';
import { isMapOfMaps, MapType } from './map-types.js';
import { BpfMap, MapError } from './maps.js';
import { internalMapName, NAME_LEN } from './internal-map-name.js';

import { ObjectInputError, PinMismatchError } from './object-errors.js';
import { possibleCpus } from './possible-cpus.js';
import { MapFlag } from './sys/index.js';

// Map types whose BTF key/value types libbpf drops before MAP_CREATE.
const NO_BTF_TYPES = new Set<number>([
  MapType.PERF_EVENT_ARRAY, MapType.CGROUP_ARRAY, MapType.STACK_TRACE, MapType.ARRAY_OF_MAPS, MapType.HASH_OF_MAPS,
  MapType.DEVMAP, MapType.DEVMAP_HASH, MapType.CPUMAP, MapType.XSKMAP, MapType.SOCKMAP, MapType.SOCKHASH, MapType.QUEUE, MapType.STACK,
]);

function createWithBtfFallback(
  spec: { name: string; type: number; keySize: number; valueSize: number; maxEntries: number; flags: number; numaNode?: number; mapExtra?: number; innerMapFd?: number },
  btfFd: OwnedFd | undefined, keyType: number, valueType: number, btf: BpfObject['btf'], log: LoaderLog,
): BpfMap {
  const types = btf === undefined ? undefined : { btf, ...(keyType === 0 ? {} : { key: keyType }), ...(valueType === 0 ? {} : { value: valueType }) };
  if (btfFd !== undefined && (keyType !== 0 || valueType !== 0)) {
    try {
      const m = BpfMap.create({ ...spec, btfFd: btfFd.fd, btfKeyTypeId: keyType, btfValueTypeId: valueType }, types);
      log('debug', `map '${spec.name}': created with BTF key type [${keyType}] and value type [${valueType}], fd=${m.fd}`);
      return m;
    } catch (e) {
      // libbpf retries without BTF types when the kernel refuses them for this map.
      if (!(e instanceof MapError)) throw e;
      log('warn', `map '${spec.name}': the kernel refused its BTF key/value types (${e.message}); retrying without BTF`);
    }
  }
  const m = BpfMap.create(spec, types);
  log('debug', `map '${spec.name}': created without BTF types, fd=${m.fd}`);
  return m;
}

/** Creates (or reuses the pin of) one `.maps` definition; a pin this call creates is pushed on `pinned`. */
export function createDefinedMap(def: BtfMap, btfFd: OwnedFd | undefined, pinRoot: string, btf: BpfObject['btf'], pinned: string[], log: LoaderLog): BpfMap {
  if (def.type === undefined) throw new ObjectInputError(`map ${def.name}: definition has no type`);
  let maxEntries = def.maxEntries ?? 0;
  if (def.type === MapType.PERF_EVENT_ARRAY && maxEntries === 0) {
    maxEntries = possibleCpus();
    log('debug', `map '${def.name}': perf event array sized to the ${maxEntries} possible CPUs`);
  }
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
    log('info', `map '${def.name}': reused the map pinned at ${pinPath}`);
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
    if (noTypes && (def.keyType !== undefined || def.valueType !== undefined)) log('debug', `map '${def.name}': type ${def.type} takes no BTF key/value types; dropped, as libbpf does`);
    const m = createWithBtfFallback({ ...spec, ...(inner === undefined ? {} : { innerMapFd: inner.fd }) }, btfFd,
      noTypes ? 0 : def.keyType ?? 0, noTypes ? 0 : def.valueType ?? 0, btf, log);
    if (noTypes && btf !== undefined) m.types = { btf, ...(def.keyType === undefined ? {} : { key: def.keyType }), ...(def.valueType === undefined ? {} : { value: def.valueType }) };
    if (pinPath !== undefined) {
      try {
        m.pin(pinPath);
      } catch (e) {
        m.close();
        throw e;
      }
      pinned.push(pinPath);
      log('info', `map '${def.name}': pinned at ${pinPath}`);
    }
    return m;
  } finally {
    inner?.close();
  }
}

/**
 * One array map per data section (arena globals excepted) and the .kconfig map, added to `maps`
 * under the section name as each is created: initial data written, .rodata and .kconfig frozen.
 */
export function createDataMaps(
  object: BpfObject, objName: string, btfFd: OwnedFd | undefined, kconfig: KconfigLayout | undefined, maps: Map<string, BpfMap>, log: LoaderLog,
): void {
  const btf = object.btf;
  const datasecId = (name: string): number => btf?.findOne(name, 'DATASEC') ?? 0;
  for (const g of object.globals) {
    if (g.kind === 'arena') continue;
    const flags = MapFlag.MMAPABLE | (g.kind === 'rodata' ? MapFlag.RDONLY_PROG : 0);
    const name = internalMapName(objName, g.name);
    const m = createWithBtfFallback({ name, type: MapType.ARRAY, keySize: 4, valueSize: g.size, maxEntries: 1, flags }, btfFd, 0, datasecId(g.name), btf, log);
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
    const m = createWithBtfFallback({ name: internalMapName(objName, '.kconfig'), type: MapType.ARRAY, keySize: 4, valueSize: kconfig.size, maxEntries: 1, flags: MapFlag.MMAPABLE | MapFlag.RDONLY_PROG }, btfFd, 0, datasecId('.kconfig'), btf, log);
    m.update(new Uint8Array(4), kconfig.data);
    m.freeze();
    maps.set('.kconfig', m);
  }
}

function setFdSlot(map: BpfMap, slot: number, fd: number): void {
  map.update(new ByteWriter('le', 4).u32(slot).finish(), new ByteWriter('le', 4).u32(fd).finish());
}

/** Map-in-map slots named in `.values`: each names a `.maps` definition. */
export function fillMapOfMapsSlots(object: BpfObject, maps: ReadonlyMap<string, BpfMap>): void {
  const defined = new Set(object.maps.map((m) => m.name));
  for (const def of object.maps) {
    if (!isMapOfMaps(def.type ?? 0)) continue;
    def.values.forEach((v, slot) => {
      if (v === null) return;
      const inner = maps.get(v);
      if (inner === undefined || !defined.has(v)) throw new ObjectInputError(`map ${def.name}: slot ${slot} names ${v}, which is not a map`);
      setFdSlot(maps.get(def.name)!, slot, inner.fd);
    });
  }
}

/** Prog-array slots named in `.values`; a program not loaded leaves its slot empty. */
export function fillProgArraySlots(object: BpfObject, maps: ReadonlyMap<string, BpfMap>, programFd: (name: string) => number | undefined): void {
  for (const def of object.maps) {
    if (def.type !== MapType.PROG_ARRAY) continue;
    def.values.forEach((v, slot) => {
      const fd = v === null ? undefined : programFd(v);
      if (fd === undefined) return;
      setFdSlot(maps.get(def.name)!, slot, fd);
    });
  }
}
