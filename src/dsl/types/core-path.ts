// CO-RE typed paths: `corePath(b, task_struct, 'real_parent', 'tgid')` type-checks only for real
// field names (through anonymous members, pointers and array indexes) and resolves, per probe
// read, what clang emits for the same BPF_CORE_READ: the local BTF id of the root struct, the
// access string ("0:95"), and the local values of every CO-RE relocation kind, computed the way
// libbpf computes them (bitfield load offset/size and the LSHIFT_U64/RSHIFT_U64 shifts).
//
// A path is split into steps at pointers: each step is one read from the start of a struct the
// previous step's pointer points to (BPF_CORE_READ's separate bpf_probe_read_kernel calls).

import type { CoreRelocationKind, InsnCoreRelocation } from '../../../elf/index.js';
import type { BtfBuilder } from './btf-builder.js';
import { findField, resolve } from './constructors.js';
import type {
  ArrayType, Bitfield, CType, EnumType, FwdType, PtrType, StructType, UnionType,
} from './descriptors.js';
import { CTypeError } from './descriptors.js';
import type { FieldNames, FieldType, Resolved } from './type-level.js';

// ---- type level ----------------------------------------------------------------------------

type Deref<T> = Resolved<T> extends PtrType<infer U> ? Resolved<U> : Resolved<T>;

/** What may follow a value of type T in a path: an index for arrays, field names otherwise. */
export type PathKey<T> = Resolved<T> extends ArrayType ? number : FieldNames<Deref<T>>;

/** The type reached by one path element. */
export type PathNext<T, E> =
  E extends number ? (Resolved<T> extends ArrayType<infer El> ? El : never)
  : E extends string ? (E extends FieldNames<Deref<T>> ? FieldType<Deref<T>, E> : never)
  : never;

/**
 * P itself when it is a valid path from T; otherwise P with the first bad element replaced by
 * what is allowed there, so that tsc reports e.g. `"real_parnet"` is not assignable to
 * `"real_parent" | "tgid" | …`. Nothing may follow a bitfield.
 */
export type ValidPath<T, P extends readonly unknown[]> = P extends readonly PathElement[] ? ValidPathOf<T, P> : never;
type ValidPathOf<T, P extends readonly unknown[]> =
  P extends readonly [infer H, ...infer R extends readonly unknown[]]
    ? T extends Bitfield ? readonly []
    : [PathNext<T, H>] extends [never] ? readonly [PathKey<T>, ...unknown[]]
    : readonly [H, ...ValidPathOf<PathNext<T, H>, R>]
    : readonly [];

/** The type at the end of a path (a Bitfield for a bitfield member). */
export type PathResult<T, P extends readonly unknown[]> =
  P extends readonly [infer H, ...infer R] ? PathResult<PathNext<T, H>, R> : T;

export type PathElement = string | number;

// ---- run time --------------------------------------------------------------------------------

/** Local value of each field relocation kind for one access. */
export interface FieldRelocationValues {
  readonly field_byte_offset: number;
  readonly field_byte_size: number;
  readonly field_exists: 1;
  readonly field_signed: 0 | 1;
  readonly field_lshift_u64: number;
  readonly field_rshift_u64: number;
}

/** One relocated access: a read at an offset from the start of `root`. */
export interface CoreAccess {
  /** The struct or union the access string starts from. */
  readonly root: StructType | UnionType;
  /** Its local BTF type id. */
  readonly rootId: number;
  /** Indices: 0 (through the root pointer), then member indices (anonymous members count) and array indexes. */
  readonly indices: readonly number[];
  readonly accessString: string;
  /** Offset of the access string in the builder's string table. */
  readonly accessStringOffset: number;
  /** The field's type (the declared base type for a bitfield). */
  readonly type: CType;
  /** Bit offset of the field from the start of root, and its bitfield width (0: not a bitfield). */
  readonly bitOffset: number;
  readonly bitSize: number;
  /**
   * Local values (the immediates clang-19 writes). Signedness is meaningful for integer and enum
   * fields and the shifts for fields of at most 8 bytes only (clang refuses the others; coreField
   * does too).
   */
  readonly values: FieldRelocationValues;
  /** Relocations a read of this access carries, in clang's order (byte offset; bitfields add size, shifts, signedness). */
  readonly relocations: readonly CoreRelocationKind[];
  /** The relocation record of a kind for this access (for an instruction's coreRelocations). */
  relocation(kind: CoreRelocationKind): InsnCoreRelocation;
}

export interface CorePath {
  /** One access per read: a new step starts after each pointer. */
  readonly steps: readonly CoreAccess[];
  /** Type at the end of the path (the base type for a bitfield). */
  readonly result: CType;
}

/**
 * Resolves a path from a struct (or a pointer to one) through fields, array indexes and pointer
 * hops. Field names are checked by tsc through ValidPath.
 */
