// The JSON listing of a BTF graph: the shape `bpftool -j btf dump file FILE` prints,
// {"types":[{"id":1,"kind":"INT","name":"int",...},...]}, compact, one line. 64-bit enum values
// are written with all their digits (a JSON reader that uses doubles rounds those above 2^53).

import { TextBuffer } from '../../isa/index.js';
import type { Btf } from './btf.js';
import { infoVlen } from './fields.js';
import { appendInt, appendName, listedKind, NameStyle } from './listing-bytes.js';
import { LINKAGES, type BtfType } from './types.js';

const str = (s: string): string => JSON.stringify(s === '' ? '(anon)' : s);

function intEncoding(e: number): string {
  return e === 0 ? '(none)' : e === 1 ? 'SIGNED' : e === 2 ? 'CHAR' : e === 4 ? 'BOOL' : 'UNKN';
}

/** One type as a JSON object (text). */
export function formatTypeJson(id: number, t: BtfType): string {
  const kind = t.kind === 'UNKNOWN' ? 'UNKNOWN' : t.kind;
  const head = `{"id":${id},"kind":"${kind}","name":${str(t.name)}`;
  switch (t.kind) {
    case 'INT':
      return `${head},"size":${t.size},"bits_offset":${t.bitsOffset},"nr_bits":${t.bits},"encoding":"${intEncoding(t.encoding)}"}`;
    case 'PTR': case 'CONST': case 'VOLATILE': case 'RESTRICT': case 'TYPEDEF': case 'TYPE_TAG':
      return `${head},"type_id":${t.type}}`;
    case 'ARRAY':
      return `${head},"type_id":${t.type},"index_type_id":${t.indexType},"nr_elems":${t.nelems}}`;
    case 'STRUCT': case 'UNION': {
      const ms = t.members.map((m) => `{"name":${str(m.name)},"type_id":${m.type},"bits_offset":${m.bitsOffset}${m.bitfieldSize !== 0 ? `,"bitfield_size":${m.bitfieldSize}` : ''}}`);
      return `${head},"size":${t.size},"vlen":${t.members.length},"members":[${ms.join(',')}]}`;
    }
    case 'ENUM': case 'ENUM64': {
      const vs = t.values.map((v) => `{"name":${str(v.name)},"val":${v.value}}`);
      return `${head},"encoding":"${t.signed ? 'SIGNED' : 'UNSIGNED'}","size":${t.size},"vlen":${t.values.length},"values":[${vs.join(',')}]}`;
    }
    case 'FWD': return `${head},"fwd_kind":"${t.union ? 'union' : 'struct'}"}`;
    case 'FUNC': return `${head},"type_id":${t.type},"linkage":"${t.linkage}"}`;
    case 'FUNC_PROTO': {
      const ps = t.params.map((a) => `{"name":${str(a.name)},"type_id":${a.type}}`);
      return `${head},"ret_type_id":${t.returnType},"vlen":${t.params.length},"params":[${ps.join(',')}]}`;
    }
    case 'VAR': return `${head},"type_id":${t.type},"linkage":"${t.linkage}"}`;
    case 'DATASEC': {
      const vs = t.vars.map((v) => `{"type_id":${v.type},"offset":${v.offset},"size":${v.size}}`);
      return `${head},"size":${t.size},"vlen":${t.vars.length},"vars":[${vs.join(',')}]}`;
    }
    case 'FLOAT': return `${head},"size":${t.size}}`;
    case 'DECL_TAG': return `${head},"type_id":${t.type},"component_idx":${t.componentIdx}}`;
    case 'UNKNOWN': return `${head},"kind_number":${t.kindNumber},"vlen":${t.vlen},"size_or_type":${t.sizeOrType}}`;
  }
}

/** The graph's own types as bpftool -j prints them, with a trailing newline. */
export function formatBtfJson(btf: Btf): string {
  return writeBtfJson(btf).toString();
}

/**
 * formatBtfJson's text as UTF-8 bytes, written straight from a decoded graph's records: the
 * common kinds without building a type object or a string (formatTypeJson writes the others).
 */
