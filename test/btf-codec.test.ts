// The BTF codec on its own: random well-formed graphs round-trip (both byte orders), the extended
// header with a layout section (a blob built here by hand: this 6.18 kernel does not emit it),
// lying lengths/offsets/counts give a BtfError naming the byte offset, and mutated blobs give a
// BtfError or a graph every formatter can print — never another exception.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { btfGraph as graph, btfName as name } from './support/btf-graph.js';
import {
  Btf, BtfError, type BtfType, decodeBtf, encodeBtf, formatBtfC, formatBtfJson, formatBtfRaw,
} from '../elf/index.js';

const typesOf = (btf: Btf): BtfType[] => [...btf.types()].map(([, t]) => t);

/** A small hand-written graph covering every kind, as a seed for mutations. */
const SEED: BtfType[] = [
  { kind: 'INT', name: 'int', size: 4, encoding: 1, bitsOffset: 0, bits: 32 },
  { kind: 'PTR', name: '', type: 3 },
  { kind: 'STRUCT', name: 'node', size: 16, kindFlag: true, members: [{ name: 'next', type: 2, bitsOffset: 0, bitfieldSize: 0 }, { name: 'v', type: 1, bitsOffset: 64, bitfieldSize: 3 }] },
  { kind: 'UNION', name: '', size: 8, kindFlag: false, members: [{ name: 'a', type: 1, bitsOffset: 0, bitfieldSize: 0 }, { name: 'f', type: 15, bitsOffset: 0, bitfieldSize: 0 }] },
  { kind: 'ENUM', name: 'e', size: 4, signed: true, values: [{ name: 'A', value: -1 }, { name: 'B', value: 7 }] },
  { kind: 'ENUM64', name: 'e64', size: 8, signed: false, values: [{ name: 'BIG', value: 0xffffffffffn }] },
  { kind: 'FWD', name: 'later', union: true },
  { kind: 'TYPEDEF', name: 'node_t', type: 3 },
  { kind: 'CONST', name: '', type: 1 },
  { kind: 'VOLATILE', name: '', type: 9 },
  { kind: 'RESTRICT', name: '', type: 2 },
  { kind: 'ARRAY', name: '', type: 10, indexType: 1, nelems: 4 },
  { kind: 'FUNC_PROTO', name: '', returnType: 1, params: [{ name: 'n', type: 2 }, { name: '', type: 0 }] },
  { kind: 'FUNC', name: 'walk', type: 13, linkage: 'global' },
  { kind: 'FLOAT', name: 'double', size: 8 },
  { kind: 'VAR', name: 'head', type: 8, linkage: 'static' },
  { kind: 'DATASEC', name: '.data', size: 16, vars: [{ type: 16, offset: 0, size: 16 }] },
  { kind: 'DECL_TAG', name: 'tag', type: 14, componentIdx: 0, kindFlag: false },
  { kind: 'TYPE_TAG', name: 'user', type: 1, kindFlag: false },
];

