// The module level of a program: which names come from tsbpf/lang, the maps, programs, module
// constants and functions it declares, and the license. Anything else at the top level is a
// compile error at its line.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import type TS from 'typescript';
import type { SourceLocation } from '../dsl/index.js';
import { CompileError } from './errors.js';
import { INT_TYPES, type IntType, parseInteger, wrap } from './int-type.js';
import { intLType, Layouts, type LType, type TypeDeclaration } from './layout.js';
import { rawTracepointArgs } from './lower-program-kinds.js';
import { EXTRA_MAP_CONSTRUCTORS, type ExtraMapKind, type ProgSlot, readExtraMap } from './queue-and-prog-maps.js';
import { OBJECT_MAP_CONSTRUCTORS, type ObjectMapKind, readObjectMap } from './object-maps.js';
import { readStorageMap, STORAGE_MAP_CONSTRUCTORS, type StorageMapKind } from './lower-storage.js';
import { isKfuncDeclaration } from './lower-kfunc.js';
import { MAP_OF_MAPS_CONSTRUCTORS, type MapOfMapsKind, readMapOfMaps } from './maps-of-maps.js';
import type { VReg } from './ir.js';
import { SOCK_ADDR_HOOKS } from './lower-sock-addr.js';

/** Module specifiers whose names are the language's. */
export function isLangSpecifier(spec: string): boolean {
  return spec === 'tsbpf/lang' || /(^|\/)src\/compiler\/lang(\.js|\.ts)?$/.test(spec);
}

export type MapKindName = 'hashMap' | 'lruHashMap' | 'perCpuHashMap' | 'arrayMap' | 'perCpuArrayMap' | 'ringBuf' | 'perfEventArray' | ExtraMapKind | ObjectMapKind | StorageMapKind | MapOfMapsKind;
export const MAP_CONSTRUCTORS: ReadonlySet<string> = new Set<MapKindName>(['hashMap', 'lruHashMap', 'perCpuHashMap', 'arrayMap', 'perCpuArrayMap', 'ringBuf', 'perfEventArray', ...EXTRA_MAP_CONSTRUCTORS as ReadonlySet<ExtraMapKind>, ...OBJECT_MAP_CONSTRUCTORS as ReadonlySet<ObjectMapKind>, ...STORAGE_MAP_CONSTRUCTORS as ReadonlySet<StorageMapKind>, ...MAP_OF_MAPS_CONSTRUCTORS as ReadonlySet<MapOfMapsKind>]);

export interface MapDecl {
  readonly name: string;
  readonly kind: MapKindName;
  readonly key?: LType;
  readonly value?: LType;
  readonly maxEntries: number;
  readonly loc: SourceLocation;
  /** A bloom filter's number of hash functions (map_extra). */
  readonly hashes?: number;
  /** A prog array's initial slots. */
  readonly slots?: readonly ProgSlot[];
  /** A stack trace map's addresses per stack. */
  readonly depth?: number;
  /** A map of maps: its inner map's template, and the maps of its first slots (by name; null: empty). */
  readonly inner?: MapDecl;
  readonly innerSlots?: readonly (string | null)[];
  /** An inner map a map of maps' lookup gave: the register holding its address (no relocation). */
  readonly via?: VReg;
}

export type ProgramKind = 'xdp' | 'socketFilter' | 'tc' | 'tracepoint' | 'kprobe' | 'kretprobe' | 'uprobe' | 'uretprobe' | 'tpBtf' | 'structOps' | 'rawTracepoint' | 'cgroupSkb' | 'cgroupSockAddr' | 'sockOps' | 'lsm';
export const PROGRAM_CONSTRUCTORS: ReadonlySet<string> = new Set<ProgramKind>(['xdp', 'socketFilter', 'tc', 'tracepoint', 'kprobe', 'kretprobe', 'uprobe', 'uretprobe', 'tpBtf', 'rawTracepoint', 'cgroupSkb', 'cgroupSockAddr', 'sockOps', 'lsm']);