export function corePath<T extends StructType | UnionType | PtrType, const P extends readonly PathElement[]>(
  builder: BtfBuilder, root: T, ...path: P & ValidPath<T, P>
): CorePath {
  return resolvePath(builder, root, path as unknown as readonly PathElement[]);
}

/** corePath without type-level checking (paths from data, generated code). */
export function resolvePath(builder: BtfBuilder, root: CType, path: readonly PathElement[]): CorePath {
  if (path.length === 0) throw new CTypeError('a CO-RE path needs at least one field');
  const steps: CoreAccess[] = [];
  let cur = resolve(root);
  if (cur.kind === 'ptr') cur = resolve(cur.target);
  let stepRoot = composite(cur, path[0]!);
  let indices: number[] = [0];
  let bitOffset = 0;
  let fieldType: CType = stepRoot;
  let bitSize = 0;
  let parentAlign = 1;
  let memberBitOffset = 0;
  const close = (): void => {
    steps.push(makeAccess(builder, stepRoot, indices, fieldType, bitOffset, bitSize, parentAlign, memberBitOffset));
  };
  for (let i = 0; i < path.length; i++) {
    const e = path[i]!;
    const here = resolve(fieldType);
    if (bitSize !== 0) throw new CTypeError(`nothing can follow the bitfield before '${String(e)}'`);
    if (typeof e === 'number') {
      if (here.kind !== 'array') throw new CTypeError(`index [${e}] applies to ${describe(here)}, not an array`);
      if (!Number.isInteger(e) || e < 0) throw new CTypeError(`array index ${e} is not a non-negative integer`);
      indices.push(e);
      bitOffset += e * here.elem.size * 8;
      fieldType = here.elem;
      continue;
    }
    let owner = here;
    if (owner.kind === 'ptr' && i > 0) {
      // A pointer hop: this read yields the pointer; the next one starts at its target.
      close();
      owner = composite(resolve(owner.target), e);
      stepRoot = owner;
      indices = [0];
      bitOffset = 0;
    }
    if (owner.kind !== 'struct' && owner.kind !== 'union') throw new CTypeError(`field '${e}' of ${describe(owner)}, which is not a struct or union`);
    const f = findField(owner, e);
    if (f === undefined) throw new CTypeError(`${describe(owner)} has no field '${e}'`);
    indices.push(...f.path);
    bitOffset += f.bitOffset;
    bitSize = f.bitSize;
    fieldType = f.type;
    parentAlign = recordAlign(f.parent);
    memberBitOffset = f.memberBitOffset;
  }
  close();
  return { steps, result: fieldType };
}

/**
 * The alignment clang's BPF backend sees for a record: its LLVM IR type's. A packed record keeps
 * its members' natural alignment in IR when its layout is the natural one anyway (every plain
 * member at a multiple of its alignment, size a multiple of the largest); otherwise the IR type
 * is packed, alignment 1.
 */
function recordAlign(r: StructType | UnionType): number {
  if (r.packed !== true) return r.align;
  let natural = 1;
  for (const m of r.members) {
    if (m.bitSize !== 0) continue;
    if (m.bitOffset % (m.type.align * 8) !== 0) return 1;
    natural = Math.max(natural, m.type.align);
  }
  return r.size % natural === 0 ? natural : 1;
}

function describe(t: CType): string {
  return t.kind === 'fwd' ? `${t.union ? 'union' : 'struct'} ${t.name} (only declared: generate it with --type ${t.name})`
    : t.name === '' ? `an anonymous ${t.kind}` : `${t.kind} ${t.name}`;
}

function composite(t: CType, next: PathElement): StructType | UnionType {
  if (t.kind === 'struct' || t.kind === 'union') return t;
  throw new CTypeError(`'${String(next)}' needs a struct or union, not ${describe(t as CType | FwdType)}`);
}

function makeAccess(
  builder: BtfBuilder, root: StructType | UnionType, indices: number[], type: CType, bitOffset: number, bitSize: number,
  parentAlign: number, memberBitOffset: number,
): CoreAccess {
  const rootId = builder.add(root);
  const accessString = indices.join(':');
  const accessStringOffset = builder.string(accessString);
  const values = fieldValues(type, bitOffset, bitSize, parentAlign, memberBitOffset);
  const relocations: CoreRelocationKind[] = bitSize === 0
    ? ['field_byte_offset']
    : ['field_byte_offset', 'field_byte_size', 'field_lshift_u64', 'field_signed', 'field_rshift_u64'];
  return {
    root, rootId, indices, accessString, accessStringOffset, type, bitOffset, bitSize, values, relocations,
    relocation: (kind) => ({ typeId: rootId, accessStringOffset, kind }),
  };
}

/**
 * The local values clang-19 puts in the relocated instructions (little-endian target). A bitfield
 * is loaded as the aligned storage unit of its declaring record: the record's alignment, capped
 * at 8 bytes, in which the bitfield must lie (LLVM's BPF GetStorageBitRange). libbpf recomputes
 * every value for the target kernel at load time.
 */
