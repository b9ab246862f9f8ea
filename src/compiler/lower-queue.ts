// Queue, stack and bloom filter methods: push (bpf_map_push_elem), pop (bpf_map_pop_elem) and
// peek (bpf_map_peek_elem). A value goes in by address (an integer stored on the stack, a struct
// or array's own memory); pop and peek copy the value out into memory the program names — a
// struct or array, or for integers a stack Cell (`zero<Cell<u32>>()`) — and give the helper's
// result code, as C's `if (bpf_map_pop_elem(&q, &v) == 0)`.

import type TS from 'typescript';
import { struct } from '../dsl/index.js';
import { S64 } from './int-type.js';
import type { Operand, VReg } from './ir.js';
import type { Aggregate, LType } from './layout.js';
import type { Lowering } from './lower.js';
import { argAddress, mapAddress } from './lower-map.js';
import { address, sameType, typeName } from './lower-struct.js';
import type { MapDecl } from './module.js';
import type { Mem, Val } from './values.js';

const BPF_MAP_PUSH_ELEM = 87, BPF_MAP_POP_ELEM = 88, BPF_MAP_PEEK_ELEM = 89;
/** push()'s modes: BPF_ANY, BPF_EXIST (a full queue or stack drops its oldest value). */
const PUSH_FLAGS: Record<string, bigint> = { any: 0n, exist: 2n };

export const VALUE_MAP_KINDS: ReadonlySet<string> = new Set(['queueMap', 'stackMap', 'bloomFilter']);

/** The layout of a stack Cell of an integer type: a struct of one field, `value`. */
function cellLayout(int: LType & { kind: 'int' }): Aggregate {
  const ctype = struct(`Cell_${int.int.name}`, { value: int.ctype });
  return { kind: 'struct', name: `Cell<${int.int.name}>`, fields: new Map([['value', { off: 0, type: int }]]), size: ctype.size, align: ctype.align, ctype };
}

/** `zero<Cell<u32>>()`: an integer in a zeroed stack slot, read and written as `.value` (undefined for other types). */
export function zeroCell(L: Lowering, e: TS.CallExpression): Mem | undefined {
  const ts = L.ts;
  const node = e.typeArguments?.[0];
  if (node === undefined || !ts.isTypeReferenceNode(node) || !ts.isIdentifier(node.typeName) || L.m.imports.get(node.typeName.text) !== 'Cell') return undefined;
  const int = L.m.layouts.of(node.typeArguments?.[0]);
  if (int === undefined || int.kind !== 'int') return L.fail(node, 'a stack Cell holds an integer type: zero<Cell<u32>>()');
  const ty = cellLayout(int);
  const off = L.slot(8);
  L.emit({ op: 'st', size: 8, base: 'fp', off, s: { imm: 0n } });
  return { k: 'mem', base: 'fp', off, ty, align: 8 };
}

/** Where pop/peek write the value: a struct or array of the value's type, or a Cell of its integer type. */
function outAddress(L: Lowering, a: TS.Expression | undefined, vt: LType, e: TS.Node, method: string): VReg {
  if (a === undefined) return L.fail(e, `${method} takes where the value goes: ${vt.kind === 'int' ? `a Cell (const v = zero<Cell<${vt.int.name}>>())` : `a ${typeName(vt)} (zero<${typeName(vt)}>())`}`);
  const v = L.expr(a);
  if (vt.kind === 'int') {
    if (v.k === 'cell' && v.type.bits === vt.int.bits && v.type.signed === vt.int.signed) return v.v;
    if (v.k === 'mem' && v.ty.kind === 'struct' && v.ty.name === `Cell<${vt.int.name}>`) return address(L, v);
    return L.fail(a, `${method} writes a ${vt.int.name} into a Cell<${vt.int.name}> (zero<Cell<${vt.int.name}>>())`);
  }
  if (v.k !== 'mem' || !sameType(v.ty, vt)) return L.fail(a, `${method} writes a ${typeName(vt)}; this is not one`);
  return address(L, v);
}

export function valueMapMethod(L: Lowering, map: MapDecl, method: string, e: TS.CallExpression): Val {
  const args = e.arguments;
  const vt = map.value!;
  const bloom = map.kind === 'bloomFilter';
  const call = (helper: number, ops: Operand[]): Val => {
    const d = L.newV();
    L.emit({ op: 'call', helper, args: ops, d });
    return { k: 'reg', v: d, type: S64, owned: true };
  };
  switch (method) {
    case 'push': {
      if (args.length > (bloom ? 1 : 2)) L.fail(args[bloom ? 1 : 2]!, bloom ? 'a bloom filter\'s push takes the value only' : "push takes the value and a mode ('any' or 'exist')");
      const v = argAddress(L, args[0], vt, 'the value', e);
      let flags = 0n;
      const mode = args[1];
      if (mode !== undefined) {
        if (!L.ts.isStringLiteral(mode) || PUSH_FLAGS[mode.text] === undefined) L.fail(mode, "the push mode is 'any' (fail when full) or 'exist' (drop the oldest value when full)");
        flags = PUSH_FLAGS[(mode as TS.StringLiteral).text]!;
      }
      return call(BPF_MAP_PUSH_ELEM, [{ reg: mapAddress(L, map) }, { reg: v }, { imm: flags }]);
    }
    case 'pop': case 'peek': {
      if (bloom && method === 'pop') return L.fail(e.expression, 'a bloom filter has push and peek (values cannot be taken out)');
      if (args.length !== 1) L.fail(e, `${method} takes one argument`);
      // A bloom filter's peek tests a value the program gives; a queue's writes one out.
      const p = bloom ? argAddress(L, args[0], vt, 'the value', e) : outAddress(L, args[0], vt, e, method);
      return call(method === 'pop' ? BPF_MAP_POP_ELEM : BPF_MAP_PEEK_ELEM, [{ reg: mapAddress(L, map) }, { reg: p }]);
    }
    default:
      return L.fail(e.expression, bloom ? `a bloom filter has push and peek (not ${method})` : `a ${map.kind === 'queueMap' ? 'queue' : 'stack'} has push, pop and peek (not ${method})`);
  }
}