export interface ProgramDecl {
  readonly name: string;
  readonly kind: ProgramKind;
  readonly section: string;
  readonly body: TS.ArrowFunction | TS.FunctionExpression;
  readonly loc: SourceLocation;
  /** A struct_ops program: its map's struct type and the member it fills. */
  readonly slot?: { readonly type: TS.TypeNode; readonly member: string };
}

/** `structOps<T>({ member: program | value }, { link })`: a struct_ops map; its programs are in ModuleInfo.programs. */
export interface StructOpsDecl {
  readonly name: string;
  readonly type: TS.TypeNode;
  /** Member → the program's name (MAP_MEMBER). */
  readonly programs: ReadonlyMap<string, string>;
  /** Data members: integer or string literals. */
  readonly values: ReadonlyMap<string, number | string>;
  readonly link: boolean;
  readonly loc: SourceLocation;
}

/** A function the module marks as a bpf-to-bpf subprogram: `subprogram(…)` (static) or `global(…)`. */
export interface SubprogramDecl {
  readonly name: string;
  readonly linkage: 'static' | 'global';
  readonly fn: TS.ArrowFunction | TS.FunctionExpression;
  readonly loc: SourceLocation;
}
export const SUBPROGRAM_MARKERS: ReadonlyMap<string, 'static' | 'global'> = new Map([['subprogram', 'static'], ['global', 'global']]);

export interface ModuleInfo {
  readonly ts: typeof TS;
  readonly sf: TS.SourceFile;
  readonly file: string;
  /** Local name → the language's exported name. */
  readonly imports: ReadonlyMap<string, string>;
  readonly maps: ReadonlyMap<string, MapDecl>;
  readonly structOps: ReadonlyMap<string, StructOpsDecl>;
  readonly programs: readonly ProgramDecl[];
  /** Module-level integer constants (`const LIMIT = 100`), folded where used. */
  readonly constants: ReadonlyMap<string, TS.Expression>;
  readonly functions: ReadonlyMap<string, TS.FunctionDeclaration>;
  /** Functions compiled once as bpf-to-bpf subprograms (the others are inlined where called). */
  readonly subprograms: ReadonlyMap<string, SubprogramDecl>;
  readonly license: string;
  /** Structs and arrays: the module's interfaces (and those of type-only imports) laid out. */
  readonly layouts: Layouts;
  /** Global variables: module `let`s (.data/.bss) and exported constants (.rodata). */
  readonly globals: ReadonlyMap<string, GlobalVarDecl>;
}

export interface GlobalVarDecl {
  readonly name: string;
  readonly section: 'data' | 'rodata' | 'bss';
  readonly type: IntType;
  readonly init: bigint;
  readonly loc: SourceLocation;
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
    if (name === 'char') return INT_TYPES.u8;
    if (name !== undefined) return INT_TYPES[name];
  }
  return undefined;
}

const SECTION: Record<ProgramKind, (arg: string) => string> = {
  xdp: () => 'xdp', socketFilter: () => 'socket', tc: () => 'tc',
  tracepoint: (a) => `tracepoint/${a}`, kprobe: (a) => `kprobe/${a}`, kretprobe: (a) => `kretprobe/${a}`,
  uprobe: (a) => `uprobe/${a}`, uretprobe: (a) => `uretprobe/${a}`, tpBtf: (a) => `tp_btf/${a}`, lsm: (a) => `lsm/${a}`, structOps: (a) => `struct_ops/${a}`,
  rawTracepoint: (a) => `raw_tp/${a}`, cgroupSkb: (a) => `cgroup_skb/${a}`, cgroupSockAddr: (a) => `cgroup/${a}`, sockOps: () => 'sockops',
};

