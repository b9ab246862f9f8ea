// Maps sized before load: what libbpf's bpf_map__set_max_entries / set_key_size / set_value_size /
// set_map_flags / set_inner_map_fd and cilium/ebpf's MapSpec edits do. Tools declare stack-trace,
// per-CPU or user-sized maps with 0 entries (or a 0 value size) and size them from their options
// before load; the edits rewrite the object's `.maps` definitions, then every definition is
// checked so that a size still 0 is an error naming the map instead of the kernel's EINVAL.

import type { BpfObject, BtfMap } from '../elf/index.js';
import { type BpfMap, MapError } from './maps.js';
import { MapType, mapTypeName } from './map-types.js';
import { isRingbufType, ringbufMaxEntries } from './ringbuf-size.js';

/** A map definition's template for its inner maps (a map-in-map's `__array(values, …)`). */
export interface InnerMapSpec {
  readonly type?: number;
  readonly keySize?: number;
  readonly valueSize?: number;
  readonly maxEntries?: number;
  readonly flags?: number;
}

/** What can be changed in a `.maps` definition before load (unset fields keep the object's). */
export interface MapSizing {
  readonly maxEntries?: number;
  readonly keySize?: number;
  readonly valueSize?: number;
  /** BPF_F_* map flags (replaces the declared ones, as bpf_map__set_map_flags). */
  readonly flags?: number;
  readonly numaNode?: number;
  readonly mapExtra?: number;
  /** The inner map template: a definition, or an existing map whose type and sizes are taken. */
  readonly inner?: InnerMapSpec | BpfMap;
}

/** A map size edit names no map, or a size is still 0 at load. */
/** A map definition still unsized at load (refused before BPF_MAP_CREATE, which would say EINVAL). */
export class MapSizingError extends MapError {
  override readonly name: string = 'MapSizingError';
}

const U32_FIELDS = ['maxEntries', 'keySize', 'valueSize', 'flags', 'numaNode', 'mapExtra'] as const;

// Types the kernel refuses with 0 entries; storage and cgroup-storage maps must have 0, a perf event
// array is sized to the CPUs by the loader, a struct_ops map is always 1.
const ZERO_ENTRIES_OK = new Set<number>([
  MapType.PERF_EVENT_ARRAY, MapType.STRUCT_OPS, MapType.CGROUP_STORAGE, MapType.PERCPU_CGROUP_STORAGE,
  MapType.SK_STORAGE, MapType.INODE_STORAGE, MapType.TASK_STORAGE, MapType.CGRP_STORAGE,
]);
// Types whose values are data the program reads and writes (others: fds, none, or sized by the loader).
const NEEDS_VALUE = new Set<number>([
  MapType.HASH, MapType.ARRAY, MapType.PERCPU_HASH, MapType.PERCPU_ARRAY, MapType.STACK_TRACE, MapType.LRU_HASH,
  MapType.LRU_PERCPU_HASH, MapType.LPM_TRIE, MapType.QUEUE, MapType.STACK, MapType.BLOOM_FILTER,
  MapType.SK_STORAGE, MapType.INODE_STORAGE, MapType.TASK_STORAGE, MapType.CGRP_STORAGE,
]);
const NEEDS_KEY = new Set<number>([
  MapType.HASH, MapType.ARRAY, MapType.PERCPU_HASH, MapType.PERCPU_ARRAY, MapType.LRU_HASH, MapType.LRU_PERCPU_HASH,
  MapType.LPM_TRIE, MapType.ARRAY_OF_MAPS, MapType.HASH_OF_MAPS, MapType.PROG_ARRAY,
]);

function isBpfMap(x: InnerMapSpec | BpfMap): x is BpfMap {
  return typeof (x as BpfMap).fd === 'number';
}

function checkNumbers(map: string, edit: MapSizing | InnerMapSpec, what: string): void {
  for (const f of [...U32_FIELDS, 'type'] as const) {
    const v = (edit as Record<string, unknown>)[f];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) {
      throw new MapSizingError(`map ${map}: ${what}${f} must be an integer from 0 to 4294967295 (got ${String(v)})`);
    }
  }
}

