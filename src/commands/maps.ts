// tsbpf maps dump PIN_OR_ID: the entries of a kernel map, one JSON object per line:
// {"key": K, "value": V}. With BTF (the map's btf_id), keys and values are decoded into plain
// values (see docs/loader.md, typed values; a global data map's value is an object of its
// variables); without it they are arrays of byte values.
// Per-CPU maps give an array with one value per possible CPU. Integers beyond 2^53 are strings.

import { ByteReader } from '../../isa/index.js';
import { type BpfMap, BpfMap as Map_, type BtfJsValue, isKeyedMap, kernelMapTypes } from '../../loader/index.js';
import { UsageError } from '../cli/usage-error.js';

/** Enum values by enumerator name, as bpftool's formatted dump prints them. */
const AS_BPFTOOL = { enumNames: true } as const;

function openMap(target: string): BpfMap {
  if (/^\d+$/.test(target)) return Map_.fromId(Number(target));
  if (target.startsWith('id:')) return Map_.fromId(Number(target.slice(3)));
  return Map_.fromPin(target);
}

function jsonable(v: BtfJsValue): unknown {
  if (typeof v === 'bigint') return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v.toString();
  if (Array.isArray(v)) return v.map(jsonable);
  if (typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonable(x)]));
  return v;
}

/** Writes one line per entry through `write`; returns the number of entries. */
export function dumpMap(target: string, write: (line: string) => void): number {
  let map: BpfMap;
  try {
    map = openMap(target);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ENOENT') throw new UsageError(`${target}: no such map (not a pinned map path or a map id)`);
    if (code === 'EINVAL' || code === 'EPERM' || code === 'EACCES') throw new UsageError(`${target}: cannot open the map: ${code}`);
    throw e;
  }
  try {
    if (!isKeyedMap(map.info.type)) throw new UsageError(`${target}: a ${map.typeName} map has no keys to dump`);
    const types = kernelMapTypes(map);
    if (types !== undefined) map.types = types;
    // Global data maps have a value type (the DATASEC) but no key type: their key is a u32 index.
    const typed = types?.value !== undefined;
    const decodeKey = (k: Uint8Array): unknown =>
      types?.key !== undefined ? jsonable(map.decodeKey(k, AS_BPFTOOL)) : k.length === 4 ? new ByteReader(k).u32(0) : [...k];
    const slot = (map.info.valueSize + 7) & ~7;
    let n = 0;
    for (const [k, v] of map.entries()) {
      let key: unknown;
      let value: unknown;
      if (typed) {
        key = decodeKey(k);
        value = map.perCpu
          ? Array.from({ length: v.length / slot }, (_, i) => jsonable(map.decodeValue(v.subarray(i * slot, i * slot + map.info.valueSize), AS_BPFTOOL)))
          : jsonable(map.decodeValue(v, AS_BPFTOOL));
      } else {
        key = [...k];
        value = map.perCpu ? Array.from({ length: v.length / slot }, (_, i) => [...v.subarray(i * slot, i * slot + map.info.valueSize)]) : [...v];
      }
      write(`${JSON.stringify({ key, value })}\n`);
      n++;
    }
    return n;
  } finally {
    map.close();
  }
}
