// Map declarations: BTF-defined maps in `.maps`, with key/value types, max entries and flags.
// Each kind states which of key/value it needs as types (emitted as `K *key`) or as sizes only
// (`int (*key_size)[N]`), as libbpf's bpf_helpers.h macros declare them.

import { BPF_MAP_TYPE } from '../../elf/index.js';
import { DslError } from './errors.js';
import { callerLocation } from './line-info.js';
import type { MapRef } from './program/refs.js';
import type { CType } from './types/index.js';

const T = BPF_MAP_TYPE;
/** The map types the DSL declares, by libbpf's lower-case name (numbers: the kernel's enum bpf_map_type). */
export const MAP_TYPES = {
  hash: T.HASH, array: T.ARRAY, prog_array: T.PROG_ARRAY, perf_event_array: T.PERF_EVENT_ARRAY, percpu_hash: T.PERCPU_HASH,
  percpu_array: T.PERCPU_ARRAY, stack_trace: T.STACK_TRACE, cgroup_array: T.CGROUP_ARRAY, lru_hash: T.LRU_HASH,
  lru_percpu_hash: T.LRU_PERCPU_HASH, lpm_trie: T.LPM_TRIE, array_of_maps: T.ARRAY_OF_MAPS, hash_of_maps: T.HASH_OF_MAPS,
  devmap: T.DEVMAP, sockmap: T.SOCKMAP, cpumap: T.CPUMAP, xskmap: T.XSKMAP, sockhash: T.SOCKHASH,
  reuseport_sockarray: T.REUSEPORT_SOCKARRAY, queue: T.QUEUE, stack: T.STACK, sk_storage: T.SK_STORAGE,
  devmap_hash: T.DEVMAP_HASH, ringbuf: T.RINGBUF, inode_storage: T.INODE_STORAGE, task_storage: T.TASK_STORAGE,
  bloom_filter: T.BLOOM_FILTER, user_ringbuf: T.USER_RINGBUF, cgrp_storage: T.CGRP_STORAGE,
} as const;
export type MapKind = keyof typeof MAP_TYPES;

/** BPF_F_* map flags the DSL names. */
export const MAP_FLAGS = {
  noPrealloc: 1 << 0, noCommonLru: 1 << 1, numaNode: 1 << 2, rdonly: 1 << 3, wronly: 1 << 4, stackBuildId: 1 << 5,
  zeroSeed: 1 << 6, rdonlyProg: 1 << 7, wronlyProg: 1 << 8, clone: 1 << 9, mmapable: 1 << 10, preserveElems: 1 << 11,
  innerMap: 1 << 12,
} as const;

export interface MapOptions {
  readonly maxEntries?: number;
  readonly flags?: number;
  readonly numaNode?: number;
  /** LIBBPF_PIN_BY_NAME. */
  readonly pinByName?: boolean;
  /** map_extra (bloom filter: number of hash functions). */
  readonly mapExtra?: number;
}

/** A declared map; pass it to defineObject({ maps }) under its name, and to helpers in programs. */
export class MapDef<K extends CType | undefined = CType | undefined, V extends CType | undefined = CType | undefined> implements MapRef {
  readonly dslKind = 'map' as const;
  constructor(
    readonly kind: MapKind,
    readonly key: K,
    readonly value: V,
    readonly options: MapOptions & {
      readonly keySize?: number; readonly valueSize?: number;
      /** Inner map template of a map-in-map. */
      readonly inner?: MapDef;
      /** Initial slots of a map-in-map (maps) or prog array (functions/programs by name). */
      readonly values?: readonly (MapDef | string | null)[];
    },
  ) {}
  get type(): number { return MAP_TYPES[this.kind]; }
}

/** A map constructor's spec: past the types (null, a number) it is a DslError at the call, not a TypeError. */
function specOf<T>(spec: T, constructor: string): T {
  if (spec === null || typeof spec !== 'object') {
    throw new DslError(`${constructor} needs a spec object ({ maxEntries, … }), not ${spec === null ? 'null' : typeof spec}`, callerLocation());
  }
  return spec;
}

function need(v: number | undefined, what: string): number {
  if (v === undefined || !Number.isInteger(v) || v <= 0) throw new DslError(`${what} must be a positive integer`, callerLocation());
  return v;
}

type KV<K extends CType, V extends CType> = { readonly key: K; readonly value: V; readonly maxEntries: number } & MapOptions;

