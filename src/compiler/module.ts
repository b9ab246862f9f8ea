// The module level of a program: which names come from tsbpf/lang, the maps, programs, module
// constants and functions it declares, and the license. Anything else at the top level is a
// compile error at its line.

import type TS from 'typescript';
import type { SourceLocation } from '../dsl/index.js';
import { CompileError } from './errors.js';
import { INT_TYPES, type IntType } from './int-type.js';

/** Module specifiers whose names are the language's. */
export function isLangSpecifier(spec: string): boolean {
  return spec === 'tsbpf/lang' || /(^|\/)src\/compiler\/lang(\.js|\.ts)?$/.test(spec);
}

export type MapKindName = 'hashMap' | 'lruHashMap' | 'perCpuHashMap' | 'arrayMap' | 'perCpuArrayMap' | 'ringBuf';
export const MAP_CONSTRUCTORS: ReadonlySet<string> = new Set<MapKindName>(['hashMap', 'lruHashMap', 'perCpuHashMap', 'arrayMap', 'perCpuArrayMap', 'ringBuf']);

export interface MapDecl {
  readonly name: string;
  readonly kind: MapKindName;
  readonly key?: IntType;
  readonly value?: IntType;
  readonly maxEntries: number;
  readonly loc: SourceLocation;
}

export type ProgramKind = 'xdp' | 'socketFilter' | 'tc' | 'tracepoint' | 'kprobe' | 'kretprobe' | 'uprobe' | 'uretprobe';
export const PROGRAM_CONSTRUCTORS: ReadonlySet<string> = new Set<ProgramKind>(['xdp', 'socketFilter', 'tc', 'tracepoint', 'kprobe', 'kretprobe', 'uprobe', 'uretprobe']);

export interface ProgramDecl {
  readonly name: string;
  readonly kind: ProgramKind;
  readonly section: string;
  readonly body: TS.ArrowFunction | TS.FunctionExpression;
  readonly loc: SourceLocation;
}

export interface ModuleInfo {
  readonly ts: typeof TS;
  readonly sf: TS.SourceFile;
  readonly file: string;
  /** Local name → the language's exported name. */
  readonly imports: ReadonlyMap<string, string>;
  readonly maps: ReadonlyMap<string, MapDecl>;
  readonly programs: readonly ProgramDecl[];
  /** Module-level integer constants (`const LIMIT = 100`), folded where used. */
  readonly constants: ReadonlyMap<string, TS.Expression>;
  readonly functions: ReadonlyMap<string, TS.FunctionDeclaration>;
  readonly license: string;
}

export function locOf(ts: typeof TS, sf: TS.SourceFile, file: string, node: TS.Node): SourceLocation {
  const p = sf.getLineAndCharacterOfPosition(node.getStart(sf));
  return { file, line: p.line + 1, column: p.character + 1 };
}

/** The language's integer type a type node names (u8 … s64, bool, number = s64), or undefined. */
export function intTypeOf(ts: typeof TS, imports: ReadonlyMap<string, string>, node: TS.TypeNode | undefined): IntType | undefined {
  if (node === undefined) return undefined;
  if (node.kind === ts.SyntaxKind.NumberKeyword) return INT_TYPES.s64;
  if (node.kind === ts.SyntaxKind.BooleanKeyword) return { ...INT_TYPES.u8!, name: 'bool', bool: true };
  if (ts.isTypeReferenceNode(node) && ts.isIdentifier(node.typeName) && node.typeArguments === undefined) {
    const name = imports.get(node.typeName.text);
    if (name === 'bool') return { ...INT_TYPES.u8!, name: 'bool', bool: true };
    if (name !== undefined) return INT_TYPES[name];
  }
  return undefined;
}

const SECTION: Record<ProgramKind, (arg: string) => string> = {
  xdp: () => 'xdp', socketFilter: () => 'socket', tc: () => 'tc',
  tracepoint: (a) => `tracepoint/${a}`, kprobe: (a) => `kprobe/${a}`, kretprobe: (a) => `kretprobe/${a}`,
  uprobe: (a) => `uprobe/${a}`, uretprobe: (a) => `uretprobe/${a}`,
};