export function readModule(ts: typeof TS, sf: TS.SourceFile, file: string): ModuleInfo {
  const at = (n: TS.Node): SourceLocation => locOf(ts, sf, file, n);
  const fail = (n: TS.Node, msg: string): never => { throw new CompileError(msg, at(n)); };
  const imports = new Map<string, string>();
  const maps = new Map<string, MapDecl>();
  const structOps = new Map<string, StructOpsDecl>();
  const programs: ProgramDecl[] = [];
  const constants = new Map<string, TS.Expression>();
  const functions = new Map<string, TS.FunctionDeclaration>();
  const subprograms = new Map<string, SubprogramDecl>();
  const globals = new Map<string, GlobalVarDecl>();
  const declarations = new Map<string, TypeDeclaration>();
  let license = 'GPL';

  // Types first: a map or global may name an interface declared further down.
  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st)) {
      const spec = (st.moduleSpecifier as TS.StringLiteral).text;
      const named = st.importClause?.namedBindings;
      if (named === undefined || !ts.isNamedImports(named)) fail(st, "import names by name: import { xdp, u32 } from 'tsbpf/lang'");
      if (!isLangSpecifier(spec)) {
        if (!spec.startsWith('.')) fail(st, `imports from '${spec}': a program module imports from 'tsbpf/lang' and types from its own files ('./types.js')`);
        const wanted = (named as TS.NamedImports).elements.map((el) => [el.name.text, (el.propertyName ?? el.name).text] as const);
        const found = typeModule(ts, resolveTypeModule(file, spec) ?? fail(st.moduleSpecifier, `cannot find '${spec}' next to ${file}`));
        for (const [local, exported] of wanted) declarations.set(local, found.get(exported) ?? fail(st, `'${spec}' declares no interface or type ${exported}`));
        continue;
      }
      for (const el of (named as TS.NamedImports).elements) imports.set(el.name.text, (el.propertyName ?? el.name).text);
    }
  }
  const scope = { imports, at };
  for (const st of sf.statements) if (ts.isTypeAliasDeclaration(st) || ts.isInterfaceDeclaration(st)) declarations.set(st.name.text, { node: st, ...scope });
  const layouts = new Layouts(ts, scope, declarations);

  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st)) continue;
    if (ts.isTypeAliasDeclaration(st) || ts.isInterfaceDeclaration(st)) continue;
    if (isKfuncDeclaration(ts, st)) continue; // a kfunc (lower-kfunc.ts)
    if (ts.isFunctionDeclaration(st)) {
      if (st.name === undefined || st.body === undefined) fail(st, 'a module function needs a name and a body');
      functions.set(st.name!.text, st);
      continue;
    }
    if (ts.isVariableStatement(st)) {
      const exported = st.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword) === true;
      const isLet = (st.declarationList.flags & ts.NodeFlags.Let) !== 0;
      if ((st.declarationList.flags & (ts.NodeFlags.Const | ts.NodeFlags.Let)) === 0) fail(st, 'use const or let (var is not supported)');
      if (isLet) { for (const d of st.declarationList.declarations) readGlobal(d, 'let'); continue; }
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
          const reading = { ts, layout: (n: TS.TypeNode) => layouts.of(n), number: literalArithmetic, at };
          maps.set(name, EXTRA_MAP_CONSTRUCTORS.has(callee) ? readExtraMap(reading, init as TS.CallExpression, name, callee as ExtraMapKind)
            : OBJECT_MAP_CONSTRUCTORS.has(callee) ? readObjectMap(reading, init as TS.CallExpression, name, callee as ObjectMapKind)
              : STORAGE_MAP_CONSTRUCTORS.has(callee) ? readStorageMap(reading, init as TS.CallExpression, name, callee as StorageMapKind)
                : MAP_OF_MAPS_CONSTRUCTORS.has(callee) ? readMapOfMaps(reading, init as TS.CallExpression, name, callee as MapOfMapsKind, maps)
                : readMap(init as TS.CallExpression, name, callee as MapKindName));
        } else if (callee !== undefined && SUBPROGRAM_MARKERS.has(callee)) {
          const f = (init as TS.CallExpression).arguments[0];
          if (f === undefined || (init as TS.CallExpression).arguments.length !== 1 || !(ts.isArrowFunction(f) || ts.isFunctionExpression(f))) fail(init, `${callee} takes the function: ${callee}((a: u32, b: u32): u32 => …)`);
          subprograms.set(name, { name, linkage: SUBPROGRAM_MARKERS.get(callee)!, fn: f as TS.ArrowFunction | TS.FunctionExpression, loc: at(d) });
        } else if (callee === 'structOps') {
          if (!exported) fail(d, `struct_ops map '${name}' must be exported`);
          structOps.set(name, readStructOps(init as TS.CallExpression, name));
        } else if (callee !== undefined && PROGRAM_CONSTRUCTORS.has(callee)) {
          if (!exported) fail(d, `program '${name}' must be exported`);
          programs.push(readProgram(init as TS.CallExpression, name, callee as ProgramKind));
        } else if (exported) {
          readGlobal(d, 'const');
        } else {
          constants.set(name, init);
        }
      }
      continue;
    }
    fail(st, `${ts.SyntaxKind[st.kind]} is not supported at the top level of a program module`);
  }
  if (programs.length === 0) throw new CompileError("the module exports no program (export const prog = xdp((pkt) => { … }))", at(sf));
  return { ts, sf, file, imports, maps, structOps, programs, constants, functions, subprograms, license, layouts, globals };

  /** `256 * 1024`: numbers of literals and + - * << (map sizes). */
  function literalArithmetic(e: TS.Expression): number | undefined {
    if (ts.isParenthesizedExpression(e)) return literalArithmetic(e.expression);
    if (ts.isNumericLiteral(e)) { const v = parseInteger(e.getText(sf)); return v === undefined ? undefined : Number(v); }
    if (ts.isIdentifier(e)) { const c = constants.get(e.text); return c === undefined ? undefined : literalArithmetic(c); }
    if (!ts.isBinaryExpression(e)) return undefined;
    const a = literalArithmetic(e.left), b = literalArithmetic(e.right);
    if (a === undefined || b === undefined) return undefined;
    switch (e.operatorToken.kind) {
      case ts.SyntaxKind.PlusToken: return a + b;
      case ts.SyntaxKind.MinusToken: return a - b;
      case ts.SyntaxKind.AsteriskToken: return a * b;
      case ts.SyntaxKind.LessThanLessThanToken: return a * 2 ** b;
      default: return undefined;
    }
  }

  /** A module `let` (.data, or .bss when zero) or an exported `const` (.rodata, settable before load). */
  function readGlobal(d: TS.VariableDeclaration, how: 'let' | 'const'): void {
    if (!ts.isIdentifier(d.name)) fail(d, 'destructuring is not supported in eBPF programs');
    const name = (d.name as TS.Identifier).text;
    const type = d.type === undefined ? INT_TYPES.s64! : intTypeOf(ts, imports, d.type) ?? fail(d.type, 'a global variable is an integer type (u8 … u64, s8 … s64, bool)');
    let init = 0n;
    if (d.initializer !== undefined) {
      let e = d.initializer;
      let neg = false;
      if (ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.MinusToken) { neg = true; e = e.operand; }
      const text = ts.isNumericLiteral(e) ? e.getText(sf) : ts.isBigIntLiteral(e) ? e.text.slice(0, -1) : e.kind === ts.SyntaxKind.TrueKeyword ? '1' : e.kind === ts.SyntaxKind.FalseKeyword ? '0' : undefined;
      const v = text === undefined ? undefined : parseInteger(text);
      if (v === undefined) fail(d.initializer, 'a global variable starts as an integer literal');
      init = wrap(neg ? -v! : v!, type);
    } else if (how === 'const') fail(d, `exported constant '${name}' needs a value`);
    const section = how === 'const' ? 'rodata' : init === 0n ? 'bss' : 'data';
    globals.set(name, { name, section, type, init, loc: at(d) });
  }

  function readMap(call: TS.CallExpression, name: string, kind: MapKindName): MapDecl {
    const targs = call.typeArguments ?? ts.factory.createNodeArray();
    const needs = kind === 'ringBuf' || kind === 'perfEventArray' ? 0 : kind === 'arrayMap' || kind === 'perCpuArrayMap' ? 1 : 2;
    if (targs.length !== needs) fail(call, `${kind} takes ${needs} type argument${needs === 1 ? '' : 's'} (${needs === 2 ? 'key and value types' : needs === 1 ? 'the value type' : 'none'})`);
    const ty = (n: TS.TypeNode): LType => layouts.of(n) ?? fail(n, 'map keys and values are integer types (u8 … u64, s8 … s64), structs (interfaces) or Arr<T, N>');
    const opts = call.arguments[0];
    if (kind === 'perfEventArray') {
      if (opts !== undefined) fail(opts, 'perfEventArray takes no options (one entry per CPU, set by the loader)');
      return { name, kind, maxEntries: 0, loc: at(call) };
    }
    if (opts === undefined || !ts.isObjectLiteralExpression(opts)) return fail(call, `${kind} takes { maxEntries: N }`);
    let maxEntries: number | undefined;
    for (const p of opts.properties) {
      if (!ts.isPropertyAssignment(p) || !ts.isIdentifier(p.name) || p.name.text !== 'maxEntries') return fail(p, 'the only map option is maxEntries: a number (literals, module constants, + - * <<)');
      maxEntries = literalArithmetic(p.initializer) ?? fail(p.initializer, 'maxEntries is a number (literals, module constants, + - * <<)');
    }
    if (maxEntries === undefined || !Number.isInteger(maxEntries) || maxEntries <= 0) fail(opts, 'maxEntries must be a positive integer');
    const key = needs === 2 ? ty(targs[0]!) : needs === 1 ? intLType(INT_TYPES.u32!) : undefined;
    const value = needs === 2 ? ty(targs[1]!) : needs === 1 ? ty(targs[0]!) : undefined;
    return { name, kind, ...(key === undefined ? {} : { key }), ...(value === undefined ? {} : { value }), maxEntries: maxEntries!, loc: at(call) };
  }

  function readStructOps(call: TS.CallExpression, name: string): StructOpsDecl {
    const type = call.typeArguments?.[0] ?? fail(call, 'structOps takes the kernel struct as its type argument: structOps<tcp_congestion_ops>({ … })');
    const [init, opts] = call.arguments;
    if (init === undefined || !ts.isObjectLiteralExpression(init)) return fail(call, 'structOps takes an object of members: { init: (sk) => { … }, name: \'my_cc\' }');
    const progs = new Map<string, string>();
    const values = new Map<string, number | string>();
    for (const p of init.properties) {
      if (!ts.isPropertyAssignment(p) || !ts.isIdentifier(p.name)) return fail(p, 'a structOps member is name: program, integer or string');
      const member = p.name.text;
      const v = p.initializer;
      if (ts.isArrowFunction(v) || ts.isFunctionExpression(v)) {
        const prog = `${name}_${member}`;
        progs.set(member, prog);
        programs.push({ name: prog, kind: 'structOps', section: SECTION.structOps(prog), body: v, loc: at(p), slot: { type, member } });
      } else if (ts.isStringLiteral(v)) values.set(member, v.text);
      else {
        const n = literalArithmetic(v);
        if (n === undefined || !Number.isInteger(n)) return fail(v, 'a structOps data member is an integer or string literal');
        values.set(member, n);
      }
    }
    let link = false;
    if (opts !== undefined) {
      const lp = ts.isObjectLiteralExpression(opts) && opts.properties.length === 1 ? opts.properties[0] : undefined;
      if (lp === undefined || !ts.isPropertyAssignment(lp) || !ts.isIdentifier(lp.name) || lp.name.text !== 'link' || (lp.initializer.kind !== ts.SyntaxKind.TrueKeyword && lp.initializer.kind !== ts.SyntaxKind.FalseKeyword)) return fail(opts, 'the structOps option is { link: true | false }');
      link = (lp as TS.PropertyAssignment).initializer.kind === ts.SyntaxKind.TrueKeyword;
    }
    return { name, type, programs: progs, values, link, loc: at(call) };
  }

  function readProgram(call: TS.CallExpression, name: string, kind: ProgramKind): ProgramDecl {
    const args = call.arguments;
    const takesTarget = kind !== 'xdp' && kind !== 'socketFilter' && kind !== 'tc' && kind !== 'sockOps';
    const body = args[takesTarget ? 1 : 0];
    let target = '';
    if (takesTarget) {
      const t = args[0];
      if (t === undefined || !ts.isStringLiteral(t)) return fail(call, `${kind} takes the attach point as a string literal first`);
      target = t.text;
      if (kind === 'tracepoint' && !/^[A-Za-z0-9_]+\/[A-Za-z0-9_]+$/.test(target)) fail(t, `tracepoint '${target}' is not CATEGORY/NAME`);
      if (kind === 'rawTracepoint' && !/^[A-Za-z0-9_]+$/.test(target)) fail(t, `raw tracepoint '${target}' is a tracepoint's name (sys_enter, sched_switch)`);
      if (kind === 'rawTracepoint') rawTracepointArgs(target, () => at(t));
      if (kind === 'lsm' && !/^[a-z0-9_]+$/.test(target)) fail(t, `lsm '${target}' is an LSM hook's name (file_open, bprm_check_security)`);
      if (kind === 'cgroupSkb' && target !== 'ingress' && target !== 'egress') fail(t, `a cgroup_skb program attaches to 'ingress' or 'egress', not '${target}'`);
      if (kind === 'cgroupSockAddr' && !(SOCK_ADDR_HOOKS as readonly string[]).includes(target)) fail(t, `a cgroup sock_addr program attaches to ${SOCK_ADDR_HOOKS.map((h) => `'${h}'`).join(', ')}, not '${target}'`);
    }
    if (body === undefined || !(ts.isArrowFunction(body) || ts.isFunctionExpression(body))) return fail(call, `${kind} takes the program as an arrow function`);
    return { name, kind, section: SECTION[kind](target), body, loc: at(call) };
  }
}


