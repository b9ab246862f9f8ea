// The load's func_info as the model takes it (options.functions): for each subprogram its first
// slot, its BTF FUNC's name, linkage and prototype. Subprograms libbpf loads as static (hidden
// global functions, `staticNames`) are verified in their callers' context, as the kernel then does.

import { type Btf, skipModifiers } from '../elf/index.js';
import type { FunctionInfo } from './options.js';

/** A func_info record: the subprogram's first slot and its FUNC's id in the load's BTF. */
export interface FuncInfoRecord {
  readonly insnOff: number;
  readonly typeId: number;
}

export function functionsFromBtf(btf: Btf, records: readonly FuncInfoRecord[], staticNames: ReadonlySet<string> = new Set()): FunctionInfo[] {
  return records.map((r) => {
    const t = btf.type(r.typeId);
    const name = t?.kind === 'FUNC' ? t.name : '';
    const proto = t?.kind === 'FUNC' ? btf.type(t.type) : undefined;
    const ret = proto?.kind === 'FUNC_PROTO' ? btf.type(skipModifiers((id) => btf.type(id), proto.returnType)) : undefined;
    const scalarReturn = (ret?.kind === 'INT' && ret.size <= 8) || ret?.kind === 'ENUM' || ret?.kind === 'ENUM64';
    return { start: r.insnOff, name, global: t?.kind === 'FUNC' && t.linkage === 'global' && !staticNames.has(name), scalarReturn, prototype: { btf, typeId: r.typeId } };
  });
}