export function readModule(ts: typeof TS, sf: TS.SourceFile, file: string): ModuleInfo {
  const at = (n: TS.Node): SourceLocation => locOf(ts, sf, file, n);
  const fail = (n: TS.Node, msg: string): never => { throw new CompileError(msg, at(n)); };
  const imports = new Map<string, string>();
  const maps = new Map<string, MapDecl>();
  const programs: ProgramDecl[] = [];
  const constants = new Map<string, TS.Expression>();
  const functions = new Map<string, TS.FunctionDeclaration>();
  let license = 'GPL';

  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st)) {
      const spec = (st.moduleSpecifier as TS.StringLiteral).text;
      if (!isLangSpecifier(spec)) fail(st, `imports from '${spec}': a program module imports only from 'tsbpf/lang'`);
      const named = st.importClause?.namedBindings;
      if (named === undefined || !ts.isNamedImports(named)) fail(st, "import the language's names by name: import { xdp, u32 } from 'tsbpf/lang'");
      for (const el of (named as TS.NamedImports).elements) imports.set(el.name.text, (el.propertyName ?? el.name).text);
      continue;
    }
    if (ts.isTypeAliasDeclaration(st) || ts.isInterfaceDeclaration(st)) continue;
    if (ts.isFunctionDeclaration(st)) {
      if (st.name === undefined || st.body === undefined) fail(st, 'a module function needs a name and a body');
      functions.set(st.name!.text, st);
      continue;
    }
    if (ts.isVariableStatement(st)) {
      const exported = st.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword) === true;
      if ((st.declarationList.flags & ts.NodeFlags.Const) === 0) fail(st, 'module-level variables are not supported yet: use const');
      for (const d of st.declarationList.declarations) {
        if (!ts.isIdentifier(d.name) || d.initializer === undefined) fail(d, 'a module constant needs a name and a value');
        const name = (d.name as TS.Identifier).text;
        const init = d.initializer!;
        if (name === 'license') {
          if (!ts.isStringLiteral(init)) fail(init, 'license must be a string literal');
          license = (init as TS.StringLiteral).text;
          continue;
        }
        const callee = ts.isCallExpression(init) && ts.isIdentifier(init.expression) ? imports.get(init.expression.text) : undefined;
        if (callee !== undefined && MAP_CONSTRUCTORS.has(callee)) {
          if (!exported) fail(d, `map '${name}' must be exported (user space finds it by name)`);
          maps.set(name, readMap(init as TS.CallExpression, name, callee as MapKindName));
        } else if (callee !== undefined && PROGRAM_CONSTRUCTORS.has(callee)) {
          if (!exported) fail(d, `program '${name}' must be exported`);
          programs.push(readProgram(init as TS.CallExpression, name, callee as ProgramKind));
        } else {
          constants.set(name, init);
        }
      }
      continue;
    }
    fail(st, `${ts.SyntaxKind[st.kind]} is not supported at the top level of a program module`);
  }
  if (programs.length === 0) throw new CompileError("the module exports no program (export const prog = xdp((pkt) => { … }))", at(sf));
  return { ts, sf, file, imports, maps, programs, constants, functions, license };

  function readMap(call: TS.CallExpression, name: string, kind: MapKindName): MapDecl {
    const targs = call.typeArguments ?? ts.factory.createNodeArray();
    const needs = kind === 'ringBuf' ? 0 : kind === 'arrayMap' || kind === 'perCpuArrayMap' ? 1 : 2;
    if (targs.length !== needs) fail(call, `${kind} takes ${needs} type argument${needs === 1 ? '' : 's'} (${needs === 2 ? 'key and value types' : needs === 1 ? 'the value type' : 'none'})`);
    const ty = (n: TS.TypeNode): IntType => intTypeOf(ts, imports, n) ?? fail(n, 'map keys and values are integer types (u8 … u64, s8 … s64)');
    const opts = call.arguments[0];
    if (opts === undefined || !ts.isObjectLiteralExpression(opts)) return fail(call, `${kind} takes { maxEntries: N }`);
    let maxEntries: number | undefined;
    for (const p of opts.properties) {
      if (!ts.isPropertyAssignment(p) || !ts.isIdentifier(p.name) || p.name.text !== 'maxEntries' || !ts.isNumericLiteral(p.initializer)) fail(p, 'the only map option is maxEntries: a number literal');
      maxEntries = Number((p as TS.PropertyAssignment & { initializer: TS.NumericLiteral }).initializer.text.replace(/_/g, ''));
    }
    if (maxEntries === undefined || !Number.isInteger(maxEntries) || maxEntries <= 0) fail(opts, 'maxEntries must be a positive integer');
    const key = needs === 2 ? ty(targs[0]!) : needs === 1 ? INT_TYPES.u32 : undefined;
    const value = needs === 2 ? ty(targs[1]!) : needs === 1 ? ty(targs[0]!) : undefined;
    return { name, kind, ...(key === undefined ? {} : { key }), ...(value === undefined ? {} : { value }), maxEntries: maxEntries!, loc: at(call) };
  }

  function readProgram(call: TS.CallExpression, name: string, kind: ProgramKind): ProgramDecl {
    const args = call.arguments;
    const takesTarget = kind !== 'xdp' && kind !== 'socketFilter' && kind !== 'tc';
    const body = args[takesTarget ? 1 : 0];
    let target = '';
    if (takesTarget) {
      const t = args[0];
      if (t === undefined || !ts.isStringLiteral(t)) return fail(call, `${kind} takes the attach point as a string literal first`);
      target = t.text;
      if (kind === 'tracepoint' && !/^[A-Za-z0-9_]+\/[A-Za-z0-9_]+$/.test(target)) fail(t, `tracepoint '${target}' is not CATEGORY/NAME`);
    }
    if (body === undefined || !(ts.isArrowFunction(body) || ts.isFunctionExpression(body))) return fail(call, `${kind} takes the program as an arrow function`);
    return { name, kind, section: SECTION[kind](target), body, loc: at(call) };
  }
}
