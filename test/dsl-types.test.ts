// The DSL's type descriptors against clang-19: for the same declarations in C, the BTF our
// BtfBuilder emits has the same kinds, names, sizes, member offsets and bitfield encoding as the
// .BTF clang-19 -g writes (compared as canonical text, independent of ids), for a hand-written
// struct covering every descriptor and for random structs/unions/arrays/bitfields (fast-check,
// one clang run per batch), and for each random type clang's bytes for a random C initialiser equal
// encodeValue's for the same value. encodeValue/decodeValue round-trip.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readObject } from '../elf/index.js';
import {
  array, bitfield, bool, BtfBuilder, char, type CType, decodeValue, encodeValue, enumType, fieldOf, fwd, ptr, s16, s32, s64, s8,
  type IntType, struct, type StructType, typedef, u16, u32, u64, u8, union, type UnionType, type ValueOf, void_,
} from '../src/dsl/types/index.js';
import { canonical, cDefinition, clangBtf, clangObject, globalBytes, idByName } from './support/c-types.js';
import { prng, randomTypes, topShape } from './support/c-shapes.js';
import { requireReferences, run } from './support/references.js';

const haveClang = requireReferences('clang-19');

function ours(t: CType): string {
  const b = new BtfBuilder();
  const id = b.add(t);
  return canonical(b.build(), id);
}

describe.skipIf(!haveClang)('descriptors emit the BTF clang-19 emits', () => {
  it('a struct with every descriptor kind', () => {
    const e1 = enumType('e1', { A: 1, B: 2 });
    const e2 = enumType('e2', { C: -1, D: 5 });
    const e3 = enumType('e3', { BIG: 1n << 40n, SMALL: 1 }, 8);
    const u32_t = typedef('__u32', u32);
    const s: StructType = struct('s', {
      c: char, b: bool, x: bitfield(u32, 3), y: bitfield(s32, 5), z: bitfield(e1, 2), w: bitfield(u32_t, 9),
      q: u64, sc: s8, uc: u8, sh: s16, ush: u16, ll: s64, name: array(char, 16),
      next: ptr((): StructType => s), arr: array(array(s32, 3), 2), e: e2, big: e3,
      '#0': union('', { i: s32, u: u32 }), opaque: ptr(fwd('opaque_thing')), vp: ptr(void_), id: u32_t,
    });
    const c = `enum e1 { A = 1, B = 2 };\nenum e2 { C = -1, D = 5 };\nenum e3 { BIG = 1ULL << 40, SMALL = 1 };\n`
      + `typedef unsigned int __u32;\nstruct opaque_thing;\n${cDefinition(s)}struct s g;\n`;
    const theirs = clangBtf(c);
    expect(ours(s)).toBe(canonical(theirs, idByName(theirs, 's')));
    expect(fieldOf(s, 'i')).toMatchObject({ offset: s.members.find((m) => m.key === '#0')!.bitOffset / 8, path: [17, 0] });
  });

  it('packed and aligned structs, unions with bitfields', () => {
    const p = struct('p', { a: u8, b: u32, c: bitfield(u16, 9), d: bitfield(u16, 9), e: u64 }, { packed: true });
    const a = struct('al', { a: u8, b: u16 }, { align: 16 });
    const un = union('un', { a: u8, b: bitfield(u32, 17), c: array(u16, 3) });
    const theirs = clangBtf(`${cDefinition(p, true)}struct al { unsigned char a; unsigned short b; } __attribute__((aligned(16)));\n${cDefinition(un)}struct p gp; struct al ga; union un gu;\n`);
    expect(ours(p)).toBe(canonical(theirs, idByName(theirs, 'p')));
    expect(ours(a)).toBe(canonical(theirs, idByName(theirs, 'al')));
    expect(ours(un)).toBe(canonical(theirs, idByName(theirs, 'un', 'UNION')));
  });
});

function hasUnion(t: CType): boolean {
  if (t.kind === 'union') return true;
  if (t.kind === 'array') return hasUnion(t.elem);
  return t.kind === 'struct' && t.members.some((m) => hasUnion(m.type));
}

