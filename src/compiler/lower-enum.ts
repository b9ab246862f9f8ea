// Kernel enum values through CO-RE: `enumValue<bpf_map_type>('BPF_MAP_TYPE_RINGBUF')` is
// bpf_core_enum_value (an ENUMVAL_VALUE relocation: the loader puts the running kernel's value in
// the instruction), `enumValueExists<…>(…)` bpf_core_enum_value_exists (ENUMVAL_EXISTS). The enum
// is the interface `tsbpf btf gen-ts --lang --type NAME` writes (`extends KernelEnum<'name', size>`,
// one member per enumerator in BTF order, typed as its value), rebuilt as the DSL's enum type so
// the object's local BTF has the enum clang writes for vmlinux.h; the access string is the
// enumerator's index (coreEnumValue). Like clang, the value is an ld_imm64 (emit.ts).

import type TS from 'typescript';
import { coreEnumValue, CTypeError, type EnumType, enumType } from '../dsl/index.js';
import { CompileError } from './errors.js';
import { BOOL, S64 } from './int-type.js';
import type { TypeDeclaration } from './layout.js';
import type { Lowering } from './lower.js';
import type { Val } from './values.js';

/** The BTF is the object's, added at emit (compile.ts): nothing is added while lowering. */
const NO_BTF = { add: () => 0, string: () => 0 } as unknown as Parameters<typeof coreEnumValue>[0];
/** One descriptor per declaration: the object's BTF adds a descriptor once. */
const built = new WeakMap<TS.InterfaceDeclaration, EnumType>();

/** enumValue / enumValueExists, or undefined for another name. */
export function enumCall(L: Lowering, name: string, e: TS.CallExpression): Val | undefined {
  if (name !== 'enumValue' && name !== 'enumValueExists') return undefined;
  const ts = L.ts;
  const kind = name === 'enumValue' ? 'enumval_value' : 'enumval_exists';
  const t = e.typeArguments?.[0];
  const ty = kernelEnumOf(L, t) ?? L.fail(t ?? e, `${name} takes a kernel enum type argument (${name}<bpf_map_type>('NAME'), from tsbpf btf gen-ts --lang --type bpf_map_type)`);
  const a = e.arguments[0];
  if (a === undefined || e.arguments.length > 1 || !ts.isStringLiteral(a)) return L.fail(a ?? e, `${name} takes an enumerator's name as a string literal`);
  let r: ReturnType<typeof coreEnumValue>;
  try {
    r = coreEnumValue(NO_BTF, kind, ty, a.text);
  } catch (err) {
    if (err instanceof CTypeError) return L.fail(a, err.message);
    throw err;
  }
  const d = L.newV();
  L.emit({ op: 'mov', d, s: { imm: BigInt(r.value) }, core: { root: ty, access: r.accessString, kind } });
  return { k: 'reg', v: d, type: kind === 'enumval_value' ? S64 : BOOL, owned: true };
}

/** The kernel enum a type node names (an interface extending KernelEnum<'name', size>), or undefined. */
function kernelEnumOf(L: Lowering, node: TS.TypeNode | undefined): EnumType | undefined {
  const ts = L.ts;
  if (node === undefined || !ts.isTypeReferenceNode(node) || !ts.isIdentifier(node.typeName)) return undefined;
  const decl = L.m.layouts.declarations.get(node.typeName.text);
  if (decl === undefined || !ts.isInterfaceDeclaration(decl.node)) return undefined;
  const known = built.get(decl.node);
  if (known !== undefined) return known;
  const ty = build(ts, decl.node, decl);
  if (ty !== undefined) built.set(decl.node, ty);
  return ty;
}

function build(ts: typeof TS, d: TS.InterfaceDeclaration, scope: TypeDeclaration): EnumType | undefined {
  const fail = (n: TS.Node, msg: string): never => { throw new CompileError(msg, scope.at(n)); };
  const base = d.heritageClauses?.flatMap((h) => h.types).find((b) => ts.isIdentifier(b.expression) && scope.imports.get(b.expression.text) === 'KernelEnum');
  if (base === undefined) return undefined;
  const [n, s] = base.typeArguments ?? [];
  const name = n !== undefined && ts.isLiteralTypeNode(n) && ts.isStringLiteral(n.literal) ? n.literal.text : undefined;
  const size = s !== undefined && ts.isLiteralTypeNode(s) && ts.isNumericLiteral(s.literal) ? Number(s.literal.text) : undefined;
  if (name === undefined || (size !== 1 && size !== 2 && size !== 4 && size !== 8)) return fail(base, "KernelEnum<'name', size> takes a string literal and a size of 1, 2, 4 or 8");
  const values: Record<string, bigint> = {};
  for (const m of d.members) {
    const t = ts.isPropertySignature(m) ? m.type : undefined;
    const v = t !== undefined && ts.isLiteralTypeNode(t) ? literal(ts, t.literal) : undefined;
    if (v === undefined || !(ts.isIdentifier(m.name!) || ts.isStringLiteral(m.name!))) return fail(m, `kernel enum ${d.name.text}: a member is an enumerator typed as its value (NAME: 1)`);
    values[(m.name as TS.Identifier | TS.StringLiteral).text] = v;
  }
  try {
    return enumType(name, values, size);
  } catch (err) {
    if (err instanceof CTypeError) return fail(d, `kernel enum ${d.name.text}: ${err.message}`);
    throw err;
  }
}

function literal(ts: typeof TS, l: TS.LiteralTypeNode['literal']): bigint | undefined {
  if (ts.isNumericLiteral(l)) return BigInt(l.text);
  if (ts.isBigIntLiteral(l)) return BigInt(l.text.slice(0, -1));
  if (ts.isPrefixUnaryExpression(l) && l.operator === ts.SyntaxKind.MinusToken) {
    const v = ts.isNumericLiteral(l.operand) ? BigInt(l.operand.text) : ts.isBigIntLiteral(l.operand) ? BigInt(l.operand.text.slice(0, -1)) : undefined;
    return v === undefined ? undefined : -v;
  }
  return undefined;
}
