// Two rewrites of the IR that clang's output has and a straightforward lowering does not:
// - a conversion whose value only feeds stores no wider than the type (`e.pid = x as u32` stores
//   the low 4 bytes either way) is dropped, the store takes the unconverted register;
// - a stack address (`fp + off`, one use) is computed right before its use rather than when the
//   lowering met it, so it need not live in R6–R9 across a helper call in between.

import { def, type Located, uses, type VReg } from './ir.js';

function counts(ops: readonly Located[]): { defs: Map<VReg, number>; uses: Map<VReg, number> } {
  const defs = new Map<VReg, number>(), us = new Map<VReg, number>();
  for (const o of ops) {
    const d = def(o);
    if (d !== undefined) defs.set(d, (defs.get(d) ?? 0) + 1);
    for (const u of uses(o)) us.set(u, (us.get(u) ?? 0) + 1);
  }
  return { defs, uses: us };
}

/** The width in bits a conversion keeps, and its source, when `o` is one. */
function narrowing(o: Located): { src: VReg; bits: number } | undefined {
  if (o.op === 'mov' && o.w === 32 && 'reg' in o.s) return { src: o.s.reg, bits: 32 };
  if (o.op === 'movsx') return { src: o.a, bits: o.bits };
  if (o.op === 'alu' && o.code === 'and' && o.w === 64 && 'imm' in o.b && (o.b.imm === 0xffn || o.b.imm === 0xffffn)) return { src: o.a, bits: o.b.imm === 0xffn ? 8 : 16 };
  return undefined;
}

export function dropStoreConversions(input: readonly Located[]): Located[] {
  let ops = [...input];
  const { defs } = counts(ops);
  for (let i = 0; i < ops.length; i++) {
    const n = narrowing(ops[i]!);
    const d = def(ops[i]!);
    if (n === undefined || d === undefined || defs.get(d) !== 1 || defs.get(n.src) !== 1) continue;
    const readers = ops.filter((o) => uses(o).includes(d));
    const onlyStored = readers.every((o) => o.op === 'st' && o.base !== d && 'reg' in o.s && o.s.reg === d && o.size * 8 <= n.bits);
    if (readers.length === 0 || !onlyStored) continue;
    ops = ops.map((o) => (o.op === 'st' && 'reg' in o.s && o.s.reg === d ? { ...o, s: { reg: n.src } } : o));
    ops.splice(i, 1);
    i--;
  }
  return ops;
}

export function sinkStackAddresses(input: readonly Located[]): Located[] {
  const ops = [...input];
  const { defs, uses: us } = counts(ops);
  for (let i = 0; i < ops.length; i++) {
    const o = ops[i]!;
    if (o.op !== 'addrfp' || defs.get(o.d) !== 1 || us.get(o.d) !== 1) continue;
    const at = ops.findIndex((x, k) => k > i && uses(x).includes(o.d));
    // Only within straight-line code: no label or jump between (the use must see this definition on every path).
    if (at < 0 || ops.slice(i + 1, at).some((x) => x.op === 'label' || x.op === 'jmp' || x.op === 'br' || x.op === 'ret')) continue;
    ops.splice(i, 1);
    ops.splice(at - 1, 0, o);
  }
  return ops;
}
