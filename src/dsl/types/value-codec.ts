// encodeValue / decodeValue: plain JS values ↔ the bytes of a C object (map keys and values,
// globals, ring-buffer events). Padding is zero on encode. Bitfields follow BTF's bit numbering:
// bit n is bit n%8 of byte n/8 counted from the least significant end on little-endian targets,
// from the most significant end on big-endian ones.

import { type ByteOrder, ByteReader, ByteWriter } from '../../../isa/index.js';
import { resolve } from './constructors.js';
import { type CType, CTypeError, type EnumType, type IntType } from './descriptors.js';
import type { ValueOf } from './type-level.js';

export interface ValueCodecOptions {
  /** Default 'le' (every BPF target this project loads on). */
  readonly byteOrder?: ByteOrder;
}

export function encodeValue<T extends CType>(type: T, value: ValueOf<T>, options?: ValueCodecOptions): Uint8Array;
export function encodeValue(type: CType, value: unknown, options: ValueCodecOptions = {}): Uint8Array {
  const out = new Uint8Array(type.size);
  const order = options.byteOrder ?? 'le';
  writeValue({ r: new ByteReader(out, order), w: ByteWriter.over(out, order) }, 0, type, value, order === 'le', '');
  return out;
}

export function decodeValue<T extends CType>(type: T, bytes: Uint8Array, options: ValueCodecOptions & { offset?: number } = {}): ValueOf<T> {
  const at = options.offset ?? 0;
  if (bytes.length - at < type.size) throw new CTypeError(`${bytes.length - at} bytes are too few for a ${type.size}-byte ${describe(type)}`);
  const order = options.byteOrder ?? 'le';
  return readValue(new ByteReader(bytes, order), at, type, order === 'le') as ValueOf<T>;
}

function describe(t: CType): string { return t.name === '' ? t.kind : `${t.kind} ${t.name}`; }

function intBits(v: unknown, what: string, bits: number, where: string): bigint {
  let b: bigint;
  if (typeof v === 'bigint') b = v;
  else if (typeof v === 'number' && Number.isInteger(v)) b = BigInt(v);
  else if (typeof v === 'boolean') b = v ? 1n : 0n;
  else throw new CTypeError(`${where || 'value'}: ${String(v)} is not an integer for ${what}`);
  const lim = 1n << BigInt(bits);
  if (b < -(lim >> 1n) || b >= lim) throw new CTypeError(`${where || 'value'}: ${String(v)} does not fit ${bits} bits`);
  return BigInt.asUintN(bits, b);
}

/** The bytes being encoded: read (bitfields share bytes) and written at offsets. */
interface Io { readonly r: ByteReader; readonly w: ByteWriter }

// Integers of any size byte by byte (a C int may be 16 bytes wide), in the bytes' order.
function writeInt(w: ByteWriter, at: number, size: number, x: bigint, le: boolean): void {
  for (let i = 0; i < size; i++) w.setU8(le ? at + i : at + size - 1 - i, Number((x >> BigInt(8 * i)) & 0xffn));
}

function readInt(r: ByteReader, at: number, size: number, signed: boolean, le: boolean): bigint {
  let x = 0n;
  for (let i = 0; i < size; i++) x |= BigInt(r.u8(le ? at + i : at + size - 1 - i)) << BigInt(8 * i);
  return signed ? BigInt.asIntN(size * 8, x) : x;
}

function intValue(t: IntType | EnumType, x: bigint): number | bigint | boolean {
  if (t.kind === 'int' && t.flavor === 'bool') return x !== 0n;
  return t.size >= 8 ? x : Number(x);
}

function bitPos(abs: number, le: boolean): [byte: number, mask: number] {
  return [abs >> 3, le ? 1 << (abs & 7) : 0x80 >> (abs & 7)];
}

function writeBits(io: Io, base: number, bitOffset: number, bits: number, x: bigint, le: boolean): void {
  for (let i = 0; i < bits; i++) {
    const bit = le ? (x >> BigInt(i)) & 1n : (x >> BigInt(bits - 1 - i)) & 1n;
    const [byte, mask] = bitPos(bitOffset + i, le);
    const cur = io.r.u8(base + byte);
    io.w.setU8(base + byte, bit === 1n ? cur | mask : cur & ~mask);
  }
}

