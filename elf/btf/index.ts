// Public surface of the BTF codec (re-exported from tsbpf/elf).

export * from './types.js';
export { BtfError } from './errors.js';
export { BTF_KIND, BTF_INT_BOOL, BTF_INT_CHAR, BTF_INT_SIGNED, BTF_MAGIC, type BtfKindName } from './kinds.js';
export { Btf, type BtfLayoutEntry, type BtfOptions } from './btf.js';
export { BtfStringTable, StringTableBuilder } from './strings.js';
export {
  type BtfModifierKind, type BtfTypeLookup, isModifier, MAX_RESOLVE_DEPTH, MODIFIER_KINDS, QUALIFIER_KINDS, resolveTypeSize, skipModifiers,
} from './type-size.js';
export { btfByteOrder, type BtfValidation, decodeBtf, type DecodeBtfOptions, validateBtf } from './decode.js';
export { encodeBtf, type EncodeBtfOptions } from './encode.js';
export {
  ALL_BTF_FEATURES, type BtfFeature, type BtfFeatures, ENUM64_PLACEHOLDER, FEATURE_KINDS, needsSanitizing, sanitizeBtf,
} from './sanitize.js';
export { forEachField, type BtfFieldSet, infoKind, infoVlen, mapTypeIds, RECORD_LAYOUT, type RecordLayout, recordWords, stringsOf, typeIdsOf } from './fields.js';
export { type StringSection, withStringSection } from './restring.js';
export { formatBtfRaw, formatTypeRaw, writeBtfRaw, writeBtfRawBytes } from './format-raw.js';
export { formatBtfC, writeBtfC } from './format-c.js';
export { formatBtfJson, formatTypeJson, writeBtfJson } from './format-json.js';
