// `tailCall(ctx, progs, index)`: bpf_tail_call into a prog array. The kernel only jumps to a
// program of the caller's type, so a prog array whose `values` name a program of another type
// than a program tail-calling through it is a compile error at the call.

import type TS from 'typescript';
import { S64, U32 } from './int-type.js';
import type { Lowering } from './lower.js';
import { mapAddress } from './lower-map.js';
import type { Val } from './values.js';

const BPF_TAIL_CALL = 12;

/** Whether v is the program's context (its parameter: the context, the packet cursor or a typed record). */
export function isContext(L: Lowering, v: Val | undefined): boolean {
  return v !== undefined && (v.k === 'ctx' || v.k === 'pkt' || (v.k === 'mem' && v.base === L.ctxV && v.off === 0));
}

export function tailCall(L: Lowering, e: TS.CallExpression): Val {
  const [c, m, i] = e.arguments;
  if (e.arguments.length !== 3) L.fail(e, 'tailCall takes the context, a prog array and the slot: tailCall(ctx, progs, index)');
  if (!isContext(L, L.expr(c!))) L.fail(c!, "tailCall's first argument is the program's context parameter");
  const progs = L.expr(m!);
  if (progs.k !== 'map' || progs.map.kind !== 'progArray') return L.fail(m!, 'tailCall jumps through a prog array (progArray({ maxEntries }))');
  if (L.prog.section !== '.text') {
    for (const s of progs.map.slots ?? []) {
      const target = s.program === null ? undefined : L.m.programs.find((p) => p.name === s.program);
      if (target !== undefined && target.kind !== L.prog.kind) L.fail(e, `${progs.map.name} holds ${target.name}, a ${target.kind} program; a ${L.prog.kind} program can only tail-call programs of its own type`);
    }
  }
  const index = L.operand(L.convert(L.intVal(L.expr(i!), i), U32, i));
  L.emit({ op: 'call', helper: BPF_TAIL_CALL, args: [{ reg: L.ctxV }, { reg: mapAddress(L, progs.map) }, index] });
  return { k: 'const', type: S64, c: 0n };
}
