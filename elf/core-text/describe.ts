// The text llvm-objdump-19 prints for one CO-RE relocation record of .BTF.ext
// (after `CO-RE `), learned from llvm's BTFParser and checked against
// llvm-objdump-19 by test/disasm-objects.test.ts:
//
//   <byte_off> [21] struct task_struct::real_parent (0:95)
//   <byte_off> [5] struct outer::arr[1].<anon 1>.u2[3] (0:1:1:1:1:3)
//   <type_size> [20] typedef outer_t
//   <enumval_value> [22] enum E::EB = -3
//
// Field kinds walk the access string through the root type (typedefs and
// modifiers skipped at each step): a first index other than 0 prints `[N]`,
// members print by name (or `<anon I>`, I the member index) joined by `.`,
// array elements print `[I]`. A record that cannot be walked prints
// `<kind> [id] 'access string' <why>` instead.

import type { Btf } from '../btf/btf.js';
import { BTF_KIND } from '../btf/kinds.js';
import type { BtfType } from '../btf/types.js';

/** A CO-RE record with its access string resolved; the kind as stored (it may be outside 0 … 12). */
export interface CoreRecordText {
  readonly typeId: number;
  readonly kindNumber: number;
  readonly accessString: string;
}

const KIND_TEXT = [
  'byte_off', 'byte_sz', 'field_exists', 'signed', 'lshift_u64', 'rshift_u64',
  'local_type_id', 'target_type_id', 'type_exists', 'type_size', 'enumval_exists', 'enumval_value', 'type_matches',
];

type Group = 'field' | 'type' | 'enumval' | 'unknown';

function groupOf(kind: number): Group {
  if (kind <= 5) return 'field';
  if (kind <= 9 || kind === 12) return 'type';
  if (kind <= 11) return 'enumval';
  return 'unknown';
}

/** llvm formats some numbers with printf's %d: a uint32 above 2^31 - 1 prints negative. */
const asInt32 = (n: number): number => n | 0;

/** Raised inside describe() for a record llvm prints as unsymbolizable. */
class Unsymbolizable {
  constructor(readonly why: string) {}
}

function kindNumberOf(t: BtfType | undefined): number {
  if (t === undefined) return 0;
  return t.kind === 'UNKNOWN' ? t.kindNumber : BTF_KIND[t.kind];
}

/** The type llvm finds for an id: void for 0, undefined past the last id. */
function typeById(btf: Btf, id: number): { type: BtfType | undefined } | undefined {
  if (id === 0) return { type: undefined };
  if (!btf.has(id)) return undefined;
  return { type: btf.type(id) };
}

const isModifier = (t: BtfType | undefined): t is Extract<BtfType, { kind: 'CONST' | 'VOLATILE' | 'RESTRICT' | 'TYPE_TAG' }> =>
  t !== undefined && (t.kind === 'CONST' || t.kind === 'VOLATILE' || t.kind === 'RESTRICT' || t.kind === 'TYPE_TAG');

/** Through modifiers and typedefs, stopping (as llvm does) at an id that does not exist. No bound: decodeBtf rejects loops. */
function skipModsAndTypedefs(btf: Btf, t: BtfType | undefined): BtfType | undefined {
  let guard = 0;
  while ((isModifier(t) || t?.kind === 'TYPEDEF') && guard++ < 1 << 20) {
    const next = typeById(btf, t.type);
    if (next === undefined) break;
    t = next.type;
  }
  return t;
}

/** Splits the access string as llvm does: decimal numbers (taken modulo 2^32) separated by ':', a trailing ':' allowed. */
function parseSpec(spec: string): number[] {
  const out: number[] = [];
  let i = 0;
  while (i < spec.length) {
    const start = i;
    let value = 0n;
    while (i < spec.length && spec.charCodeAt(i) >= 48 && spec.charCodeAt(i) <= 57) {
      value = value * 10n + BigInt(spec.charCodeAt(i) - 48);
      i++;
    }
    if (i === start || value > 0xffffffffffffffffn) throw new Unsymbolizable('spec string is not a number');
    out.push(Number(value & 0xffffffffn));
    if (i === spec.length) break;
    if (spec[i] !== ':') throw new Unsymbolizable(`unexpected spec string delimiter: '${spec[i]}'`);
    i++;
  }
  return out;
}

const nameOrAnon = (name: string, index: number): string => (name === '' ? `<anon ${index}>` : name);

