// Records of the .BTF.ext section: func_info, line_info and CO-RE relocations.
// Strings (section names, file names, source lines, access strings) are kept as
// OFFSETS into the string table of the matching .BTF section; resolve.ts turns
// them into text through a caller-supplied lookup.

/** One func_info record: the BTF FUNC type of the function starting at insnOffset. */
export interface FuncInfo {
  /** Byte offset of the function's first instruction in its ELF section. */
  readonly insnOffset: number;
  /** BTF type id of a FUNC type. */
  readonly typeId: number;
}

/** One line_info record. */
export interface LineInfo {
  /** Byte offset of the first instruction this line applies to. */
  readonly insnOffset: number;
  /** Offset of the source file name in the .BTF string table. */
  readonly fileNameOffset: number;
  /** Offset of the source line text in the .BTF string table. */
  readonly lineOffset: number;
  /** Line number, 22 bits (line_col >> 10). */
  readonly line: number;
  /** Column, 10 bits (line_col & 0x3ff). */
  readonly column: number;
}

/**
 * The 13 kinds of Linux 6.18's `enum bpf_core_relo_kind`, named after the
 * enumerators without the `BPF_CORE_` prefix; the number of each is its
 * position in CORE_RELOCATION_KINDS (checked against /usr/include/linux/bpf.h
 * and the running kernel's BTF by the tests).
 */
export type CoreRelocationKind =
  | 'field_byte_offset'
  | 'field_byte_size'
  | 'field_exists'
  | 'field_signed'
  | 'field_lshift_u64'
  | 'field_rshift_u64'
  | 'type_id_local'
  | 'type_id_target'
  | 'type_exists'
  | 'type_size'
  | 'enumval_exists'
  | 'enumval_value'
  | 'type_matches';

/** Kind names indexed by their enum value (0 … 12). */
export const CORE_RELOCATION_KINDS: readonly CoreRelocationKind[] = [
  'field_byte_offset',
  'field_byte_size',
  'field_exists',
  'field_signed',
  'field_lshift_u64',
  'field_rshift_u64',
  'type_id_local',
  'type_id_target',
  'type_exists',
  'type_size',
  'enumval_exists',
  'enumval_value',
  'type_matches',
];

const kindNumbers = new Map<CoreRelocationKind, number>(CORE_RELOCATION_KINDS.map((k, i) => [k, i]));

/** Enum value of a kind (`BPF_CORE_FIELD_BYTE_OFFSET` = 0 …). */
export function coreRelocationKindNumber(kind: CoreRelocationKind): number {
  const n = kindNumbers.get(kind);
  if (n === undefined) throw new RangeError(`unknown CO-RE relocation kind ${String(kind)}`);
  return n;
}

/** Kind of an enum value, undefined when the value is not one of the 13 kinds. */
export function coreRelocationKindFromNumber(value: number): CoreRelocationKind | undefined {
  return CORE_RELOCATION_KINDS[value];
}

/** One CO-RE relocation record (`struct bpf_core_relo`). */
export interface CoreRelocation {
  /** Byte offset of the instruction to patch (stays in bytes even in the kernel UAPI). */
  readonly insnOffset: number;
  /** BTF type id of the root type in the local (object) BTF. */
  readonly typeId: number;
  /** Offset of the access string ("0:1:2") in the .BTF string table. */
  readonly accessStringOffset: number;
  readonly kind: CoreRelocationKind;
}

/** Record sizes as stored in the section; larger-than-known records carry a tail this codec does not interpret. */
export interface BtfExtRecordSizes {
  readonly funcInfo: number;
  readonly lineInfo: number;
  readonly coreRelocation: number;
}

/**
 * Decoded .BTF.ext. Each map is keyed by the .BTF string offset of the ELF
 * section name the records belong to; insertion order is the order of the
 * blocks in the section (the encoder writes them in that order).
 */
export interface BtfExt {
  readonly funcInfo: Map<number, FuncInfo[]>;
  readonly lineInfo: Map<number, LineInfo[]>;
  readonly coreRelocations: Map<number, CoreRelocation[]>;
  /** hdr_len: 24 (no CO-RE sub-section) or 32 (clang ≥ 12). Encoder default 32. */
  readonly headerLength?: number;
  /** rec_size of each sub-section. Encoder default 8/16/16; larger sizes are written with zero tails. */
  readonly recordSizes?: BtfExtRecordSizes;
}

/** Sizes of the header and records this codec knows. */
export const BTF_EXT_MAGIC = 0xeb9f;
export const BTF_EXT_VERSION = 1;
export const BTF_EXT_HEADER_SIZE_V1 = 24;
export const BTF_EXT_HEADER_SIZE = 32;
export const FUNC_INFO_SIZE = 8;
export const LINE_INFO_SIZE = 16;
export const CORE_RELOCATION_SIZE = 16;
/** line_col packing: line << 10 | column. */
export const LINE_INFO_COLUMN_BITS = 10;
export const LINE_INFO_MAX_LINE = 0x3fffff;
export const LINE_INFO_MAX_COLUMN = 0x3ff;

/** An empty container. */
export function emptyBtfExt(): BtfExt {
  return { funcInfo: new Map(), lineInfo: new Map(), coreRelocations: new Map() };
}
