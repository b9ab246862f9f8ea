// BTF string tables: a lazy reader over the string section (offset → string, cached) and a
// builder with deduplication for the encoder.

import { BtfError } from './errors.js';

const utf8 = new TextDecoder('utf-8');
const utf8Encoder = new TextEncoder();

/**
 * Reads NUL-terminated strings out of one string section. Offsets are global: for split BTF they
 * continue the base's table, so `start` is the base's total string length.
 */
export class BtfStringTable {
  private readonly buf: Buffer;

  constructor(
    /** The section's bytes; when non-empty, the last byte is NUL (checked by the decoder). */
    readonly bytes: Uint8Array,
    /** Global offset of bytes[0]. */
    readonly start: number,
    /** Byte offset of the section in the BTF blob, for error messages. */
    readonly blobOffset: number,
  ) {
    this.buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** One past the last global offset of this table. */
  get end(): number { return this.start + this.bytes.length; }

  /** The string at a global offset that lies in this table. */
  get(offset: number): string {
    const local = offset - this.start;
    if (local < 0 || local >= this.bytes.length) {
      throw new BtfError(`string offset ${offset} lies outside the string section [${this.start}, ${this.end})`, this.blobOffset);
    }
    const end = this.buf.indexOf(0, local);
    return this.buf.toString('utf8', local, end < 0 ? this.bytes.length : end);
  }

  /** Every string start in table order (offset 0 of a table and each byte after a NUL). */
  *entries(): IterableIterator<[offset: number, value: string]> {
    const b = this.bytes;
    let i = 0;
    while (i < b.length) {
      let j = i;
      while (j < b.length && b[j] !== 0) j++;
      yield [this.start + i, decodeRange(b, i, j)];
      i = j + 1;
    }
  }
}

function decodeRange(b: Uint8Array, from: number, to: number): string {
  if (to - from < 48) {
    let ascii = true;
    for (let k = from; k < to; k++) if (b[k]! >= 0x80) { ascii = false; break; }
    if (ascii) return String.fromCharCode.apply(null, b.subarray(from, to) as unknown as number[]);
  }
  return utf8.decode(b.subarray(from, to));
}

export function utf8Bytes(s: string): Uint8Array {
  return utf8Encoder.encode(s);
}

/**
 * Builds a string section with deduplication. Offset 0 is the empty string. It can be seeded with
 * an existing section so that every string keeps its offset (byte-identical round trips), and it
 * can sit on top of a base table whose strings it reuses (split BTF).
 */
export class StringTableBuilder {
  private readonly index = new Map<string, number>();
  private readonly chunks: Uint8Array[] = [];
  private length = 0;

  constructor(
    /** Global offset of this table's first byte (the base's total string length for split BTF). */
    readonly start = 0,
    /** Strings of the base, reused by offset before anything is added here. */
    private readonly base?: ReadonlyMap<string, number>,
  ) {}

  /** Seeds the table with an existing section's bytes verbatim; its strings keep their offsets. */
  seed(table: BtfStringTable): void {
    if (this.length !== 0) throw new Error('StringTableBuilder.seed: table is not empty');
    this.chunks.push(table.bytes);
    this.length = table.bytes.length;
    for (const [off, s] of table.entries()) if (!this.index.has(s)) this.index.set(s, off);
  }

  /** The global offset of `s`, adding it when new. */
  add(s: string): number {
    if (s === '' && this.start !== 0) return 0;
    const fromBase = this.base?.get(s);
    if (fromBase !== undefined) return fromBase;
    const known = this.index.get(s);
    if (known !== undefined) return known;
    if (this.length === 0 && this.start === 0 && s !== '') this.add('');
    const bytes = utf8Bytes(s);
    const off = this.start + this.length;
    const withNul = new Uint8Array(bytes.length + 1);
    withNul.set(bytes);
    this.chunks.push(withNul);
    this.length += withNul.length;
    this.index.set(s, off);
    return off;
  }

  /** The offset of a string added before (or in the base); a RangeError otherwise. */
  offset(s: string): number {
    const o = this.base?.get(s) ?? this.index.get(s) ?? (s === '' ? 0 : undefined);
    if (o === undefined) throw new RangeError(`string '${s}' is not in the table`);
    return o;
  }

  /** Map of every string to its offset, for use as a split table's base. */
  offsets(): ReadonlyMap<string, number> { return this.index; }

  get size(): number { return this.length; }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    let p = 0;
    for (const c of this.chunks) { out.set(c, p); p += c.length; }
    return out;
  }
}
