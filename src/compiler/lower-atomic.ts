// `atomicAdd(s.field, n)`: `lock *(&s.field) += n` on an integer field or element of a map value
// or record (as __sync_fetch_and_add in C), where a plain `s.field += n` is a load, an add and a
// store that another CPU's update can come between.

import type TS from 'typescript';
import { S64 } from './int-type.js';
import type { Lowering } from './lower.js';
import { placeOf } from './lower-struct.js';
import { settle } from './lower-struct-elements.js';
import type { Val } from './values.js';

export function atomicAddTo(L: Lowering, e: TS.CallExpression): Val {
  const [target, amount] = e.arguments;
  if (target === undefined || amount === undefined || e.arguments.length !== 2) return L.fail(e, 'atomicAdd takes a field or element and the amount: atomicAdd(s.count, 1)');
  const p = placeOf(L, target);
  if (p === undefined || 'k' in p) return L.fail(target, 'atomicAdd adds to an integer field or array element (a map value Cell has n.atomicAdd(x))');
  if (p.base === 'fp') return L.fail(target, 'atomicAdd is for shared memory (map values, records); a stack struct is only this program\'s: use +=');
  if (p.t.size !== 4 && p.t.size !== 8) return L.fail(target, `atomicAdd needs a 4- or 8-byte field (${p.t.int.name} is ${p.t.size})`);
  const v = L.toReg(L.convert(L.intVal(L.expr(amount), amount), p.t.int, amount));
  L.emit({ op: 'atomicAdd', size: p.t.size, base: p.base, off: p.off, s: v.v });
  if (p.skip !== undefined) settle(L, p.skip);
  return { k: 'const', type: S64, c: 0n };
}
