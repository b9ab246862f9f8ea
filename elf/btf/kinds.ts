// BTF kind names (the uapi's BTF_KIND_* values, generated from the kernel's BTF in
// kind.generated.ts) and the info-word bit fields.

import { BTF_KIND } from './kind.generated.js';

export { BTF_KIND };

export type BtfKindName = Exclude<keyof typeof BTF_KIND, 'UNKN'>;

/** Kind name by number; undefined for numbers this codec does not know. */
export const KIND_NAMES: readonly (BtfKindName | undefined)[] = (() => {
  const names: (BtfKindName | undefined)[] = [];
  for (const [name, n] of Object.entries(BTF_KIND)) if (n !== 0) names[n] = name as BtfKindName;
  return names;
})();

export const BTF_MAGIC = 0xeb9f;
export const BTF_VERSION = 1;
/** The classic header: magic, version, flags, hdr_len, type_off/len, str_off/len. */
export const BTF_HEADER_SIZE = 24;
/** The extended header: the classic one with layout_off/layout_len (the kind layout section) appended. */
export const BTF_HEADER_LAYOUT_SIZE = 32;
/** Size of the common struct btf_type record (name_off, info, size/type). */
export const BTF_TYPE_SIZE = 12;
/** The info word: vlen in bits 0..23, kind in bits 24..30, kind_flag in bit 31 (the extended kind/vlen masks, backward compatible). */
export const VLEN_MASK = 0xffffff;
export const KIND_SHIFT = 24;
export const KIND_MASK = 0x7f;

/** INT encoding bits. */
export const BTF_INT_SIGNED = 1;
export const BTF_INT_CHAR = 2;
export const BTF_INT_BOOL = 4;
