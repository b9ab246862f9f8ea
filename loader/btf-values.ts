// Map keys and values as plain JS objects, following their BTF type: integers of up to 4 bytes
// and floats are numbers, 8-byte integers and pointers bigints, bool booleans, char arrays
// strings (up to the first NUL), other arrays arrays, structs/unions objects by member name,
// enums numbers. encodeBtfValue is the inverse (missing members and elements are zero).

import { type Btf, BTF_INT_BOOL, BTF_INT_CHAR, BTF_INT_SIGNED, isModifier, MAX_RESOLVE_DEPTH, QUALIFIER_KINDS, skipModifiers } from '../elf/index.js';
import { ByteRangeError, ByteReader, ByteWriter, TsbpfError } from '../isa/index.js';

export type BtfJsValue = number | bigint | boolean | string | BtfJsValue[] | { [member: string]: BtfJsValue };

export class BtfValueError extends TsbpfError {
  override readonly name = 'BtfValueError';
}

/** How deep values nest: the one BTF walk limit (libbpf's MAX_RESOLVE_DEPTH). */
const MAX_DEPTH = MAX_RESOLVE_DEPTH;

function resolve(btf: Btf, id: number): number {
  const to = skipModifiers((i) => btf.type(i), id);
  if (isModifier(btf.type(to))) throw new BtfValueError(`type ${id}: modifier chain too long`);
  return to;
}

/**
 * A `char` element: an array of it is text. As bpftool decides it, the element type itself (past
 * const/volatile, not past a typedef) is a 1-byte INT named `char` or encoded CHAR; `u8`,
 * `__u8`, `unsigned char` and `signed char` arrays are bytes (an IPv4 address is not text).
 */
export function isChar(btf: Btf, id: number): boolean {
  const t = btf.type(skipModifiers((i) => btf.type(i), id, QUALIFIER_KINDS));
  return t?.kind === 'INT' && t.size === 1 && (t.name === 'char' || (t.encoding & BTF_INT_CHAR) !== 0);
}

function readBits(bytes: Uint8Array, bitOff: number, bits: number, signed: boolean): bigint {
  let v = 0n;
  for (let i = 0; i < bits; i++) {
    const b = bitOff + i;
    if (b >> 3 >= bytes.length) throw new ByteRangeError(`bit ${b} lies outside the ${bytes.length} bytes`, b >> 3);
    if ((bytes[b >> 3]! >> (b & 7)) & 1) v |= 1n << BigInt(i);
  }
  if (signed && bits > 0 && (v >> BigInt(bits - 1)) & 1n) v -= 1n << BigInt(bits);
  return v;
}

function writeBits(bytes: Uint8Array, bitOff: number, bits: number, value: bigint): void {
  const u = BigInt.asUintN(bits, value);
  for (let i = 0; i < bits; i++) {
    const b = bitOff + i;
    if (b >> 3 >= bytes.length) throw new ByteRangeError(`bit ${b} lies outside the ${bytes.length} bytes`, b >> 3);
    const bit = 1 << (b & 7);
    bytes[b >> 3] = (u >> BigInt(i)) & 1n ? bytes[b >> 3]! | bit : bytes[b >> 3]! & ~bit;
  }
}

function intValue(v: bigint, size: number, isBool: boolean): BtfJsValue {
  if (isBool) return v !== 0n;
  return size <= 4 ? Number(v) : v;
}

export interface DecodeOptions {
  /** An enum value that has an enumerator as its name (as bpftool's formatted dump prints it), else its number. */
  readonly enumNames?: boolean;
}

/** Decodes `bytes` (little-endian, as the kernel returns them) as BTF type `id`. */
export function decodeBtfValue(btf: Btf, id: number, bytes: Uint8Array, options: DecodeOptions = {}): BtfJsValue {
  return decodeAt(btf, id, bytes, 0, options);
}

function enumValue(t: { readonly values: readonly { readonly name: string; readonly value: number | bigint }[] }, v: bigint, options: DecodeOptions, wide: boolean): BtfJsValue {
  if (options.enumNames === true) {
    const hit = t.values.find((e) => BigInt(e.value) === v);
    if (hit !== undefined) return hit.name;
  }
  return wide ? v : Number(v);
}

function decodeAt(btf: Btf, id: number, bytes: Uint8Array, depth: number, options: DecodeOptions): BtfJsValue {
  if (depth > MAX_DEPTH) throw new BtfValueError('type nesting too deep');
  const view = new ByteReader(bytes);
  const t = btf.type(resolve(btf, id));
  if (t === undefined) throw new BtfValueError(`no type ${id}`);
  switch (t.kind) {
    case 'INT': {
      const signed = (t.encoding & BTF_INT_SIGNED) !== 0;
      return intValue(readBits(bytes, t.bitsOffset, t.bits, signed), t.size, (t.encoding & BTF_INT_BOOL) !== 0);
    }
    case 'ENUM': return enumValue(t, readBits(bytes, 0, t.size * 8, t.signed), options, false);
    case 'ENUM64': return enumValue(t, readBits(bytes, 0, t.size * 8, t.signed), options, true);
    case 'PTR': return view.u64(0);
    case 'FLOAT': return t.size === 4 ? view.f32(0) : view.f64(0);
    case 'ARRAY': {
      const esize = sizeOf(btf, t.type);
      if (isChar(btf, t.type)) {
        const end = bytes.subarray(0, t.nelems).indexOf(0);
        return Buffer.from(bytes.subarray(0, end < 0 ? t.nelems : end)).toString('latin1');
      }
      const out: BtfJsValue[] = [];
      for (let i = 0; i < t.nelems; i++) out.push(decodeAt(btf, t.type, bytes.subarray(i * esize, (i + 1) * esize), depth + 1, options));
      return out;
    }
    case 'STRUCT': case 'UNION': {
      const out: { [k: string]: BtfJsValue } = {};
      t.members.forEach((m, i) => {
        const name = m.name === '' ? `__anon${i}` : m.name;
        if (m.bitfieldSize > 0) {
          const mt = btf.type(resolve(btf, m.type));
          const signed = mt?.kind === 'INT' && (mt.encoding & BTF_INT_SIGNED) !== 0;
          out[name] = intValue(readBits(bytes, m.bitsOffset, m.bitfieldSize, signed), m.bitfieldSize <= 32 ? 4 : 8, false);
          return;
        }
        const off = m.bitsOffset / 8;
        const v = decodeAt(btf, m.type, bytes.subarray(off, off + sizeOf(btf, m.type)), depth + 1, options);
        // Anonymous struct/union members are merged into the parent, as C accesses them.
        if (m.name === '' && typeof v === 'object' && !Array.isArray(v)) Object.assign(out, v);
        else out[name] = v;
      });
      return out;
    }
    case 'DATASEC': {
      // A global data map's value: its variables by name.
      const out: { [k: string]: BtfJsValue } = {};
      for (const v of t.vars) {
        const vt = btf.type(v.type);
        if (vt?.kind !== 'VAR') continue;
        out[vt.name] = decodeAt(btf, vt.type, bytes.subarray(v.offset, v.offset + v.size), depth + 1, options);
      }
      return out;
    }
    default: throw new BtfValueError(`cannot decode a ${t.kind}`);
  }
}

