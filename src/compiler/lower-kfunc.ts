// kfuncs: kernel functions a program module declares as `declare function NAME(…): …;` (C's
// `extern … __ksym`), called like module functions. The call is what clang emits for an extern
// kfunc (`call -1` with an R_BPF_64_32 relocation against an undefined FUNC in `.ksyms`, its
// FUNC_PROTO in the BTF); the loader resolves it to the kernel's BTF id (BPF_PSEUDO_KFUNC_CALL).
// Parameters and result are integer types or kernel structs (pointers); a result `S | null` must
// be checked before use (tsc refuses a member read before the check), `Acquired<S>` marks a
// pointer the caller owns (KF_ACQUIRE) and `Release<S>` a parameter that takes it back
// (KF_RELEASE: tsc refuses any other pointer there). An acquired pointer that no call of the
// program releases is a compile error at its acquisition; that it is released on every path is
// the verifier's check ("Unreleased reference").

import type TS from 'typescript';
import { type CType, kfunc, type KfuncRef, ptr, void_ } from '../dsl/index.js';
import { CompileError } from './errors.js';
import { type IntType, U64 } from './int-type.js';
import { type KernelComposite, kernelTypeOf } from './kernel-types.js';
import { intLType } from './layout.js';
import type { Lowering } from './lower.js';
import { kernelAddress } from './lower-core.js';
import { intTypeOf, locOf, type ModuleInfo } from './module.js';
import type { VReg } from './ir.js';
import type { Val } from './values.js';
import { checkWeakCallGuarded, isWeakDeclaration } from './lower-weak-kfunc.js';

type Slot = { readonly int: IntType } | { readonly struct: KernelComposite; readonly acquired: boolean; readonly release: boolean; readonly nullable: boolean };
interface KfuncDecl { readonly name: string; readonly params: readonly Slot[]; readonly ret: Slot | undefined; readonly ref: KfuncRef }

const declared = new WeakMap<TS.FunctionDeclaration, KfuncDecl>();
/** Per program: acquired results not seen released yet. */
const acquired = new WeakMap<Lowering, Map<VReg, { node: TS.Node; by: string }>>();

/** The module's `declare function NAME` of that name (a kfunc), if any. */
function declaration(m: ModuleInfo, name: string): TS.FunctionDeclaration | undefined {
  const ts = m.ts;
  return m.sf.statements.find((s): s is TS.FunctionDeclaration => ts.isFunctionDeclaration(s) && s.body === undefined && s.name?.text === name
    && s.modifiers?.some((x) => x.kind === ts.SyntaxKind.DeclareKeyword) === true);
}

/** A `declare function` of a program module is a kfunc declaration (module.ts leaves these to this file). */
export function isKfuncDeclaration(ts: typeof TS, st: TS.Statement): boolean {
  return ts.isFunctionDeclaration(st) && st.body === undefined && st.modifiers?.some((x) => x.kind === ts.SyntaxKind.DeclareKeyword) === true;
}

/** A call of a declared kfunc, or undefined when `name` is not one. */
export function kfuncCall(L: Lowering, name: string, e: TS.CallExpression): Val | undefined {
  const d = declaration(L.m, name);
  if (d === undefined) return undefined;
  const k = kfuncOf(L.m, d);
  if (k.ref.weak === true) checkWeakCallGuarded(L, name, e);
  if (e.arguments.length !== k.params.length) L.fail(e, `${name} takes ${k.params.length} argument${k.params.length === 1 ? '' : 's'}`);
  const args = e.arguments.map((a, i) => {
    const p = k.params[i]!;
    const v = L.expr(a);
    if ('int' in p) return L.operand(L.convert(L.intVal(v, a), p.int, a));
    if (v.k !== 'kernel') return L.fail(a, `argument ${i + 1} of ${name} is a kernel struct pointer (struct ${p.struct.name})`);
    const r = kernelAddress(L, v, a);
    if (p.release) acquired.get(L)?.delete(r.v);
    return { reg: r.v };
  });
  const d0 = L.newV();
  L.emit({ op: 'call', helper: 0, kfunc: name, args, d: d0 });
  const r = k.ret;
  if (r === undefined) return { k: 'const', type: U64, c: 0n };
  if ('int' in r) {
    const v = L.convert({ k: 'reg', v: d0, type: U64, owned: true }, r.int, e);
    return v;
  }
  if (r.acquired) {
    let m = acquired.get(L);
    if (m === undefined) { m = new Map(); acquired.set(L, m); }
    m.set(d0, { node: e, by: name });
  }
  // A kfunc's pointer is a BTF pointer: its members are loaded directly.
  return { k: 'kernel', base: d0, root: r.struct, path: [], ty: r.struct, direct: true };
}

