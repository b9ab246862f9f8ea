// The BTF type graph as a TypeScript discriminated union. Types refer to each other by type id
// (0 is void); a Btf (btf.ts) resolves ids. Names are '' for anonymous types.

export type BtfLinkage = 'static' | 'global' | 'extern';
export const LINKAGES: readonly BtfLinkage[] = ['static', 'global', 'extern'];

export interface BtfInt {
  readonly kind: 'INT';
  readonly name: string;
  /** Size in bytes. */
  readonly size: number;
  /** BTF_INT_SIGNED | BTF_INT_CHAR | BTF_INT_BOOL bits (0 = unsigned, no flags). */
  readonly encoding: number;
  readonly bitsOffset: number;
  readonly bits: number;
}

export interface BtfPtr { readonly kind: 'PTR'; readonly name: string; readonly type: number }
export interface BtfTypedef { readonly kind: 'TYPEDEF'; readonly name: string; readonly type: number }
export interface BtfVolatile { readonly kind: 'VOLATILE'; readonly name: string; readonly type: number }
export interface BtfConst { readonly kind: 'CONST'; readonly name: string; readonly type: number }
export interface BtfRestrict { readonly kind: 'RESTRICT'; readonly name: string; readonly type: number }

export interface BtfArray {
  readonly kind: 'ARRAY';
  readonly name: string;
  readonly type: number;
  readonly indexType: number;
  readonly nelems: number;
}

export interface BtfMember {
  readonly name: string;
  readonly type: number;
  /** Offset of the member in bits from the start of the struct. */
  readonly bitsOffset: number;
  /** Bitfield width in bits; 0 for a plain member (always 0 unless the struct's kindFlag is set). */
  readonly bitfieldSize: number;
}

export interface BtfStruct {
  readonly kind: 'STRUCT';
  readonly name: string;
  readonly size: number;
  /** kind_flag: member offsets carry bitfield sizes in their top 8 bits. */
  readonly kindFlag: boolean;
  readonly members: readonly BtfMember[];
}

export interface BtfUnion {
  readonly kind: 'UNION';
  readonly name: string;
  readonly size: number;
  readonly kindFlag: boolean;
  readonly members: readonly BtfMember[];
}

export interface BtfEnumValue { readonly name: string; readonly value: number }
export interface BtfEnum64Value { readonly name: string; readonly value: bigint }

export interface BtfEnum {
  readonly kind: 'ENUM';
  readonly name: string;
  readonly size: number;
  /** kind_flag: values are signed (int32) rather than unsigned (uint32). */
  readonly signed: boolean;
  /** Values as the signedness says: int32 when signed, uint32 otherwise. */
  readonly values: readonly BtfEnumValue[];
}

export interface BtfEnum64 {
  readonly kind: 'ENUM64';
  readonly name: string;
  readonly size: number;
  readonly signed: boolean;
  /** Values as the signedness says: int64 when signed, uint64 otherwise. */
  readonly values: readonly BtfEnum64Value[];
}

export interface BtfFwd {
  readonly kind: 'FWD';
  readonly name: string;
  /** kind_flag: a forward declaration of a union rather than a struct. */
  readonly union: boolean;
}

export interface BtfFunc {
  readonly kind: 'FUNC';
  readonly name: string;
  /** The FUNC_PROTO. */
  readonly type: number;
  readonly linkage: BtfLinkage;
}

export interface BtfParam { readonly name: string; readonly type: number }

export interface BtfFuncProto {
  readonly kind: 'FUNC_PROTO';
  readonly name: string;
  readonly returnType: number;
  /** A last parameter with name '' and type 0 marks a variadic function. */
  readonly params: readonly BtfParam[];
}

export interface BtfVar {
  readonly kind: 'VAR';
  readonly name: string;
  readonly type: number;
  readonly linkage: BtfLinkage;
}

export interface BtfVarSecinfo {
  /** The VAR (or FUNC for extern functions in .ksyms). */
  readonly type: number;
  readonly offset: number;
  readonly size: number;
}

export interface BtfDatasec {
  readonly kind: 'DATASEC';
  readonly name: string;
  readonly size: number;
  readonly vars: readonly BtfVarSecinfo[];
}

export interface BtfFloat { readonly kind: 'FLOAT'; readonly name: string; readonly size: number }

export interface BtfDeclTag {
  readonly kind: 'DECL_TAG';
  readonly name: string;
  readonly type: number;
  /** -1: the tag applies to the type itself; otherwise the member or parameter index. */
  readonly componentIdx: number;
  /** kind_flag: the tag is an __attribute__ to emit verbatim (newer kernels); false for btf_decl_tag. */
  readonly kindFlag: boolean;
}

export interface BtfTypeTag {
  readonly kind: 'TYPE_TAG';
  readonly name: string;
  readonly type: number;
  readonly kindFlag: boolean;
}

/**
 * A kind this codec does not know, kept opaque so that it round-trips. Only possible when the
 * blob has a kind layout section (extended header) saying how long such a record is.
 */
export interface BtfUnknown {
  readonly kind: 'UNKNOWN';
  readonly name: string;
  readonly kindNumber: number;
  readonly kindFlag: boolean;
  readonly vlen: number;
  /** The size/type word. */
  readonly sizeOrType: number;
  /** The bytes after the 12-byte record, in the blob's byte order. */
  readonly extra: Uint8Array;
}

export type BtfType =
  | BtfInt | BtfPtr | BtfArray | BtfStruct | BtfUnion | BtfEnum | BtfEnum64 | BtfFwd | BtfTypedef | BtfVolatile
  | BtfConst | BtfRestrict | BtfFunc | BtfFuncProto | BtfVar | BtfDatasec | BtfFloat | BtfDeclTag | BtfTypeTag
  | BtfUnknown;

export type BtfKind = BtfType['kind'];

/** Kinds whose only reference is a `type` field. */
export type BtfRefType = BtfPtr | BtfTypedef | BtfVolatile | BtfConst | BtfRestrict | BtfTypeTag;
