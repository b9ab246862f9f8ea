// Label resolution: jumps by name become slot offsets (ld_imm64 counts two slots).

import { DslError } from '../errors.js';
import type { AsmItem, ResolvedInsn } from './items.js';

export function resolveLabels(items: readonly AsmItem[]): ResolvedInsn[] {
  const at = new Map<string, number>();
  let slot = 0;
  for (const it of items) {
    if (it.kind === 'label') {
      if (at.has(it.name)) throw new DslError(`label '${it.name}' is defined twice`);
      at.set(it.name, slot);
    } else slot += it.insn.kind === 'ldImm64' ? 2 : 1;
  }
  const out: ResolvedInsn[] = [];
  slot = 0;
  for (const it of items) {
    if (it.kind === 'label') continue;
    let insn = it.insn;
    if (it.target !== undefined) {
      const dest = at.get(it.target);
      if (dest === undefined) throw new DslError(`jump to undefined label '${it.target}'`, it.loc);
      const offset = dest - (slot + 1);
      if (insn.kind === 'gotol') insn = { ...insn, imm: offset };
      else if (insn.kind === 'ja' || insn.kind === 'jump' || insn.kind === 'mayGoto') {
        if (offset < -0x8000 || offset > 0x7fff) throw new DslError(`jump to '${it.target}' is ${offset} slots away (16-bit offset); use gotol`, it.loc);
        insn = { ...insn, offset };
      } else throw new DslError(`a ${insn.kind} instruction cannot jump to a label`, it.loc);
    }
    out.push({ insn, ...(it.ref === undefined ? {} : { ref: it.ref }), ...(it.core === undefined ? {} : { core: it.core }), ...(it.loc === undefined ? {} : { loc: it.loc }) });
    slot += insn.kind === 'ldImm64' ? 2 : 1;
  }
  return out;
}