/** At the end of a program: an acquired pointer no call released is an error at its acquisition. */
export function checkReleased(L: Lowering): void {
  for (const { node, by } of acquired.get(L)?.values() ?? []) {
    L.fail(node, `the pointer ${by} acquires is never released: pass it to its release kfunc (a Release<…> parameter, such as bpf_task_release) on every path`);
  }
}

/** The DSL's kfunc reference of a declared kfunc (for the object's extern). */
export function kfuncRef(m: ModuleInfo, name: string): KfuncRef {
  const d = declaration(m, name);
  if (d === undefined) throw new Error(`internal: kfunc ${name} has no declaration`);
  return kfuncOf(m, d).ref;
}

function kfuncOf(m: ModuleInfo, d: TS.FunctionDeclaration): KfuncDecl {
  const known = declared.get(d);
  if (known !== undefined) return known;
  const ts = m.ts;
  const fail = (n: TS.Node, msg: string): never => { throw new CompileError(msg, locOf(ts, m.sf, m.file, n)); };
  const name = d.name!.text;
  if (d.parameters.length > 5) fail(d.parameters[5]!, `kfunc ${name}: at most 5 parameters`);
  const params = d.parameters.map((p) => slot(m, p.type, p, false) ?? fail(p, `kfunc ${name}: a parameter is an integer type or a kernel struct`));
  const ret = d.type === undefined || d.type.kind === ts.SyntaxKind.VoidKeyword ? undefined : slot(m, d.type, d, true) ?? fail(d.type, `kfunc ${name} returns void, an integer type or a kernel struct (S | null when it may return NULL)`);
  const ctype = (s: Slot): CType => ('int' in s ? intLType(s.int).ctype : ptr(s.struct));
  const ref = kfunc(name, { params: params.map(ctype), returns: ret === undefined ? void_ : ctype(ret) }, { weak: isWeakDeclaration(ts, d) });
  const k = { name, params, ret, ref };
  declared.set(d, k);
  return k;
}

/** A parameter's or result's type: an integer, or a kernel struct possibly Acquired/Release and (a result) `| null`. */
function slot(m: ModuleInfo, node: TS.TypeNode | undefined, where: TS.Node, result: boolean): Slot | undefined {
  const ts = m.ts;
  if (node === undefined) return undefined;
  const int = intTypeOf(ts, m.imports, node);
  if (int !== undefined) return { int };
  let n = node;
  let nullable = false;
  if (ts.isUnionTypeNode(n)) {
    const rest = n.types.filter((t) => !(ts.isLiteralTypeNode(t) && t.literal.kind === ts.SyntaxKind.NullKeyword));
    if (rest.length !== 1 || !result) return undefined;
    nullable = true;
    n = rest[0]!;
  }
  let acquiredType = false, release = false;
  if (ts.isTypeReferenceNode(n) && ts.isIdentifier(n.typeName)) {
    const lang = m.imports.get(n.typeName.text);
    if (lang === 'Acquired' || lang === 'Release') {
      acquiredType = lang === 'Acquired';
      release = lang === 'Release';
      if (release && result) throw new CompileError('Release<S> is a parameter type (the kfunc takes the pointer back)', locOf(ts, m.sf, m.file, n));
      n = n.typeArguments?.[0] ?? n;
    }
  }
  const struct = kernelTypeOf(m, n);
  if (struct === undefined) return undefined;
  void where;
  return { struct, acquired: acquiredType, release, nullable };
}
