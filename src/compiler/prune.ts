// Unreachable code out: the kernel refuses a program with an instruction no path reaches
// ("unreachable insn"), which folded conditions (`for (…; i < 0; …)`, `if (false)`) leave behind.

import { def, type Located, uses } from './ir.js';
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

const PURE = new Set(['mov', 'alu', 'neg', 'movsx', 'be', 'ld', 'ldmap', 'ldglobal', 'ldkfunc', 'ldfunc', 'ldstr', 'addrfp', 'arg']);

/** Values nobody reads, out: their pure operations go, and a helper call keeps only its effect. */
export function removeDeadValues(input: readonly Located[]): Located[] {
  let ops = [...input];
  for (;;) {
    const used = new Set<number>();
    for (const o of ops) for (const u of uses(o)) used.add(u);
    let changed = false;
    const next: Located[] = [];
    for (const o of ops) {
      const d = def(o);
      if (d !== undefined && !used.has(d)) {
        if (PURE.has(o.op)) { changed = true; continue; }
        if (o.op === 'call') { const { d: _dead, ...rest } = o; next.push(rest); changed = true; continue; }
      }
      next.push(o);
    }
    ops = next;
    if (!changed) return ops;
  }
}
