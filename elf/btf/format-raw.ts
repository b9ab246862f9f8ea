// The raw listing of a BTF graph, line for line what `bpftool btf dump file FILE` (bpftool 7.1)
// prints: one line per type, members/values/params/vars on tab-indented lines below it.

import { TextBuffer } from '../../isa/index.js';
import type { Btf } from './btf.js';
import { infoVlen } from './fields.js';
import { appendInt, appendName, listedKind, NameStyle } from './listing-bytes.js';
import { LINKAGES, type BtfType } from './types.js';

const quoted = (name: string): string => `'${name === '' ? '(anon)' : name}'`;

function intEncoding(e: number): string {
  switch (e) {
    case 0: return '(none)';
    case 1: return 'SIGNED';
    case 2: return 'CHAR';
    case 4: return 'BOOL';
    default: return 'UNKN';
  }
}

/** The bpftool lines of one type (no trailing newline). */
export function formatTypeRaw(btf: Btf, id: number, t: BtfType): string {
  const kind = t.kind === 'UNKNOWN' ? `UNKNOWN(${t.kindNumber})` : t.kind;
  let s = `[${id}] ${kind} ${quoted(t.name)}`;
  switch (t.kind) {
    case 'INT':
      return `${s} size=${t.size} bits_offset=${t.bitsOffset} nr_bits=${t.bits} encoding=${intEncoding(t.encoding)}`;
    case 'PTR': case 'CONST': case 'VOLATILE': case 'RESTRICT': case 'TYPEDEF': case 'TYPE_TAG':
      return `${s} type_id=${t.type}`;
    case 'ARRAY':
      return `${s} type_id=${t.type} index_type_id=${t.indexType} nr_elems=${t.nelems}`;
    case 'STRUCT': case 'UNION':
      s += ` size=${t.size} vlen=${t.members.length}`;
      for (const m of t.members) {
        s += `\n\t${quoted(m.name)} type_id=${m.type} bits_offset=${m.bitsOffset}`;
        if (m.bitfieldSize !== 0) s += ` bitfield_size=${m.bitfieldSize}`;
      }
      return s;
    case 'ENUM':
      s += ` encoding=${t.signed ? 'SIGNED' : 'UNSIGNED'} size=${t.size} vlen=${t.values.length}`;
      for (const v of t.values) s += `\n\t${quoted(v.name)} val=${v.value}`;
      return s;
    case 'ENUM64':
      s += ` encoding=${t.signed ? 'SIGNED' : 'UNSIGNED'} size=${t.size} vlen=${t.values.length}`;
      for (const v of t.values) s += `\n\t${quoted(v.name)} val=${v.value}${t.signed ? 'LL' : 'ULL'}`;
      return s;
    case 'FWD':
      return `${s} fwd_kind=${t.union ? 'union' : 'struct'}`;
    case 'FUNC':
      return `${s} type_id=${t.type} linkage=${t.linkage}`;
    case 'FUNC_PROTO':
      s += ` ret_type_id=${t.returnType} vlen=${t.params.length}`;
      for (const a of t.params) s += `\n\t${quoted(a.name)} type_id=${a.type}`;
      return s;
    case 'VAR':
      return `${s} type_id=${t.type}, linkage=${t.linkage}`;
    case 'DATASEC':
      s += ` size=${t.size} vlen=${t.vars.length}`;
      for (const v of t.vars) {
        const k = btf.kindOf(v.type);
        s += `\n\ttype_id=${v.type} offset=${v.offset} size=${v.size} (${k === 'VOID' ? 'UNKNOWN' : k} ${quoted(btf.nameOf(v.type))})`;
      }
      return s;
    case 'FLOAT':
      return `${s} size=${t.size}`;
    case 'DECL_TAG':
      return `${s} type_id=${t.type} component_idx=${t.componentIdx}`;
    case 'UNKNOWN':
      return `${s} vlen=${t.vlen} size_or_type=${t.sizeOrType}`;
  }
}

/**
 * The listing in pieces: `write` receives text of about 64 KiB at a time, so that a caller can
 * stream a vmlinux listing out without holding it (or the types) in memory.
 */