function innerTemplate(map: string, inner: InnerMapSpec | BpfMap): InnerMapSpec {
  if (!isBpfMap(inner)) {
    checkNumbers(map, inner, 'inner ');
    return inner;
  }
  const i = inner.info;
  return { type: i.type, keySize: i.keySize, valueSize: i.valueSize, maxEntries: i.maxEntries, flags: i.flags };
}

function sized(def: BtfMap, edit: MapSizing): BtfMap {
  checkNumbers(def.name, edit, '');
  const out: Record<string, unknown> = { ...def };
  for (const f of U32_FIELDS) if (edit[f] !== undefined) out[f] = edit[f];
  // A new key or value size no longer matches the BTF type: libbpf's map creation then fails with
  // the BTF ids and is retried without them; leaving them out gives the same map.
  if (edit.keySize !== undefined && edit.keySize !== def.keySize) delete out.keyType;
  if (edit.valueSize !== undefined && edit.valueSize !== def.valueSize) delete out.valueType;
  if (edit.inner !== undefined) {
    if (def.type !== MapType.ARRAY_OF_MAPS && def.type !== MapType.HASH_OF_MAPS) {
      throw new MapSizingError(`map ${def.name}: an inner map is for map-in-maps, not a ${mapTypeName(def.type ?? 0)} map`);
    }
    out.inner = { ...(def.inner ?? {}), ...innerTemplate(def.name, edit.inner) };
  }
  return out as unknown as BtfMap;
}

/**
 * The object with the edits applied to its `.maps` definitions (keyed by map name), then checked:
 * a MapSizingError names a map the edits name but the object lacks, and a map whose max_entries,
 * key size or value size is still 0 where its type needs one. A ring buffer's size is rounded up to
 * a power-of-2 multiple of the page size, as libbpf does.
 */
export function sizeMaps(object: BpfObject, edits: Readonly<Record<string, MapSizing>> = {}): BpfObject {
  const names = new Set(object.maps.map((m) => m.name));
  for (const name of Object.keys(edits)) {
    if (!names.has(name)) {
      const data = object.globals.some((g) => g.name === name);
      throw new MapSizingError(`no map ${name} to size${data ? ' (the maps of data sections are sized by their variables)' : ''}; the object's .maps are ${[...names].join(', ') || 'none'}`);
    }
  }
  let maps = Object.keys(edits).length === 0 ? object.maps : object.maps.map((m) => (edits[m.name] === undefined ? m : sized(m, edits[m.name]!)));
  for (const m of maps) checkSized(m);
  if (maps.some(needsRounding)) maps = maps.map((m) => (needsRounding(m) ? { ...m, maxEntries: ringbufMaxEntries(m.maxEntries!) } : m));
  return maps === object.maps ? object : { ...object, maps };
}

function needsRounding(m: BtfMap): boolean {
  return isRingbufType(m.type ?? 0) && m.maxEntries !== undefined && m.maxEntries !== ringbufMaxEntries(m.maxEntries);
}

function checkSized(m: BtfMap): void {
  const type = m.type ?? 0;
  const zero = (field: string, option: string): never => {
    const cli = option === 'maxEntries' ? 'max-entries' : option === 'valueSize' ? 'value-size' : undefined;
    throw new MapSizingError(`map ${m.name} (${mapTypeName(type)}): ${field} is 0; size it before load (loadObject option `
      + `maps: { ${m.name}: { ${option}: N } }, a skeleton's sizeMap${cli === undefined ? '' : `, or tsbpf load --${cli} ${m.name}=N`})`);
  };
  if ((m.maxEntries ?? 0) === 0 && !ZERO_ENTRIES_OK.has(type)) zero('max_entries', 'maxEntries');
  if ((m.valueSize ?? 0) === 0 && NEEDS_VALUE.has(type) && m.valuesOffset === undefined) zero('value size', 'valueSize');
  if ((m.keySize ?? 0) === 0 && NEEDS_KEY.has(type)) zero('key size', 'keySize');
  const inner = m.inner;
  if (inner !== undefined && (inner.maxEntries ?? 0) === 0 && !ZERO_ENTRIES_OK.has(inner.type ?? 0)) {
    throw new MapSizingError(`map ${m.name}: its inner map's max_entries is 0; set it before load (loadObject option maps: { ${m.name}: { inner: { maxEntries: N } } })`);
  }
}
