// defineObject: maps, globals, programs and functions → a BpfObject (tsbpf/elf's object model)
// with BTF (map definitions, FUNC/FUNC_PROTO, VAR/DATASEC, license) and .BTF.ext (func_info,
// line_info pointing at the TypeScript lines), written by writeObject as a loadable ELF.

import {
  type BpfInstruction, type BpfObject, type BpfProgram, type BtfMap, type BtfMember, type BtfVarSecinfo, type DataSection,
  type Extern, type GlobalVariable, programTypeOf, type StructOpsMap, type StructOpsSection, writeObject,
} from '../../elf/index.js';
import type { Instruction } from '../../isa/index.js';
import { resolveLabels } from './asm/labels.js';
import type { ResolvedInsn } from './asm/items.js';
import { DslError } from './errors.js';
import type { ExternRef, KfuncRef } from './externs.js';
import type { GlobalDecl, GlobalSection } from './globals.js';
import { type SourceLocation, sourceLine, startLineInfo, withLineInfoCapture } from './line-info.js';
import type { MapDef } from './maps.js';
import { ProgramBuilder } from './program/builder.js';
import { MAX_INSNS } from './program/limits.js';
import type { Body, FunctionDef, ProgramDef } from './program/definitions.js';
import type { BuildContext, FunctionRef, GlobalRef, MapRef } from './program/refs.js';
import { isStructOpsDef, isStructOpsSection, layoutStructOps, type StructOpsDef } from './struct-ops.js';
import { array, BtfBuilder, type CType, char, encodeValue, ptr, resolve, s32, type StructType, u64 } from './types/index.js';

export interface ObjectSpec {
  /** The license string (GPL-compatible to use GPL-only helpers such as bpf_trace_printk). */
  readonly license: string;
  /** Maps by name: BTF-defined maps (`.maps`) and struct_ops maps (`structOps(…)`). */
  readonly maps?: Readonly<Record<string, MapDef | StructOpsDef>>;
  /** Global variables by name. */
  readonly globals?: Readonly<Record<string, GlobalDecl>>;
  /** Entry programs by name (the ELF symbol and the name bpftool shows). */
  readonly programs: Readonly<Record<string, ProgramDef>>;
  /** Functions to include even when no program calls them (called ones are included anyway). */
  readonly functions?: readonly FunctionDef[];
}

export const DSL_OBJECT: unique symbol = Symbol.for('tsbpf.dsl.object') as never;

/** What a tsbpf program module exports as default (`export default defineObject({...})`). */
export interface DslObject {
  readonly [DSL_OBJECT]: true;
  readonly spec: ObjectSpec;
  /** The object model (programs, maps, globals, BTF). */
  toBpfObject(options?: BuildOptions): BpfObject;
  /** The ELF bytes `tsbpf build` writes. */
  build(options?: BuildOptions): Uint8Array;
}

export interface BuildOptions {
  /**
   * Record the TypeScript line of each instruction in line_info (default true). Each costs a
   * stack capture; false builds a big program faster, without line_info.
   */
  readonly lineInfo?: boolean;
}

export function defineObject(spec: ObjectSpec): DslObject {
  return {
    [DSL_OBJECT]: true,
    spec,
    toBpfObject: (options) => buildBpfObject(spec, options),
    build: (options) => writeObject(buildBpfObject(spec, options)),
  };
}

export function isDslObject(v: unknown): v is DslObject {
  return typeof v === 'object' && v !== null && (v as DslObject)[DSL_OBJECT] === true;
}

interface Placed { readonly section: string; readonly variable: string; readonly offset: number }
interface DataLayout { size: number; align: number; bytes: number[]; vars: { name: string; offset: number; size: number; btfVar: number; binding: 'global' | 'local' }[] }

const SECTION_NAME: Record<GlobalSection, string> = { data: '.data', rodata: '.rodata', bss: '.bss' };

export function buildBpfObject(spec: ObjectSpec, options: BuildOptions = {}): BpfObject {
  return withLineInfoCapture(options.lineInfo ?? true, () => buildObject(spec));
}

