// Unreachable code out: the kernel refuses a program with an instruction no path reaches
// ("unreachable insn"), which folded conditions (`for (…; i < 0; …)`, `if (false)`) leave behind.

import type { Located } from './ir.js';
import { blocks } from './regalloc.js';

export function pruneUnreachable(ops: readonly Located[]): Located[] {
  const bs = blocks({ ops: ops as Located[] });
  if (bs.length === 0) return [...ops];
  const seen = new Set<number>([0]);
  const work = [0];
  while (work.length > 0) for (const s of bs[work.pop()!]!.succ) if (!seen.has(s)) { seen.add(s); work.push(s); }
  const out: Located[] = [];
  bs.forEach((b, k) => { if (seen.has(k)) for (let i = b.start; i <= b.end; i++) out.push(ops[i]!); });
  return out;
}
