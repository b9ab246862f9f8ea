// Re-pointing an encoded BTF blob at another string section: every string field of every record
// (found by the field iterator) gets the offset of the same string in the new table, and the string
// section is replaced. The linker uses it for libbpf's string order, the DSL's BtfBuilder for the
// offsets it handed out before the types were encoded.

import { ByteReader, ByteWriter } from '../../isa/index.js';
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
  const order = raw.le ? 'le' : 'be';
  const out = new ByteWriter(order, typesEnd + table.length).bytes(blob.subarray(0, raw.typeOffset));
  for (let w = 0; w < words.length; w++) out.u32(words[w]!);
  out.bytes(table);
  const hdrLen = new ByteReader(blob, order).u32(4);
  out.setU32(16, typesEnd - hdrLen).setU32(20, table.length);
  return out.finish();
}

/** Rewrites, in `words` (a copy of btf's type words), every string offset to offset(the string). */
function repointStrings(btf: Btf, words: Uint32Array, offset: (s: string) => number): void {
  for (const p of btf.raw!.offsets) forEachField(words, p, 'strings', (w) => { words[w] = offset(btf.string(words[w]!)); });
}