function randomBits(rnd: () => number, bits: number, signed: boolean): bigint {
  let x = 0n;
  for (let i = 0; i < bits; i += 16) x |= BigInt(Math.floor(rnd() * 65536)) << BigInt(i);
  // Bias towards small values and the extremes too.
  const r = rnd();
  if (r < 0.2) x = BigInt(Math.floor(rnd() * 4));
  else if (r < 0.3) x = (1n << BigInt(bits)) - 1n;
  x = BigInt.asUintN(bits, x);
  return signed ? BigInt.asIntN(bits, x) : x;
}

const cInt = (v: bigint): string => (v >= 0n ? `${v}ULL` : `(-${-(v + 1n)}LL - 1)`);

/** A random JS value of a type and the C initializer for the same value. */
function randomValue(t: CType, rnd: () => number): { js: unknown; c: string } {
  switch (t.kind) {
    case 'int': {
      if (t.flavor === 'bool') { const b = rnd() < 0.5; return { js: b, c: b ? '1' : '0' }; }
      const v = randomBits(rnd, t.size * 8, t.signed);
      return { js: t.size === 8 ? v : Number(v), c: `(${t.name})${cInt(v)}` };
    }
    case 'ptr': return { js: 0n, c: '0' };
    case 'array': {
      if (t.elem.kind === 'int' && t.elem.flavor === 'char') {
        const n = Math.floor(rnd() * (t.length + 1));
        const str = Array.from({ length: n }, () => String.fromCharCode(97 + Math.floor(rnd() * 26))).join('');
        return { js: str, c: `"${str}"` };
      }
      const items = Array.from({ length: t.length }, () => randomValue(t.elem, rnd));
      return { js: items.map((x) => x.js), c: `{ ${items.map((x) => x.c).join(', ')} }` };
    }
    case 'struct': case 'union': {
      const { js, designators } = compositeValue(t, rnd);
      return { js, c: `{ ${designators.join(', ')} }` };
    }
    default: throw new Error(`no random value for ${t.kind}`);
  }
}

/** Members' values; anonymous members' designators are flattened into the parent's, as C allows. A union gets its first member. */
function compositeValue(t: StructType | UnionType, rnd: () => number): { js: Record<string, unknown>; designators: string[] } {
  const js: Record<string, unknown> = {};
  const designators: string[] = [];
  for (const m of t.kind === 'union' ? t.members.slice(0, 1) : t.members) {
    if (m.name === '') {
      const inner = compositeValue(m.type as StructType | UnionType, rnd);
      js[m.key] = inner.js;
      designators.push(...inner.designators);
    } else if (m.bitSize !== 0) {
      const base = m.type as IntType;
      const v = randomBits(rnd, m.bitSize, base.signed);
      js[m.key] = base.size === 8 ? v : Number(v);
      designators.push(`.${m.name} = ${cInt(v)}`);
    } else {
      const v = randomValue(m.type, rnd);
      js[m.key] = v.js;
      designators.push(`.${m.name} = ${v.c}`);
    }
  }
  return { js, designators };
}

describe.skipIf(!haveClang)('random declarations: our layout, BTF and value bytes equal clang-19\'s', () => {
  it('structs, unions, arrays, bitfields, packed (batches of 40, one clang run each)', () => {
    fc.assert(fc.property(fc.array(topShape, { minLength: 40, maxLength: 40 }), fc.integer(), (shapes, seed) => {
      const { types, definitions } = randomTypes(shapes);
      const rnd = prng(seed);
      const values = types.map((t) => randomValue(t, rnd));
      const src = definitions
        + types.map((t, i) => `${t.kind} t${i} g${i} = ${values[i]!.c};\n`).join('');
      const obj = clangObject(src);
      const theirs = obj.btf!;
      types.forEach((t, i) => {
        expect(ours(t), src).toBe(canonical(theirs, idByName(theirs, `t${i}`, t.kind === 'struct' ? 'STRUCT' : 'UNION')));
        // The bytes clang initialised g_i with are the bytes encodeValue writes, and decode → encode keeps them.
        const bytes = globalBytes(obj, `g${i}`);
        const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
        expect(hex(encodeValue(t, values[i]!.js as never)), `g${i} = ${values[i]!.c}`).toBe(hex(bytes));
        // (Not through unions: a _Bool member decodes the shared byte as true/false, losing the rest.)
        if (!hasUnion(t)) expect(hex(encodeValue(t, decodeValue(t, bytes) as never)), `decode/encode g${i}`).toBe(hex(bytes));
      });
    }), { numRuns: 10 });
  });
});