function readBits(r: ByteReader, base: number, bitOffset: number, bits: number, le: boolean): bigint {
  let x = 0n;
  for (let i = 0; i < bits; i++) {
    const [byte, mask] = bitPos(bitOffset + i, le);
    if ((r.u8(base + byte) & mask) !== 0) x |= 1n << BigInt(le ? i : bits - 1 - i);
  }
  return x;
}

function writeValue(io: Io, at: number, type: CType, value: unknown, le: boolean, where: string): void {
  const t = resolve(type);
  switch (t.kind) {
    case 'int': case 'enum': writeInt(io.w, at, t.size, intBits(value, describe(t), t.size * 8, where), le); return;
    case 'ptr': writeInt(io.w, at, 8, intBits(value, 'a pointer', 64, where), le); return;
    case 'array': {
      const e = resolve(t.elem);
      if (typeof value === 'string' && e.kind === 'int' && e.flavor === 'char') {
        const b = new TextEncoder().encode(value);
        if (b.length > t.length) throw new CTypeError(`${where || 'value'}: string of ${b.length} bytes does not fit char[${t.length}]`);
        io.w.setBytes(at, b);
        return;
      }
      if (!Array.isArray(value) && !ArrayBuffer.isView(value)) throw new CTypeError(`${where || 'value'}: expected an array for ${t.elem.name || t.elem.kind}[${t.length}]`);
      const items = value as ArrayLike<unknown>;
      if (items.length > t.length) throw new CTypeError(`${where || 'value'}: ${items.length} elements do not fit [${t.length}]`);
      for (let i = 0; i < items.length; i++) writeValue(io, at + i * t.elem.size, t.elem, items[i], le, `${where}[${i}]`);
      return;
    }
    case 'struct': case 'union': {
      if (typeof value !== 'object' || value === null) throw new CTypeError(`${where || 'value'}: expected an object for ${describe(t)}`);
      const obj = value as Record<string, unknown>;
      for (const m of t.members) {
        const v = obj[m.key];
        if (v === undefined) continue; // absent members stay zero (union: write the member given)
        const path = where === '' ? m.key : `${where}.${m.key}`;
        if (m.bitSize === 0) writeValue(io, at + m.bitOffset / 8, m.type, v, le, path);
        else writeBits(io, at, m.bitOffset, m.bitSize, intBits(v, `a ${m.bitSize}-bit bitfield`, m.bitSize, path), le);
      }
      return;
    }
    default: throw new CTypeError(`${where || 'value'}: ${describe(t)} has no value`);
  }
}

function readValue(r: ByteReader, at: number, type: CType, le: boolean): unknown {
  const t = resolve(type);
  switch (t.kind) {
    case 'int': case 'enum': return intValue(t, readInt(r, at, t.size, t.signed, le));
    case 'ptr': return readInt(r, at, 8, false, le);
    case 'array': {
      const e = resolve(t.elem);
      if (e.kind === 'int' && e.flavor === 'char') {
        const b = r.bytesAt(at, t.length);
        const end = b.indexOf(0);
        return new TextDecoder().decode(end < 0 ? b : b.subarray(0, end));
      }
      const out: unknown[] = [];
      for (let i = 0; i < t.length; i++) out.push(readValue(r, at + i * t.elem.size, t.elem, le));
      return out;
    }
    case 'struct': case 'union': {
      const out: Record<string, unknown> = {};
      for (const m of t.members) {
        if (m.bitSize === 0) out[m.key] = readValue(r, at + m.bitOffset / 8, m.type, le);
        else {
          const base = resolve(m.type) as IntType | EnumType;
          let x = readBits(r, at, m.bitOffset, m.bitSize, le);
          if (base.signed) x = BigInt.asIntN(m.bitSize, x);
          out[m.key] = intValue(base, x);
        }
      }
      return out;
    }
    default: throw new CTypeError(`${describe(t)} has no value`);
  }
}
