// The BTF test_verifier loads for its maps with special value fields (its btf_raw_types, 6.12):
// the same types in the same order, so that the value type ids its create_map_* functions use
// (3: struct val with a spin lock, 5: struct timer, 14: struct btf_ptr with three kptrs) name
// the same types here. The kptr targets are looked up by name in the kernel's BTF when the map
// is created, as the kernel does for test_verifier.

import { Btf, type BtfType, encodeBtf, type BtfMember } from '../../../elf/index.js';

const member = (name: string, type: number, bitsOffset: number): BtfMember => ({ name, type, bitsOffset, bitfieldSize: 0 });
const struct = (name: string, size: number, members: BtfMember[] = []): BtfType => ({ kind: 'STRUCT', name, size, kindFlag: false, members });
const tag = (name: string, type: number): BtfType => ({ kind: 'TYPE_TAG', name, type, kindFlag: false });
const ptr = (type: number): BtfType => ({ kind: 'PTR', name: '', type });

const TYPES: readonly BtfType[] = [
  { kind: 'INT', name: '', size: 4, encoding: 1, bitsOffset: 0, bits: 32 }, // [1] int
  struct('bpf_spin_lock', 4, [member('val', 1, 0)]), // [2]
  struct('val', 8, [member('cnt', 1, 0), member('l', 2, 32)]), // [3]
  struct('bpf_timer', 16), // [4]
  struct('timer', 16, [member('t', 4, 0)]), // [5]
  struct('prog_test_ref_kfunc', 0), // [6]
  struct('prog_test_member', 0), // [7]
  tag('kptr_untrusted', 6), // [8]
  tag('kptr', 6), // [9]
  tag('kptr', 7), // [10]
  ptr(8), ptr(9), ptr(10), // [11] [12] [13]
  struct('btf_ptr', 24, [member('ptr', 11, 0), member('ptr', 12, 64), member('ptr', 13, 128)]), // [14]
];

/** test_verifier's map BTF, decoded (for the model's view of the value) and as the blob to load. */
export const TEST_VERIFIER_BTF = Btf.fromTypes(TYPES);
export const TEST_VERIFIER_BTF_BLOB: Uint8Array = encodeBtf(TEST_VERIFIER_BTF);

/** Value type ids of test_verifier's create_map_spin_lock, create_map_timer, create_map_kptr (key: type 1). */
export const TEST_VERIFIER_VALUE_TYPE = { spinLock: 3, timer: 5, kptr: 14 } as const;
