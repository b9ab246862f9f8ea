// Encoding a layout (a bpf_attr arm, perf_event_attr, an info struct) into bytes, together with
// everything its pointer fields point to. The pointees are placed in the same ArrayBuffer, after
// the attr, and the pointer fields are filled in by the shim right before the system call, from
// the attr's own address. The attr is an argument of that call, so its buffer — and with it every
// pointee, nested ones included — is alive for the call whatever else is collected: no buffer is
// known only by its address, and nothing needs holding.

import type { AttrField, AttrLayout } from './attr.js';
import { AttrValueError } from './errors.js';

/**
 * Memory a pointer field points to: `pointee(bytes)` (a copy the kernel reads), `pointee(size)`
 * (zeroed memory the kernel writes), `pointeeStruct(layout, values)` (a struct with pointers of its
 * own, e.g. bpf_btf_info inside OBJ_GET_INFO_BY_FD). After encodeAttr, `bytes` is the memory
 * itself, inside the attr's buffer: what the kernel wrote is read there after the call.
 */
export class Pointee {
  #bytes: Uint8Array | undefined;

  private constructor(
    readonly size: number,
    readonly init: Uint8Array | undefined,
    readonly struct: { readonly layout: AttrLayout; readonly values: Readonly<Record<string, AttrValue | undefined>> } | undefined,
  ) {}

  static of(init: Uint8Array | number): Pointee {
    return typeof init === 'number' ? new Pointee(init, undefined, undefined) : new Pointee(init.length, init, undefined);
  }

  static struct<F extends string>(layout: AttrLayout<F>, values: Partial<Record<F, AttrValue>>): Pointee {
    return new Pointee(layout.size, undefined, { layout, values });
  }

