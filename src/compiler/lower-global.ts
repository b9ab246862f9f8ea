// Global variables: a module `let` (.data, .bss) or an exported constant (.rodata) is read and
// written through its address (a relocated ld_imm64 of the data section) — one array map per
// section in the kernel, which user space reads by name (BpfCollection.globals).

import type TS from 'typescript';
import type { Size } from './ir.js';
import type { Lowering } from './lower.js';
import type { GlobalVarDecl } from './module.js';
import type { Val } from './values.js';

function addressOf(L: Lowering, g: GlobalVarDecl): number {
  const d = L.newV();
  L.emit({ op: 'ldglobal', d, name: g.name });
  return d;
}

export function globalRead(L: Lowering, g: GlobalVarDecl): Val & { k: 'reg' } {
  const p = addressOf(L, g);
  const d = L.newV();
  L.emit({ op: 'ld', size: (g.type.bits / 8) as Size, d, base: p, off: 0, ...(g.type.signed && g.type.bits < 64 ? { signed: true } : {}) });
  return { k: 'reg', v: d, type: g.type, owned: true };
}

/** `g = f(g)` (not atomic: a plain load and store, as C's `g += 1`). */
export function globalWrite(L: Lowering, g: GlobalVarDecl, target: TS.Expression, f: (cur: () => Val & { k: 'const' | 'reg' }) => Val & { k: 'const' | 'reg' }, old: boolean): Val {
  if (g.section === 'rodata') L.fail(target, `'${g.name}' is an exported constant (.rodata): programs cannot write it; declare it with let`);
  let cur: (Val & { k: 'reg' }) | undefined;
  const read = (): Val & { k: 'reg' } => (cur ??= globalRead(L, g));
  const nv = L.storedValue(f(read), g.type, target, (v) => L.emit({ op: 'st', size: (g.type.bits / 8) as Size, base: addressOf(L, g), off: 0, s: v }));
  return old ? read() : nv;
}
