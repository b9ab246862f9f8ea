// The codecs' byte reader and writer (isa/bytes.ts): what the writer writes the reader reads back,
// in both byte orders, as Node's Buffer reads it; a read outside the bytes and a value that does
// not fit its field are ByteRangeErrors naming the byte offset.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteRangeError, ByteReader, ByteWriter } from '../isa/index.js';

type Field =
  | { kind: 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32'; value: number }
  | { kind: 'u64' | 'i64'; value: bigint }
  | { kind: 'cstring'; value: string };

const field: fc.Arbitrary<Field> = fc.oneof(
  fc.integer({ min: 0, max: 0xff }).map((value) => ({ kind: 'u8' as const, value })),
  fc.integer({ min: -0x80, max: 0x7f }).map((value) => ({ kind: 'i8' as const, value })),
  fc.integer({ min: 0, max: 0xffff }).map((value) => ({ kind: 'u16' as const, value })),
  fc.integer({ min: -0x8000, max: 0x7fff }).map((value) => ({ kind: 'i16' as const, value })),
  fc.integer({ min: 0, max: 0xffffffff }).map((value) => ({ kind: 'u32' as const, value })),
  fc.integer({ min: -0x80000000, max: 0x7fffffff }).map((value) => ({ kind: 'i32' as const, value })),
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((value) => ({ kind: 'u64' as const, value })),
  fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }).map((value) => ({ kind: 'i64' as const, value })),
  fc.string({ unit: 'grapheme' }).filter((s) => !s.includes('\0')).map((value) => ({ kind: 'cstring' as const, value })),
);

/** Node's Buffer as the reference reader. */
function bufferRead(b: Buffer, at: number, f: Field, le: boolean): [unknown, number] {
  switch (f.kind) {
    case 'u8': return [b.readUInt8(at), 1];
    case 'i8': return [b.readInt8(at), 1];
    case 'u16': return [le ? b.readUInt16LE(at) : b.readUInt16BE(at), 2];
    case 'i16': return [le ? b.readInt16LE(at) : b.readInt16BE(at), 2];
    case 'u32': return [le ? b.readUInt32LE(at) : b.readUInt32BE(at), 4];
    case 'i32': return [le ? b.readInt32LE(at) : b.readInt32BE(at), 4];
    case 'u64': return [le ? b.readBigUInt64LE(at) : b.readBigUInt64BE(at), 8];
    case 'i64': return [le ? b.readBigInt64LE(at) : b.readBigInt64BE(at), 8];
    case 'cstring': { const end = b.indexOf(0, at); return [b.toString('utf8', at, end), end - at + 1]; }
  }
}

