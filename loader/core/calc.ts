// What a relocation patches in: libbpf's bpf_core_calc_relo / bpf_core_calc_relo_insn. Values are
// u64 (bigint) as in libbpf: the local value (what the compiler wrote, checked before patching
// when `validate`) and the target value, or a request to poison the instruction.

import type { Btf, CoreRelocationKind } from '../../elf/index.js';
import { BTF_INT_SIGNED } from '../../elf/index.js';
import { CoreError } from './errors.js';
import { type CoreSpec, matchSpec, parseSpec } from './field-spec.js';
import { kindFamily } from './kinds.js';
import { isAnyEnum, isComposite, resolveSize, skipModsAndTypedefs, typeAt } from './type-queries.js';

/** A candidate root type in a target BTF. */
export interface CoreCandidate {
  readonly btf: Btf;
  readonly id: number;
}

export interface CoreResolution {
  /** Expected value in the instruction (u64). */
  readonly original: bigint;
  /** Value to write (u64). */
  readonly value: bigint;
  /** The instruction must be replaced by `call 0xbad2310` (no target has the field / enumerator). */
  readonly poison: boolean;
  /** Check that the instruction holds `original` before patching. */
  readonly validate: boolean;
  /** Memory access size of a load/store of the field in the local and target layouts (0: not a plain field). */
  readonly originalSize: number;
  readonly newSize: number;
  /** The access size cannot be adjusted safely (signed ints, structs): poison a load/store. */
  readonly failMemSizeAdjust: boolean;
  /** The matched target spec (undefined when no candidate matched). */
  readonly target?: CoreSpec;
  readonly local: CoreSpec;
}

interface FieldValue { value: bigint; size: number; typeId: number; validate: boolean }

/** bpf_core_calc_field_relo for one side; undefined spec means "not found". */
function fieldValue(kind: CoreRelocationKind, spec: CoreSpec | undefined, byteOrder: 'le' | 'be'): FieldValue | 'poison' {
  const none = { size: 0, typeId: 0, validate: true };
  if (kind === 'field_exists') return { ...none, value: spec === undefined ? 0n : 1n };
  if (spec === undefined) return 'poison';
  const acc = spec.accessors[spec.accessors.length - 1]!;
  const btf = spec.btf;
  if (acc.name === undefined) {
    // The path ends in an array element: only its offset and size make sense.
    const sz = resolveSize(btf, acc.typeId);
    if (sz === undefined) throw new CoreError(`array element type [${acc.typeId}] has no size`);
    if (kind === 'field_byte_offset') return { value: BigInt(Math.floor(spec.bitOffset / 8)), size: sz, typeId: acc.typeId, validate: true };
    if (kind === 'field_byte_size') return { ...none, value: BigInt(sz) };
    throw new CoreError(`${kind} cannot be applied to an array element access`);
  }
  const t = typeAt(btf, acc.typeId);
  if (!isComposite(t)) throw new CoreError(`accessor type [${acc.typeId}] is not a struct or union`);
  const member = t.members[acc.index]!;
  const { id: fieldTypeId, type: mt } = skipModsAndTypedefs(btf, member.type);
  const bitOff = spec.bitOffset;
  let bitSize = member.bitfieldSize;
  const bitfield = bitSize > 0;
  let byteSize: number;
  let byteOff: number;
  if (bitfield) {
    byteSize = mt !== undefined && 'size' in mt ? mt.size : 0;
    if (byteSize <= 0) throw new CoreError(`bitfield of type [${fieldTypeId}] has no size`);
    byteOff = Math.floor(bitOff / 8 / byteSize) * byteSize;
    // The smallest aligned load that holds all the bits.
    while (bitOff + bitSize - byteOff * 8 > byteSize * 8) {
      if (byteSize >= 8) throw new CoreError(`bitfield at bit ${bitOff} (${bitSize} bits) cannot be read with one 64-bit load`);
      byteSize *= 2;
      byteOff = Math.floor(bitOff / 8 / byteSize) * byteSize;
    }
  } else {
    const sz = resolveSize(btf, fieldTypeId);
    if (sz === undefined) throw new CoreError(`field type [${fieldTypeId}] has no size`);
    byteSize = sz;
    byteOff = Math.floor(bitOff / 8);
    bitSize = byteSize * 8;
  }
  // The compiler's bitfield arithmetic may differ from ours: only signedness and the right shift are checked.
  const validate = !bitfield;
  switch (kind) {
    case 'field_byte_offset':
      return { value: BigInt(byteOff), size: bitfield ? 0 : byteSize, typeId: bitfield ? 0 : fieldTypeId, validate };
    case 'field_byte_size':
      return { ...none, value: BigInt(byteSize), validate };
    case 'field_signed': {
      const signed = (isAnyEnum(mt) && mt.signed) || (mt?.kind === 'INT' && (mt.encoding & BTF_INT_SIGNED) !== 0);
      return { ...none, value: signed ? 1n : 0n, validate: true };
    }
    case 'field_lshift_u64': {
      const v = byteOrder === 'le' ? 64 - (bitOff + bitSize - byteOff * 8) : (8 - byteSize) * 8 + (bitOff - byteOff * 8);
      return { ...none, value: BigInt.asUintN(64, BigInt(v)), validate };
    }
    case 'field_rshift_u64':
      return { ...none, value: BigInt.asUintN(64, BigInt(64 - bitSize)), validate: true };
    default:
      throw new CoreError(`${kind} is not a field relocation`);
  }
}