export function writeBtfJson(btf: Btf): TextBuffer {
  // A graph decoded with the structural check goes through type(), which checks each record first.
  const raw = btf.raw?.validation === 'structure' ? undefined : btf.raw;
  // About 3.2 bytes of JSON per byte of BTF (vmlinux: 5.5 MB → 17.6 MB): one allocation, no growing.
  const out = new TextBuffer(raw === undefined ? 1 << 16 : raw.bytes.length * 4);
  out.text('{"types":[');
  for (let id = btf.firstId; id <= btf.lastId; id++) {
    if (id !== btf.firstId) out.char(0x2c);
    if (raw === undefined || !writeRecordJson(out, btf, id, raw.words, raw.offsets[id - btf.firstId]!)) {
      out.text(formatTypeJson(id, btf.type(id, { cache: false })!));
    }
  }
  out.text(']}\n');
  return out;
}

/** One record of the common kinds; false (nothing written) for the others. */
function writeRecordJson(out: TextBuffer, btf: Btf, id: number, words: Uint32Array, p: number): boolean {
  const info = words[p + 1]!;
  const kind = listedKind(info);
  if (kind === undefined) return false;
  const vlen = infoVlen(info);
  const st = words[p + 2]!;
  out.text('{"id":');
  out.decimal(id, 0);
  out.text(',"kind":"');
  out.text(kind);
  out.text('","name":');
  appendName(out, btf, words[p]!, NameStyle.Json);
  const q = p + 3;
  switch (kind) {
    case 'FUNC':
      out.text(',"type_id":'); out.decimal(st, 0);
      out.text(',"linkage":"'); out.text(LINKAGES[vlen]!); out.text('"}');
      return true;
    case 'FUNC_PROTO':
      out.text(',"ret_type_id":'); out.decimal(st, 0);
      out.text(',"vlen":'); out.decimal(vlen, 0);
      out.text(',"params":[');
      for (let k = 0, m = q; k < vlen; k++, m += 2) {
        out.text(k === 0 ? '{"name":' : ',{"name":');
        appendName(out, btf, words[m]!, NameStyle.Json);
        out.text(',"type_id":'); out.decimal(words[m + 1]!, 0); out.char(0x7d);
      }
      out.text(']}');
      return true;
    case 'STRUCT': case 'UNION': {
      const bitfields = info >>> 31 === 1;
      out.text(',"size":'); out.decimal(st, 0);
      out.text(',"vlen":'); out.decimal(vlen, 0);
      out.text(',"members":[');
      for (let k = 0, m = q; k < vlen; k++, m += 3) {
        out.text(k === 0 ? '{"name":' : ',{"name":');
        appendName(out, btf, words[m]!, NameStyle.Json);
        out.text(',"type_id":'); out.decimal(words[m + 1]!, 0);
        const off = words[m + 2]!;
        out.text(',"bits_offset":'); out.decimal(bitfields ? off & 0xffffff : off, 0);
        if (bitfields && off >>> 24 !== 0) { out.text(',"bitfield_size":'); out.decimal(off >>> 24, 0); }
        out.char(0x7d);
      }
      out.text(']}');
      return true;
    }
    case 'ARRAY':
      out.text(',"type_id":'); out.decimal(words[q]!, 0);
      out.text(',"index_type_id":'); out.decimal(words[q + 1]!, 0);
      out.text(',"nr_elems":'); out.decimal(words[q + 2]!, 0); out.char(0x7d);
      return true;
    case 'ENUM': {
      const signed = info >>> 31 === 1;
      out.text(signed ? ',"encoding":"SIGNED","size":' : ',"encoding":"UNSIGNED","size":'); out.decimal(st, 0);
      out.text(',"vlen":'); out.decimal(vlen, 0);
      out.text(',"values":[');
      for (let k = 0, m = q; k < vlen; k++, m += 2) {
        out.text(k === 0 ? '{"name":' : ',{"name":');
        appendName(out, btf, words[m]!, NameStyle.Json);
        out.text(',"val":');
        if (signed) appendInt(out, words[m + 1]! | 0); else out.decimal(words[m + 1]!, 0);
        out.char(0x7d);
      }
      out.text(']}');
      return true;
    }
    default: // PTR CONST VOLATILE RESTRICT TYPEDEF TYPE_TAG
      out.text(',"type_id":'); out.decimal(st, 0); out.char(0x7d);
      return true;
  }
}
