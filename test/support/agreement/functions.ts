// The func_info of a corpus load as the verifier model takes it: for each subprogram its first
// slot, name, prototype and whether its BTF FUNC is global (object programs: prepareObjectPrograms' btf).

import { decodeBtf } from '../../../elf/index.js';
import { type FunctionInfo, functionsFromBtf } from '../../../verifier/index.js';

/** A test_verifier case's raw BTF and func_info. */
export function rawFunctions(btf: Uint8Array, records: readonly { readonly insnOff: number; readonly typeId: number }[]): FunctionInfo[] {
  return functionsFromBtf(decodeBtf(btf), records);
}