/** bpf_core_calc_type_relo for one side. */
function typeValue(kind: CoreRelocationKind, spec: CoreSpec | undefined): { value: bigint; validate: boolean } {
  if (spec === undefined) return { value: 0n, validate: true };
  switch (kind) {
    case 'type_id_target': return { value: BigInt(spec.rootTypeId), validate: false }; // ids change in linking
    case 'type_exists': case 'type_matches': return { value: 1n, validate: true };
    case 'type_size': {
      const sz = resolveSize(spec.btf, spec.rootTypeId);
      if (sz === undefined) throw new CoreError(`type [${spec.rootTypeId}] has no size`);
      return { value: BigInt(sz), validate: true };
    }
    default: throw new CoreError(`${kind} is not a type relocation`);
  }
}

/** bpf_core_calc_enumval_relo for one side. */
function enumValue(kind: CoreRelocationKind, spec: CoreSpec | undefined): bigint | 'poison' {
  if (kind === 'enumval_exists') return spec === undefined ? 0n : 1n;
  if (spec === undefined) return 'poison';
  const acc = spec.accessors[0]!;
  const t = typeAt(spec.btf, acc.typeId);
  if (!isAnyEnum(t)) throw new CoreError(`[${acc.typeId}] is not an enum`);
  const v = t.values[acc.index]!.value;
  // A 32-bit enumerator is a C int in libbpf: sign-extended to u64 whatever the enum's signedness.
  return t.kind === 'ENUM' ? BigInt.asUintN(64, BigInt((v as number) | 0)) : BigInt.asUintN(64, v as bigint);
}

function memSizeAdjustFails(local: CoreSpec, localTypeId: number, targ: CoreSpec, targTypeId: number): boolean {
  const o = typeAt(local.btf, localTypeId);
  const n = typeAt(targ.btf, targTypeId);
  if (o?.kind === 'PTR' && n?.kind === 'PTR') return false;
  // libbpf compares the whole encoding with BTF_INT_SIGNED: a "signed char" (SIGNED|CHAR) counts as unsigned.
  if (o?.kind === 'INT' && n?.kind === 'INT' && o.encoding !== BTF_INT_SIGNED && n.encoding !== BTF_INT_SIGNED) return false;
  return true;
}

/** bpf_core_calc_relo: the resolution of one relocation against one target spec (or none). */
export function calcRelocation(local: CoreSpec, target: CoreSpec | undefined, byteOrder: 'le' | 'be'): CoreResolution {
  const kind = local.kind;
  const base = { local, ...(target === undefined ? {} : { target }) };
  const family = kindFamily(kind);
  if (family === 'field') {
    const o = fieldValue(kind, local, byteOrder);
    if (o === 'poison') throw new CoreError('local field spec is missing');
    const n = fieldValue(kind, target, byteOrder);
    if (n === 'poison') {
      return { ...base, original: 0n, value: 0n, poison: true, validate: true, originalSize: 0, newSize: 0, failMemSizeAdjust: false };
    }
    const fail = o.size !== n.size && memSizeAdjustFails(local, o.typeId, target!, n.typeId);
    return { ...base, original: o.value, value: n.value, poison: false, validate: o.validate, originalSize: o.size, newSize: n.size, failMemSizeAdjust: fail };
  }
  const sizes = { originalSize: 0, newSize: 0, failMemSizeAdjust: false };
  if (family === 'type') {
    const o = typeValue(kind, local);
    const n = typeValue(kind, target);
    return { ...base, ...sizes, original: o.value, value: n.value, poison: false, validate: o.validate };
  }
  const o = enumValue(kind, local);
  const n = enumValue(kind, target);
  if (o === 'poison') throw new CoreError('local enumerator spec is missing');
  if (n === 'poison') return { ...base, ...sizes, original: 0n, value: 0n, poison: true, validate: true };
  return { ...base, ...sizes, original: o, value: n, poison: false, validate: true };
}

/**
 * bpf_core_calc_relo_insn: parses the local spec, tries every candidate, and prunes `candidates`
 * in place to those that matched (libbpf keeps the pruned list for later relocations of the
 * same local type). Candidates that match must agree, else the relocation is ambiguous.
 */
export function resolveRelocation(localBtf: Btf, rootTypeId: number, kind: CoreRelocationKind, accessString: string,
  candidates: CoreCandidate[] | undefined, byteOrder: 'le' | 'be'): CoreResolution {
  const local = parseSpec(localBtf, rootTypeId, kind, accessString);
  if (kind === 'type_id_local') {
    const id = BigInt(rootTypeId);
    return { local, original: id, value: id, poison: false, validate: false, originalSize: 0, newSize: 0, failMemSizeAdjust: false };
  }
  if (localBtf.nameOf(rootTypeId) === '') throw new CoreError(`${kind} relocation of anonymous type [${rootTypeId}]: libbpf cannot search candidates for it`);
  const cands = candidates ?? [];
  let chosen: CoreResolution | undefined;
  const kept: CoreCandidate[] = [];
  for (const c of cands) {
    const spec = matchSpec(local, c.btf, c.id);
    if (spec === undefined) continue;
    const res = calcRelocation(local, spec, byteOrder);
    if (chosen === undefined) chosen = res;
    else if (spec.bitOffset !== chosen.target!.bitOffset) {
      throw new CoreError(`field offset ambiguity: candidates [${c.id}] and [${chosen.target!.rootTypeId}] put it at bits ${spec.bitOffset} and ${chosen.target!.bitOffset}`);
    } else if (res.poison !== chosen.poison || res.value !== chosen.value) {
      throw new CoreError(`relocation decision ambiguity: candidates [${c.id}] and [${chosen.target!.rootTypeId}] give ${res.poison ? 'failure' : 'success'} ${res.value} and ${chosen.poison ? 'failure' : 'success'} ${chosen.value}`);
    }
    kept.push(c);
  }
  if (kept.length > 0 && candidates !== undefined) candidates.splice(0, candidates.length, ...kept);
  return chosen ?? calcRelocation(local, undefined, byteOrder);
}
