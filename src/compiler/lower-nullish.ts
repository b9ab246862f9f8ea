// `p?.field ?? fallback`: a read through a pointer that may be null (a lookup or reserve result),
// or the fallback when it is — one null check, as `p ? p.field : fallback` would be.

import type TS from 'typescript';
import type { Lowering } from './lower.js';
import { member } from './lower-struct.js';
import type { Val } from './values.js';

export function nullish(L: Lowering, e: TS.BinaryExpression): Val {
  const ts = L.ts;
  let left = e.left;
  while (ts.isParenthesizedExpression(left)) left = left.expression;
  if (!ts.isPropertyAccessExpression(left) || left.questionDotToken === undefined) {
    return L.fail(e.left, '?? takes an optional read on its left (m.lookup(k)?.value ?? 0); integers are never null');
  }
  const obj = L.expr(left.expression);
  const ptr = obj.k === 'cell' ? obj.v : obj.k === 'mem' && obj.base !== 'fp' && obj.off === 0 ? obj.base : undefined;
  if (ptr === undefined) return L.fail(left.expression, '?. reads through a pointer that may be null (a lookup or reserve result)');
  const name = left.name.text;
  const els = L.label('nnull'), end = L.label('nend');
  L.emit({ op: 'br', cmp: 'jeq', w: 64, a: ptr, b: { imm: 0n }, target: els });
  const a = L.intVal(obj.k === 'cell' ? (name === 'value' ? L.loadCell(obj) : L.fail(left.name, "a map value's Cell has .value")) : member(L, obj as Val & { k: 'mem' }, name, left.name), left);
  return L.joinArms(a, left, e.right, els, end, e);
}
