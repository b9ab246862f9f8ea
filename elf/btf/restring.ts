// Re-pointing an encoded BTF blob at another string section: every string field of every record
// (found by the field iterator) gets the offset of the same string in the new table, and the string
// section is replaced. The linker uses it for libbpf's string order, the DSL's BtfBuilder for the
// offsets it handed out before the types were encoded.

import type { Btf } from './btf.js';
import { decodeBtf } from './decode.js';
import { forEachField } from './fields.js';

/** A string section to point at: its bytes and the offset of each string in them. */
export interface StringSection {
  bytes(): Uint8Array;
  /** Offset of `s` in bytes(); every string of the blob must be there. */
  offset(s: string): number;
}

/**
 * The blob with its string section replaced by `strings` (placed right after the type section) and
 * every string offset of its records re-pointed; everything before the end of the type section
 * (header, layout section, types) keeps its place.
 */
export function withStringSection(blob: Uint8Array, strings: StringSection): Uint8Array {
  const btf = decodeBtf(blob, { validation: 'structure' });
  const raw = btf.raw!;
  const words = Uint32Array.from(raw.words);
  repointStrings(btf, words, (s) => strings.offset(s));
  const table = strings.bytes();
  const typesEnd = raw.typeOffset + 4 * words.length;
  const out = new Uint8Array(typesEnd + table.length);
  out.set(blob.subarray(0, typesEnd));
  out.set(table, typesEnd);
  const view = new DataView(out.buffer);
  const { le } = raw;
  for (let w = 0; w < words.length; w++) view.setUint32(raw.typeOffset + 4 * w, words[w]!, le);
  const hdrLen = view.getUint32(4, le);
  view.setUint32(16, typesEnd - hdrLen, le);
  view.setUint32(20, table.length, le);
  return out;
}

/** Rewrites, in `words` (a copy of btf's type words), every string offset to offset(the string). */
function repointStrings(btf: Btf, words: Uint32Array, offset: (s: string) => number): void {
  for (const p of btf.raw!.offsets) forEachField(words, p, 'strings', (w) => { words[w] = offset(btf.string(words[w]!)); });
}