function buildObject(spec: ObjectSpec): BpfObject {
  // A module past the TypeScript types (a misspelt key, a cast) must fail as bad input, not as a TypeError.
  const given = spec as unknown as Record<string, unknown>;
  if (given.programs === null || typeof given.programs !== 'object') throw new DslError('defineObject needs programs: { name: program(…) }');
  for (const key of ['maps', 'globals'] as const) {
    const v = given[key];
    if (v !== undefined && (v === null || typeof v !== 'object')) throw new DslError(`defineObject: ${key} must be an object`);
  }
  const btf = new BtfBuilder();
  const intId = (): number => btf.add(s32);
  const arrPtr = new Map<number, number>();
  /** `int (*name)[n]`: how BTF-defined maps carry numbers. */
  const num = (n: number): number => {
    let id = arrPtr.get(n);
    if (id === undefined) {
      const arr = btf.addRaw({ kind: 'ARRAY', name: '', type: intId(), indexType: btf.arrayIndexType(), nelems: n });
      id = btf.addRaw({ kind: 'PTR', name: '', type: arr });
      arrPtr.set(n, id);
    }
    return id;
  };
  const ptrTo = (t: CType): number => btf.addRaw({ kind: 'PTR', name: '', type: btf.add(t) });

  // Maps.
  const mapNames = new Map<MapRef, string>();
  const maps: BtfMap[] = [];
  const mapsSec: BtfVarSecinfo[] = [];
  let mapsOffset = 0;
  const mapStruct = (m: MapDef, name: string): { id: number; size: number; valuesOffset?: number } => {
    const members: BtfMember[] = [];
    const put = (mname: string, type: number): void => { members.push({ name: mname, type, bitsOffset: members.length * 64, bitfieldSize: 0 }); };
    put('type', num(m.type));
    if (m.options.maxEntries !== undefined) put('max_entries', num(m.options.maxEntries));
    if (m.options.flags !== undefined && m.options.flags !== 0) put('map_flags', num(m.options.flags));
    if (m.key !== undefined) put('key', ptrTo(m.key));
    else if (m.options.keySize !== undefined) put('key_size', num(m.options.keySize));
    if (m.value !== undefined) put('value', ptrTo(m.value));
    else if (m.options.valueSize !== undefined) put('value_size', num(m.options.valueSize));
    if (m.options.numaNode !== undefined) put('numa_node', num(m.options.numaNode));
    if (m.options.pinByName === true) put('pinning', num(1));
    if (m.options.mapExtra !== undefined) put('map_extra', num(m.options.mapExtra));
    let valuesOffset: number | undefined;
    if (m.options.inner !== undefined || m.kind === 'prog_array' && m.options.values !== undefined) {
      let target: number;
      if (m.options.inner !== undefined) target = mapStruct(m.options.inner, '').id;
      else {
        const proto = btf.addRaw({ kind: 'FUNC_PROTO', name: '', returnType: intId(), params: [{ name: '', type: btf.addRaw({ kind: 'PTR', name: '', type: 0 }) }] });
        target = proto;
      }
      const p = btf.addRaw({ kind: 'PTR', name: '', type: target });
      valuesOffset = members.length * 8;
      put('values', btf.addRaw({ kind: 'ARRAY', name: '', type: p, indexType: btf.arrayIndexType(), nelems: 0 }));
    }
    const size = valuesOffset ?? members.length * 8;
    const id = btf.addRaw({ kind: 'STRUCT', name, size, kindFlag: false, members });
    return { id, size, ...(valuesOffset === undefined ? {} : { valuesOffset }) };
  };
  const mapEntries = Object.entries(spec.maps ?? {});
  const plainMaps = mapEntries.filter((e): e is [string, MapDef] => !isStructOpsDef(e[1]));
  for (const [name, m] of plainMaps) {
    if (mapNames.has(m)) throw new DslError(`map '${name}' is the same MapDef as '${mapNames.get(m)}'`);
    mapNames.set(m, name);
  }
  for (const [name, m] of plainMaps) {
    const s = mapStruct(m, '');
    const values = (m.options.values ?? []).map((v) => (v === null ? null : typeof v === 'string' ? v : mapNames.get(v) ?? missingMap()));
    const size = s.size + 8 * values.length;
    const btfVar = btf.addRaw({ kind: 'VAR', name, type: s.id, linkage: 'global' });
    mapsSec.push({ type: btfVar, offset: mapsOffset, size });
    maps.push({
      name, binding: 'global', offset: mapsOffset, size, btfVar, type: m.type,
      ...(m.key === undefined ? {} : { keyType: btf.idOf(m.key), keySize: m.key.size }),
      ...(m.value === undefined ? {} : { valueType: btf.idOf(m.value), valueSize: m.value.size }),
      ...(m.options.maxEntries === undefined ? {} : { maxEntries: m.options.maxEntries }),
      ...(s.valuesOffset === undefined ? {} : { valuesOffset: s.valuesOffset }),
      values,
    });
    mapsOffset += size;
  }

  // struct_ops maps (their struct's BTF has the kernel's function pointer types, as clang's does).
  // A struct_ops program gets the prototype clang gives a BPF_PROG function: the return type of the
  // first slot it fills (int when it fills none), and `unsigned long long *ctx`.
  const ctxProtos = new Map<CType, number>();
  const ctxProto = (returns: CType): number => {
    let id = ctxProtos.get(returns);
    if (id === undefined) {
      id = btf.addRaw({ kind: 'FUNC_PROTO', name: '', returnType: btf.add(returns), params: [{ name: 'ctx', type: btf.add(ptr(u64)) }] });
      ctxProtos.set(returns, id);
    }
    return id;
  };
  const programNames = new Map<ProgramDef, string>();
  for (const [name, p] of Object.entries(spec.programs)) if (!programNames.has(p)) programNames.set(p, name);
  const structOpsMaps = mapEntries.filter((e): e is [string, StructOpsDef] => isStructOpsDef(e[1]))
    .map(([name, def]) => ({ name, def, layout: layoutStructOps(name, def, (p) => programNames.has(p)) }));
  const slotReturns = new Map<ProgramDef, CType>();
  for (const m of structOpsMaps) for (const p of m.layout.pointers) if (!slotReturns.has(p.program)) slotReturns.set(p.program, p.returns);
  const taken = new Set([...Object.keys(spec.programs), ...Object.keys(spec.globals ?? {}), ...plainMaps.map(([n]) => n)]);
  for (const m of structOpsMaps) if (taken.has(m.name)) throw new DslError(`struct_ops map '${m.name}': a program, map or global variable has the same name (one ELF symbol each)`, m.def.location);
  const structOpsSections = new Map<string, { size: number; align: number; maps: StructOpsMap[]; vars: BtfVarSecinfo[] }>();
  for (const m of structOpsMaps) {
    const t = resolve(m.def.type) as StructType;
    const sec = structOpsSections.get(m.def.section) ?? { size: 0, align: 1, maps: [], vars: [] };
    structOpsSections.set(m.def.section, sec);
    // Each variable at its struct's alignment, the section at the largest, as clang lays them out.
    const align = t.align;
    const offset = Math.ceil(sec.size / align) * align;
    const btfVar = btf.addRaw({ kind: 'VAR', name: m.name, type: btf.add(t), linkage: 'global' });
    sec.vars.push({ type: btfVar, offset, size: t.size });
    sec.maps.push({
      name: m.name, binding: 'global', offset, size: t.size, btfVar, structName: t.name, data: m.layout.data,
      pointers: m.layout.pointers.map((p) => ({ offset: p.offset, member: p.member, program: programNames.get(p.program)! })),
    });
    sec.size = offset + t.size;
    sec.align = Math.max(sec.align, align);
  }

  // Globals: laid out now so that programs know their offsets; .rodata strings are appended.
  const layouts = new Map<GlobalSection, DataLayout>();
  const placed = new Map<GlobalRef, Placed>();
  const layout = (s: GlobalSection): DataLayout => {
    let l = layouts.get(s);
    if (l === undefined) { l = { size: 0, align: 1, bytes: [], vars: [] }; layouts.set(s, l); }
    return l;
  };
  const place = (s: GlobalSection, name: string, type: CType, bytes: Uint8Array | undefined, binding: 'global' | 'local'): Placed => {
    const l = layout(s);
    const offset = Math.ceil(l.size / type.align) * type.align;
    while (l.bytes.length < offset) l.bytes.push(0);
    if (bytes !== undefined) l.bytes.push(...bytes); else for (let i = 0; i < type.size; i++) l.bytes.push(0);
    l.size = offset + type.size;
    l.align = Math.max(l.align, type.align);
    const btfVar = btf.addRaw({ kind: 'VAR', name, type: btf.add(type), linkage: binding === 'global' ? 'global' : 'static' });
    l.vars.push({ name, offset, size: type.size, btfVar, binding });
    return { section: SECTION_NAME[s], variable: name, offset };
  };
  for (const [name, g] of Object.entries(spec.globals ?? {})) {
    placed.set(g, place(g.section, name, g.type, g.init === undefined ? undefined : encodeValue(g.type, g.init as never), 'global'));
  }
  const strings = new Map<string, Placed & { size: number }>();

  // Functions: entry programs, then every function they (transitively) call.
  const fnNames = new Map<FunctionRef, string>();
  const queue: FunctionDef[] = [];
  const addFunction = (f: FunctionDef): string => {
    const known = fnNames.get(f);
    if (known !== undefined) return known;
    if ([...fnNames.values()].includes(f.name)) throw new DslError(`two different functions are named '${f.name}'`);
    fnNames.set(f, f.name);
    queue.push(f);
    return f.name;
  };
  for (const f of spec.functions ?? []) addFunction(f);
  // Externs in order of first use; one declaration per name.
  const externs = new Map<string, ExternRef | KfuncRef>();
  const context: BuildContext = {
    btf,
    mapName: (m) => mapNames.get(m) ?? missingMap(),
    global: (g) => {
      const p = placed.get(g);
      if (p === undefined) throw new DslError('a global variable used by a program is not in defineObject({ globals })');
      return p;
    },
    functionName: (f) => addFunction(f as FunctionDef),
    extern: (ref) => {
      const known = externs.get(ref.name);
      if (known === undefined) externs.set(ref.name, ref);
      else if (known !== ref && !sameExtern(known, ref)) throw new DslError(`two different externs are named '${ref.name}'`);
      return ref.name;
    },
    rodataString: (text) => {
      let s = strings.get(text);
      if (s === undefined) {
        const bytes = new TextEncoder().encode(`${text}\0`);
        const p = place('rodata', `____fmt.${strings.size}`, array(char, bytes.length), bytes, 'local');
        s = { ...p, size: bytes.length };
        strings.set(text, s);
      }
      return s;
    },
  };
  const build = (body: Body, prefix: string): ResolvedInsn[] => {
    const b = new ProgramBuilder(context, prefix);
    startLineInfo();
    body(b);
    return resolveLabels(b.finish());
  };
  const voidPtr = btf.addRaw({ kind: 'PTR', name: '', type: 0 });
  const entries: { name: string; def: ProgramDef; insns: ResolvedInsn[] }[] = [];
  for (const [name, def] of Object.entries(spec.programs)) entries.push({ name, def, insns: build(def.body, name) });
  const text: { def: FunctionDef; insns: ResolvedInsn[] }[] = [];
  for (let i = 0; i < queue.length; i++) text.push({ def: queue[i]!, insns: build(queue[i]!.body, queue[i]!.name) });
  refuseOversized(entries, text);
  const textOffset = new Map<string, number>();
  let slot = 0;
  for (const t of text) {
    textOffset.set(t.def.name, slot * 8);
    for (const r of t.insns) slot += r.insn.kind === 'ldImm64' ? 2 : 1;
  }

  // Instructions with relocations and line_info.
  const lower = (insns: readonly ResolvedInsn[], fallback: SourceLocation | undefined): BpfInstruction[] => {
    let prev: SourceLocation | undefined;
    const firstLoc = insns.find((r) => r.loc !== undefined)?.loc ?? fallback;
    return insns.map((r, k) => {
      let insn: Instruction = r.insn;
      const out: { insn: Instruction; relocation?: BpfInstruction['relocation']; reference?: BpfInstruction['reference']; lineInfo?: BpfInstruction['lineInfo'] } = { insn };
      const ref = r.ref;
      if (ref?.kind === 'map') {
        out.relocation = { type: 'R_BPF_64_64', symbol: ref.map, sectionSymbol: false };
        out.reference = { kind: 'map', map: ref.map };
      } else if (ref?.kind === 'global') {
        if (insn.kind === 'ldImm64') insn = { ...insn, imm: ref.offset };
        out.relocation = { type: 'R_BPF_64_64', symbol: ref.section, sectionSymbol: true };
        out.reference = { kind: 'global', section: ref.section, offset: ref.offset, ...(ref.variable === undefined ? {} : { variable: ref.variable }) };
      } else if (ref?.kind === 'call') {
        out.relocation = { type: 'R_BPF_64_32', symbol: ref.function, sectionSymbol: false };
        out.reference = { kind: 'subprogram', section: '.text', target: ref.function };
      } else if (ref?.kind === 'extern') {
        out.relocation = { type: 'R_BPF_64_64', symbol: ref.name, sectionSymbol: false };
        out.reference = { kind: 'extern', name: ref.name, externKind: ref.section === '.kconfig' ? 'kconfig' : 'ksym' };
      } else if (ref?.kind === 'kfunc') {
        // A call is R_BPF_64_32; the kfunc's address in an ld_imm64 (bpf_ksym_exists) R_BPF_64_64, as clang writes them.
        out.relocation = { type: insn.kind === 'ldImm64' ? 'R_BPF_64_64' : 'R_BPF_64_32', symbol: ref.name, sectionSymbol: false };
        out.reference = { kind: 'kfunc', name: ref.name };
      } else if (ref?.kind === 'func') {
        const off = textOffset.get(ref.function);
        if (off === undefined) throw new DslError(`function '${ref.function}' is not in the object`, r.loc);
        if (insn.kind === 'ldImm64') insn = { ...insn, pseudo: 0, imm: off };
        out.relocation = { type: 'R_BPF_64_64', symbol: '.text', sectionSymbol: true };
        out.reference = { kind: 'subprogram', section: '.text', target: ref.function };
      }
      out.insn = insn;
      if (r.core !== undefined && r.core.length > 0) (out as { coreRelocations?: BpfInstruction['coreRelocations'] }).coreRelocations = r.core;
      // line_info: one record where the line changes, and one at the function's first instruction.
      const loc = r.loc ?? (k === 0 ? firstLoc : undefined);
      if (loc !== undefined && (k === 0 || prev === undefined || loc.file !== prev.file || loc.line !== prev.line || loc.column !== prev.column)) {
        out.lineInfo = {
          fileNameOffset: btf.string(loc.file), lineOffset: btf.string(sourceLine(loc)),
          line: Math.min(loc.line, (1 << 22) - 1), column: Math.min(loc.column, 1023),
        };
        prev = loc;
      }
      return out;
    });
  };

  const programs: BpfProgram[] = [];
  for (const t of text) {
    const sig = t.def.signature;
    const params = sig !== undefined ? sig.params.map((p) => ({ name: p.name, type: btf.add(p.type) }))
      : Array.from({ length: t.def.params }, (_, i) => ({ name: `a${i}`, type: btf.add(u64) }));
    const proto = btf.addRaw({ kind: 'FUNC_PROTO', name: '', returnType: sig !== undefined ? btf.add(sig.returns) : intId(), params });
    const func = btf.addRaw({ kind: 'FUNC', name: t.def.name, type: proto, linkage: t.def.linkage === 'static' ? 'static' : 'global' });
    programs.push({
      name: t.def.name, section: '.text', subprogram: true, binding: t.def.linkage === 'static' ? 'local' : 'global',
      funcInfo: func, instructions: lower(t.insns, undefined),
    });
  }
  for (const e of entries) {
    // struct_ops programs are called with their arguments in a u64 array, as BPF_PROG declares them.
    const proto = isStructOpsSection(e.def.section) ? ctxProto(slotReturns.get(e.def) ?? s32)
      : btf.addRaw({ kind: 'FUNC_PROTO', name: '', returnType: intId(), params: [{ name: 'ctx', type: voidPtr }] });
    const func = btf.addRaw({ kind: 'FUNC', name: e.name, type: proto, linkage: 'global' });
    const programType = programTypeOf(e.def.section);
    programs.push({
      name: e.name, section: e.def.section, subprogram: false, binding: 'global',
      ...(programType === undefined ? {} : { programType }), funcInfo: func, instructions: lower(e.insns, undefined),
    });
  }

  // Externs: FUNC (kfuncs) and VAR records with extern linkage in the .ksyms/.kconfig DATASECs
  // (size 0, every entry at offset 0, as clang-19 writes them), undefined ELF symbols.
  const externList: Extern[] = [];
  const datasec: Record<'.kconfig' | '.ksyms', BtfVarSecinfo[]> = { '.kconfig': [], '.ksyms': [] };
  for (const x of externs.values()) {
    let id: number;
    if (x.dslKind === 'kfunc') {
      const proto = btf.addRaw({ kind: 'FUNC_PROTO', name: '', returnType: btf.add(x.returns), params: x.params.map((t) => ({ name: '', type: btf.add(t) })) });
      id = btf.addRaw({ kind: 'FUNC', name: x.name, type: proto, linkage: 'extern' });
      datasec['.ksyms'].push({ type: id, offset: 0, size: 0 });
    } else {
      id = btf.addRaw({ kind: 'VAR', name: x.name, type: btf.add(x.type), linkage: 'extern' });
      datasec[x.section].push({ type: id, offset: 0, size: x.type.size });
    }
    externList.push({ name: x.name, kind: x.dslKind === 'kfunc' ? 'kfunc' : x.section === '.kconfig' ? 'kconfig' : 'ksym', binding: x.weak ? 'weak' : 'global', btfType: id });
  }
  for (const name of ['.kconfig', '.ksyms'] as const) {
    if (datasec[name].length > 0) btf.addRaw({ kind: 'DATASEC', name, size: 0, vars: datasec[name] });
  }

  // Data sections, license, DATASECs.
  const globals: DataSection[] = [];
  for (const s of ['data', 'rodata', 'bss'] as const) {
    const l = layouts.get(s);
    if (l === undefined) continue;
    const name = SECTION_NAME[s];
    btf.addRaw({ kind: 'DATASEC', name, size: l.size, vars: l.vars.map((v) => ({ type: v.btfVar, offset: v.offset, size: v.size })) });
    const variables: GlobalVariable[] = l.vars.map((v) => ({ name: v.name, offset: v.offset, size: v.size, binding: v.binding, btfVar: v.btfVar }));
    globals.push({
      name, kind: s, align: l.align, writable: s !== 'rodata', size: l.size,
      data: s === 'bss' ? new Uint8Array(l.size) : Uint8Array.from(l.bytes), variables,
    });
  }
  const licType = array(char, new TextEncoder().encode(spec.license).length + 1);
  const licVar = btf.addRaw({ kind: 'VAR', name: 'LICENSE', type: btf.add(licType), linkage: 'global' });
  btf.addRaw({ kind: 'DATASEC', name: 'license', size: licType.size, vars: [{ type: licVar, offset: 0, size: licType.size }] });
  if (maps.length > 0) btf.addRaw({ kind: 'DATASEC', name: '.maps', size: mapsOffset, vars: mapsSec });
  const structOps: StructOpsSection[] = [];
  for (const [name, sec] of structOpsSections) {
    btf.addRaw({ kind: 'DATASEC', name, size: sec.size, vars: sec.vars });
    structOps.push({ name, align: sec.align, size: sec.size, maps: sec.maps });
  }
  // Section names must be in the string table for .BTF.ext.
  for (const p of programs) btf.string(p.section);

  // Entry programs after .text, as the writer lays .text out first anyway.
  return {
    byteOrder: 'le', license: spec.license, licenseSymbol: 'LICENSE', programs, maps, globals, externs: externList,
    ...(structOps.length === 0 ? {} : { structOps }), btf: btf.build(),
  };
}

