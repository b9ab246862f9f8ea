// .BTF.ext: func_info, line_info and CO-RE relocation records.

export { ACCESS_INDEX_MAX, formatAccessString, parseAccessString } from './access-string.js';
export { btfExtRecordOffsets, type BtfExtRecordOffsets, decodeBtfExt } from './decode.js';
export { encodeBtfExt } from './encode.js';
export { BtfExtError } from './errors.js';
export {
  type BtfStringLookup, type ResolvedBtfExt, type ResolvedCoreRelocation, type ResolvedLineInfo, resolveBtfExt,
} from './resolve.js';
export {
  BTF_EXT_HEADER_SIZE, BTF_EXT_HEADER_SIZE_V1, BTF_EXT_MAGIC, BTF_EXT_VERSION, type BtfExt, type BtfExtRecordSizes,
  CORE_RELOCATION_KINDS, CORE_RELOCATION_SIZE, type CoreRelocation, type CoreRelocationKind, coreRelocationKindFromNumber,
  coreRelocationKindNumber, emptyBtfExt, FUNC_INFO_SIZE, type FuncInfo, LINE_INFO_MAX_COLUMN, LINE_INFO_MAX_LINE,
  LINE_INFO_SIZE, type LineInfo,
} from './types.js';
