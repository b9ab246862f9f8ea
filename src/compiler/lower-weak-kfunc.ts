// Weak kfuncs: `/** @weak */ declare function f(…): …;` is C's `extern … f(…) __ksym __weak`: the
// loader resolves a kfunc the running kernel lacks to 0 instead of failing the load, and
// `ksymExists(f)` (bpf_ksym_exists) says which it is — an ld_imm64 of the kfunc's address, 0 when
// it is missing, so that the verifier drops the branch that calls it as dead code. ksymExists of
// a kfunc that is not @weak is an error (C's bpf_ksym_exists refuses it too: a missing strong
// kfunc fails the load, so the test would always be true). A call of a weak kfunc must be under
// its ksymExists test (`if (ksymExists(f))`, `ksymExists(f) && …`, `ksymExists(f) ? … : …`, or after
// `if (!ksymExists(f)) return …;`), at its line or around the calls of the module functions it is
// inlined into: on a kernel without it the verifier refuses a call it cannot drop.

import type TS from 'typescript';
import { BOOL, U64 } from './int-type.js';
import type { VReg } from './ir.js';
import type { Lowering } from './lower.js';
import type { Val } from './values.js';

/** True when a kfunc declaration carries the JSDoc tag `@weak`. */
export function isWeakDeclaration(ts: typeof TS, d: TS.FunctionDeclaration): boolean {
  return ts.getJSDocTags(d).some((t) => t.tagName.text === 'weak');
}

/** The kfunc named by `ksymExists(f)`'s argument, checked (undefined when `e` is not a ksymExists call). */
function existsTarget(L: Lowering, e: TS.Expression): string | undefined {
  const ts = L.ts;
  if (!ts.isCallExpression(e) || !ts.isIdentifier(e.expression) || L.lookupName(e.expression.text) !== undefined) return undefined;
  if (L.m.imports.get(e.expression.text) !== 'ksymExists') return undefined;
  const a = e.arguments[0];
  if (a === undefined || e.arguments.length !== 1 || !ts.isIdentifier(a)) return L.fail(a ?? e, 'ksymExists takes the name of a kfunc the module declares (declare function f(…): …)');
  const d = L.m.sf.statements.find((s): s is TS.FunctionDeclaration => ts.isFunctionDeclaration(s) && s.body === undefined && s.name?.text === a.text);
  if (d === undefined) return L.fail(a, `'${a.text}' is not a kfunc of the module (declare function ${a.text}(…): …)`);
  if (!isWeakDeclaration(ts, d)) L.fail(a, `kfunc ${a.text} is not weak: a kernel without it fails the load, so ksymExists would always be true (mark its declaration /** @weak */)`);
  return a.text;
}

function address(L: Lowering, kfunc: string): VReg {
  const d = L.newV();
  L.emit({ op: 'ldkfunc', d, kfunc });
  return d;
}

/** `if (ksymExists(f))`: a jump on the address itself (clang's `if (bpf_ksym_exists(f))`); false when `e` is something else. */
export function ksymExistsBranch(L: Lowering, e: TS.Expression, when: boolean, target: string): boolean {
  const k = existsTarget(L, e);
  if (k === undefined) return false;
  L.emit({ op: 'br', cmp: when ? 'jne' : 'jeq', w: 64, a: address(L, k), b: { imm: 0n }, target });
  return true;
}

/** `ksymExists(f)` as a value: a bool (the address is never a value of its own: the verifier would see a pointer leak). */
export function ksymExistsValue(L: Lowering, e: TS.CallExpression): Val | undefined {
  const k = existsTarget(L, e);
  if (k === undefined) return undefined;
  return L.convert({ k: 'reg', v: address(L, k), type: U64, owned: true }, BOOL, e);
}

/** What a guard looks for: the kfunc, and the module's names for ksymExists. */
interface Guard { readonly ts: typeof TS; readonly kfunc: string; readonly exists: ReadonlySet<string> }

/** Whether `e` is `ksymExists(kfunc)`, or (when `negated`) `!ksymExists(kfunc)`; parentheses ignored. */
function isExistsTest(g: Guard, e: TS.Expression, negated: boolean): boolean {
  const ts = g.ts;
  while (ts.isParenthesizedExpression(e)) e = e.expression;
  if (negated) return ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.ExclamationToken && isExistsTest(g, e.operand, false);
  return ts.isCallExpression(e) && ts.isIdentifier(e.expression) && g.exists.has(e.expression.text) && e.arguments.length === 1
    && ts.isIdentifier(e.arguments[0]!) && e.arguments[0].text === g.kfunc;
}

/** Whether the condition holds only when ksymExists(kfunc) does: the test itself, or a conjunct of `&&`. */
function implies(g: Guard, cond: TS.Expression): boolean {
  const ts = g.ts;
  while (ts.isParenthesizedExpression(cond)) cond = cond.expression;
  if (ts.isBinaryExpression(cond) && cond.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken) return implies(g, cond.left) || implies(g, cond.right);
  return isExistsTest(g, cond, false);
}

/** A statement that never falls through: a return, or a block whose last statement is one. */
function exits(ts: typeof TS, s: TS.Statement): boolean {
  if (ts.isReturnStatement(s)) return true;
  return ts.isBlock(s) && s.statements.length > 0 && exits(ts, s.statements[s.statements.length - 1]!);
}

/** Whether `node` runs only where ksymExists(kfunc) is true, looking outward to its function. */
function guardedWithin(g: Guard, node: TS.Node): boolean {
  const ts = g.ts;
  for (let n = node, p = n.parent; p !== undefined && !ts.isFunctionLike(n); n = p, p = p.parent) {
    if (ts.isIfStatement(p) && p.thenStatement === n && implies(g, p.expression)) return true;
    if (ts.isConditionalExpression(p) && p.whenTrue === n && implies(g, p.condition)) return true;
    if (ts.isBinaryExpression(p) && p.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken && p.right === n && implies(g, p.left)) return true;
    if (ts.isBlock(p)) {
      const before = p.statements.slice(0, p.statements.indexOf(n as TS.Statement));
      if (before.some((s) => ts.isIfStatement(s) && s.elseStatement === undefined && isExistsTest(g, s.expression, true) && exits(ts, s.thenStatement))) return true;
    }
  }
  return false;
}

/** A call of a weak kfunc not under its ksymExists test (here or around the inlined calls that lead to it): an error at the call. */
export function checkWeakCallGuarded(L: Lowering, kfunc: string, e: TS.CallExpression): void {
  const g: Guard = { ts: L.ts, kfunc, exists: new Set([...L.m.imports].filter(([, lang]) => lang === 'ksymExists').map(([local]) => local)) };
  if (guardedWithin(g, e)) return;
  for (let i = L.inlines.length - 1; i >= 0; i--) if (guardedWithin(g, L.inlines[i]!.site)) return;
  L.fail(e, `${kfunc} is a weak kfunc: call it under if (ksymExists(${kfunc})) — on a kernel without it the verifier refuses a call it cannot remove`);
}