/** Instruction slots of a function. */
function slotsOf(insns: readonly ResolvedInsn[]): number {
  let n = 0;
  for (const r of insns) n += r.insn.kind === 'ldImm64' ? 2 : 1;
  return n;
}

/**
 * Each entry program as the loader hands it to the kernel — with every function it calls,
 * directly or through others, appended — must stay within the kernel's instruction limit.
 */
function refuseOversized(entries: readonly { name: string; insns: readonly ResolvedInsn[] }[], text: readonly { def: FunctionDef; insns: readonly ResolvedInsn[] }[]): void {
  const byName = new Map(text.map((t) => [t.def.name, t.insns]));
  const callees = (insns: readonly ResolvedInsn[]): string[] => insns.flatMap((r) => (r.ref?.kind === 'call' || r.ref?.kind === 'func' ? [r.ref.function] : []));
  for (const e of entries) {
    const seen = new Set<string>();
    const queue = callees(e.insns);
    let total = slotsOf(e.insns);
    while (queue.length > 0) {
      const f = queue.pop()!;
      const insns = byName.get(f);
      if (seen.has(f) || insns === undefined) continue;
      seen.add(f);
      total += slotsOf(insns);
      for (const c of callees(insns)) if (!seen.has(c)) queue.push(c);
    }
    if (total > MAX_INSNS) {
      throw new DslError(`program '${e.name}' is ${total.toLocaleString('en-US')} instructions with the functions it calls; the kernel's limit is ${MAX_INSNS.toLocaleString('en-US')} (BPF_PROG_LOAD refuses it with E2BIG)`);
    }
  }
}

function sameExtern(a: ExternRef | KfuncRef, b: ExternRef | KfuncRef): boolean {
  if (a.dslKind === 'kfunc' || b.dslKind === 'kfunc') {
    if (a.dslKind !== 'kfunc' || b.dslKind !== 'kfunc') return false;
    return a.returns === b.returns && a.weak === b.weak && a.params.length === b.params.length && a.params.every((t, i) => t === b.params[i]);
  }
  return a.section === b.section && a.type === b.type && a.weak === b.weak;
}

function missingMap(): never {
  throw new DslError('a map used by a program is not in defineObject({ maps })');
}
