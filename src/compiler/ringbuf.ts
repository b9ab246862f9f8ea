// Records to user space: a ring buffer's reserve/submit/discard (the record is written in place)
// and output (a copy), and a perf event array's output on the current CPU.

import type TS from 'typescript';
import { S64 } from './int-type.js';
import type { Operand } from './ir.js';
import type { Aggregate } from './layout.js';
import type { Lowering } from './lower.js';
import { mapAddress, storeOnStack } from './lower-map.js';
import { isContext } from './lower-tail-call.js';
import { address } from './lower-struct.js';
import { asMemory } from './lower-kernel-array.js';
import type { MapDecl } from './module.js';
import type { Val } from './values.js';

const BPF_RINGBUF_OUTPUT = 130, BPF_RINGBUF_RESERVE = 131, BPF_RINGBUF_SUBMIT = 132, BPF_RINGBUF_DISCARD = 133;
const BPF_PERF_EVENT_OUTPUT = 25;
/** BPF_F_CURRENT_CPU: the perf buffer of the CPU the program runs on. */
const CURRENT_CPU = 0xffffffffn;

/** The data a record copies: a struct/array's address and size, or an integer stored on the stack. */
function data(L: Lowering, a: TS.Expression | undefined, e: TS.Node): { p: Operand; size: number } {
  if (a === undefined) return L.fail(e, 'output needs the record to copy');
  const v = asMemory(L, L.expr(a), a);
  if (v.k === 'mem') {
    return { p: { reg: address(L, v) }, size: v.ty.size };
  }
  const i = L.intVal(v, a);
  const t = i.k === 'const' && i.lit === true ? S64 : i.type;
  const off = storeOnStack(L, i, t, a);
  const p = L.newV();
  L.emit({ op: 'addrfp', d: p, off });
  return { p: { reg: p }, size: t.bits / 8 };
}

export function ringMethod(L: Lowering, map: MapDecl, method: string, e: TS.CallExpression): Val {
  const args = e.arguments;
  const result = (helper: number, ops: Operand[]): Val => {
    const d = L.newV();
    L.emit({ op: 'call', helper, args: ops, d });
    return { k: 'reg', v: d, type: S64, owned: true };
  };
  if (map.kind === 'perfEventArray') {
    if (method !== 'output') L.fail(e.expression, `a perf event array has output(ctx, record) (not ${method})`);
    const ctx = args[0] === undefined ? undefined : L.expr(args[0]);
    if (!isContext(L, ctx)) L.fail(args[0] ?? e, "perf output's first argument is the program's context parameter");
    const d = data(L, args[1], e);
    return result(BPF_PERF_EVENT_OUTPUT, [{ reg: L.ctxV }, { reg: mapAddress(L, map) }, { imm: CURRENT_CPU }, d.p, { imm: BigInt(d.size) }]);
  }
  switch (method) {
    case 'output': {
      const d = data(L, args[0], e);
      return result(BPF_RINGBUF_OUTPUT, [{ reg: mapAddress(L, map) }, d.p, { imm: BigInt(d.size) }, { imm: 0n }]);
    }
    case 'reserve': {
      const ty = L.m.layouts.of(e.typeArguments?.[0]);
      if (ty === undefined || ty.kind === 'int') return L.fail(e, 'reserve<T>() takes the record type: a struct (an interface of the module) or Arr<T, N>');
      const d = L.newV();
      L.emit({ op: 'call', helper: BPF_RINGBUF_RESERVE, args: [{ reg: mapAddress(L, map) }, { imm: BigInt(ty.size) }, { imm: 0n }], d });
      return { k: 'mem', base: d, off: 0, ty: ty as Aggregate, nullable: true, align: 8 }; // samples are 8-aligned
    }
    case 'submit': case 'discard': {
      const a = args[0];
      const r = a === undefined ? undefined : L.expr(a);
      // The verifier wants the very pointer reserve returned (its reference), not a member's.
      if (r === undefined || r.k !== 'mem' || r.base === 'fp' || r.off !== 0) return L.fail(a ?? e, `${method} takes a record reserve() returned`);
      L.emit({ op: 'call', helper: method === 'submit' ? BPF_RINGBUF_SUBMIT : BPF_RINGBUF_DISCARD, args: [{ reg: r.base }, { imm: 0n }] });
      return { k: 'const', type: S64, c: 0n };
    }
    default:
      return L.fail(e.expression, `a ring buffer has reserve, submit, discard and output (not ${method})`);
  }
}

