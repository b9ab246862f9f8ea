// Maps as the vm keeps them: storage that outlives a run (a test seeds a map, runs many inputs,
// reads it back), with the kernel's map semantics and error codes. A run maps value storage into
// its address space when a helper hands a value pointer to the program.

import { BPF_MAP_TYPE, type MapSpec } from '../elf/index.js';
import { VmError } from './fault.js';

const T = BPF_MAP_TYPE;
/** The map types the vm implements (numbers: the kernel's enum bpf_map_type). */
export const VmMapType = {
  HASH: T.HASH, ARRAY: T.ARRAY, PROG_ARRAY: T.PROG_ARRAY, PERF_EVENT_ARRAY: T.PERF_EVENT_ARRAY, PERCPU_HASH: T.PERCPU_HASH,
  PERCPU_ARRAY: T.PERCPU_ARRAY, LRU_HASH: T.LRU_HASH, LRU_PERCPU_HASH: T.LRU_PERCPU_HASH, LPM_TRIE: T.LPM_TRIE, QUEUE: T.QUEUE,
  STACK: T.STACK, RINGBUF: T.RINGBUF,
} as const;

/** What the vm creates a map from: elf's MapSpec (the vm reads name, type, sizes and flags). */
export type VmMapSpec = MapSpec;

const E2BIG = -7, EEXIST = -17, ENOENT = -2, EINVAL = -22, ENOMEM = -12;
export const BPF_ANY = 0, BPF_NOEXIST = 1, BPF_EXIST = 2;

const keyOf = (k: Uint8Array): string => Buffer.from(k).toString('hex');

interface Element {
  readonly key: Uint8Array;
  /** One value per CPU for per-CPU maps, else one. */
  readonly values: Uint8Array[];
}

/** A record a program emitted through a ring buffer or perf event array. */
export interface VmRecord {
  readonly data: Uint8Array;
  readonly cpu?: number;
}

export class VmMap {
  readonly name: string;
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;
  /** Hash-like maps: elements in insertion (LRU: use) order. Arrays: every index present. */
  readonly elements = new Map<string, Element>();
  /** Queue/stack contents, oldest first. */
  readonly queue: Uint8Array[] = [];
  /** Ring buffer and perf event array output, in order. */
  readonly records: VmRecord[] = [];
  /** Prog array: program name by index. */
  readonly programs = new Map<number, string>();

  constructor(spec: MapSpec, readonly cpus: number) {
    this.name = spec.name;
    this.type = spec.type;
    this.keySize = spec.keySize;
    this.valueSize = spec.valueSize;
    this.maxEntries = spec.maxEntries;
    this.flags = spec.flags ?? 0;
    const known = Object.values(VmMapType) as number[];
    if (!known.includes(spec.type)) throw new VmError(`map ${spec.name}: map type ${spec.type} is not supported by the vm`);
    if (this.isArray()) {
      for (let i = 0; i < spec.maxEntries; i++) {
        const key = new Uint8Array(4);
        new DataView(key.buffer).setUint32(0, i, true);
        this.elements.set(keyOf(key), { key, values: this.newValues() });
      }
    }
  }

  isArray(): boolean {
    return this.type === VmMapType.ARRAY || this.type === VmMapType.PERCPU_ARRAY;
  }

  isPerCpu(): boolean {
    return this.type === VmMapType.PERCPU_ARRAY || this.type === VmMapType.PERCPU_HASH || this.type === VmMapType.LRU_PERCPU_HASH;
  }

  private newValues(): Uint8Array[] {
    return Array.from({ length: this.isPerCpu() ? this.cpus : 1 }, () => new Uint8Array(this.valueSize));
  }

  /** The value storage for a key on a CPU, or undefined. */
  lookup(key: Uint8Array, cpu = 0): Uint8Array | undefined {
    if (this.type === VmMapType.LPM_TRIE) return this.lpmLookup(key);
    const k = keyOf(key.subarray(0, this.keySize));
    const e = this.elements.get(k);
    if (e === undefined) return undefined;
    if (this.type === VmMapType.LRU_HASH || this.type === VmMapType.LRU_PERCPU_HASH) { this.elements.delete(k); this.elements.set(k, e); }
    return e.values[this.isPerCpu() ? cpu : 0];
  }