/** Byte size of a type (0 when it has none). */
export function sizeOf(btf: Btf, id: number, depth = 0): number {
  if (depth > MAX_DEPTH) throw new BtfValueError('type nesting too deep');
  const t = btf.type(resolve(btf, id));
  if (t === undefined) return 0;
  switch (t.kind) {
    case 'INT': case 'ENUM': case 'ENUM64': case 'STRUCT': case 'UNION': case 'FLOAT': case 'DATASEC': return t.size;
    case 'PTR': return 8;
    case 'ARRAY': return t.nelems * sizeOf(btf, t.type, depth + 1);
    default: return 0;
  }
}

function toBig(v: BtfJsValue | undefined, what: string): bigint {
  if (v === undefined) return 0n;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new BtfValueError(`${what}: ${v} is not an integer`);
    return BigInt(v);
  }
  if (typeof v === 'bigint') return v;
  throw new BtfValueError(`${what}: expected a number, got ${typeof v}`);
}

/**
 * Encodes a JS value as BTF type `id` into `out` (which must be zeroed and sizeOf(id) long);
 * `what` names the value in errors ('key', 'value', a variable's name).
 */
export function encodeBtfValue(btf: Btf, id: number, value: BtfJsValue | undefined, out: Uint8Array, what = 'value'): void {
  encodeAt(btf, id, value, out, what, 0);
}

function encodeAt(btf: Btf, id: number, value: BtfJsValue | undefined, out: Uint8Array, what: string, depth: number): void {
  if (depth > MAX_DEPTH) throw new BtfValueError('type nesting too deep');
  const view = ByteWriter.over(out);
  const t = btf.type(resolve(btf, id));
  if (t === undefined) throw new BtfValueError(`no type ${id}`);
  switch (t.kind) {
    case 'INT': writeBits(out, t.bitsOffset, t.bits, toBig(value, what)); return;
    case 'ENUM': case 'ENUM64': writeBits(out, 0, t.size * 8, toBig(value, what)); return;
    case 'PTR': view.setU64(0, BigInt.asUintN(64, toBig(value, what))); return;
    case 'FLOAT':
      if (typeof value !== 'number' && value !== undefined) throw new BtfValueError(`${what}: expected a number`);
      if (t.size === 4) view.setF32(0, value ?? 0); else view.setF64(0, value ?? 0);
      return;
    case 'ARRAY': {
      const esize = sizeOf(btf, t.type);
      if (typeof value === 'string' && isChar(btf, t.type)) {
        const b = Buffer.from(value, 'latin1');
        if (b.length > t.nelems) throw new BtfValueError(`${what}: string of ${b.length} bytes does not fit in char[${t.nelems}]`);
        out.set(b, 0);
        return;
      }
      if (value !== undefined && !Array.isArray(value)) throw new BtfValueError(`${what}: expected an array`);
      if (value !== undefined && value.length > t.nelems) throw new BtfValueError(`${what}: ${value.length} elements for ${t.nelems}`);
      for (let i = 0; i < t.nelems; i++) encodeAt(btf, t.type, value?.[i], out.subarray(i * esize, (i + 1) * esize), `${what}[${i}]`, depth + 1);
      return;
    }
    case 'STRUCT': case 'UNION': {
      if (value !== undefined && (typeof value !== 'object' || Array.isArray(value))) throw new BtfValueError(`${what}: expected an object`);
      const obj = value as { [k: string]: BtfJsValue } | undefined;
      t.members.forEach((m, i) => {
        const off = m.bitsOffset / 8;
        if (m.bitfieldSize > 0) { writeBits(out, m.bitsOffset, m.bitfieldSize, toBig(obj?.[m.name], `${what}.${m.name}`)); return; }
        const sub = out.subarray(off, off + sizeOf(btf, m.type));
        const v = m.name === '' ? obj : obj?.[m.name];
        if (t.kind === 'UNION' && m.name !== '' && v === undefined) return;
        encodeAt(btf, m.type, v ?? (m.name === '' ? {} : undefined), sub, m.name === '' ? `${what}.__anon${i}` : `${what}.${m.name}`, depth + 1);
      });
      return;
    }
    default: throw new BtfValueError(`${what}: cannot encode a ${t.kind}`);
  }
}