function fieldValues(type: CType, bitOffset: number, bitfieldSize: number, parentAlign: number, memberBitOffset: number): FieldRelocationValues {
  const mt = resolve(type);
  const signed = (mt.kind === 'int' || mt.kind === 'enum') && mt.signed ? 1 : 0;
  if (bitfieldSize === 0) {
    const size = mt.size;
    return {
      field_byte_offset: Math.floor(bitOffset / 8), field_byte_size: size, field_exists: 1, field_signed: signed,
      field_lshift_u64: 64 - size * 8, field_rshift_u64: 64 - size * 8,
    };
  }
  let align = parentAlign;
  if (align > 8) {
    if (Math.floor(memberBitOffset / 64) !== Math.floor((memberBitOffset + bitfieldSize) / 64)) {
      throw new CTypeError(`bitfield at bit ${memberBitOffset} (${bitfieldSize} bits) crosses an 8-byte boundary of a record aligned to ${parentAlign}`);
    }
    align = 8;
  }
  const alignBits = align * 8;
  if (bitfieldSize > alignBits) throw new CTypeError(`bitfield of ${bitfieldSize} bits is wider than its record's ${align}-byte alignment`);
  const start = memberBitOffset - (memberBitOffset % alignBits);
  if (start + alignBits < memberBitOffset + bitfieldSize) throw new CTypeError(`bitfield at bit ${memberBitOffset} (${bitfieldSize} bits) straddles a ${align}-byte unit`);
  const recordStart = bitOffset - memberBitOffset;
  return {
    field_byte_offset: (recordStart + start) / 8, field_byte_size: align, field_exists: 1, field_signed: signed,
    field_lshift_u64: 64 - (memberBitOffset - start + bitfieldSize), field_rshift_u64: 64 - bitfieldSize,
  };
}

/** A relocation with the local value it stands for. */
export interface CoreRelocationWithValue extends InsnCoreRelocation {
  readonly accessString: string;
  /** The local value (what to put in the instruction's immediate). */
  readonly value: number;
}

/**
 * bpf_core_field_exists/size/offset/signed and the shifts: one field of a struct, no pointer hops.
 * As clang-19, refuses signedness of a field that is not an integer or enum, and the shifts of a
 * field wider than 8 bytes.
 */
export function coreField<T extends StructType | UnionType | PtrType, const P extends readonly PathElement[]>(
  builder: BtfBuilder, kind: keyof FieldRelocationValues, root: T, ...path: P & ValidPath<T, P>
): CoreRelocationWithValue {
  const p = resolvePath(builder, root, path as unknown as readonly PathElement[]);
  if (p.steps.length !== 1) throw new CTypeError('a field relocation cannot go through a pointer');
  const a = p.steps[0]!;
  const rt = resolve(a.type);
  if (kind === 'field_signed' && rt.kind !== 'int' && rt.kind !== 'enum') {
    throw new CTypeError(`field_signed needs an integer or enum field, not ${describe(rt)}`);
  }
  if ((kind === 'field_lshift_u64' || kind === 'field_rshift_u64') && a.bitSize === 0 && rt.size > 8) {
    throw new CTypeError(`${kind} needs a field of at most 8 bytes, not ${rt.size}`);
  }
  return { ...a.relocation(kind), accessString: a.accessString, value: a.values[kind] };
}

export type TypeRelocationKind = 'type_id_local' | 'type_id_target' | 'type_exists' | 'type_size' | 'type_matches';

/** bpf_core_type_id_local/kernel, bpf_core_type_exists/size/matches: access string "0". */
export function coreType(builder: BtfBuilder, kind: TypeRelocationKind, type: CType): CoreRelocationWithValue {
  const typeId = builder.add(type);
  const value = kind === 'type_id_local' || kind === 'type_id_target' ? typeId : kind === 'type_size' ? resolve(type).size : 1;
  return { typeId, accessStringOffset: builder.string('0'), kind, accessString: '0', value };
}

/** bpf_core_enum_value / bpf_core_enum_value_exists: the access string is the enumerator's index. */
export function coreEnumValue<V extends Record<string, number | bigint>>(
  builder: BtfBuilder, kind: 'enumval_exists' | 'enumval_value', type: EnumType<V>, name: keyof V & string,
): CoreRelocationWithValue {
  const names = Object.keys(type.values);
  const index = names.indexOf(name);
  if (index < 0) throw new CTypeError(`enum ${type.name} has no value '${name}'`);
  const typeId = builder.add(type);
  const accessString = String(index);
  return {
    typeId, accessStringOffset: builder.string(accessString), kind, accessString,
    value: kind === 'enumval_exists' ? 1 : Number(type.values[name]!),
  };
}
