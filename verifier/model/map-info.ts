// What the verifier knows of a map that a program references: the fields of
// BPF_MAP_CREATE that its checks read.

import { BPF_MAP_TYPE, type MapSpec } from '../../elf/index.js';

/** elf's MapSpec as the checks read it: the kind and sizes; the name only for messages. */
export interface MapInfo extends Pick<MapSpec, 'type' | 'keySize' | 'valueSize' | 'maxEntries' | 'flags'> {
  /** Name for messages (optional). */
  readonly name?: string;
  /** The map has BTF for its value, so the special fields below are known (absent: none). */
  readonly valueFieldsKnown?: boolean;
  /** Offsets in the value of the special fields its BTF declares (the kernel's btf_record). */
  readonly spinLockOff?: number;
  readonly timerOff?: number;
  /** The kptr fields, by offset (loaded as PTR_TO_BTF_ID; see kptr.ts). */
  readonly kptrs?: readonly MapKptr[];
  /** The contents of a map frozen with BPF_F_RDONLY_PROG (.rodata): the kernel folds loads from it. */
  readonly frozenValue?: Uint8Array;
  /** Special fields the model does not track (kptrs, list/rb-tree roots, refcounts, workqueues). */
  readonly otherFields?: readonly string[];
  /** A map of maps: its inner map template (the kernel's inner_map_meta). */
  readonly inner?: MapInfo;
}

/** A kptr field of a map value (the kernel's btf_field of type BPF_KPTR_*). */
export interface MapKptr {
  readonly off: number;
  readonly kind: 'unref' | 'ref' | 'percpu';
  /** The struct it points to, by name (in the kernel's BTF, or the program's for a local type). */
  readonly target: string;
}

/** uapi map type numbers (enum bpf_map_type, generated from the kernel's BTF). */
export const MapType = BPF_MAP_TYPE;

/** BPF_F_RDONLY_PROG and BPF_F_WRONLY_PROG map flags. */
export const BPF_F_RDONLY_PROG = 1 << 7;
export const BPF_F_WRONLY_PROG = 1 << 8;

/** Kernel's kernel-side name of a map type, as printed in `only read from bpf_array is supported`-style messages. */
export function mapKernelTypeName(type: number): string | undefined {
  switch (type) {
    case MapType.HASH: case MapType.PERCPU_HASH: case MapType.LRU_HASH: case MapType.LRU_PERCPU_HASH: return 'bpf_htab';
    case MapType.ARRAY: case MapType.PERCPU_ARRAY: case MapType.PROG_ARRAY: case MapType.PERF_EVENT_ARRAY: return 'bpf_array';
    default: return undefined;
  }
}

/**
 * The map as a loader without CAP_BPF creates it: the kernel refuses it BTF, so libbpf (and
 * tsbpf's loader) create the map without, and the value has no special fields.
 */
function mapWithoutBtf(m: MapInfo): MapInfo {
  const { valueFieldsKnown: _known, spinLockOff: _lock, timerOff: _timer, kptrs: _kptrs, otherFields: _other, inner, ...rest } = m;
  return inner === undefined ? rest : { ...rest, inner: mapWithoutBtf(inner) };
}

/** The maps of a load by fd, each without BTF (one object per fd: the walk compares maps by identity). */
export function mapsWithoutBtf(lookup: (fd: number) => MapInfo | undefined): (fd: number) => MapInfo | undefined {
  const made = new Map<number, MapInfo | undefined>();
  return (fd) => {
    if (!made.has(fd)) { const m = lookup(fd); made.set(fd, m === undefined ? undefined : mapWithoutBtf(m)); }
    return made.get(fd);
  };
}
