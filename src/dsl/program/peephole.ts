// Shared returns: `if C goto L; r0 = K; exit; L:` becomes `if !C goto R; L:` where R labels
// another `r0 = K; exit` of the function — as clang -O2 merges early returns into one block.

import type { AsmInsn, AsmItem } from '../asm/items.js';
import { NEGATED_JUMP } from './jump-negation.js';


/** The constant a `r0 = K; exit` pair at i returns, or undefined. */
function returnAt(items: readonly AsmItem[], i: number): number | undefined {
  const a = items[i], b = items[i + 1];
  if (a?.kind !== 'insn' || b?.kind !== 'insn' || b.insn.kind !== 'exit') return undefined;
  const m = a.insn;
  return m.kind === 'alu' && m.op === 'mov' && m.width === 64 && m.dst === 0 && m.src.kind === 'imm' ? m.src.value : undefined;
}

export function shareReturns(input: readonly AsmItem[], newLabel: () => string): AsmItem[] {
  const items = [...input];
  for (let j = 0; j < items.length; j++) {
    const jmp = items[j];
    if (jmp?.kind !== 'insn' || jmp.insn.kind !== 'jump' || jmp.target === undefined) continue;
    const neg = NEGATED_JUMP[jmp.insn.op];
    const k = returnAt(items, j + 1);
    const after = items[j + 3];
    if (neg === undefined || k === undefined || after?.kind !== 'label' || after.name !== jmp.target) continue;
    // Another return of the same constant, not this one.
    let shared = -1;
    for (let i = items.length - 2; i >= 0; i--) if (i !== j + 1 && returnAt(items, i) === k) { shared = i; break; }
    if (shared < 0) continue;
    let label: string;
    const before = items[shared - 1];
    if (before?.kind === 'label') label = before.name;
    else { label = newLabel(); items.splice(shared, 0, { kind: 'label', name: label }); if (shared < j) j++; }
    const replaced: AsmInsn = { ...jmp, insn: { ...jmp.insn, op: neg }, target: label };
    items.splice(j, 3, replaced);
  }
  return items;
}
