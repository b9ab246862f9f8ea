// The tracing contexts: a program's context
// parameter (packet cursor, typed tracepoint record, probe registers), and kprobe/uprobe
// `ctx.arg(n)` / `ctx.ret()` as PT_REGS_PARMn / PT_REGS_RC.

import type TS from 'typescript';
import { U64 } from './int-type.js';
import type { Lowering } from './lower.js';
import type { Aggregate } from './layout.js';
import { checkTracepointRecord } from './tracepoint-format.js';
import type { Val } from './values.js';

/** What a program's parameter is: the packet cursor, a tracepoint's record (when typed), or the context. */
export function contextParam(L: Lowering, p: TS.ParameterDeclaration): Val {
  const kind = L.prog.kind;
  if (kind === 'xdp' || kind === 'tc' || kind === 'socketFilter') return { k: 'pkt' };
  if (p.type !== undefined && kind === 'tracepoint') {
    const ty = L.m.layouts.of(p.type);
    if (ty === undefined || ty.kind !== 'struct') return L.fail(p.type, "a tracepoint's record type is an interface of its fields (tsbpf gen tracepoint CATEGORY/NAME writes it)");
    checkTracepointRecord(L, L.prog.section.slice('tracepoint/'.length), ty, p.type);
    return { k: 'mem', base: L.ctxV, off: 0, ty: ty as Aggregate };
  }
  if (p.type !== undefined && kind !== 'tracepoint') {
    const known = L.ts.isTypeReferenceNode(p.type) && L.ts.isIdentifier(p.type.typeName) && L.m.imports.get(p.type.typeName.text) === 'ProbeContext';
    if (!known) L.fail(p.type, `a ${kind} program's parameter is its ProbeContext (leave the type out)`);
  }
  return { k: 'ctx' };
}

/** pt_regs offsets of the argument registers and the return value register, per architecture. */
const PT_REGS: Record<string, { args: readonly number[]; rc: number }> = {
  // x86_64: di, si, dx, cx, r8, r9; ax.
  x64: { args: [112, 104, 96, 88, 72, 64], rc: 80 },
  // arm64: regs[0..7]; regs[0].
  arm64: { args: [0, 8, 16, 24, 32, 40, 48, 56], rc: 0 },
};

/** `ctx.arg(n)` in kprobes and uprobes, `ctx.ret()` in their return probes. */
export function probeMethod(L: Lowering, method: string, e: TS.CallExpression): Val {
  const kind = L.prog.kind;
  const probe = kind === 'kprobe' || kind === 'uprobe' || kind === 'kretprobe' || kind === 'uretprobe';
  if (!probe || (method !== 'arg' && method !== 'ret')) return L.fail(e.expression, `'${method}' is not a method of a ${kind} program's context (kprobes and uprobes have arg(n), their return probes ret())`);
  const regs = PT_REGS[process.arch] ?? L.fail(e, `ctx.${method}() knows the pt_regs of x86_64 and arm64, not ${process.arch}`);
  const ret = kind === 'kretprobe' || kind === 'uretprobe';
  let off: number;
  if (method === 'ret') {
    if (!ret) L.fail(e, `ret() is the return value of a kretprobe or uretprobe; this is a ${kind}`);
    off = regs.rc;
  } else {
    if (ret) L.fail(e, `arg(n) in a ${kind}: the argument registers are overwritten when the function returns (read them in the ${kind.replace('ret', '')})`);
    const a = e.arguments[0];
    const n = a === undefined ? undefined : L.expr(a);
    if (n === undefined || n.k !== 'const' || n.c < 0n || n.c >= BigInt(regs.args.length)) return L.fail(a ?? e, `arg(n) takes a constant n from 0 to ${regs.args.length - 1}`);
    off = regs.args[Number(n.c)]!;
  }
  const d = L.newV();
  L.emit({ op: 'ld', size: 8, d, base: L.ctxV, off });
  return { k: 'reg', v: d, type: U64, owned: true };
}