/** The file a relative type import names (`./types.js` → ./types.ts). */
function resolveTypeModule(file: string, spec: string): string | undefined {
  const base = resolvePath(dirname(file), spec);
  return [base, base.replace(/\.js$/, '.ts'), `${base}.ts`, base.replace(/\.js$/, '.d.ts')].find((p) => p.endsWith('.ts') && existsSync(p));
}

/** The interfaces and type aliases of a type-only module (what `tsbpf gen tracepoint` writes). */
function typeModule(ts: typeof TS, path: string): Map<string, TypeDeclaration> {
  const sf = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const at = (n: TS.Node): SourceLocation => locOf(ts, sf, path, n);
  const imports = new Map<string, string>();
  const out = new Map<string, TypeDeclaration>();
  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st) && isLangSpecifier((st.moduleSpecifier as TS.StringLiteral).text) && st.importClause?.namedBindings !== undefined && ts.isNamedImports(st.importClause.namedBindings)) {
      for (const el of st.importClause.namedBindings.elements) imports.set(el.name.text, (el.propertyName ?? el.name).text);
    } else if (ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st)) out.set(st.name.text, { node: st, imports, at });
    else throw new CompileError('a module a program imports types from holds only imports from tsbpf/lang, interfaces and type aliases', at(st));
  }
  return out;
}