export function writeBtfRaw(btf: Btf, write: (text: string) => void): void {
  writeBtfRawBytes(btf, (bytes) => write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8')));
}

/**
 * writeBtfRaw's listing as UTF-8 bytes, written straight from a decoded graph's records (the common
 * kinds without building a type object or a string; formatTypeRaw writes the others). `write` gets
 * a view of about 64 KiB that is valid until it returns.
 */
export function writeBtfRawBytes(btf: Btf, write: (bytes: Uint8Array) => void): void {
  // A graph decoded with the structural check goes through type(), which checks each record first.
  const raw = btf.raw?.validation === 'structure' ? undefined : btf.raw;
  const out = new TextBuffer(1 << 17);
  for (let id = btf.firstId; id <= btf.lastId; id++) {
    if (raw === undefined || !writeRecordRaw(out, btf, id, raw.words, raw.offsets[id - btf.firstId]!)) {
      out.text(formatTypeRaw(btf, id, btf.type(id, { cache: false })!));
    }
    out.char(0x0a);
    if (out.len > 65536) { write(out.bytes()); out.len = 0; }
  }
  if (out.len > 0) write(out.bytes());
}

/** One record of the common kinds (no newline); false (nothing written) for the others. */
function writeRecordRaw(out: TextBuffer, btf: Btf, id: number, words: Uint32Array, p: number): boolean {
  const info = words[p + 1]!;
  const kind = listedKind(info);
  if (kind === undefined) return false;
  const vlen = infoVlen(info);
  const st = words[p + 2]!;
  out.char(0x5b);
  out.decimal(id, 0);
  out.text('] ');
  out.text(kind);
  out.text(" '");
  appendName(out, btf, words[p]!, NameStyle.Bare);
  out.char(0x27);
  const q = p + 3;
  switch (kind) {
    case 'FUNC':
      out.text(' type_id='); out.decimal(st, 0);
      out.text(' linkage='); out.text(LINKAGES[vlen]!);
      return true;
    case 'FUNC_PROTO':
      out.text(' ret_type_id='); out.decimal(st, 0);
      out.text(' vlen='); out.decimal(vlen, 0);
      for (let k = 0, m = q; k < vlen; k++, m += 2) {
        out.text("\n\t'");
        appendName(out, btf, words[m]!, NameStyle.Bare);
        out.text("' type_id="); out.decimal(words[m + 1]!, 0);
      }
      return true;
    case 'STRUCT': case 'UNION': {
      const bitfields = info >>> 31 === 1;
      out.text(' size='); out.decimal(st, 0);
      out.text(' vlen='); out.decimal(vlen, 0);
      for (let k = 0, m = q; k < vlen; k++, m += 3) {
        out.text("\n\t'");
        appendName(out, btf, words[m]!, NameStyle.Bare);
        out.text("' type_id="); out.decimal(words[m + 1]!, 0);
        const off = words[m + 2]!;
        out.text(' bits_offset='); out.decimal(bitfields ? off & 0xffffff : off, 0);
        if (bitfields && off >>> 24 !== 0) { out.text(' bitfield_size='); out.decimal(off >>> 24, 0); }
      }
      return true;
    }
    case 'ARRAY':
      out.text(' type_id='); out.decimal(words[q]!, 0);
      out.text(' index_type_id='); out.decimal(words[q + 1]!, 0);
      out.text(' nr_elems='); out.decimal(words[q + 2]!, 0);
      return true;
    case 'ENUM': {
      const signed = info >>> 31 === 1;
      out.text(signed ? ' encoding=SIGNED size=' : ' encoding=UNSIGNED size='); out.decimal(st, 0);
      out.text(' vlen='); out.decimal(vlen, 0);
      for (let k = 0, m = q; k < vlen; k++, m += 2) {
        out.text("\n\t'");
        appendName(out, btf, words[m]!, NameStyle.Bare);
        out.text("' val=");
        if (signed) appendInt(out, words[m + 1]! | 0); else out.decimal(words[m + 1]!, 0);
      }
      return true;
    }
    default: // PTR CONST VOLATILE RESTRICT TYPEDEF TYPE_TAG
      out.text(' type_id='); out.decimal(st, 0);
      return true;
  }
}

/** The whole listing of the graph's own types (for split BTF, only the split part, as bpftool does). */
export function formatBtfRaw(btf: Btf): string {
  const out: string[] = [];
  writeBtfRaw(btf, (s) => out.push(s));
  return out.join('');
}