describe('ByteReader / ByteWriter', () => {
  it('random fields: written, then read back by the cursor, at their offsets, and by Buffer', () => {
    fc.assert(fc.property(fc.array(field, { maxLength: 40 }), fc.constantFrom('le', 'be') as fc.Arbitrary<'le' | 'be'>, (fields, order) => {
      const w = new ByteWriter(order, 1);
      const offsets: number[] = [];
      for (const f of fields) { offsets.push(w.length); (w[f.kind] as (v: unknown) => ByteWriter)(f.value); }
      const bytes = w.finish();
      expect(bytes.length).toBe(w.length);
      const r = new ByteReader(bytes, order);
      const buf = Buffer.from(bytes);
      fields.forEach((f, i) => {
        const [ref, len] = bufferRead(buf, offsets[i]!, f, order === 'le');
        expect(ref).toEqual(f.value);
        expect((r[f.kind] as (at?: number) => unknown).call(r, offsets[i])).toEqual(f.value);
        expect(r.pos).toBe(offsets[i]);
        expect((r[f.kind] as () => unknown).call(r)).toEqual(f.value);
        expect(r.pos).toBe(offsets[i]! + len);
      });
      expect(r.pos).toBe(bytes.length);
    }), { numRuns: 300 });
  });

  it('a read outside the bytes is a ByteRangeError at its offset', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 16 }), fc.integer({ min: -4, max: 40 }), fc.constantFrom(1, 2, 4, 8), (n, at, width) => {
      const r = new ByteReader(new Uint8Array(n));
      const read = (): unknown => (width === 1 ? r.u8(at) : width === 2 ? r.u16(at) : width === 4 ? r.u32(at) : r.u64(at));
      if (at >= 0 && at + width <= n) { expect(read()).toBe(width === 8 ? 0n : 0); return; }
      expect(read).toThrow(ByteRangeError);
      try { read(); } catch (e) { expect((e as ByteRangeError).byteOffset).toBe(at); }
    }));
    const r = new ByteReader(Uint8Array.from([0x61, 0x62]));
    expect(() => r.cstring(0)).toThrow(/byte offset 0: string is not NUL-terminated/);
    r.seek(1);
    expect(() => r.u16()).toThrow(/byte offset 1: field of 2 bytes lies outside the 2 bytes/);
  });

  it('a value that does not fit its field is a ByteRangeError at the field, not a silent truncation', () => {
    const w = new ByteWriter();
    w.u32(7);
    for (const [write, v] of [['u8', 256], ['i8', -129], ['u16', -1], ['u32', 2 ** 32], ['u32', Number.NaN], ['u32', 1.5], ['i32', 2 ** 31]] as const) {
      expect(() => (w[write] as (x: number) => ByteWriter)(v)).toThrow(ByteRangeError);
    }
    expect(() => w.u64(-1n)).toThrow(/byte offset \d+: -1 does not fit a u64 field/);
    expect(() => w.u64(2 ** 60)).toThrow(ByteRangeError);
    expect(() => w.setU32(2, 1)).toThrow(/byte offset 2: field of 4 bytes outside the \d+ bytes written/);
    w.setU32(0, 9);
    expect(new ByteReader(w.finish()).u32(0)).toBe(9);
  });

  it('range checks agree with the fields\' bounds for any number (integers near the limits, NaN, fractions)', () => {
    const bounds = { u8: [0, 0xff], i8: [-0x80, 0x7f], u16: [0, 0xffff], i16: [-0x8000, 0x7fff], u32: [0, 0xffffffff], i32: [-0x80000000, 0x7fffffff] } as const;
    const edge = fc.oneof(fc.constantFrom(...Object.values(bounds).flat()).chain((b) => fc.integer({ min: -2, max: 2 }).map((d) => b + d)),
      fc.double(), fc.integer({ min: -(2 ** 40), max: 2 ** 40 }).map((v) => v + 0.5), fc.constantFrom(2 ** 32, 2 ** 32 + 1, -(2 ** 31) - 1));
    fc.assert(fc.property(fc.constantFrom(...Object.keys(bounds) as (keyof typeof bounds)[]), edge, (kind, v) => {
      const [lo, hi] = bounds[kind];
      const fits = Number.isInteger(v) && v >= lo && v <= hi;
      const w = new ByteWriter();
      const write = (): unknown => (w[kind] as (x: number) => ByteWriter).call(w, v);
      if (fits) expect(write).not.toThrow(); else expect(write).toThrow(ByteRangeError);
    }), { numRuns: 2000 });
  });

  it('over(bytes) patches the given bytes in place; zeros and set* patch what was written', () => {
    const backing = new Uint8Array(16);
    const bytes = backing.subarray(4, 12);
    const w = ByteWriter.over(bytes, 'be');
    w.setU32(0, 0x01020304).setI32(4, -2).setU8(0, 0xaa);
    expect([...backing.subarray(4, 12)]).toEqual([0xaa, 2, 3, 4, 0xff, 0xff, 0xff, 0xfe]);
    expect([...backing.subarray(0, 4)]).toEqual([0, 0, 0, 0]);
    expect(() => w.setU32(6, 0)).toThrow(/byte offset 6: field of 4 bytes outside the 8 bytes written/);
    const z = new ByteWriter('le').u8(1).zeros(5).u16(0x0102);
    z.setI64(0, -1n).setBytes(1, Uint8Array.of(9, 9));
    expect([...z.finish()]).toEqual([0xff, 9, 9, 0xff, 0xff, 0xff, 0xff, 0xff]);
  });
});
