// The one bounds-checked byte reader and writer of the codecs (ELF, BTF): fixed-width integers in
// either byte order, byte runs and NUL-terminated strings, at an explicit offset or at a cursor
// that advances. Every read outside the bytes and every value that does not fit its field is a
// ByteRangeError naming the byte offset. It lives in isa, the bottom layer, so every codec can use it.

import { TsbpfError } from './tsbpf-error.js';
import type { ByteOrder } from './slot.js';

/** A read past the end of the bytes, or a value that does not fit the field written. */
export class ByteRangeError extends TsbpfError {
  override readonly name = 'ByteRangeError';
  constructor(
    readonly reason: string,
    /** Byte offset of the field. */
    readonly byteOffset: number,
  ) {
    super(`byte offset ${byteOffset}: ${reason}`);
  }
}

const utf8 = new TextDecoder();

/**
 * Reads from `bytes`. Each read takes the offset to read at; without one it reads at `pos` and
 * moves `pos` past the field (a cursor).
 */
export class ByteReader {
  readonly view: DataView;
  readonly le: boolean;
  /** The cursor: where a read without an offset reads. */
  pos = 0;

  constructor(readonly bytes: Uint8Array, order: ByteOrder = 'le') {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.le = order === 'le';
  }

  get length(): number { return this.bytes.length; }

  /** Whether `len` bytes at `at` lie inside the bytes. */
  fits(at: number, len: number): boolean {
    return at >= 0 && len >= 0 && at <= this.bytes.length && len <= this.bytes.length - at;
  }

  /** Throws unless `len` bytes at `at` lie inside the bytes; `what` names them in the error. */
  need(at: number, len: number, what = 'field'): void {
    if (!this.fits(at, len)) throw new ByteRangeError(`${what} of ${len} bytes lies outside the ${this.bytes.length} bytes`, at);
  }

  /** The cursor's offset, after checking that `len` bytes follow it; moves the cursor past them. */
  take(len: number): number {
    const at = this.pos;
    this.need(at, len);
    this.pos = at + len;
    return at;
  }

  /** Moves the cursor to `at`. */
  seek(at: number): this {
    if (at < 0 || at > this.bytes.length) throw new ByteRangeError(`offset outside the ${this.bytes.length} bytes`, at);
    this.pos = at;
    return this;
  }

  // Offsets given explicitly are checked too: DataView's own RangeError carries no offset.
  private at(at: number | undefined, len: number): number {
    if (at === undefined) return this.take(len);
    if (!(at >= 0 && at + len <= this.bytes.length)) this.need(at, len);
    return at;
  }

  u8(at?: number): number { return this.bytes[this.at(at, 1)]!; }
  i8(at?: number): number { return this.view.getInt8(this.at(at, 1)); }
  u16(at?: number): number { return this.view.getUint16(this.at(at, 2), this.le); }
  i16(at?: number): number { return this.view.getInt16(this.at(at, 2), this.le); }
  u32(at?: number): number { return this.view.getUint32(this.at(at, 4), this.le); }
  i32(at?: number): number { return this.view.getInt32(this.at(at, 4), this.le); }
  u64(at?: number): bigint { return this.view.getBigUint64(this.at(at, 8), this.le); }
  i64(at?: number): bigint { return this.view.getBigInt64(this.at(at, 8), this.le); }
  f32(at?: number): number { return this.view.getFloat32(this.at(at, 4), this.le); }
  f64(at?: number): number { return this.view.getFloat64(this.at(at, 8), this.le); }

  /** A 64-bit unsigned field as a number; `what` names it when it is beyond 2^53 (no offset or size in a file we hold is). */
  u64n(at?: number, what = '64-bit field'): number {
    const p = this.at(at, 8);
    const v = this.view.getBigUint64(p, this.le);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ByteRangeError(`${what} ${v} is too large`, p);
    return Number(v);
  }

  /** `len` bytes (a view, not a copy). */
  bytesAt(at: number | undefined, len: number): Uint8Array {
    const p = this.at(at, len);
    return this.bytes.subarray(p, p + len);
  }

  /**
   * The UTF-8 string from `at` to the next NUL before `end` (default: the end of the bytes); the
   * cursor form moves past the NUL.
   */
  cstring(at?: number, end = this.bytes.length): string {
    const start = at ?? this.pos;
    if (start < 0 || start >= end || end > this.bytes.length) throw new ByteRangeError('string offset outside its table', start);
    let i = start;
    while (i < end && this.bytes[i] !== 0) i++;
    if (i === end) throw new ByteRangeError('string is not NUL-terminated', start);
    if (at === undefined) this.pos = i + 1;
    return utf8.decode(this.bytes.subarray(start, i));
  }
}

const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

// Whether v is an integer that fits the field: each test is false for NaN, fractions and values
// out of range (the bit operations truncate those, and the comparison sees the difference).
const FITS = {
  u8: (v: number): boolean => (v & 0xff) === v,
  i8: (v: number): boolean => ((v << 24) >> 24) === v,
  u16: (v: number): boolean => (v & 0xffff) === v,
  i16: (v: number): boolean => ((v << 16) >> 16) === v,
  u32: (v: number): boolean => v >>> 0 === v,
  i32: (v: number): boolean => (v | 0) === v,
} as const;

/**
 * Writes into a buffer that grows as needed: appends at the end, or sets a field already written
 * (`set*`, for lengths and offsets known later, and for patching bytes given to `over`). Each value
 * must be an integer that fits its field.
 */
