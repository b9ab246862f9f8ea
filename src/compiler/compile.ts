// The compiler's entry: a program module's source → a DslObject (tsbpf's object model with BTF
// and line_info at the TypeScript lines), after tsc has type-checked it against tsbpf/lang.
// TypeScript is loaded on first use: the CLI's other commands do not pay for it.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type TS from 'typescript';
import {
  arrayMap, constVar, defineObject, type DslObject, type GlobalDef, globalVar, hashMap, lruHashMap, type MapDef, percpuArrayMap, percpuHashMap,
  perfEventArrayMap, program, type ProgramDef, ringBufMap, structOps, type StructOpsDef, type StructType, u32,
} from '../dsl/index.js';
import { corePlacerIn, emit } from './emit.js';
import { CompileError } from './errors.js';
import { kernelTypeOf } from './kernel-types.js';
import { intLType } from './layout.js';
import { lowerProgram } from './lower.js';
import { kfuncRef } from './lower-kfunc.js';
import { MINIMAL_LIB, MINIMAL_LIB_NAME } from './minimal-lib.js';
import { locOf, type MapDecl, type ModuleInfo, readModule } from './module.js';
import { extraMapDef } from './queue-and-prog-maps.js';
import { OBJECT_MAP_CONSTRUCTORS, objectMapDef } from './object-maps.js';
import { STORAGE_MAP_CONSTRUCTORS, storageMapDef } from './lower-storage.js';
import { mapOfMapsDef } from './maps-of-maps.js';
import { allocate } from './regalloc.js';
import { compileSubprograms } from './subprograms.js';
import { checkKey, cleanCheckRecorded, recordCleanCheck, recordQuestions } from './type-check-cache.js';
import { loadTypeScript, saveTypeScriptCache } from './typescript-loader.js';

const STACK_LIMIT = 512;

/**
 * TypeScript through require: an ESM import of its 9 MB CommonJS file scans it for export names
 * first. An optional peer dependency (22 MB), loaded only to compile the language: without it
 * the build of such a module is one line, exit 2.
 */
function typescript(file: string): typeof TS {
  try {
    return loadTypeScript();
  } catch (e) {
    if ((e as { code?: unknown }).code !== 'MODULE_NOT_FOUND') throw e;
    throw new CompileError('compiling a tsbpf/lang program needs typescript, an optional peer dependency of tsbpf: npm install typescript', { file, line: 1, column: 1 });
  }
}

/** True when a module's source is written in the language (it imports tsbpf/lang). */
export function usesLanguage(source: string): boolean {
  return /\bfrom\s+['"]tsbpf\/lang['"]/.test(source);
}

/** The declarations file of tsbpf/lang next to this code (built library or sources). */
function langDeclarations(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const found = [join(here, 'lang.d.ts'), join(here, 'lang.ts'), join(here, '..', 'src', 'compiler', 'lang.ts'), join(here, '..', 'compiler', 'lang.ts')].find((p) => existsSync(p));
  if (found === undefined) throw new Error('internal: tsbpf/lang declarations not found next to the compiler');
  return found;
}

/** The type check's options and compiler host (the minimal library a virtual root file: no lib.*.d.ts is read). */
function checkSetup(ts: typeof TS, file: string): { options: TS.CompilerOptions; host: TS.CompilerHost; libPath: string } {
  const lang = langDeclarations();
  const options: TS.CompilerOptions = {
    strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler,
    noLib: true, types: [], skipLibCheck: true, paths: { 'tsbpf/lang': [lang] }, allowUnreachableCode: true,
  };
  const host = ts.createCompilerHost(options);
  // The helpers' documentation (lang-helpers.generated.ts) is for editors: not parsed for a check.
  if (ts.JSDocParsingMode !== undefined) host.jsDocParsingMode = ts.JSDocParsingMode.ParseForTypeErrors;
  const libPath = join(dirname(lang), MINIMAL_LIB_NAME);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lv, onError, create) => (resolve(name) === libPath ? ts.createSourceFile(name, MINIMAL_LIB, lv) : getSourceFile(name, lv, onError, create));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => resolve(name) === libPath || fileExists(name);
  return { options, host, libPath };
}

/** tsc's first error in the module (against tsbpf/lang and a minimal global library), as a CompileError. */
export function typeCheck(ts: typeof TS, file: string): void {
  const { options, host, libPath } = checkSetup(ts, file);
  throwFirstError(ts, ts.createProgram({ rootNames: [file, libPath], options, host }), file);
}

/** The program's first error (in FILE if it has one), as a CompileError. */
function throwFirstError(ts: typeof TS, p: TS.Program, file: string): void {
  const diags = [...p.getSyntacticDiagnostics(), ...p.getSemanticDiagnostics()].filter((d) => d.category === ts.DiagnosticCategory.Error);
  const first = diags.find((d) => d.file !== undefined && resolve(d.file.fileName) === resolve(file)) ?? diags[0];
  if (first === undefined) return;
  const text = ts.flattenDiagnosticMessageText(first.messageText, ' ');
  if (first.file === undefined || first.start === undefined) throw new CompileError(text, { file, line: 1, column: 1 });
  const pos = first.file.getLineAndCharacterOfPosition(first.start);
  throw new CompileError(text, { file: resolve(first.file.fileName) === resolve(file) ? file : first.file.fileName, line: pos.line + 1, column: pos.character + 1 });
}

