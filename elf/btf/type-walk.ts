// What a walk over a BTF type section gets and gives: the section as host-order 32-bit words in,
// the word offset of every record and the name index out. Two walks exist (walk-full.ts,
// walk-structure.ts); decodeBtf picks one by DecodeBtfOptions.validation.

import type { BtfLayoutEntry } from './btf.js';
import { emptyNameIndex, type NameIndex } from './name-index.js';

export interface TypeWalkInput {
  /** The type section as 32-bit words in host order. */
  readonly words: Uint32Array;
  /** Byte offset of the type section in the blob, for error offsets. */
  readonly typeOffset: number;
  /** One past the last valid (global) string offset. */
  readonly strEnd: number;
  /** The kind layout section of an extended header: lengths of kinds this codec does not know. */
  readonly layout: readonly BtfLayoutEntry[] | undefined;
  /** Id of the first record (1, or the base's last id + 1 for split BTF). */
  readonly firstId: number;
  /** The last valid type id, when `words` is only part of the graph (one record checked on its own). */
  readonly lastId?: number;
}

export interface TypeWalk {
  /** Word offset of each record, by id - firstId. */
  readonly offsets: Uint32Array;
  readonly index: NameIndex;
}

/** Offset table and empty name index sized for the most records `words` can hold (12 bytes each). */
export function newTypeTables(wordCount: number): { offsets: Uint32Array; index: NameIndex } {
  const maxTypes = Math.floor(wordCount / 3);
  return { offsets: new Uint32Array(maxTypes), index: emptyNameIndex(maxTypes) };
}