export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  readonly le: boolean;
  /** Bytes written so far (where the next append goes). */
  length = 0;

  constructor(order: ByteOrder = 'le', capacity = 256) {
    this.buf = new Uint8Array(Math.max(capacity, 16));
    this.view = new DataView(this.buf.buffer);
    this.le = order === 'le';
  }

  /**
   * A writer whose bytes are `bytes` themselves (all of them count as written): `set*` patches
   * them in place. An append copies them into a larger buffer, which `bytes` no longer sees.
   */
  static over(bytes: Uint8Array, order: ByteOrder = 'le'): ByteWriter {
    const w = new ByteWriter(order, 0);
    w.buf = bytes;
    w.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    w.length = bytes.length;
    return w;
  }

  private reserve(len: number): number {
    const at = this.length;
    if (at + len > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, at + len));
      next.set(this.buf.subarray(0, at));
      this.buf = next;
      this.view = new DataView(next.buffer);
    }
    this.length = at + len;
    return at;
  }

  private refuse(kind: string, v: number | bigint, at: number): never {
    throw new ByteRangeError(`${v} does not fit a ${kind} field`, at);
  }

  private field(at: number, len: number): number {
    if (!(at >= 0 && at + len <= this.length)) throw new ByteRangeError(`field of ${len} bytes outside the ${this.length} bytes written`, at);
    return at;
  }

  // Each value is checked before its bytes are reserved (a refused write leaves the buffer as it was),
  // and the view is read after reserve() (which may replace it).
  u8(v: number): this { if (!FITS.u8(v)) this.refuse('u8', v, this.length); const at = this.reserve(1); this.buf[at] = v; return this; }
  i8(v: number): this { if (!FITS.i8(v)) this.refuse('i8', v, this.length); const at = this.reserve(1); this.view.setInt8(at, v); return this; }
  u16(v: number): this { if (!FITS.u16(v)) this.refuse('u16', v, this.length); const at = this.reserve(2); this.view.setUint16(at, v, this.le); return this; }
  i16(v: number): this { if (!FITS.i16(v)) this.refuse('i16', v, this.length); const at = this.reserve(2); this.view.setInt16(at, v, this.le); return this; }
  u32(v: number): this { if (!FITS.u32(v)) this.refuse('u32', v, this.length); const at = this.reserve(4); this.view.setUint32(at, v, this.le); return this; }
  i32(v: number): this { if (!FITS.i32(v)) this.refuse('i32', v, this.length); const at = this.reserve(4); this.view.setInt32(at, v, this.le); return this; }
  u64(v: bigint | number): this { const b = this.big(v, 0n, U64_MAX, 'u64', this.length); const at = this.reserve(8); this.view.setBigUint64(at, b, this.le); return this; }
  i64(v: bigint | number): this { const b = this.big(v, I64_MIN, I64_MAX, 'i64', this.length); const at = this.reserve(8); this.view.setBigInt64(at, b, this.le); return this; }

  f32(v: number): this { const at = this.reserve(4); this.view.setFloat32(at, v, this.le); return this; }
  f64(v: number): this { const at = this.reserve(8); this.view.setFloat64(at, v, this.le); return this; }

  private big(v: bigint | number, lo: bigint, hi: bigint, kind: string, at: number): bigint {
    if (typeof v === 'number' && !Number.isSafeInteger(v)) this.refuse(kind, v, at);
    const b = BigInt(v);
    if (b < lo || b > hi) this.refuse(kind, v, at);
    return b;
  }

  bytes(b: Uint8Array): this { const at = this.reserve(b.length); this.buf.set(b, at); return this; }
  /** The string's UTF-8 bytes and a NUL. */
  cstring(s: string): this { return this.bytes(Buffer.from(s, 'utf8')).u8(0); }
  /** `n` zero bytes. */
  zeros(n: number): this { this.reserve(n); return this; }
  /** Zero bytes up to a multiple of `n`. */
  align(n: number): this { const pad = (n - (this.length % n)) % n; this.reserve(pad); return this; }

  setU8(at: number, v: number): this { if (!FITS.u8(v)) this.refuse('u8', v, at); this.buf[this.field(at, 1)] = v; return this; }
  setU16(at: number, v: number): this { if (!FITS.u16(v)) this.refuse('u16', v, at); this.view.setUint16(this.field(at, 2), v, this.le); return this; }
  setU32(at: number, v: number): this { if (!FITS.u32(v)) this.refuse('u32', v, at); this.view.setUint32(this.field(at, 4), v, this.le); return this; }
  setI32(at: number, v: number): this { if (!FITS.i32(v)) this.refuse('i32', v, at); this.view.setInt32(this.field(at, 4), v, this.le); return this; }
  /** A float field: any number (NaN and fractions included) is a value of it. */
  setF32(at: number, v: number): this { this.view.setFloat32(this.field(at, 4), v, this.le); return this; }
  setF64(at: number, v: number): this { this.view.setFloat64(this.field(at, 8), v, this.le); return this; }
  setU64(at: number, v: bigint | number): this { this.view.setBigUint64(this.field(at, 8), this.big(v, 0n, U64_MAX, 'u64', at), this.le); return this; }
  setI64(at: number, v: bigint | number): this { this.view.setBigInt64(this.field(at, 8), this.big(v, I64_MIN, I64_MAX, 'i64', at), this.le); return this; }
  /** Copies `b` over the bytes written at `at`. */
  setBytes(at: number, b: Uint8Array): this { this.buf.set(b, this.field(at, b.length)); return this; }

  /**
   * The bytes written, exactly `length` of them: the buffer itself when it is full (a writer sized
   * up front), else a copy. The writer is done with them: write no more after finish.
   */
  finish(): Uint8Array { return this.length === this.buf.length ? this.buf : this.buf.slice(0, this.length); }
}
