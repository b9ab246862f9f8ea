// encodeAttr range-checks every integer field for its width and signedness (the kernel's, which
// test/loader-sys-attr.test.ts checks against its BTF): NaN, 1.5, Infinity, a negative value for
// an unsigned field and a value beyond the width are an AttrValueError naming the attr and the
// field, never a silently truncated write. Every value that fits reads back as written.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TsbpfError } from '../isa/index.js';
import {
  type AttrField, type AttrLayout, AttrValueError, BPF_ATTR_LAYOUTS, encodeAttr, INFO_LAYOUTS, MapCreateAttr, PerfEventAttr,
} from '../loader/sys/index.js';

const LAYOUTS: readonly AttrLayout[] = [...BPF_ATTR_LAYOUTS, ...INFO_LAYOUTS, PerfEventAttr];
const INTEGER_FIELDS = LAYOUTS.flatMap((l) => Object.entries(l.fields).filter(([, f]) => f.size !== 16).map(([name, f]) => ({ l, name, f })));

/** The range of a field from its width and signedness (as the kernel's BTF gives them). */
function range(f: AttrField): [bigint, bigint] {
  const bits = BigInt(f.size * 8);
  return f.signed === true ? [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n] : [0n, (1n << bits) - 1n];
}

function readBack(buf: Buffer, f: AttrField): bigint {
  const u = f.size === 2 ? BigInt(buf.readUInt16LE(f.offset)) : f.size === 4 ? BigInt(buf.readUInt32LE(f.offset)) : buf.readBigUInt64LE(f.offset);
  return f.signed === true ? BigInt.asIntN(f.size * 8, u) : u;
}

const fieldArb = fc.constantFrom(...INTEGER_FIELDS);
/** Values around every width's edges, plus doubles that are not integers. */
const edge = fc.constantFrom(0n, 1n, -1n, 1n << 15n, 1n << 16n, 1n << 31n, 1n << 32n, 1n << 53n, 1n << 63n, 1n << 64n)
  .chain((e) => fc.integer({ min: -2, max: 2 }).map((d) => e + BigInt(d)));
const valueArb: fc.Arbitrary<number | bigint> = fc.oneof(
  fc.bigInt({ min: -(1n << 65n), max: 1n << 65n }),
  edge,
  edge.map((b) => (b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b)),
  fc.double(),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1.5, -0.5, 2 ** 60),
);

describe('encodeAttr range checks', () => {
  it('a value that fits reads back as written; one that does not is an AttrValueError naming attr and field', () => {
    fc.assert(fc.property(fieldArb, valueArb, ({ l, name, f }, v) => {
      const [min, max] = range(f);
      const fits = typeof v === 'bigint' ? v >= min && v <= max : Number.isSafeInteger(v) && BigInt(v) >= min && BigInt(v) <= max;
      let buf: Buffer | undefined;
      let err: unknown;
      try {
        buf = encodeAttr(l, { [name]: v });
      } catch (e) {
        err = e;
      }
      if (fits) {
        expect(err).toBeUndefined();
        expect(readBack(buf!, f)).toBe(BigInt(v));
      } else {
        expect(err).toBeInstanceOf(AttrValueError);
        expect(err).toBeInstanceOf(TsbpfError);
        expect((err as AttrValueError).message.startsWith(`${l.name}.${name}: `)).toBe(true);
        expect([(err as AttrValueError).attr, (err as AttrValueError).field]).toEqual([l.name, name]);
      }
    }), { numRuns: 3000 });
  });

  it('the issue cases: NaN is not 0, 1.5 is not 1, -1 is not 0xffffffff, 2^32 is not 0', () => {
    expect(() => encodeAttr(MapCreateAttr, { max_entries: Number.NaN })).toThrow('map_create.max_entries: NaN is not an integer');
    expect(() => encodeAttr(MapCreateAttr, { key_size: 1.5 })).toThrow('map_create.key_size: 1.5 is not an integer');
    expect(() => encodeAttr(MapCreateAttr, { map_flags: -1 })).toThrow('map_create.map_flags: -1 is negative; the field is u32');
    expect(() => encodeAttr(MapCreateAttr, { value_size: 2 ** 32 })).toThrow('map_create.value_size: 4294967296 does not fit in u32 (max 4294967295)');
    expect(() => encodeAttr(MapCreateAttr, { map_extra: 2 ** 60 })).toThrow('map_create.map_extra: 1152921504606847000 is beyond 2^53; pass a bigint');
    // Signed fields (BTF __s32) take negative values: clockid -1, the token fds.
    expect(encodeAttr(PerfEventAttr, { clockid: -1 }).readInt32LE(PerfEventAttr.fields.clockid.offset)).toBe(-1);
    expect(() => encodeAttr(PerfEventAttr, { clockid: 2 ** 31 })).toThrow('perf_event_attr.clockid: 2147483648 does not fit in s32 (max 2147483647)');
  });
});
