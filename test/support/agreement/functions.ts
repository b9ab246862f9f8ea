// The func_info of a corpus load as the verifier model takes it: for each subprogram its first
// slot, name, prototype and whether its BTF FUNC is global (the kernel verifies global functions apart).

import { decodeBtf, readObject } from '../../../elf/index.js';
import { type FunctionInfo, functionsFromBtf } from '../../../verifier/index.js';

/** A test_verifier case's raw BTF and func_info. */
export function rawFunctions(btf: Uint8Array, records: readonly { readonly insnOff: number; readonly typeId: number }[]): FunctionInfo[] {
  return functionsFromBtf(decodeBtf(btf), records);
}

/** An object program's linked func_info against the object's BTF; hidden subprograms count as static, as libbpf loads them. */
export function objectFunctions(objectBytes: Uint8Array, records: readonly { readonly insnOff: number; readonly typeId: number }[]): FunctionInfo[] | undefined {
  const object = readObject(objectBytes);
  if (object.btf === undefined || records.length === 0) return undefined;
  const hidden = new Set(object.programs.filter((p) => p.subprogram && (p.visibility === 1 || p.visibility === 2)).map((p) => p.name));
  return functionsFromBtf(object.btf, records, hidden);
}