describe('encodeValue / decodeValue', () => {
  it('round-trips random struct values (both byte orders)', () => {
    const e = enumType('dir', { IN: 0, OUT: 1, BOTH: -1 });
    const ev = struct('event', {
      pid: u32, ts: u64, comm: array(char, 16), flags: bitfield(u8, 3), mode: bitfield(s16, 7), d: bitfield(e, 2),
      ok: bool, delta: s64, vals: array(s16, 3), p: ptr(void_), '#0': union('', { a: u32, b: array(u8, 4) }),
    });
    type V = ValueOf<typeof ev>;
    const value: fc.Arbitrary<V> = fc.record({
      pid: fc.integer({ min: 0, max: 0xffffffff }), ts: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      comm: fc.stringMatching(/^[a-z0-9_]{0,16}$/), flags: fc.integer({ min: 0, max: 7 }), mode: fc.integer({ min: -64, max: 63 }),
      d: fc.integer({ min: -1, max: 1 }), ok: fc.boolean(), delta: fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
      vals: fc.array(fc.integer({ min: -0x8000, max: 0x7fff }), { minLength: 3, maxLength: 3 }),
      p: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      '#0': fc.integer({ min: 0, max: 0xffffffff }).map((a) => ({ a, b: [a & 0xff, (a >>> 8) & 0xff, (a >>> 16) & 0xff, a >>> 24] })),
    });
    fc.assert(fc.property(value, fc.constantFrom('le' as const, 'be' as const), (v, byteOrder) => {
      const bytes = encodeValue(ev, v, { byteOrder });
      expect(bytes.length).toBe(ev.size);
      const back = decodeValue(ev, bytes, { byteOrder });
      if (byteOrder === 'be') back['#0'] = v['#0']; // the union's array view is byte-order dependent
      expect(back).toEqual(v);
    }), { numRuns: 300 });
  });

  it('lays bitfields out as clang does (value bytes checked against a C initialiser)', () => {
    if (!haveClang) return;
    const s = struct('bf', { a: bitfield(u8, 3), b: bitfield(u32, 20), c: bitfield(s32, 5), d: u16 });
    const bytes = encodeValue(s, { a: 5, b: 0xabcde, c: -3, d: 0x1234 });
    // The .data bytes clang wrote for g (one variable, at offset 0).
    const src = `${cDefinition(s)}struct bf g = { .a = 5, .b = 0xabcde, .c = -3, .d = 0x1234 };\n`;
    expect(Buffer.from(bytes).toString('hex')).toBe(clangData(src, s.size));
    expect(decodeValue(s, bytes)).toEqual({ a: 5, b: 0xabcde, c: -3, d: 0x1234 });
  });

  it('rejects values that do not fit', () => {
    expect(() => encodeValue(u8, 256)).toThrow(/does not fit/);
    expect(() => encodeValue(array(char, 4), 'hello')).toThrow(/does not fit/);
    expect(() => decodeValue(u32, new Uint8Array(2))).toThrow(/too few/);
  });
});

describe('BtfBuilder', () => {
  it('string() offsets are final offsets of the built string table', () => {
    const b = new BtfBuilder();
    const early = b.string('tracepoint/syscalls/sys_enter_execve');
    const id = b.add(struct('k', { a: u32, b: ptr(void_) }));
    const late = b.string('0:1');
    const btf = b.build();
    expect(btf.string(early)).toBe('tracepoint/syscalls/sys_enter_execve');
    expect(btf.string(late)).toBe('0:1');
    expect(btf.requireType(id)).toMatchObject({ kind: 'STRUCT', name: 'k', size: 16 });
    expect(b.add(u32)).toBe(b.add(u32));
  });
});


function clangData(source: string, size: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsbpf-ctypes-'));
  try {
    writeFileSync(join(dir, 'a.c'), source);
    run('clang-19', ['-g', '-O2', '-target', 'bpf', '-c', join(dir, 'a.c'), '-o', join(dir, 'a.o')]);
    const obj = readObject(readFileSync(join(dir, 'a.o')));
    const data = obj.globals.find((g) => g.name === '.data');
    if (data === undefined) throw new Error('no .data');
    return Buffer.from(data.data.subarray(0, size)).toString('hex');
  }
  finally { rmSync(dir, { recursive: true, force: true }); }
}
