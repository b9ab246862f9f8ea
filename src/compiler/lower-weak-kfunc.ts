// Weak kfuncs: `/** @weak */ declare function f(…): …;` is C's `extern … f(…) __ksym __weak`: the
// loader resolves a kfunc the running kernel lacks to 0 instead of failing the load, and
// `ksymExists(f)` (bpf_ksym_exists) says which it is — an ld_imm64 of the kfunc's address, 0 when
// it is missing, so that the verifier drops the branch that calls it as dead code. ksymExists of
// a kfunc that is not @weak is an error (C's bpf_ksym_exists refuses it too: a missing strong
// kfunc fails the load, so the test would always be true).

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