/**
 * typeCheck, unless a clean check of the same file under the same options was recorded and every
 * file it read and path it asked about is as it was then (src/compiler/type-check-cache.ts).
 */
export function typeCheckReusing(ts: typeof TS, file: string): 'reused' | 'checked' {
  const { options, host, libPath } = checkSetup(ts, file);
  const key = checkKey(ts, file, options, `${libPath}\n${MINIMAL_LIB}`);
  if (cleanCheckRecorded(host, key)) return 'reused';
  const questions = recordQuestions(host);
  throwFirstError(ts, ts.createProgram({ rootNames: [file, libPath], options, host }), file);
  recordCleanCheck(key, questions());
  return 'checked';
}

function mapDef(m: MapDecl, programs: ModuleInfo['programs']): MapDef {
  const kv = { key: m.key?.ctype ?? u32, value: m.value?.ctype ?? u32, maxEntries: m.maxEntries };
  switch (m.kind) {
    case 'hashMap': return hashMap(kv);
    case 'lruHashMap': return lruHashMap(kv);
    case 'perCpuHashMap': return percpuHashMap(kv);
    case 'arrayMap': return arrayMap(kv);
    case 'perCpuArrayMap': return percpuArrayMap(kv);
    case 'ringBuf': return ringBufMap({ maxEntries: m.maxEntries });
    case 'perfEventArray': return perfEventArrayMap();
    case 'arrayOfMaps': case 'hashOfMaps': return mapOfMapsDef(m, (inner) => mapDef(inner, programs));
    default: return OBJECT_MAP_CONSTRUCTORS.has(m.kind) ? objectMapDef(m) : STORAGE_MAP_CONSTRUCTORS.has(m.kind) ? storageMapDef(m) : extraMapDef(m, programs);
  }
}

/** Compiles a program module's source text (no type check: see typeCheck). */
export function compileSource(ts: typeof TS, source: string, file: string): DslObject {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  // Syntax errors first (the type check reports them too; compileSource alone must not miss them).
  const syntax = (sf as TS.SourceFile & { parseDiagnostics?: readonly TS.Diagnostic[] }).parseDiagnostics?.[0];
  if (syntax !== undefined) {
    const pos = sf.getLineAndCharacterOfPosition(syntax.start ?? 0);
    throw new CompileError(ts.flattenDiagnosticMessageText(syntax.messageText, ' '), { file, line: pos.line + 1, column: pos.character + 1 });
  }
  const m = readModule(ts, sf, file);
  const globals: Record<string, GlobalDef> = {};
  for (const [name, g] of m.globals) {
    const t = intLType(g.type).ctype;
    const init = g.type.bits === 64 ? g.init : Number(g.init);
    globals[name] = g.section === 'rodata' ? constVar(t, init as never) : globalVar(t, g.section === 'bss' ? undefined : init as never);
  }
  const subprograms = compileSubprograms(m, globals);
  const programs: Record<string, ProgramDef> = {};
  for (const prog of m.programs) {
    const ir = lowerProgram(m, prog);
    const alloc = allocate(ir);
    if (alloc.frame > STACK_LIMIT) throw new CompileError(`the program needs ${alloc.frame} bytes of stack (with spills); eBPF allows ${STACK_LIMIT}`, locOf(ts, sf, file, prog.body));
    subprograms.checkCallChains(prog.name, ir, alloc.frame, locOf(ts, sf, file, prog.body));
    programs[prog.name] = program(prog.section, (b) => {
      b.emit(emit(ir.ops, alloc, (text) => b.context.rodataString(text), (name) => b.context.global(globals[name]!), (name) => b.context.functionName(subprograms.def(name)), corePlacerIn(b.context.btf), (name) => b.context.extern(kfuncRef(m, name))));
    });
  }
  const maps: Record<string, MapDef | StructOpsDef> = {};
  for (const [name, decl] of m.maps) maps[name] = mapDef(decl, m.programs);
  for (const [name, ops] of m.structOps) {
    const type = kernelTypeOf(m, ops.type);
    if (type === undefined || type.kind !== 'struct') throw new CompileError('structOps takes a kernel struct (an interface from tsbpf btf gen-ts --lang) as its type argument', locOf(ts, sf, file, ops.type));
    const init: Record<string, unknown> = {};
    for (const [member, prog] of ops.programs) init[member] = programs[prog];
    for (const [member, v] of ops.values) init[member] = v;
    maps[name] = structOps(type as StructType, init as never, { link: ops.link });
  }
  return defineObject({ license: m.license, maps, globals, programs });
}

/** `tsbpf build` of a module in the language: type check, compile, the object's ELF bytes. */
export async function compileFile(file: string, options: { typeCheck?: boolean; onTypeCheck?: (how: 'reused' | 'checked') => void } = {}): Promise<Uint8Array> {
  const ts = typescript(file);
  const source = readFileSync(file, 'utf8');
  try {
    if (options.typeCheck !== false) options.onTypeCheck?.(typeCheckReusing(ts, file));
    return compileSource(ts, source, file).build();
  } finally {
    saveTypeScriptCache();
  }
}
