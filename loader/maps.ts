// A kernel BPF map: creation, element access (raw bytes, per-CPU slots, or BTF-typed JS values),
// iteration, batch operations, freeze and pinning.

import { type Btf, decodeBtf, type MapSpec } from '../elf/index.js';
import { type BtfJsValue, decodeBtfValue, type DecodeOptions, encodeBtfValue } from './btf-values.js';
import { OwnedFd } from './fd.js';
import { isPerCpuMap, MapType, mapTypeName } from './map-types.js';
import { possibleCpus } from './possible-cpus.js';
import {
  bpf, bpfCommandName, BpfCommand, BtfInfoLayout, encodeAttr, GetIdAttr, MapBatchAttr, MapCreateAttr, MapElemAttr, MapInfoLayout, ObjAttr,
  MapFlag, ObjInfoAttr, objectName, pointee, pointeeStruct, type PreparedBpf, preparedBpf, readAttr, SyscallError,
} from './sys/index.js';
import { TsbpfError } from '../isa/index.js';

export type { MapSpec };

/** What the kernel reports about a map (OBJ_GET_INFO_BY_FD). */
export interface MapInfo {
  readonly id: number;
  readonly name: string;
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;
  readonly btfId: number;
  readonly btfKeyTypeId: number;
  readonly btfValueTypeId: number;
}

/** BTF types of a map's key and value, for typed access. */
export interface MapTypes {
  readonly btf: Btf;
  readonly key?: number;
  readonly value?: number;
}

export class MapError extends TsbpfError {
  override readonly name: string = 'MapError';
  /** errno name when a system call failed. */
  readonly code: string | undefined;
  constructor(message: string, code?: string) {
    super(message);
    this.code = code;
  }
}

export const UpdateFlags = { ANY: 0, NOEXIST: 1, EXIST: 2, LOCK: 4 } as const;

function errnoOf(e: unknown): string | undefined {
  return e instanceof SyscallError ? e.code : undefined;
}

const ENOENT = 2;

/** One element command's attr, encoded once, and the key/value memory in its buffer. */
interface ElemCall {
  readonly attr: Buffer;
  readonly key: Uint8Array;
  /** The value (lookup, update) or next key (get_next_key). */
  readonly value: Uint8Array;
  /** bpf() on this attr (pointers written once). */
  readonly call: PreparedBpf;
  /** The flags the attr holds now (written only when they change). */
  flags: number;
}

/**
 * Preallocated memory for the element calls of one map: a bpf_attr per command with the map fd
 * written once and its key/value memory in the attr's own buffer (see encodeAttr). A call then
 * only copies the caller's bytes in and the result out.
 */
class ElemScratch {
  #lookup: ElemCall | undefined;
  #update: ElemCall | undefined;
  #del: ElemCall | undefined;
  #nextKey: ElemCall | undefined;
  #firstKey: ElemCall | undefined;
  #lookupAndDelete: ElemCall | undefined;

  constructor(readonly fd: number, readonly keySize: number, readonly valueSize: number) {}