  /** The memory in the attr's buffer (after encodeAttr placed it). */
  get bytes(): Uint8Array {
    if (this.#bytes === undefined) throw new Error('a pointee has bytes only once encodeAttr has placed it');
    return this.#bytes;
  }

  /** The bytes up to the first NUL, as UTF-8 (a log the kernel wrote). */
  cString(): string {
    const b = this.bytes;
    const end = b.indexOf(0);
    return Buffer.from(b.buffer, b.byteOffset, end < 0 ? b.length : end).toString('utf8');
  }

  /** @internal encodeAttr's placement. */
  placeIn(bytes: Uint8Array): void {
    this.#bytes = bytes;
  }
}

/** Memory for a pointer field: a copy of `bytes`, or `size` zero bytes (see Pointee). */
export function pointee(init: Uint8Array | number): Pointee {
  return Pointee.of(init);
}

/** A struct for a pointer field, encoded in place with its own pointees (see Pointee). */
export function pointeeStruct<F extends string>(layout: AttrLayout<F>, values: Partial<Record<F, AttrValue>>): Pointee {
  return Pointee.struct(layout, values);
}

/** A field value: an integer, bytes for a byte field (map_name, prog_name), or a Pointee for a pointer field. */
export type AttrValue = number | bigint | Uint8Array | Pointee;

/** Where an encoded attr's pointer fields are and what they point to, relative to the attr's first byte. */
export interface AttrPointers {
  /** Pairs: pointer field offset, pointee offset. */
  readonly offsets: readonly number[];
  /** Whether the fields hold the addresses yet (the memory never moves, so once is enough). */
  written: boolean;
}

const POINTERS = new WeakMap<Uint8Array, AttrPointers>();

/** The pointer fields of an attr encodeAttr made (undefined when it has none). */
export function attrPointers(attr: Uint8Array): AttrPointers | undefined {
  return POINTERS.get(attr);
}

const align8 = (n: number): number => (n + 7) & ~7;

/**
 * Encodes a layout: numbers and bigints little-endian into their field, Uint8Array copied into a
 * byte field (map_name, prog_name), Pointees placed after the attr in the same buffer (see
 * Pointee). Unset fields are zero, as the kernel requires of unused bytes. The result is exactly
 * the layout's size (the size the kernel is given); the pointees follow it in its ArrayBuffer.
 */
export function encodeAttr<F extends string>(l: AttrLayout<F>, values: Partial<Record<F, AttrValue>>): Buffer {
  const offsets = new Map<Pointee, number>();
  let end = align8(l.size);
  const place = (vals: Readonly<Record<string, AttrValue | undefined>>): void => {
    // for…in: no array of values per attr (the loader encodes a dozen attrs per object).
    for (const k in vals) {
      const v = vals[k];
      if (!(v instanceof Pointee) || offsets.has(v)) continue;
      offsets.set(v, end);
      // At least 8 bytes, so that even an empty pointee has an address of its own.
      end += align8(Math.max(8, v.size));
      if (v.struct !== undefined) place(v.struct.values);
    }
  };
  place(values);
  // Buffer.alloc never takes from the shared pool: the ArrayBuffer is this attr's alone.
  const whole = Buffer.alloc(end);
  const pointers: number[] = [];
  writeFields(whole, 0, l, values, offsets, pointers);
  for (const [p, offset] of offsets) {
    if (p.init !== undefined) whole.set(p.init, offset);
    else if (p.struct !== undefined) writeFields(whole, offset, p.struct.layout, p.struct.values, offsets, pointers);
    p.placeIn(new Uint8Array(whole.buffer, whole.byteOffset + offset, p.size));
  }
  const attr = whole.subarray(0, l.size);
  if (pointers.length > 0) POINTERS.set(attr, { offsets: pointers, written: false });
  return attr;
}

function writeFields(
  buf: Buffer, base: number, l: AttrLayout, values: Readonly<Record<string, AttrValue | undefined>>,
  offsets: ReadonlyMap<Pointee, number>, pointers: number[],
): void {
  for (const name in values) {
    const v = values[name];
    if (v === undefined) continue;
    const f = (l.fields as Readonly<Record<string, AttrField>>)[name];
    if (f === undefined) throw new AttrValueError(l.name, name, v, `${l.name} has no field ${name}`);
    const at = base + f.offset;
    if (v instanceof Pointee) {
      if (f.size !== 8) throw new AttrValueError(l.name, name, v, `a ${f.size}-byte field cannot hold a pointer`);
      pointers.push(at, offsets.get(v)!);
    } else if (v instanceof Uint8Array) {
      if (v.length > f.size) throw new AttrValueError(l.name, name, v, `${v.length} bytes do not fit in ${f.size}`);
      buf.set(v, at);
    } else if (typeof v === 'number' && numberFits(f, v)) {
      // Most values are small numbers: written without the bigint checks below.
      if (f.size === 2) buf.writeUInt16LE(v & 0xffff, at);
      else if (f.size === 4) buf.writeUInt32LE(v >>> 0, at);
      else { buf.writeUInt32LE(v % 0x1_0000_0000, at); buf.writeUInt32LE(Math.floor(v / 0x1_0000_0000), at + 4); }
    } else {
      const n = fieldInteger(l, name, f, v);
      if (f.size === 2) buf.writeUInt16LE(Number(n & 0xffffn), at);
      else if (f.size === 4) buf.writeUInt32LE(Number(n & 0xffff_ffffn), at);
      else buf.writeBigUInt64LE(BigInt.asUintN(64, n), at);
    }
  }
}

/** Whether `v` is an integer the field holds, a non-negative safe integer for 8-byte fields (others take fieldInteger's path). */
function numberFits(f: AttrField, v: number): boolean {
  if (!Number.isInteger(v)) return false;
  if (f.size === 4) return f.signed === true ? v >= -0x8000_0000 && v <= 0x7fff_ffff : v >= 0 && v <= 0xffff_ffff;
  if (f.size === 2) return f.signed === true ? v >= -0x8000 && v <= 0x7fff : v >= 0 && v <= 0xffff;
  return f.size === 8 && v >= 0 && v <= Number.MAX_SAFE_INTEGER;
}

/** The integer `v` as a bigint, when it is one and fits the field (signed or unsigned, 2, 4 or 8 bytes). */
function fieldInteger(l: AttrLayout, name: string, f: AttrField, v: number | bigint): bigint {
  const fail = (reason: string): never => { throw new AttrValueError(l.name, name, v, reason); };
  if (f.size === 16) fail('a 16-byte field takes bytes');
  if (typeof v === 'number' && !Number.isInteger(v)) fail(`${v} is not an integer`);
  // Beyond 2^53 a number may already have been rounded: such values come as bigints.
  if (typeof v === 'number' && !Number.isSafeInteger(v)) fail(`${v} is beyond 2^53; pass a bigint`);
  const n = BigInt(v);
  const bits = BigInt(f.size * 8);
  const [min, max] = f.signed === true ? [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n] : [0n, (1n << bits) - 1n];
  const type = `${f.signed === true ? 's' : 'u'}${bits}`;
  if (n < min) fail(f.signed === true ? `${v} is below the ${type} minimum ${min}` : `${v} is negative; the field is ${type}`);
  if (n > max) fail(`${v} does not fit in ${type} (max ${max})`);
  return n;
}

/** Reads a u32/u64 field back (the kernel writes retval, log_true_size, count, next_id …). */
export function readAttr<F extends string>(l: AttrLayout<F>, buf: Uint8Array, name: F): number {
  const f = l.fields[name];
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.length);
  return f.size === 2 ? b.readUInt16LE(f.offset) : f.size === 4 ? b.readUInt32LE(f.offset) : Number(b.readBigUInt64LE(f.offset));
}