  /** Kernel map_update_elem semantics; returns 0 or a negative errno. `value` is one CPU's value (the program's view). */
  update(key: Uint8Array, value: Uint8Array, flags: number, cpu = 0): number {
    if (flags > BPF_EXIST) return EINVAL;
    const k = keyOf(key.subarray(0, this.keySize));
    const e = this.elements.get(k);
    if (this.isArray()) {
      if (e === undefined) return E2BIG;
      if (flags === BPF_NOEXIST) return EEXIST;
      e.values[this.isPerCpu() ? cpu : 0]!.set(value.subarray(0, this.valueSize));
      return 0;
    }
    if (e !== undefined && flags === BPF_NOEXIST) return EEXIST;
    if (e === undefined && flags === BPF_EXIST) return ENOENT;
    if (e !== undefined) {
      e.values[this.isPerCpu() ? cpu : 0]!.set(value.subarray(0, this.valueSize));
      return 0;
    }
    if (this.elements.size >= this.maxEntries) {
      if (this.type !== VmMapType.LRU_HASH && this.type !== VmMapType.LRU_PERCPU_HASH) return E2BIG;
      this.elements.delete(this.elements.keys().next().value!);
    }
    const values = this.newValues();
    values[this.isPerCpu() ? cpu : 0]!.set(value.subarray(0, this.valueSize));
    this.elements.set(k, { key: new Uint8Array(key.subarray(0, this.keySize)), values });
    return 0;
  }

  delete(key: Uint8Array): number {
    if (this.isArray()) return EINVAL;
    return this.elements.delete(keyOf(key.subarray(0, this.keySize))) ? 0 : ENOENT;
  }

  /** Queue/stack push (BPF_EXIST replaces the oldest when full). */
  push(value: Uint8Array, flags: number): number {
    if (this.queue.length >= this.maxEntries) {
      if (flags !== BPF_EXIST) return E2BIG;
      this.queue.shift();
    }
    this.queue.push(new Uint8Array(value.subarray(0, this.valueSize)));
    return 0;
  }

  /** Queue/stack pop or peek into `out`. */
  pop(out: Uint8Array, remove: boolean): number {
    if (this.queue.length === 0) return ENOENT;
    const v = this.type === VmMapType.STACK ? this.queue[this.queue.length - 1]! : this.queue[0]!;
    out.set(v);
    if (remove) { if (this.type === VmMapType.STACK) this.queue.pop(); else this.queue.shift(); }
    return 0;
  }

  /** LPM trie: the longest stored prefix matching key = { u32 prefixlen; u8 data[] }. */
  private lpmLookup(key: Uint8Array): Uint8Array | undefined {
    const dv = new DataView(key.buffer, key.byteOffset, key.byteLength);
    const want = dv.getUint32(0, true);
    let best: Element | undefined;
    let bestLen = -1;
    for (const e of this.elements.values()) {
      const len = new DataView(e.key.buffer, e.key.byteOffset).getUint32(0, true);
      if (len > want || len <= bestLen) continue;
      if (prefixEqual(e.key.subarray(4), key.subarray(4), len)) { best = e; bestLen = len; }
    }
    return best?.values[0];
  }

  /** Entries as [key, value] (per-CPU maps: the CPU's value; arrays: every index). */
  entries(cpu = 0): [Uint8Array, Uint8Array][] {
    return [...this.elements.values()].map((e) => [e.key, e.values[this.isPerCpu() ? cpu : 0]!]);
  }

  /** Every CPU's value of a per-CPU map's key. */
  perCpuValues(key: Uint8Array): Uint8Array[] | undefined {
    return this.elements.get(keyOf(key.subarray(0, this.keySize)))?.values;
  }
}

function prefixEqual(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  for (let i = 0; i < bits; i += 8) {
    const n = Math.min(8, bits - i);
    const mask = (0xff << (8 - n)) & 0xff;
    if (((a[i / 8]! ^ b[i / 8]!) & mask) !== 0) return false;
  }
  return true;
}

export { ENOMEM };
