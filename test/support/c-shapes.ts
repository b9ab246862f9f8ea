// Random C declarations for property tests: shapes (fast-check) → descriptors and the C source
// declaring the same types, plus a small seeded PRNG for choices made inside a property.

import fc from 'fast-check';
import {
  array, bitfield, bool, char, type CType, ptr, s16, s32, s64, s8, struct, type StructType, u16, u32, u64, u8, union, type UnionType, void_,
} from '../../src/dsl/types/index.js';
import { cDeclarator } from './c-types.js';
import { seededRng } from './seeded-rng.js';

// Random declarations: scalars, arrays, bitfields, pointers, nested structs and unions.
export const scalars = [u8, u16, u32, u64, s8, s16, s32, s64, char, bool] as const;
export const bitBases = [u8, u16, u32, u64, s8, s16, s32, s64, char] as const;
const scalar = fc.constantFrom(...scalars);

export interface Shape { readonly kind: 'struct' | 'union'; readonly packed: boolean; readonly fields: readonly FieldShape[] }
export type FieldShape =
  | { readonly f: 'scalar'; readonly t: CType }
  | { readonly f: 'array'; readonly t: CType; readonly dims: readonly number[] }
  | { readonly f: 'bits'; readonly base: number; readonly width: number }
  | { readonly f: 'ptr' }
  | { readonly f: 'nested'; readonly inner: Shape; readonly anon: boolean };

const leafField: fc.Arbitrary<FieldShape> = fc.oneof(
  { weight: 4, arbitrary: scalar.map((t) => ({ f: 'scalar' as const, t })) },
  { weight: 2, arbitrary: fc.record({ t: scalar, dims: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 2 }) }).map((x) => ({ f: 'array' as const, ...x })) },
  { weight: 4, arbitrary: fc.integer({ min: 0, max: bitBases.length - 1 }).chain((base) => fc.integer({ min: 1, max: bitBases[base]!.size * 8 }).map((width) => ({ f: 'bits' as const, base, width }))) },
  { weight: 1, arbitrary: fc.constant({ f: 'ptr' as const }) },
);
const shapeOf = (field: fc.Arbitrary<FieldShape>): fc.Arbitrary<Shape> => fc.record({
  kind: fc.constantFrom('struct' as const, 'struct' as const, 'union' as const),
  packed: fc.boolean(),
  fields: fc.array(field, { minLength: 1, maxLength: 8 }),
});
const innerShape = shapeOf(leafField);
export const topShape = shapeOf(fc.oneof(
  { weight: 8, arbitrary: leafField },
  { weight: 1, arbitrary: fc.record({ inner: innerShape, anon: fc.boolean() }).map((x) => ({ f: 'nested' as const, ...x })) },
));

/** Descriptor for a shape; nested named types are named `${name}_${k}`. */
function build(shape: Shape, name: string, counter = { n: 0 }): StructType | UnionType {
  const fields: Record<string, CType | ReturnType<typeof bitfield>> = {};
  let anon = 0;
  shape.fields.forEach((fs, k) => {
    const key = `f${counter.n++}`;
    switch (fs.f) {
      case 'scalar': fields[key] = fs.t; break;
      case 'array': fields[key] = fs.dims.reduceRight<CType>((e, n) => array(e, n), fs.t); break;
      case 'bits': fields[key] = bitfield(bitBases[fs.base]!, fs.width); break;
      case 'ptr': fields[key] = ptr(void_); break;
      case 'nested': {
        const inner = build(fs.inner, fs.anon ? '' : `${name}_${k}`, counter);
        fields[fs.anon ? `#${anon++}` : key] = inner;
        break;
      }
    }
  });
  const opts = { packed: shape.packed };
  return shape.kind === 'struct' ? struct(name, fields, opts) : union(name, fields, opts);
}

/** C definitions for a descriptor and its named nested types, innermost first. */
function cDefinitions(t: StructType | UnionType, packed: (x: StructType | UnionType) => boolean): string {
  let out = '';
  for (const m of t.members) {
    if (m.bitSize === 0 && (m.type.kind === 'struct' || m.type.kind === 'union') && m.type.name !== '') out += cDefinitions(m.type, packed);
  }
  return out + cBodyWithPacked(t, packed);
}
function cBodyWithPacked(t: StructType | UnionType, packed: (x: StructType | UnionType) => boolean): string {
  const lines = t.members.map((m) => {
    if (m.bitSize !== 0) return `${cDeclarator(m.type, m.name)} : ${m.bitSize};`;
    if (m.name === '') return `${cBodyWithPacked(m.type as StructType | UnionType, packed).replace(/;\n$/, '')};`;
    return `${cDeclarator(m.type, m.name)};`;
  });
  return `${t.kind}${t.name === '' ? '' : ` ${t.name}`} { ${lines.join(' ')} }${packed(t) ? ' __attribute__((packed))' : ''};\n`;
}


/** Descriptors for shapes (named t0, t1, …) and the C definitions of all of them. */
export function randomTypes(shapes: readonly Shape[]): { types: (StructType | UnionType)[]; definitions: string } {
  const types = shapes.map((s, i) => build(s, `t${i}`));
  // Nested descriptors carry their own packed flag only through layout; record which are packed.
  const packedOf = new Map<StructType | UnionType, boolean>();
  const mark = (s: Shape, t: StructType | UnionType): void => {
    packedOf.set(t, s.packed);
    let k = 0;
    for (const fs of s.fields) {
      const m = t.members[k++]!;
      if (fs.f === 'nested') mark(fs.inner, m.type as StructType | UnionType);
    }
  };
  shapes.forEach((s, i) => mark(s, types[i]!));
  return { types, definitions: types.map((t) => cDefinitions(t, (x) => packedOf.get(x) === true)).join('') };
}

/** A small deterministic PRNG (mulberry32), seeded by fast-check, for values of a random type. */
export const prng = seededRng;

