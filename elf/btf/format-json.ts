// The JSON listing of a BTF graph: the shape `bpftool -j btf dump file FILE` prints,
// {"types":[{"id":1,"kind":"INT","name":"int",...},...]}, compact, one line. 64-bit enum values
// are written with all their digits (a JSON reader that uses doubles rounds those above 2^53).

import type { Btf } from './btf.js';
import type { BtfType } from './types.js';

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
  const parts: string[] = [];
  for (let id = btf.firstId; id <= btf.lastId; id++) parts.push(formatTypeJson(id, btf.type(id, { cache: false })!));
  return `{"types":[${parts.join(',')}]}\n`;
}
