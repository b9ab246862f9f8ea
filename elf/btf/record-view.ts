// One flat view of a graph's records, base included, for writers that read the records themselves
// instead of building a type object per id (the C writer: building and keeping 70,000 objects for
// vmlinux was most of its time, in the garbage collector). Every id of the graph and its bases is a
// word offset into one word array, and every global string offset an index into one byte array.

import type { Btf } from './btf.js';
import { decodeBtf } from './decode.js';
import { encodeBtf } from './encode.js';
import { walkTypesFull } from './walk-full.js';

export interface RecordView {
  /** The graph the view was made of: the one given, or its re-decoded copy. */
  readonly btf: Btf;
  /** The type sections of the base chain and the graph, base first, as host-order words. */
  readonly words: Uint32Array;
  /** Word offset in `words` of type `id`'s record, by id (index 0, void, is unused). */
  readonly rec: Uint32Array;
  /** The string sections of the chain, base first: indexed by global string offset. */
  readonly str: Uint8Array;
}

/**
 * The view of a graph whose every record has had the full check: a decoded graph as it is (after
 * checking the records of one decoded with the structural check), a graph built in memory encoded
 * and decoded first.
 */
export function recordView(btf: Btf): RecordView {
  const g = checkedGraph(btf);
  const chain: Btf[] = [];
  for (let b: Btf | undefined = g; b !== undefined; b = b.base) chain.unshift(b);
  const rec = new Uint32Array(g.lastId + 1);
  if (chain.length === 1) {
    const raw = g.raw!;
    for (let i = 0; i < raw.offsets.length; i++) rec[i + 1] = raw.offsets[i]!;
    return { btf: g, words: raw.words, rec, str: raw.strings.bytes };
  }
  let wordCount = 0;
  let strCount = 0;
  for (const b of chain) { wordCount += b.raw!.words.length; strCount += b.raw!.strings.bytes.length; }
  const words = new Uint32Array(wordCount);
  const str = new Uint8Array(strCount);
  let w = 0;
  for (const b of chain) {
    const raw = b.raw!;
    words.set(raw.words, w);
    str.set(raw.strings.bytes, raw.strings.start);
    for (let i = 0; i < raw.offsets.length; i++) rec[b.firstId + i] = w + raw.offsets[i]!;
    w += raw.words.length;
  }
  return { btf: g, words, rec, str };
}

function checkedGraph(btf: Btf): Btf {
  const base = btf.base === undefined ? undefined : checkedGraph(btf.base);
  let g = btf;
  if (btf.raw === undefined) g = decodeBtf(encodeBtf(btf), { base, validation: 'structure' });
  else if (base !== btf.base) g = decodeBtf(btf.raw.bytes, { base, validation: 'structure' });
  // A graph decoded with the structural check: every record gets the check type() gives it (the
  // kernel's reference-loop check aside, which is not the writer's business: it finds its own cycles).
  const raw = g.raw!;
  if (raw.validation === 'structure') {
    walkTypesFull({ words: raw.words, typeOffset: raw.typeOffset, strEnd: raw.strings.end, layout: g.layout, firstId: g.firstId });
  }
  return g;
}