describe('BTF codec', () => {
  it('random well-formed graphs: encode → decode gives the same graph, in both byte orders', () => {
    fc.assert(fc.property(graph, fc.constantFrom('le', 'be') as fc.Arbitrary<'le' | 'be'>, (types, byteOrder) => {
      const bytes = encodeBtf(Btf.fromTypes(types, { byteOrder }));
      const back = decodeBtf(bytes);
      expect(back.byteOrder).toBe(byteOrder);
      expect(typesOf(back)).toEqual(types);
      expect(Buffer.from(encodeBtf(back)).equals(Buffer.from(bytes))).toBe(true);
      // The other byte order carries the same graph.
      const other = decodeBtf(encodeBtf(back, { byteOrder: byteOrder === 'le' ? 'be' : 'le' }));
      expect(typesOf(other)).toEqual(types);
    }), { numRuns: 300 });
  });

  it('looks types up by id and by name and kind, and strings are deduplicated', () => {
    const btf = decodeBtf(encodeBtf(Btf.fromTypes([...SEED, { kind: 'STRUCT', name: 'node', size: 0, kindFlag: false, members: [] }])));
    expect(btf.requireType(3).name).toBe('node');
    expect(btf.type(0)).toBeUndefined();
    expect(btf.type(999)).toBeUndefined();
    expect(btf.findByName('node')).toEqual([3, 20]);
    expect(btf.findByName('node', 'TYPEDEF')).toEqual([]);
    expect(btf.findByName('node_t', 'TYPEDEF')).toEqual([8]);
    expect(() => btf.findOne('node', 'STRUCT')).toThrow(RangeError);
    expect(btf.findOne('walk', 'FUNC')).toBe(14);
    const strings = new TextDecoder().decode(btf.raw!.strings.bytes).split('\0');
    expect(strings.filter((s) => s === 'node')).toHaveLength(1);
  });

  it('the name index (built while decoding) finds exactly what a scan of every type finds', () => {
    fc.assert(fc.property(graph, fc.array(name, { maxLength: 4 }), (types, extra) => {
      const btf = decodeBtf(encodeBtf(Btf.fromTypes(types)));
      const scan = (n: string, kind?: string): number[] =>
        types.flatMap((t, i) => (n !== '' && t.name === n && (kind === undefined || t.kind === kind) ? [i + 1] : []));
      for (const n of [...new Set([...types.map((t) => t.name), ...extra])]) {
        expect(btf.findByName(n)).toEqual(scan(n));
        for (const k of ['STRUCT', 'INT', 'FUNC'] as const) expect(btf.findByName(n, k)).toEqual(scan(n, k));
      }
      // In-memory graphs answer the same.
      const mem = Btf.fromTypes(types);
      for (const t of types) expect(mem.findByName(t.name)).toEqual(scan(t.name));
    }), { numRuns: 300 });
  });

  it('split BTF continues the base: ids, string offsets, base strings reused', () => {
    const base = decodeBtf(encodeBtf(Btf.fromTypes(SEED)));
    const split = Btf.fromTypes([
      { kind: 'PTR', name: '', type: 3 },
      { kind: 'STRUCT', name: 'node', size: 8, kindFlag: false, members: [{ name: 'brand_new', type: SEED.length + 1, bitsOffset: 0, bitfieldSize: 0 }] },
    ], { base });
    const bytes = encodeBtf(split);
    const back = decodeBtf(bytes, { base });
    expect(back.firstId).toBe(SEED.length + 1);
    expect(back.requireType(SEED.length + 2).name).toBe('node');
    expect(back.findByName('node', 'STRUCT')).toEqual([3, SEED.length + 2]);
    // 'node' is the base's string; only 'brand_new' is new.
    expect(new TextDecoder().decode(back.raw!.strings.bytes)).toBe('brand_new\0');
    expect(() => decodeBtf(bytes)).toThrow(BtfError);
  });

  it('reads the extended header with a kind layout section, keeping a kind it does not know', () => {
    // Hand-built: 32-byte header, layout for kinds 0..20 (kind 20 unknown: 4 info bytes + 8 per vlen),
    // then types [1] INT 'int', [2] kind 20 'new' vlen 2, then strings.
    const le = true;
    const layout: [number, number][] = [[0, 0], [4, 0], [0, 0], [12, 0], [0, 12], [0, 12], [0, 8], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 8], [4, 0], [0, 12], [0, 0], [4, 0], [0, 0], [0, 12], [4, 8]];
    const strings = new TextEncoder().encode('\0int\0new\0');
    const types = new DataView(new ArrayBuffer(16 + 12 + 4 + 16));
    types.setUint32(0, 1, le); types.setUint32(4, 0x01000000, le); types.setUint32(8, 4, le); types.setUint32(12, 0x01000020, le);
    types.setUint32(16, 5, le); types.setUint32(20, (20 << 24) | 2, le); types.setUint32(24, 1, le);
    for (let i = 28; i < 48; i += 4) types.setUint32(i, 0x11110000 + i, le);
    const layoutLen = layout.length * 4;
    const blob = new Uint8Array(32 + layoutLen + types.byteLength + strings.length);
    const v = new DataView(blob.buffer);
    v.setUint16(0, 0xeb9f, le); blob[2] = 1; v.setUint32(4, 32, le);
    v.setUint32(8, layoutLen, le); v.setUint32(12, types.byteLength, le);
    v.setUint32(16, layoutLen + types.byteLength, le); v.setUint32(20, strings.length, le);
    v.setUint32(24, 0, le); v.setUint32(28, layoutLen, le);
    layout.forEach(([info, elem], k) => { blob[32 + 4 * k] = info; blob[33 + 4 * k] = elem; });
    blob.set(new Uint8Array(types.buffer), 32 + layoutLen);
    blob.set(strings, 32 + layoutLen + types.byteLength);

    const btf = decodeBtf(blob);
    expect(btf.layout).toHaveLength(21);
    expect(btf.requireType(1)).toEqual({ kind: 'INT', name: 'int', size: 4, encoding: 1, bitsOffset: 0, bits: 32 });
    const t = btf.requireType(2);
    expect(t.kind).toBe('UNKNOWN');
    if (t.kind === 'UNKNOWN') {
      expect([t.name, t.kindNumber, t.vlen, t.sizeOrType, t.extra.length]).toEqual(['new', 20, 2, 1, 20]);
    }
    expect(Buffer.from(encodeBtf(btf)).equals(Buffer.from(blob))).toBe(true);
    expect(formatBtfRaw(btf)).toContain("[2] UNKNOWN(20) 'new' vlen=2");
    // Without the layout section kind 20 is an error at its info word.
    const old = Btf.fromTypes([btf.requireType(1)]);
    const noLayout = encodeBtf(old);
    const patched = new Uint8Array(noLayout.length + 12);
    patched.set(noLayout.subarray(0, 24 + 16));
    const pv = new DataView(patched.buffer);
    pv.setUint32(12, 28, true); pv.setUint32(16, 28, true);
    pv.setUint32(24 + 16, 0, true); pv.setUint32(24 + 20, 20 << 24, true); pv.setUint32(24 + 24, 0, true);
    patched.set(noLayout.subarray(24 + 16), 24 + 28);
    expect(() => decodeBtf(patched)).toThrow(new BtfError('unknown kind 20', 24 + 20));
  });

  it('lying counts and offsets give a BtfError at the byte offset, without a huge allocation', () => {
    const good = encodeBtf(Btf.fromTypes(SEED));
    const at = (mutate: (v: DataView) => void): BtfError => {
      const b = good.slice();
      mutate(new DataView(b.buffer));
      try { decodeBtf(b); } catch (e) { if (e instanceof BtfError) return e; throw e; }
      throw new Error('decoded');
    };
    // [3] STRUCT starts at 24 + 12 + 4 + 12 = 52; its info word is at 56.
    const vlen = at((v) => v.setUint32(56, (4 << 24) | 0x80000000 | 0xffffff, true));
    expect(vlen.byteOffset).toBe(56);
    expect(vlen.reason).toMatch(/vlen 16777215 needs 201326580 bytes/);
    const str = at((v) => v.setUint32(52, 0x7fffffff, true));
    expect([str.byteOffset, str.reason]).toEqual([52, expect.stringMatching(/string offset 2147483647 lies outside/)]);
    const ref = at((v) => v.setUint32(24 + 12 + 4 + 8, 4000, true));
    expect([ref.byteOffset, ref.reason]).toEqual([24 + 12 + 4 + 8, `type id 4000 does not exist (last id ${SEED.length})`]);
    expect(at((v) => v.setUint32(12, 0xfffffff0, true)).byteOffset).toBe(8);
    expect(at((v) => v.setUint16(0, 0x1234, true)).byteOffset).toBe(0);
    expect(at((v) => v.setUint32(4, 3, true)).byteOffset).toBe(4);
    expect(() => decodeBtf(good.subarray(0, 23))).toThrow(BtfError);
  });

  it('mutated blobs give a BtfError or a graph every formatter prints, never another exception', () => {
    const seeds = [encodeBtf(Btf.fromTypes(SEED)), encodeBtf(Btf.fromTypes(SEED, { byteOrder: 'be' }))];
    let parsed = 0;
    let rejected = 0;
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 1 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
      fc.oneof({ arbitrary: fc.constant(null), weight: 9 }, { arbitrary: fc.nat(), weight: 1 }),
      (which, edits, cut) => {
        const b = seeds[which]!.slice();
        for (const [pos, val] of edits) b[pos % b.length] = val;
        const bytes = cut === null ? b : b.subarray(0, cut % (b.length + 1));
        let btf: Btf;
        try {
          btf = decodeBtf(bytes);
        } catch (e) {
          if (!(e instanceof BtfError)) throw e;
          rejected++;
          return;
        }
        parsed++;
        for (const [id] of btf.types()) btf.requireType(id);
        formatBtfRaw(btf);
        formatBtfJson(btf);
        try { formatBtfC(btf); } catch (e) { if (!(e instanceof BtfError)) throw e; }
        encodeBtf(btf);
      },
    ), { numRuns: 3000 });
    expect(parsed).toBeGreaterThan(100);
    expect(rejected).toBeGreaterThan(100);
  });
});
