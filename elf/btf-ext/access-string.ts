// CO-RE access strings: colon-separated decimal indices, "0:1:2".
// The first index steps through the root pointer as an array; each following
// one selects a struct/union member (anonymous members count) or an array
// element. TYPE_* kinds use "0"; ENUMVAL_* kinds hold the enumerator index.

import { BtfExtError } from './errors.js';

/** Largest index: libbpf reads each component as a C int. */
export const ACCESS_INDEX_MAX = 0x7fffffff;

/**
 * Parses "0:1:2" into [0, 1, 2]. Rejects an empty string, empty components,
 * signs, spaces, leading zeros ("01") and values above 2^31 - 1, so that
 * formatAccessString(parseAccessString(s)) === s for every accepted s.
 * Errors are BtfExtError whose byteOffset is the character index.
 */
export function parseAccessString(text: string): number[] {
  if (text.length === 0) throw new BtfExtError('empty access string', 0);
  const out: number[] = [];
  let pos = 0;
  for (const part of text.split(':')) {
    if (part.length === 0) throw new BtfExtError(`empty index in access string "${text}"`, pos);
    if (!/^(0|[1-9][0-9]*)$/.test(part)) throw new BtfExtError(`index "${part}" in access string "${text}" is not a decimal number`, pos);
    const value = part.length > 10 ? Infinity : Number(part);
    if (value > ACCESS_INDEX_MAX) throw new BtfExtError(`index ${part} in access string "${text}" exceeds ${ACCESS_INDEX_MAX}`, pos);
    out.push(value);
    pos += part.length + 1;
  }
  return out;
}

/** Prints [0, 1, 2] as "0:1:2". */
export function formatAccessString(indices: readonly number[]): string {
  if (indices.length === 0) throw new RangeError('an access string has at least one index');
  for (const i of indices) {
    if (!Number.isInteger(i) || i < 0 || i > ACCESS_INDEX_MAX) throw new RangeError(`access index ${i} is not an integer in 0 … ${ACCESS_INDEX_MAX}`);
  }
  return indices.join(':');
}