/** BPF_MAP_TYPE_HASH (and the other key/value kinds through `kind`). */
export function hashMap<K extends CType, V extends CType>(spec: KV<K, V>): MapDef<K, V> {
  spec = specOf(spec, 'hashMap');
  return keyValue('hash', spec);
}
export function arrayMap<K extends CType, V extends CType>(spec: KV<K, V>): MapDef<K, V> { spec = specOf(spec, 'arrayMap'); return keyValue('array', spec); }
export function percpuHashMap<K extends CType, V extends CType>(spec: KV<K, V>): MapDef<K, V> { spec = specOf(spec, 'percpuHashMap'); return keyValue('percpu_hash', spec); }
export function percpuArrayMap<K extends CType, V extends CType>(spec: KV<K, V>): MapDef<K, V> { spec = specOf(spec, 'percpuArrayMap'); return keyValue('percpu_array', spec); }
export function lruHashMap<K extends CType, V extends CType>(spec: KV<K, V>): MapDef<K, V> { spec = specOf(spec, 'lruHashMap'); return keyValue('lru_hash', spec); }
export function lruPercpuHashMap<K extends CType, V extends CType>(spec: KV<K, V>): MapDef<K, V> { spec = specOf(spec, 'lruPercpuHashMap'); return keyValue('lru_percpu_hash', spec); }
export function lpmTrieMap<K extends CType, V extends CType>(spec: KV<K, V>): MapDef<K, V> {
  spec = specOf(spec, 'lpmTrieMap');
  return keyValue('lpm_trie', { ...spec, flags: (spec.flags ?? 0) | MAP_FLAGS.noPrealloc });
}
/** Any kind that takes a key and a value type (task/sk/inode/cgrp storage need flags: noPrealloc). */
export function keyValueMap<K extends CType, V extends CType>(kind: MapKind, spec: Omit<KV<K, V>, 'maxEntries'> & { maxEntries?: number }): MapDef<K, V> {
  spec = specOf(spec, 'keyValueMap');
  return new MapDef(kind, spec.key, spec.value, spec);
}
function keyValue<K extends CType, V extends CType>(kind: MapKind, spec: KV<K, V>): MapDef<K, V> {
  need(spec.maxEntries, 'maxEntries');
  return new MapDef(kind, spec.key, spec.value, spec);
}

/** BPF_MAP_TYPE_RINGBUF: maxEntries is the buffer size in bytes (a power of two, a page multiple). */
export function ringBufMap(spec: { readonly maxEntries: number } & MapOptions): MapDef<undefined, undefined> {
  spec = specOf(spec, 'ringBufMap');
  need(spec.maxEntries, 'maxEntries');
  return new MapDef('ringbuf', undefined, undefined, spec);
}
/** BPF_MAP_TYPE_PERF_EVENT_ARRAY (key and value are 4-byte sizes; max entries default to the CPU count). */
export function perfEventArrayMap(spec: MapOptions = {}): MapDef<undefined, undefined> {
  return new MapDef('perf_event_array', undefined, undefined, { ...spec, keySize: 4, valueSize: 4 });
}
/** BPF_MAP_TYPE_PROG_ARRAY for tail calls; `values` names programs to put in the first slots. */
export function progArrayMap(spec: { readonly maxEntries: number; readonly values?: readonly (string | null)[] } & MapOptions): MapDef<undefined, undefined> {
  spec = specOf(spec, 'progArrayMap');
  need(spec.maxEntries, 'maxEntries');
  return new MapDef('prog_array', undefined, undefined, { ...spec, keySize: 4, valueSize: 4 });
}
/** BPF_MAP_TYPE_ARRAY_OF_MAPS / HASH_OF_MAPS with an inner map template and optional initial maps. */
export function mapOfMaps<K extends CType>(kind: 'array_of_maps' | 'hash_of_maps', spec: {
  readonly key: K; readonly maxEntries: number; readonly inner: MapDef; readonly values?: readonly (MapDef | null)[];
} & MapOptions): MapDef<K, undefined> {
  spec = specOf(spec, 'mapOfMaps');
  need(spec.maxEntries, 'maxEntries');
  return new MapDef(kind, spec.key, undefined, spec);
}
/** BPF_MAP_TYPE_STACK_TRACE: u32 stack id → `depth` 8-byte addresses. */
export function stackTraceMap(spec: { readonly maxEntries: number; readonly depth?: number } & MapOptions): MapDef<undefined, undefined> {
  spec = specOf(spec, 'stackTraceMap');
  need(spec.maxEntries, 'maxEntries');
  return new MapDef('stack_trace', undefined, undefined, { ...spec, keySize: 4, valueSize: 8 * (spec.depth ?? 127) });
}
/** BPF_MAP_TYPE_QUEUE / STACK: values only. */
export function queueMap<V extends CType>(kind: 'queue' | 'stack', spec: { readonly value: V; readonly maxEntries: number } & MapOptions): MapDef<undefined, V> {
  spec = specOf(spec, 'queueMap');
  need(spec.maxEntries, 'maxEntries');
  return new MapDef(kind, undefined, spec.value, spec);
}
/** BPF_MAP_TYPE_BLOOM_FILTER: values only; `hashes` (map_extra) functions, 1–15. */
export function bloomFilterMap<V extends CType>(spec: { readonly value: V; readonly maxEntries: number; readonly hashes?: number } & MapOptions): MapDef<undefined, V> {
  spec = specOf(spec, 'bloomFilterMap');
  need(spec.maxEntries, 'maxEntries');
  return new MapDef('bloom_filter', undefined, spec.value, { ...spec, ...(spec.hashes === undefined ? {} : { mapExtra: spec.hashes }) });
}
