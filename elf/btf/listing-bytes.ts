// What the byte-level listings (format-json.ts, format-raw.ts) share: the string table's bytes of
// a name copied straight into a TextBuffer, without a JS string per name (a vmlinux listing names
// 400,000 things; building a string for each is most of the garbage collector's work).

import type { TextBuffer } from '../../isa/index.js';
import type { Btf } from './btf.js';
import { infoKind } from './fields.js';
import { KIND_NAMES } from './kinds.js';

/** The kinds the byte-level listings write from the records themselves (the others go through a type object). */
export type ListedKind = 'PTR' | 'CONST' | 'VOLATILE' | 'RESTRICT' | 'TYPEDEF' | 'TYPE_TAG' | 'FUNC' | 'FUNC_PROTO' | 'STRUCT' | 'UNION' | 'ARRAY' | 'ENUM';

const LISTED: readonly (ListedKind | undefined)[] = KIND_NAMES.map((k) => {
  switch (k) {
    case 'PTR': case 'CONST': case 'VOLATILE': case 'RESTRICT': case 'TYPEDEF': case 'TYPE_TAG': case 'FUNC':
    case 'FUNC_PROTO': case 'STRUCT': case 'UNION': case 'ARRAY': case 'ENUM': return k;
    default: return undefined;
  }
});

/** The kind of a record's info word when it is one the listings write from the record; undefined otherwise. */
export function listedKind(info: number): ListedKind | undefined {
  return LISTED[infoKind(info)];
}

/** How a name is written: as JSON.stringify writes it, or bare. */
export const enum NameStyle { Json, Bare }

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Appends the name at global string offset `off` ('(anon)' for the empty name). A name of plain
 * ASCII (and, for JSON, nothing JSON escapes) is copied byte for byte; any other goes through the
 * decoded string, so the output is what the string formatters write.
 */
export function appendName(out: TextBuffer, btf: Btf, off: number, style: NameStyle): void {
  const table = tableOf(btf, off);
  if (table !== undefined) {
    const { bytes, start } = table;
    const from = off - start;
    let end = from;
    let plain = true;
    for (let b = bytes[end]!; b !== 0; b = bytes[++end]!) {
      if (b >= 0x7f || (style === NameStyle.Json && (b < 0x20 || b === QUOTE || b === BACKSLASH))) { plain = false; break; }
    }
    if (plain) {
      if (end === from) { out.text(style === NameStyle.Json ? '"(anon)"' : '(anon)'); return; }
      if (style === NameStyle.Json) out.char(QUOTE);
      out.asciiBytes(bytes, from, end);
      if (style === NameStyle.Json) out.char(QUOTE);
      return;
    }
  }
  const name = btf.string(off);
  const shown = name === '' ? '(anon)' : name;
  out.text(style === NameStyle.Json ? JSON.stringify(shown) : shown);
}

/** The string table holding global offset `off` (this graph's or a base's); undefined for offset 0 or a graph built in memory. */
function tableOf(btf: Btf, off: number): { readonly bytes: Uint8Array; readonly start: number } | undefined {
  if (off === 0) return undefined;
  for (let g: Btf | undefined = btf; g !== undefined; g = g.base) {
    const s = g.raw?.strings;
    if (s !== undefined && off >= s.start && off < s.end) return s;
  }
  return undefined;
}

/** Appends a signed 32-bit integer in decimal. */
export function appendInt(out: TextBuffer, n: number): void {
  if (n < 0) { out.char(0x2d); out.decimal(-n, 0); } else out.decimal(n, 0);
}
