// Calls of bpf-to-bpf subprograms (lower-subprogram.ts compiles their bodies): the signature a
// marked function declares, its BTF prototype, and a call with the arguments in R1–R5.

import type TS from 'typescript';
import type { CType } from '../dsl/index.js';
import { CompileError } from './errors.js';
import { type IntType, S64 } from './int-type.js';
import { intLType } from './layout.js';
import type { Lowering } from './lower.js';
import { intTypeOf, locOf, type ModuleInfo, type SubprogramDecl } from './module.js';
import type { Val } from './values.js';

/** Arguments a bpf-to-bpf call passes (R1–R5). */
export const MAX_SUBPROGRAM_ARGS = 5;

export interface SubprogramSignature {
  readonly params: readonly { readonly name: string; readonly type: IntType; readonly node: TS.ParameterDeclaration }[];
  /** undefined: void (R0 is 0 at exit, as the verifier wants it set). */
  readonly returns: IntType | undefined;
}

/** A subprogram's parameters and result: integers, written out (tsc's inference is not read). */
export function signatureOf(m: ModuleInfo, s: SubprogramDecl): SubprogramSignature {
  const ts = m.ts;
  const fail = (n: TS.Node, msg: string): never => { throw new CompileError(msg, locOf(ts, m.sf, m.file, n)); };
  if (s.fn.parameters.length > MAX_SUBPROGRAM_ARGS) fail(s.fn.parameters[MAX_SUBPROGRAM_ARGS]!, `a subprogram takes at most ${MAX_SUBPROGRAM_ARGS} arguments (R1–R5)`);
  if (s.fn.asteriskToken !== undefined || s.fn.modifiers?.some((x) => x.kind === ts.SyntaxKind.AsyncKeyword) === true) fail(s.fn, 'a subprogram is a plain function (not async, not a generator)');
  const params = s.fn.parameters.map((p) => {
    if (!ts.isIdentifier(p.name) || p.dotDotDotToken !== undefined || p.initializer !== undefined || p.questionToken !== undefined) fail(p, "a subprogram's parameter is a plain name with a type");
    const type = intTypeOf(ts, m.imports, p.type) ?? fail(p.type ?? p, `a subprogram's parameter is an integer type (u8 … u64, s8 … s64, bool); maps, structs and pointers go through inlined functions (a plain module function)`);
    return { name: (p.name as TS.Identifier).text, type, node: p };
  });
  const rt = s.fn.type;
  const returns = rt === undefined || rt.kind === ts.SyntaxKind.VoidKeyword ? undefined
    : intTypeOf(ts, m.imports, rt) ?? fail(rt, 'a subprogram returns an integer type (u8 … u64, s8 … s64, bool) or void');
  return { params, returns };
}

/** The C types of a subprogram's BTF prototype (void is `int`: a global function must return a scalar). */
export function btfSignature(sig: SubprogramSignature): { params: { name: string; type: CType }[]; returns: CType } {
  return {
    params: sig.params.map((p) => ({ name: p.name, type: intLType(p.type).ctype })),
    returns: intLType(sig.returns ?? INT32).ctype,
  };
}
const INT32: IntType = { name: 's32', bits: 32, signed: true };

/** A call of a subprogram: its arguments in their parameters' types, then the call; the result in R0. */
export function callSubprogram(L: Lowering, s: SubprogramDecl, e: TS.CallExpression, discard: boolean): Val {
  const sig = signatureOf(L.m, s);
  if (e.arguments.length !== sig.params.length) L.fail(e, `${s.name} takes ${sig.params.length} argument${sig.params.length === 1 ? '' : 's'}`);
  const args = sig.params.map((p, i) => {
    const a = e.arguments[i]!;
    return L.operand(L.convert(L.intVal(L.expr(a), a), p.type, a));
  });
  const d = sig.returns === undefined || discard ? undefined : L.newV();
  L.emit({ op: 'call', helper: -1, fn: s.name, args, ...(d === undefined ? {} : { d }) });
  return d === undefined ? { k: 'const', type: S64, c: 0n } : { k: 'reg', v: d, type: sig.returns!, owned: true };
}

