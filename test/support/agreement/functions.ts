// The func_info of a corpus load as the verifier model takes it: for each subprogram its first
// slot, name and whether its BTF FUNC is global (the kernel verifies global functions apart).

import { type Btf, decodeBtf, readObject, skipModifiers } from '../../../elf/index.js';
import type { FunctionInfo } from '../../../verifier/index.js';

const functionsOf = (btf: Btf, records: readonly { readonly insnOff: number; readonly typeId: number }[], staticNames: ReadonlySet<string>): FunctionInfo[] =>
  records.map((r) => {
    const t = btf.type(r.typeId);
    const name = t?.kind === 'FUNC' ? t.name : '';
    const proto = t?.kind === 'FUNC' ? btf.type(t.type) : undefined;
    const ret = proto?.kind === 'FUNC_PROTO' ? btf.type(skipModifiers((id) => btf.type(id), proto.returnType)) : undefined;
    const scalarReturn = (ret?.kind === 'INT' && ret.size <= 8) || ret?.kind === 'ENUM' || ret?.kind === 'ENUM64';
    return { start: r.insnOff, name, global: t?.kind === 'FUNC' && t.linkage === 'global' && !staticNames.has(name), scalarReturn };
  });

/** A test_verifier case's raw BTF and func_info. */
export function rawFunctions(btf: Uint8Array, records: readonly { readonly insnOff: number; readonly typeId: number }[]): FunctionInfo[] {
  return functionsOf(decodeBtf(btf), records, new Set());
}

/** An object program's linked func_info against the object's BTF; hidden subprograms count as static, as libbpf loads them. */
export function objectFunctions(objectBytes: Uint8Array, records: readonly { readonly insnOff: number; readonly typeId: number }[]): FunctionInfo[] | undefined {
  const object = readObject(objectBytes);
  if (object.btf === undefined || records.length === 0) return undefined;
  const hidden = new Set(object.programs.filter((p) => p.subprogram && (p.visibility === 1 || p.visibility === 2)).map((p) => p.name));
  return functionsOf(object.btf, records, hidden);
}
