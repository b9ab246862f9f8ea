// A growable UTF-8 byte buffer for building large listings without creating
// one string per line (a 200,000-line listing built from strings spends most
// of its time in the garbage collector).

const HEX_DIGIT = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

/** For each byte value, its two hex digits as char codes: [hi, lo]. */
export const HEX_PAIR_HI: Uint8Array = Uint8Array.from({ length: 256 }, (_, b) => HEX_DIGIT[b >> 4]!);
export const HEX_PAIR_LO: Uint8Array = Uint8Array.from({ length: 256 }, (_, b) => HEX_DIGIT[b & 15]!);
const SPACE = 0x20;
const DECODER = new TextDecoder();

interface NodeBufferLike { toString(encoding: 'latin1'): string }
const NodeBuffer = (globalThis as unknown as { Buffer?: { from(b: ArrayBufferLike, off: number, len: number): NodeBufferLike } }).Buffer;

export class TextBuffer {
  /**
   * The storage and its fill level, exposed for writers that inline their
   * output: call `reserve(n)`, write at most n ASCII bytes at `buf[len…]`,
   * then advance `len`.
   */
  buf: Uint8Array;
  /** A DataView of `buf`, for writers that store several ASCII bytes at once (kept in step with `buf`). */
  view: DataView;
  len = 0;
  private ascii = true;

  /** `capacity`: initial size in bytes; the buffer grows as needed. */
  constructor(capacity = 1 << 16) {
    this.buf = new Uint8Array(Math.max(16, capacity));
    this.view = new DataView(this.buf.buffer);
  }

  private grow(need: number): void {
    let size = this.buf.length * 2;
    while (size < this.len + need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** Makes room for `n` more bytes. */
  reserve(n: number): void {
    if (this.len + n > this.buf.length) this.grow(n);
  }

  /** Appends a string (UTF-8 encoded). */
  text(s: string): void {
    const n = s.length;
    if (this.len + n * 3 > this.buf.length) this.grow(n * 3);
    const buf = this.buf;
    let len = this.len;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x80) {
        buf[len++] = c;
        continue;
      }
      // Rare: encode the rest of the string through TextEncoder.
      this.len = len;
      this.ascii = false;
      const bytes = new TextEncoder().encode(s.slice(i));
      if (this.len + bytes.length > this.buf.length) this.grow(bytes.length);
      this.buf.set(bytes, this.len);
      this.len += bytes.length;
      return;
    }
    this.len = len;
  }

  /** Appends the bytes src[from, end), all ASCII (names copied from a string table). */
  asciiBytes(src: Uint8Array, from: number, end: number): void {
    if (this.len + end - from > this.buf.length) this.grow(end - from);
    // Names are short: a loop beats a subarray (an object per name) and set().
    const buf = this.buf;
    let len = this.len;
    for (let i = from; i < end; i++) buf[len++] = src[i]!;
    this.len = len;
  }

  /** Appends one ASCII character by code. */
  char(c: number): void {
    if (this.len + 1 > this.buf.length) this.grow(1);
    this.buf[this.len++] = c;
  }

  newline(): void {
    this.char(0x0a);
  }

  /** Appends `n` (a non-negative integer) in decimal, right-aligned in `width` columns. */
  decimal(n: number, width: number): void {
    if (this.len + width + 16 > this.buf.length) this.grow(width + 16);
    const small = n < 0x80000000;
    let digits = 1;
    for (let v = n; v >= 10; v = small ? (v / 10) | 0 : Math.floor(v / 10)) digits++;
    const buf = this.buf;
    let len = this.len;
    for (let i = digits; i < width; i++) buf[len++] = SPACE;
    let v = n;
    for (let i = digits - 1; i >= 0; i--) {
      const q = small ? (v / 10) | 0 : Math.floor(v / 10);
      buf[len + i] = 0x30 + (v - q * 10);
      v = q;
    }
    this.len = len + digits;
  }

  /** Appends `n` (a non-negative integer below 2^53) in hex, zero-padded to `width`, or space-padded when `spaces`. */
  hex(n: number, width: number, spaces = false): void {
    if (this.len + width + 16 > this.buf.length) this.grow(width + 16);
    let digits = 1;
    for (let v = n; v >= 16; v = Math.floor(v / 16)) digits++;
    const buf = this.buf;
    let len = this.len;
    for (let i = digits; i < width; i++) buf[len++] = spaces ? SPACE : 0x30;
    let v = n;
    for (let i = digits - 1; i >= 0; i--) {
      buf[len + i] = HEX_DIGIT[v % 16]!;
      v = Math.floor(v / 16);
    }
    this.len = len + digits;
  }

  /** Appends the bytes `bytes[start..end)` as two hex digits each, separated by spaces. */
  hexBytes(bytes: Uint8Array, start: number, end: number): void {
    const n = end - start;
    if (this.len + n * 3 > this.buf.length) this.grow(n * 3);
    const buf = this.buf;
    let len = this.len;
    for (let i = start; i < end; i++) {
      const b = bytes[i]!;
      if (i !== start) buf[len++] = SPACE;
      buf[len++] = HEX_DIGIT[b >> 4]!;
      buf[len++] = HEX_DIGIT[b & 15]!;
    }
    this.len = len;
  }

  /** The bytes written so far (a view, valid until the next write). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  toString(): string {
    const bytes = this.buf.subarray(0, this.len);
    // Node's Buffer turns pure ASCII into a string several times faster than TextDecoder.
    if (this.ascii && NodeBuffer !== undefined) return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
    return DECODER.decode(bytes);
  }
}
