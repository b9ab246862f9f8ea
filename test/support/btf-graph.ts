// Random well-formed BTF type graphs for property tests of the BTF codec and its field iterator.

import fc from 'fast-check';
import { type BtfType, mapTypeIds } from '../../elf/index.js';

const name = fc.oneof(fc.constant(''), fc.stringMatching(/^[a-z_][a-z0-9_]{0,11}$/), fc.constantFrom('ünï', 'x y', 'int'));
const u32 = fc.integer({ min: 0, max: 0xffffffff });
/** A type or member name: empty, an identifier, or one a C compiler would not write. */
export const btfName = name;

/**
 * A random well-formed graph of n types whose references stay within 0..n and point to earlier types
 * (or void): a later one could close a reference loop, which the full check refuses as the kernel does
 * (test/btf-resolve-loops.test.ts).
 */
export const btfGraph = fc.integer({ min: 1, max: 24 }).chain((n) => {
  const ref = fc.integer({ min: 0, max: n });
  const linkage = fc.constantFrom('static', 'global', 'extern') as fc.Arbitrary<'static' | 'global' | 'extern'>;
  const member = (kindFlag: boolean) => fc.record({
    name, type: ref,
    bitsOffset: kindFlag ? fc.integer({ min: 0, max: 0xffffff }) : u32,
    bitfieldSize: kindFlag ? fc.integer({ min: 0, max: 255 }) : fc.constant(0),
  });
  const composite = (kind: 'STRUCT' | 'UNION') => fc.boolean().chain((kindFlag) => fc.record({
    kind: fc.constant(kind), name, size: u32, kindFlag: fc.constant(kindFlag), members: fc.array(member(kindFlag), { maxLength: 5 }),
  }));
  const type: fc.Arbitrary<BtfType> = fc.oneof(
    fc.record({ kind: fc.constant('INT' as const), name, size: u32, encoding: fc.constantFrom(0, 1, 2, 4), bitsOffset: fc.integer({ min: 0, max: 255 }), bits: fc.integer({ min: 0, max: 255 }) }),
    ...(['PTR', 'TYPEDEF', 'VOLATILE', 'CONST', 'RESTRICT'] as const).map((k) => fc.record({ kind: fc.constant(k), name, type: ref })),
    fc.record({ kind: fc.constant('TYPE_TAG' as const), name, type: ref, kindFlag: fc.boolean() }),
    fc.record({ kind: fc.constant('ARRAY' as const), name, type: ref, indexType: ref, nelems: u32 }),
    composite('STRUCT'), composite('UNION'),
    fc.boolean().chain((signed) => fc.record({
      kind: fc.constant('ENUM' as const), name, size: u32, signed: fc.constant(signed),
      values: fc.array(fc.record({ name, value: signed ? fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) : u32 }), { maxLength: 4 }),
    })),
    fc.boolean().chain((signed) => fc.record({
      kind: fc.constant('ENUM64' as const), name, size: u32, signed: fc.constant(signed),
      values: fc.array(fc.record({ name, value: signed ? fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }) : fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) }), { maxLength: 4 }),
    })),
    fc.record({ kind: fc.constant('FWD' as const), name, union: fc.boolean() }),
    fc.record({ kind: fc.constant('FUNC' as const), name, type: ref, linkage }),
    fc.record({ kind: fc.constant('FUNC_PROTO' as const), name, returnType: ref, params: fc.array(fc.record({ name, type: ref }), { maxLength: 4 }) }),
    fc.record({ kind: fc.constant('VAR' as const), name, type: ref, linkage }),
    fc.record({ kind: fc.constant('DATASEC' as const), name, size: u32, vars: fc.array(fc.record({ type: ref, offset: u32, size: u32 }), { maxLength: 4 }) }),
    fc.record({ kind: fc.constant('FLOAT' as const), name, size: u32 }),
    fc.record({ kind: fc.constant('DECL_TAG' as const), name, type: ref, componentIdx: fc.integer({ min: -1, max: 1000 }), kindFlag: fc.boolean() }),
  ) as fc.Arbitrary<BtfType>;
  return fc.array(type, { minLength: n, maxLength: n }).map((types) => types.map((t, i) => refsBelow(t, i + 1)));
});

/** The type with every reference r ≥ id replaced by r mod id, an earlier type or void. */
function refsBelow(t: BtfType, id: number): BtfType {
  return mapTypeIds(t, (x) => (x >= id ? x % id : x));
}
