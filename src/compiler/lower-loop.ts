// loop(n, body): bpf_loop(n, &body, NULL, 0), with body a static subprogram of the module (the
// verifier checks a callback once, as a function of its own) taking the index and returning 0
// (go on) or 1 (stop). No context pointer is passed: state lives in maps and globals.

import type TS from 'typescript';
import { S64, U32 } from './int-type.js';
import type { Lowering } from './lower.js';
import { checkAllowed } from './lower-helper.js';
import { signatureOf } from './lower-subprogram-call.js';
import type { Val } from './values.js';

const BPF_LOOP = 181;
/** BPF_MAX_LOOPS: the most iterations bpf_loop makes (-E2BIG past it). */
const MAX_LOOPS = 1 << 23;

export function loopCall(L: Lowering, name: string, e: TS.CallExpression): Val | undefined {
  if (name !== 'loop') return undefined;
  checkAllowed(L, name, 'bpf_loop', e);
  const [n, body] = e.arguments;
  if (n === undefined || body === undefined || e.arguments.length !== 2) return L.fail(e, 'loop takes the number of iterations and the body: loop(n, step)');
  const count = L.convert(L.intVal(L.expr(n), n), U32, n);
  if (count.k === 'const' && count.c > BigInt(MAX_LOOPS)) L.fail(n, `bpf_loop makes at most ${MAX_LOOPS} iterations (1 << 23); it fails with -E2BIG past that`);
  const ts = L.ts;
  const sub = ts.isIdentifier(body) && L.lookupName(body.text) === undefined ? L.m.subprograms.get(body.text) : undefined;
  if (sub === undefined) return L.fail(body, 'the loop body is a subprogram of the module: const step = subprogram((i: u32): u32 => 0)');
  if (sub.linkage !== 'static') L.fail(body, `${sub.name} is a global function; a loop body is a static subprogram (subprogram(…))`);
  const sig = signatureOf(L.m, sub);
  if (sig.params.length > 1) L.fail(sub.fn.parameters[1]!, `a loop body takes the index only (${sub.name} takes ${sig.params.length} parameters)`);
  if (sig.returns === undefined) L.fail(sub.fn, `a loop body returns 0 (go on) or 1 (stop); ${sub.name} returns nothing`);
  for (const r of returnedValues(ts, sub.fn)) {
    let x = r;
    while (ts.isParenthesizedExpression(x)) x = x.expression;
    if (!(ts.isNumericLiteral(x) && (x.text === '0' || x.text === '1'))) L.fail(r, `a loop body returns 0 (go on) or 1 (stop) as a literal: the verifier refuses any other value`);
  }
  const f = L.newV();
  L.emit({ op: 'ldfunc', d: f, fn: sub.name });
  const d = L.newV();
  L.emit({ op: 'call', helper: BPF_LOOP, args: [L.operand(count), { reg: f }, { imm: 0n }, { imm: 0n }], d });
  return { k: 'reg', v: d, type: S64, owned: true };
}

/** The expressions a function returns (its own return statements, or an expression body). */
export function returnedValues(ts: typeof TS, fn: TS.ArrowFunction | TS.FunctionExpression): TS.Expression[] {
  if (!ts.isBlock(fn.body)) return [fn.body];
  const out: TS.Expression[] = [];
  const visit = (n: TS.Node): void => {
    if (ts.isFunctionLike(n)) return;
    if (ts.isReturnStatement(n) && n.expression !== undefined) out.push(n.expression);
    ts.forEachChild(n, visit);
  };
  fn.body.statements.forEach(visit);
  return out;
}