function typeName(btf: Btf, id: number, t: BtfType | undefined): string {
  if (id === 0) return ' void';
  let keyword = '';
  switch (t?.kind) {
    case 'TYPEDEF': keyword = ' typedef'; break;
    case 'STRUCT': keyword = ' struct'; break;
    case 'UNION': keyword = ' union'; break;
    case 'ENUM': case 'ENUM64': keyword = ' enum'; break;
    case 'FWD': keyword = t.union ? ' fwd union' : ' fwd struct'; break;
    default: break;
  }
  return `${keyword} ${nameOrAnon(t?.name ?? btf.nameOf(id), id)}`;
}

function enumText(btf: Btf, root: BtfType | undefined, spec: readonly number[]): string {
  const t = skipModsAndTypedefs(btf, root);
  if (spec.length !== 1) throw new Unsymbolizable('unexpected enumval relocation spec size');
  const index = spec[0]!;
  if (t?.kind !== 'ENUM' && t?.kind !== 'ENUM64') throw new Unsymbolizable(`unexpected type kind for enum relocation: ${kindNumberOf(t)}`);
  const v = t.values[index];
  if (v === undefined) throw new Unsymbolizable(`bad value index: ${asInt32(index)}`);
  // A 32-bit enum's value is read as int32 and widened, so an unsigned one above 2^31 - 1 prints as a huge uint64.
  let value = BigInt(v.value);
  if (t.kind === 'ENUM') value = BigInt.asIntN(32, value);
  value = t.signed ? BigInt.asIntN(64, value) : BigInt.asUintN(64, value);
  return `${nameOrAnon(v.name, index)} = ${value}`;
}

function fieldText(btf: Btf, root: BtfType | undefined, spec: readonly number[], accessString: string): string {
  if (spec.length < 1) throw new Unsymbolizable('field spec too short');
  let out = spec[0] !== 0 ? `[${spec[0]}]` : '';
  let t = root;
  for (let i = 1; i < spec.length; i++) {
    t = skipModsAndTypedefs(btf, t);
    const index = spec[i]!;
    if (t?.kind === 'STRUCT' || t?.kind === 'UNION') {
      const m = t.members[index];
      if (m === undefined) throw new Unsymbolizable(`member index ${asInt32(index)} for spec sub-string ${i} is out of range`);
      if (i !== 1 || spec[0] !== 0) out += '.';
      out += nameOrAnon(m.name, index);
      const next = typeById(btf, m.type);
      if (next === undefined) throw new Unsymbolizable(`unknown member type id ${asInt32(m.type)} for spec sub-string ${i}`);
      t = next.type;
    } else if (t?.kind === 'ARRAY') {
      out += `[${index}]`;
      const next = typeById(btf, t.type);
      if (next === undefined) throw new Unsymbolizable(`unknown element type id ${asInt32(t.type)} for spec sub-string ${i}`);
      t = next.type;
    } else {
      throw new Unsymbolizable(`unexpected type kind ${kindNumberOf(t)} for spec sub-string ${i}`);
    }
  }
  return `${out} (${accessString})`;
}

/** Longest modifier chain llvm follows from the root type. */
const MAX_MODIFIERS = 32;

/** What llvm-objdump-19 prints after `CO-RE ` for a record, given the object's BTF. */
export function describeCoreRecord(btf: Btf, record: CoreRecordText): string {
  const kind = `<${KIND_TEXT[record.kindNumber] ?? `reloc kind #${record.kindNumber}`}>`;
  try {
    const spec = parseSpec(record.accessString);
    let id = record.typeId;
    const found = typeById(btf, id);
    if (found === undefined) throw new Unsymbolizable(`unknown type id: ${asInt32(id)}`);
    let t = found.type;
    let out = `${kind} [${id}]`;
    for (let chain = 0; isModifier(t); chain++) {
      out += t.kind === 'TYPE_TAG' ? ` type_tag("${t.name}")` : ` ${t.kind.toLowerCase()}`;
      if (chain >= MAX_MODIFIERS) throw new Unsymbolizable('modifiers chain is too long');
      id = t.type;
      const next = typeById(btf, id);
      if (next === undefined) throw new Unsymbolizable(`unknown type id: ${asInt32(id)} in modifiers chain`);
      t = next.type;
    }
    out += typeName(btf, id, t);
    const group = groupOf(record.kindNumber);
    if (group === 'type') {
      if (spec.length !== 1 || spec[0] !== 0) throw new Unsymbolizable("unexpected type-based relocation spec: should be '0'");
      return out;
    }
    out += '::';
    if (group === 'enumval') return out + enumText(btf, t, spec);
    if (group === 'field') return out + fieldText(btf, t, spec, record.accessString);
    throw new Unsymbolizable(`unknown relocation kind: ${asInt32(record.kindNumber)}`);
  } catch (e) {
    if (!(e instanceof Unsymbolizable)) throw e;
    return `${kind} [${record.typeId}] '${record.accessString}' <${e.why}>`;
  }
}
