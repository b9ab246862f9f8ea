// Public surface of the DSL's type layer (src/dsl/types).
//
// Contract used by the rest of the DSL (instructions, maps, globals, object emission):
// - Descriptors are immutable objects { kind, name, size, align, … } with precise generic types:
//   u8 u16 u32 u64 s8 s16 s32 s64 char bool void_, intType(name, size, signed),
//   struct(name, fields, opts?) / union(name, fields, opts?) with C layout (SysV, as clang lays out
//   the BPF target, bitfields included; opts.packed, opts.align), or an explicit layout when every
//   field is at(bitOffset, type) and opts.size is given (generated kernel types),
//   array(elem, n), ptr(target | () => target), enumType(name, values, size?), bitfield(base, bits),
//   typedef(name, type), constOf(type), volatileOf(type), fwd(name, { union? }),
//   funcProto(returns, params) / funcPtr(returns, params) (function pointers: struct_ops slots).
//   Keys `#0`, `#1`, … in a field map are anonymous members; their fields are reachable by name.
// - ValueOf<T>: the JS value of a type (number ≤ 32 bits, bigint for 64-bit and pointers, boolean
//   for _Bool, string for char[N], arrays, objects). encodeValue / decodeValue convert (LE default).
// - fieldOf(struct, name) → { offset, bitOffset, bitSize, type, path }; FieldNames<S> / FieldType<S, K>.
// - BtfBuilder: add(type) → memoised BTF id of the whole graph (as clang-19 emits it); addRaw(t),
//   arrayIndexType() (the `__ARRAY_SIZE_TYPE__` INT for hand-made ARRAY records),
//   reserve()/set(id, t) for FUNC/FUNC_PROTO/VAR/DATASEC/map structs; string(s) → final offset in
//   the built string table (for .BTF.ext); build() → Btf (decoded, its string table holds them).
// - CO-RE: corePath(builder, struct, 'field', 'ptrField', 'field', index, …) — tsc checks the names
//   (ValidPath) — → { steps: CoreAccess[] (one per read; a new step after each pointer), result };
//   each CoreAccess has rootId, accessString/accessStringOffset, byte offset/size, signedness,
//   bitfield shifts (`values`, the immediates clang-19 writes), `relocations` (kinds a read carries)
//   and relocation(kind) → the InsnCoreRelocation record. resolvePath is the unchecked form.
//   coreField / coreType / coreEnumValue: bpf_core_field_*, bpf_core_type_*, bpf_core_enum_value*.
// - generateTypesModule(btf, names): the text of a `tsbpf btf gen-ts` module.

export * from './descriptors.js';
export {
  array, at, bitfield, bool, char, constOf, type CompositeOptions, enumType, fieldOf, type FieldInfo, findField, funcProto, funcPtr, fwd, intType,
  ptr, resolve, s16, s32, s64, s8, struct, typedef, u16, u32, u64, u8, union, void_, volatileOf,
} from './constructors.js';
export type { AnyField, FieldNames, FieldType, Resolved, ValueOf } from './type-level.js';
export { BtfBuilder } from './btf-builder.js';
export { decodeValue, encodeValue, type ValueCodecOptions } from './value-codec.js';
export { GenTsError, generateTypesModule, type GenTsOptions } from './gen-ts.js';
export {
  type CoreAccess, coreEnumValue, coreField, corePath, type CorePath, type CoreRelocationWithValue, type FieldRelocationValues,
  type PathElement, type PathKey, type PathNext, type PathResult, resolvePath, type TypeRelocationKind, coreType, type ValidPath,
} from './core-path.js';
