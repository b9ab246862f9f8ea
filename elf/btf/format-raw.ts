// The raw listing of a BTF graph, line for line what `bpftool btf dump file FILE` (bpftool 7.1)
// prints: one line per type, members/values/params/vars on tab-indented lines below it.

import type { Btf } from './btf.js';
import type { BtfType } from './types.js';

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
  let chunk = '';
  for (let id = btf.firstId; id <= btf.lastId; id++) {
    chunk += `${formatTypeRaw(btf, id, btf.type(id, { cache: false })!)}\n`;
    if (chunk.length > 65536) { write(chunk); chunk = ''; }
  }
  if (chunk !== '') write(chunk);
}

/** The whole listing of the graph's own types (for split BTF, only the split part, as bpftool does). */
export function formatBtfRaw(btf: Btf): string {
  const out: string[] = [];
  writeBtfRaw(btf, (s) => out.push(s));
  return out.join('');
}
