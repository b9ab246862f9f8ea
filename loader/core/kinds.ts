// The three families of CO-RE relocation kinds, and libbpf's short names for its log lines.

import type { CoreRelocationKind } from '../../elf/index.js';

export type CoreKindFamily = 'field' | 'type' | 'enumval';

export function kindFamily(kind: CoreRelocationKind): CoreKindFamily {
  switch (kind) {
    case 'field_byte_offset': case 'field_byte_size': case 'field_exists': case 'field_signed':
    case 'field_lshift_u64': case 'field_rshift_u64':
      return 'field';
    case 'enumval_exists': case 'enumval_value':
      return 'enumval';
    default:
      return 'type';
  }
}

/** libbpf's core_relo_kind_str names ("byte_off", "lshift_u64", ...), as its debug log prints them. */
export const LIBBPF_KIND_NAMES: Readonly<Record<CoreRelocationKind, string>> = {
  field_byte_offset: 'byte_off',
  field_byte_size: 'byte_sz',
  field_exists: 'field_exists',
  field_signed: 'signed',
  field_lshift_u64: 'lshift_u64',
  field_rshift_u64: 'rshift_u64',
  type_id_local: 'local_type_id',
  type_id_target: 'target_type_id',
  type_exists: 'type_exists',
  type_size: 'type_size',
  enumval_exists: 'enumval_exists',
  enumval_value: 'enumval_value',
  type_matches: 'type_matches',
};