  // Each command's attr is encoded on its first use: a loader's single update of a data map
  // encodes one attr, not six.
  get lookup(): ElemCall { return this.#lookup ??= this.#call('value'); }
  get update(): ElemCall { return this.#update ??= this.#call('value'); }
  get del(): ElemCall { return this.#del ??= this.#call(undefined); }
  get nextKey(): ElemCall { return this.#nextKey ??= this.#call('next_key'); }
  get firstKey(): ElemCall { return this.#firstKey ??= this.#call('next_key', false); }
  get lookupAndDelete(): ElemCall { return this.#lookupAndDelete ??= this.#call('value'); }

  #call(field: 'value' | 'next_key' | undefined, keyed = true): ElemCall {
    // A map without keys (queue, stack, bloom filter) takes a NULL key: the kernel refuses any other.
    const withKey = keyed && this.keySize > 0;
    const key = pointee(this.keySize);
    const value = pointee(field === 'next_key' ? this.keySize : this.valueSize);
    const attr = encodeAttr(MapElemAttr, { map_fd: this.fd, key: withKey ? key : 0n, ...(field === undefined ? {} : { [field]: value }) });
    return {
      attr, key: withKey ? key.bytes : new Uint8Array(0), value: field === undefined ? new Uint8Array(0) : value.bytes,
      call: preparedBpf(attr), flags: 0,
    };
  }
}

const FLAGS_OFFSET = MapElemAttr.fields.flags.offset;

/** The key of a map without keys (queue, stack, bloom filter). */
const NO_KEY = new Uint8Array(0);

/** Writes the u64 flags of a MapElemAttr buffer (numbers up to 2^53) when they differ from the last ones. */
function setFlags(c: ElemCall, flags: number): void {
  if (flags === c.flags) return;
  c.attr.writeUInt32LE(flags >>> 0, FLAGS_OFFSET);
  c.attr.writeUInt32LE(Math.floor(flags / 0x1_0000_0000) >>> 0, FLAGS_OFFSET + 4);
  c.flags = flags;
}

/** Copies a key into an element call's key memory: a loop for the usual small keys (TypedArray.set costs more). */
function copyKey(to: Uint8Array, from: Uint8Array): void {
  const n = from.length;
  if (n > 16) { to.set(from); return; }
  for (let i = 0; i < n; i++) to[i] = from[i]!;
}

export class BpfMap {
  readonly #fd: OwnedFd;
  readonly info: MapInfo;
  types: MapTypes | undefined;
  #scratch: ElemScratch | undefined;
  /** The scratch's lookup call, kept here for lookup's hot path. */
  #lookupCall: ElemCall | undefined;

  constructor(fd: OwnedFd, info: MapInfo, types?: MapTypes) {
    this.#fd = fd;
    this.info = info;
    this.types = types;
  }

  /** MAP_CREATE; a refusal is a MapError naming the map and the errno. */
  static create(spec: MapSpec, types?: MapTypes): BpfMap {
    const attr = encodeAttr(MapCreateAttr, {
      map_type: spec.type, key_size: spec.keySize, value_size: spec.valueSize, max_entries: spec.maxEntries,
      map_flags: spec.flags ?? 0, inner_map_fd: spec.innerMapFd ?? 0, numa_node: spec.numaNode ?? 0,
      map_name: objectName(spec.name), btf_fd: spec.btfFd ?? 0, btf_key_type_id: spec.btfKeyTypeId ?? 0,
      btf_value_type_id: spec.btfValueTypeId ?? 0, map_extra: BigInt(spec.mapExtra ?? 0), btf_vmlinux_value_type_id: spec.btfVmlinuxValueTypeId ?? 0,
    });
    let fd: number;
    try {
      fd = bpf(BpfCommand.MAP_CREATE, attr);
    } catch (e) {
      if (e instanceof SyscallError) throw new MapError(`map ${spec.name}: ${e.message}`, e.code);
      throw e;
    }
    const owned = new OwnedFd(fd, `map ${spec.name}`);
    return new BpfMap(owned, createdMapInfo(owned, spec), types);
  }

  /** Wraps an fd this map now owns, reading its info from the kernel. */
  static fromFd(fd: OwnedFd, types?: MapTypes): BpfMap {
    return new BpfMap(fd, mapInfo(fd.fd), types);
  }

  /** Opens a map pinned in bpffs. */
  static fromPin(path: string): BpfMap {
    const p = Buffer.from(`${path}\0`);
    return BpfMap.fromFd(new OwnedFd(bpf(BpfCommand.OBJ_GET, encodeAttr(ObjAttr, { pathname: pointee(p) })), `map ${path}`));
  }

  /** Opens a map by its kernel id. */
  static fromId(id: number): BpfMap {
    return BpfMap.fromFd(new OwnedFd(bpf(BpfCommand.MAP_GET_FD_BY_ID, encodeAttr(GetIdAttr, { map_id: id })), `map id ${id}`));
  }

  get fd(): number { return this.#fd.fd; }
  get name(): string { return this.info.name; }
  get typeName(): string { return mapTypeName(this.info.type); }
  get perCpu(): boolean { return isPerCpuMap(this.info.type); }
  get closed(): boolean { return this.#fd.closed; }

  /** Bytes of one value as the syscalls see it: per-CPU maps hold a slot rounded to 8 per possible CPU. */
  get valueBufferSize(): number {
    return this.perCpu ? roundUp8(this.info.valueSize) * possibleCpus() : this.info.valueSize;
  }

  close(): void {
    this.#fd.close();
    this.#scratch = undefined;
    this.#lookupCall = undefined;
  }

  #elem(): ElemScratch {
    // Created on first use: its fd is checked here, so a closed map throws ClosedError as before.
    return this.#scratch ??= new ElemScratch(this.#fd.fd, this.info.keySize, this.valueBufferSize);
  }

  /** bpf() on an element call's attr: the result, undefined for ENOENT, a SyscallError otherwise. */
  #call(cmd: number, c: ElemCall): number | undefined {
    const r = c.call(cmd);
    if (r >= 0) return r;
    if (r === -ENOENT) return undefined;
    throw new SyscallError('bpf', -r, bpfCommandName(cmd));
  }

  #key(key: Uint8Array): Uint8Array {
    if (key.length !== this.info.keySize) throw new MapError(`map ${this.name}: key of ${key.length} bytes, expected ${this.info.keySize}`);
    return key;
  }

  /** The value for `key`, undefined when absent. Per-CPU maps return all slots concatenated. */
  lookup(key: Uint8Array, flags = 0): Uint8Array | undefined {
    // The hot path of map access, written out: each step below was a call of its own.
    if (key.length !== this.info.keySize) this.#key(key);
    const c = this.#lookupCall ?? (this.#lookupCall = this.#elem().lookup);
    copyKey(c.key, key);
    if (flags !== c.flags) setFlags(c, flags);
    const r = c.call(BpfCommand.MAP_LOOKUP_ELEM);
    if (r < 0) {
      if (r === -ENOENT) return undefined;
      throw new SyscallError('bpf', -r, bpfCommandName(BpfCommand.MAP_LOOKUP_ELEM));
    }
    const v = c.value;
    if (v.length > 32) return v.slice(); // a copy the caller owns
    const out = new Uint8Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = v[i]!;
    return out;
  }

  update(key: Uint8Array, value: Uint8Array, flags: number = UpdateFlags.ANY): void {
    const k = this.#key(key);
    const s = this.#elem();
    if (value.length !== s.valueSize) throw new MapError(`map ${this.name}: value of ${value.length} bytes, expected ${s.valueSize}`);
    const c = s.update;
    copyKey(c.key, k);
    c.value.set(value);
    setFlags(c, flags);
    const r = c.call(BpfCommand.MAP_UPDATE_ELEM);
    if (r < 0) throw new SyscallError('bpf', -r, bpfCommandName(BpfCommand.MAP_UPDATE_ELEM));
  }

  /**
   * The value for `key`, deleted in the same call (MAP_LOOKUP_AND_DELETE_ELEM); undefined when absent.
   * Hash maps (Linux 5.14+) and queues and stacks, whose key is empty: see pop().
   */
  lookupAndDelete(key: Uint8Array, flags = 0): Uint8Array | undefined {
    const k = this.#key(key);
    const c = this.#elem().lookupAndDelete;
    copyKey(c.key, k);
    setFlags(c, flags);
    return this.#call(BpfCommand.MAP_LOOKUP_AND_DELETE_ELEM, c) === undefined ? undefined : c.value.slice();
  }

  /** A queue's or stack's next value, removed (its head for a queue, its top for a stack); undefined when empty. */
  pop(): Uint8Array | undefined {
    return this.lookupAndDelete(NO_KEY);
  }

  /** A queue's or stack's next value, left in place; undefined when empty. */
  peek(): Uint8Array | undefined {
    return this.lookup(NO_KEY);
  }

  /**
   * Adds a value to a queue, stack or bloom filter (`UpdateFlags.EXIST` on a full queue or stack
   * drops its oldest value to make room; ANY fails with E2BIG).
   */
  push(value: Uint8Array, flags: number = UpdateFlags.ANY): void {
    this.update(NO_KEY, value, flags);
  }

  /** A bloom filter's answer for `value`: false when certainly absent, true when maybe present. */
  mayContain(value: Uint8Array): boolean {
    const s = this.#elem();
    if (value.length !== s.valueSize) throw new MapError(`map ${this.name}: value of ${value.length} bytes, expected ${s.valueSize}`);
    const c = s.lookup;
    c.value.set(value);
    setFlags(c, 0);
    return this.#call(BpfCommand.MAP_LOOKUP_ELEM, c) !== undefined;
  }

  /** Deletes `key`; false when it was absent. */
  delete(key: Uint8Array): boolean {
    const k = this.#key(key);
    const c = this.#elem().del;
    copyKey(c.key, k);
    return this.#call(BpfCommand.MAP_DELETE_ELEM, c) !== undefined;
  }

  /** The key after `key` (the first key when `key` is undefined); undefined at the end. */
  nextKey(key: Uint8Array | undefined): Uint8Array | undefined {
    const s = this.#elem();
    let call = s.firstKey;
    if (key !== undefined) {
      copyKey(s.nextKey.key, this.#key(key));
      call = s.nextKey;
    }
    if (this.#call(BpfCommand.MAP_GET_NEXT_KEY, call) === undefined) return undefined;
    return call.value.slice();
  }

  *keys(): IterableIterator<Uint8Array> {
    let k = this.nextKey(undefined);
    while (k !== undefined) {
      yield k;
      k = this.nextKey(k);
    }
  }

  /** Entries in key order of the kernel; an entry deleted between next-key and lookup is skipped. */
  *entries(): IterableIterator<[Uint8Array, Uint8Array]> {
    for (const k of this.keys()) {
      const v = this.lookup(k);
      if (v !== undefined) yield [k, v];
    }
  }

  /** Per-CPU value split into one slot per possible CPU. */
  lookupPerCpu(key: Uint8Array): Uint8Array[] | undefined {
    if (!this.perCpu) throw new MapError(`map ${this.name} (${this.typeName}) is not per-CPU`);
    const v = this.lookup(key);
    if (v === undefined) return undefined;
    const slot = roundUp8(this.info.valueSize);
    return Array.from({ length: possibleCpus() }, (_, i) => v.slice(i * slot, i * slot + this.info.valueSize));
  }

  /** Writes one value per possible CPU. */
  updatePerCpu(key: Uint8Array, values: readonly Uint8Array[], flags: number = UpdateFlags.ANY): void {
    if (!this.perCpu) throw new MapError(`map ${this.name} (${this.typeName}) is not per-CPU`);
    const n = possibleCpus();
    if (values.length !== n) throw new MapError(`map ${this.name}: ${values.length} per-CPU values for ${n} CPUs`);
    const slot = roundUp8(this.info.valueSize);
    const buf = new Uint8Array(slot * n);
    values.forEach((v, i) => {
      if (v.length !== this.info.valueSize) throw new MapError(`map ${this.name}: value of ${v.length} bytes, expected ${this.info.valueSize}`);
      buf.set(v, i * slot);
    });
    this.update(key, buf, flags);
  }

  /**
   * Batch lookup (MAP_LOOKUP_BATCH, or MAP_LOOKUP_AND_DELETE_BATCH with `andDelete`): every entry,
   * `chunk` at a time.
   */
  lookupBatch(options: { chunk?: number; andDelete?: boolean } = {}): [Uint8Array, Uint8Array][] {
    const chunk = options.chunk ?? 64;
    const ks = this.info.keySize;
    const vs = this.valueBufferSize;
    const out: [Uint8Array, Uint8Array][] = [];
    // Hash maps use a 4-byte bucket cursor, arrays the key size; 8 bytes covers both.
    const inBatch = new Uint8Array(Math.max(8, ks));
    let first = true;
    for (;;) {
      const outBatch = pointee(inBatch.length);
      const keys = pointee(ks * chunk);
      const values = pointee(vs * chunk);
      const attr = encodeAttr(MapBatchAttr, {
        in_batch: first ? 0n : pointee(inBatch), out_batch: outBatch, keys, values, count: chunk, map_fd: this.fd,
      });
      let done = false;
      try {
        bpf(options.andDelete === true ? BpfCommand.MAP_LOOKUP_AND_DELETE_BATCH : BpfCommand.MAP_LOOKUP_BATCH, attr);
      } catch (e) {
        if (errnoOf(e) !== 'ENOENT') throw e;
        done = true;
      }
      const n = readAttr(MapBatchAttr, attr, 'count');
      for (let i = 0; i < n; i++) out.push([keys.bytes.subarray(i * ks, (i + 1) * ks), values.bytes.subarray(i * vs, (i + 1) * vs)]);
      if (done) return out;
      inBatch.set(outBatch.bytes);
      first = false;
    }
  }

  /** MAP_UPDATE_BATCH: all entries in one call; returns how many the kernel applied. */
  updateBatch(entries: readonly (readonly [Uint8Array, Uint8Array])[], flags: number = UpdateFlags.ANY): number {
    const ks = this.info.keySize;
    const vs = this.valueBufferSize;
    const keys = pointee(ks * entries.length);
    const values = pointee(vs * entries.length);
    const attr = encodeAttr(MapBatchAttr, { keys, values, count: entries.length, map_fd: this.fd, elem_flags: flags });
    entries.forEach(([k, v], i) => {
      keys.bytes.set(this.#key(k), i * ks);
      if (v.length !== vs) throw new MapError(`map ${this.name}: value of ${v.length} bytes, expected ${vs}`);
      values.bytes.set(v, i * vs);
    });
    bpf(BpfCommand.MAP_UPDATE_BATCH, attr);
    return readAttr(MapBatchAttr, attr, 'count');
  }

  /** MAP_DELETE_BATCH; returns how many were deleted (stops at the first absent key with ENOENT). */
  deleteBatch(keys: readonly Uint8Array[]): number {
    const ks = this.info.keySize;
    const buf = pointee(ks * keys.length);
    const attr = encodeAttr(MapBatchAttr, { keys: buf, count: keys.length, map_fd: this.fd });
    keys.forEach((k, i) => buf.bytes.set(this.#key(k), i * ks));
    try {
      bpf(BpfCommand.MAP_DELETE_BATCH, attr);
    } catch (e) {
      if (errnoOf(e) !== 'ENOENT') throw e;
    }
    return readAttr(MapBatchAttr, attr, 'count');
  }

  /** Makes the map read-only for syscalls (programs can still write unless RDONLY_PROG). */
  freeze(): void {
    bpf(BpfCommand.MAP_FREEZE, encodeAttr(MapElemAttr, { map_fd: this.fd }));
  }

  /** Pins the map at `path` in bpffs. */
  pin(path: string): void {
    pinFd(this.fd, path);
  }

  // Typed access through the map's BTF.

  #type(which: 'key' | 'value'): { btf: Btf; id: number } {
    const t = this.types;
    const id = t?.[which];
    if (t === undefined || id === undefined) throw new MapError(`map ${this.name} has no BTF ${which} type`);
    return { btf: t.btf, id };
  }

  encodeKey(key: BtfJsValue): Uint8Array {
    const t = this.#type('key');
    const out = new Uint8Array(this.info.keySize);
    encodeBtfValue(t.btf, t.id, key, out, 'key');
    return out;
  }

  encodeValue(value: BtfJsValue): Uint8Array {
    const t = this.#type('value');
    const out = new Uint8Array(this.info.valueSize);
    encodeBtfValue(t.btf, t.id, value, out, 'value');
    return out;
  }

  decodeKey(key: Uint8Array, options?: DecodeOptions): BtfJsValue {
    const t = this.#type('key');
    return decodeBtfValue(t.btf, t.id, key, options);
  }

  decodeValue(value: Uint8Array, options?: DecodeOptions): BtfJsValue {
    const t = this.#type('value');
    return decodeBtfValue(t.btf, t.id, value, options);
  }

  /** Typed lookup; per-CPU maps give an array with one decoded value per CPU. */
  get(key: BtfJsValue): BtfJsValue | undefined {
    const k = this.encodeKey(key);
    if (this.perCpu) return this.lookupPerCpu(k)?.map((v) => this.decodeValue(v));
    const v = this.lookup(k);
    return v === undefined ? undefined : this.decodeValue(v);
  }

  set(key: BtfJsValue, value: BtfJsValue, flags: number = UpdateFlags.ANY): void {
    const k = this.encodeKey(key);
    if (this.perCpu) {
      const vals = Array.isArray(value) ? value : Array.from({ length: possibleCpus() }, () => value);
      this.updatePerCpu(k, vals.map((v) => this.encodeValue(v)), flags);
    } else this.update(k, this.encodeValue(value), flags);
  }

  /** Decoded entries (raw bytes when the map has no BTF types). */
  *typedEntries(): IterableIterator<[BtfJsValue, BtfJsValue]> {
    for (const [k, v] of this.entries()) {
      if (this.perCpu) {
        const slot = roundUp8(this.info.valueSize);
        yield [this.decodeKey(k), Array.from({ length: possibleCpus() }, (_, i) => this.decodeValue(v.subarray(i * slot, i * slot + this.info.valueSize)))];
      } else yield [this.decodeKey(k), this.decodeValue(v)];
    }
  }
}

/**
 * The BTF the kernel holds for a map (its btf_id), for typed access to maps this process did not
 * create. Undefined when the map has no BTF.
 */
export function kernelMapTypes(map: BpfMap): MapTypes | undefined {
  const i = map.info;
  if (i.btfId === 0 || i.btfValueTypeId === 0) return undefined;
  const fd = new OwnedFd(bpf(BpfCommand.BTF_GET_FD_BY_ID, encodeAttr(GetIdAttr, { btf_id: i.btfId })), `BTF id ${i.btfId}`);
  try {
    const head = pointee(BtfInfoLayout.size);
    bpf(BpfCommand.OBJ_GET_INFO_BY_FD, encodeAttr(ObjInfoAttr, { bpf_fd: fd.fd, info_len: head.size, info: head }));
    const size = readAttr(BtfInfoLayout, head.bytes, 'btf_size');
    const blob = pointee(size);
    const info = pointeeStruct(BtfInfoLayout, { btf: blob, btf_size: size });
    bpf(BpfCommand.OBJ_GET_INFO_BY_FD, encodeAttr(ObjInfoAttr, { bpf_fd: fd.fd, info_len: info.size, info }));
    const btf = decodeBtf(blob.bytes);
    return { btf, ...(i.btfKeyTypeId === 0 ? {} : { key: i.btfKeyTypeId }), ...(i.btfValueTypeId === 0 ? {} : { value: i.btfValueTypeId }) };
  } finally {
    fd.close();
  }
}

export function pinFd(fd: number, path: string): void {
  const p = Buffer.from(`${path}\0`);
  bpf(BpfCommand.OBJ_PIN, encodeAttr(ObjAttr, { pathname: pointee(p), bpf_fd: fd }));
}

/** Removes a pin (an ordinary unlink in bpffs). */
export { unlinkSync as unpin } from 'node:fs';

function roundUp8(n: number): number {
  return (n + 7) & ~7;
}

// Flags the kernel keeps as given (bpf_map_info reports them back); RDONLY and WRONLY belong to the
// fd and are not reported. A map created with any other flag has its info read from the kernel.
const KEPT_FLAGS = 0x1fff & ~(MapFlag.RDONLY | MapFlag.WRONLY);
const FD_FLAGS = MapFlag.RDONLY | MapFlag.WRONLY;
// Map types whose creation keeps the spec as it is. Others may change it (a devmap with 4-byte
// values gains RDONLY_PROG), so their info is read from the kernel. test/loader-map-info.test.ts.
const SPEC_KEPT = new Set<number>([
  MapType.HASH, MapType.ARRAY, MapType.PROG_ARRAY, MapType.PERF_EVENT_ARRAY, MapType.PERCPU_HASH, MapType.PERCPU_ARRAY,
  MapType.STACK_TRACE, MapType.CGROUP_ARRAY, MapType.LRU_HASH, MapType.LRU_PERCPU_HASH, MapType.LPM_TRIE,
  MapType.ARRAY_OF_MAPS, MapType.HASH_OF_MAPS, MapType.QUEUE, MapType.STACK, MapType.RINGBUF, MapType.BLOOM_FILTER,
  MapType.TASK_STORAGE,
]);

/**
 * The info of a map MAP_CREATE just made from `spec`: what the kernel keeps of the spec, without
 * OBJ_GET_INFO_BY_FD (libbpf does not ask either). The id and the BTF object's id exist only in
 * the kernel: they are read on first use, while the map is open.
 */
function createdMapInfo(owned: OwnedFd, spec: MapSpec): MapInfo {
  const flags = spec.flags ?? 0;
  if ((flags & ~(KEPT_FLAGS | FD_FLAGS)) !== 0 || !SPEC_KEPT.has(spec.type)) return mapInfo(owned.fd);
  let kernel: MapInfo | undefined;
  const fromKernel = (): MapInfo => kernel ??= mapInfo(owned.fd);
  const name = Buffer.from(objectName(spec.name));
  const end = name.indexOf(0);
  return {
    get id() { return fromKernel().id; },
    name: name.subarray(0, end < 0 ? name.length : end).toString('utf8'),
    type: spec.type, keySize: spec.keySize, valueSize: spec.valueSize, maxEntries: spec.maxEntries, flags: flags & KEPT_FLAGS,
    // The kernel takes a BTF object only for a map given type ids.
    get btfId() { return (spec.btfKeyTypeId ?? 0) === 0 && (spec.btfValueTypeId ?? 0) === 0 && (spec.btfVmlinuxValueTypeId ?? 0) === 0 ? 0 : fromKernel().btfId; },
    btfKeyTypeId: spec.btfKeyTypeId ?? 0, btfValueTypeId: spec.btfValueTypeId ?? 0,
  };
}

export function mapInfo(fd: number): MapInfo {
  const info = pointee(MapInfoLayout.size);
  bpf(BpfCommand.OBJ_GET_INFO_BY_FD, encodeAttr(ObjInfoAttr, { bpf_fd: fd, info_len: info.size, info }));
  const buf = Buffer.from(info.bytes.buffer, info.bytes.byteOffset, info.size);
  const f = MapInfoLayout.fields;
  const name = buf.subarray(f.name.offset, f.name.offset + 16);
  const end = name.indexOf(0);
  return {
    id: readAttr(MapInfoLayout, buf, 'id'), name: name.subarray(0, end < 0 ? 16 : end).toString('utf8'),
    type: readAttr(MapInfoLayout, buf, 'type'), keySize: readAttr(MapInfoLayout, buf, 'key_size'),
    valueSize: readAttr(MapInfoLayout, buf, 'value_size'), maxEntries: readAttr(MapInfoLayout, buf, 'max_entries'),
    flags: readAttr(MapInfoLayout, buf, 'map_flags'), btfId: readAttr(MapInfoLayout, buf, 'btf_id'),
    btfKeyTypeId: readAttr(MapInfoLayout, buf, 'btf_key_type_id'), btfValueTypeId: readAttr(MapInfoLayout, buf, 'btf_value_type_id'),
  };
}

