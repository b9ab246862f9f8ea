// `if C goto L; goto M; L:` becomes `if !C goto M; L:` — what is left of `c ? a : b` once both
// arms compute into the same register and the first arm's move disappears (clang -O2 has the
// one conditional jump).

import type { AsmItem } from '../dsl/index.js';
import { NEGATED_JUMP } from '../dsl/program/jump-negation.js';

export function invertJumpsOverJumps(input: readonly AsmItem[]): AsmItem[] {
  const items = [...input];
  for (let i = 0; i + 2 < items.length; i++) {
    const br = items[i]!, ja = items[i + 1]!;
    if (br.kind !== 'insn' || br.insn.kind !== 'jump' || br.target === undefined) continue;
    const negated = NEGATED_JUMP[br.insn.op];
    if (negated === undefined) continue;
    if (ja.kind !== 'insn' || ja.insn.kind !== 'ja' || ja.target === undefined) continue;
    // The conditional jump's target among the labels right after the unconditional one.
    let k = i + 2;
    while (items[k]?.kind === 'label' && (items[k] as { name: string }).name !== br.target) k++;
    if (items[k]?.kind !== 'label') continue;
    items.splice(i, 2, { ...br, insn: { ...br.insn, op: negated }, target: ja.target });
  }
  return items;
}
