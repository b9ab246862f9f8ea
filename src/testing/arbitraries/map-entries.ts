// Map contents to seed a map with: distinct keys (array maps: indices below max_entries), as
// many as the map holds at most, with values of the map's value size.

import fc from 'fast-check';
import { ByteWriter } from '../../../isa/index.js';
import type { MapShape } from '../backends.js';

export interface MapEntriesOptions {
  /** Most entries (default: the map's max_entries, at most 64). */
  readonly maxEntries?: number;
  /** Keys to draw from (default: any bytes of the key size; array maps: indices). */
  readonly key?: fc.Arbitrary<Uint8Array>;
  /** Values to draw from (default: any bytes of the value size). */
  readonly value?: fc.Arbitrary<Uint8Array>;
}

const ARRAYS = new Set([2, 6]);

function index(i: number): Uint8Array {
  return new ByteWriter('le', 4).u32(i).finish();
}

/** Entries for a map of this shape: [key, value] pairs with distinct keys. */
export function arbMapEntries(shape: Pick<MapShape, 'type' | 'keySize' | 'valueSize' | 'maxEntries'>, options: MapEntriesOptions = {}): fc.Arbitrary<[Uint8Array, Uint8Array][]> {
  const most = Math.min(options.maxEntries ?? Math.min(shape.maxEntries, 64), shape.maxEntries);
  const key = options.key ?? (ARRAYS.has(shape.type) ? fc.integer({ min: 0, max: shape.maxEntries - 1 }).map(index) : fc.uint8Array({ minLength: shape.keySize, maxLength: shape.keySize }));
  const value = options.value ?? fc.uint8Array({ minLength: shape.valueSize, maxLength: shape.valueSize });
  return fc.uniqueArray(fc.tuple(key, value), { maxLength: most, selector: ([k]) => Buffer.from(k).toString('hex') });
}
