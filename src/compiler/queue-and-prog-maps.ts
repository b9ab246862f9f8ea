// The declarations of queue, stack, bloom filter and prog array maps: read from the module
// (`queueMap<V>({ maxEntries })`, `bloomFilter<V>({ maxEntries, hashes })`,
// `progArray({ maxEntries, values: [prog, null, …] })`) and turned into the DSL's definitions,
// which write them to `.maps` with BTF as libbpf's macros declare them (a prog array's `values`
// as relocations to its programs, which libbpf, bpftool and tsbpf's loader put in the slots).

import type TS from 'typescript';
import { bloomFilterMap, type MapDef, progArrayMap, queueMap } from '../dsl/index.js';
import type { SourceLocation } from '../dsl/index.js';
import { CompileError } from './errors.js';
import type { LType } from './layout.js';
import type { MapDecl, ProgramDecl } from './module.js';

export type ValueMapKind = 'queueMap' | 'stackMap' | 'bloomFilter';
export type ExtraMapKind = ValueMapKind | 'progArray';
export const EXTRA_MAP_CONSTRUCTORS: ReadonlySet<string> = new Set<ExtraMapKind>(['queueMap', 'stackMap', 'bloomFilter', 'progArray']);

/** A slot of a prog array's `values`: the program named, or empty. */
export interface ProgSlot { readonly program: string | null; readonly loc: SourceLocation }

/** What readModule shares with the reader: the layouts of types and the module's constant arithmetic. */
export interface MapReading {
  readonly ts: typeof TS;
  readonly layout: (n: TS.TypeNode) => LType | undefined;
  readonly number: (e: TS.Expression) => number | undefined;
  readonly at: (n: TS.Node) => SourceLocation;
}

export function readExtraMap(r: MapReading, call: TS.CallExpression, name: string, kind: ExtraMapKind): MapDecl {
  const { ts, at } = r;
  const fail = (n: TS.Node, msg: string): never => { throw new CompileError(msg, at(n)); };
  const targs = call.typeArguments ?? [];
  const needs = kind === 'progArray' ? 0 : 1;
  if (targs.length !== needs) fail(call, needs === 1 ? `${kind} takes the value type: ${kind}<u32>({ maxEntries: N })` : 'progArray takes no type arguments');
  const value = needs === 1 ? r.layout(targs[0]!) ?? fail(targs[0]!, 'values are integer types (u8 … u64, s8 … s64), structs (interfaces) or Arr<T, N>') : undefined;
  const opts = call.arguments[0];
  if (opts === undefined || !ts.isObjectLiteralExpression(opts) || call.arguments.length > 1) return fail(call, `${kind} takes { maxEntries: N${kind === 'bloomFilter' ? ', hashes?: K' : kind === 'progArray' ? ', values?: [prog, …]' : ''} }`);
  let maxEntries: number | undefined;
  let hashes: number | undefined;
  let slots: ProgSlot[] | undefined;
  const allowed = kind === 'bloomFilter' ? 'maxEntries and hashes' : kind === 'progArray' ? 'maxEntries and values' : 'maxEntries';
  for (const p of opts.properties) {
    if (!ts.isPropertyAssignment(p) || !ts.isIdentifier(p.name)) return fail(p, `the options of ${kind} are ${allowed}`);
    const key = p.name.text;
    if (key === 'maxEntries' || (key === 'hashes' && kind === 'bloomFilter')) {
      const n = r.number(p.initializer);
      if (n === undefined || !Number.isInteger(n)) return fail(p.initializer, `${key} is a number (literals, module constants, + - * <<)`);
      if (key === 'hashes' && (n < 1 || n > 15)) fail(p.initializer, 'a bloom filter has 1 to 15 hash functions');
      if (key === 'maxEntries') maxEntries = n; else hashes = n;
    } else if (key === 'values' && kind === 'progArray') {
      slots = progSlots(r, p.initializer);
    } else return fail(p, `the options of ${kind} are ${allowed}`);
  }
  if (maxEntries === undefined || maxEntries <= 0) return fail(opts, 'maxEntries must be a positive integer');
  if (slots !== undefined && slots.length > maxEntries) fail(opts, `values fills ${slots.length} slots of a prog array of ${maxEntries}`);
  return { name, kind, maxEntries, loc: at(call), ...(value === undefined ? {} : { value }), ...(hashes === undefined ? {} : { hashes }), ...(slots === undefined ? {} : { slots }) };
}

/** `[a, null, b]` (slots in order) or `{ 6: a, 17: b }` (slots by number). */
function progSlots(r: MapReading, list: TS.Expression): ProgSlot[] {
  const { ts, at } = r;
  const fail = (n: TS.Node, msg: string): never => { throw new CompileError(msg, at(n)); };
  const slot = (el: TS.Expression): ProgSlot => {
    if (el.kind === ts.SyntaxKind.NullKeyword) return { program: null, loc: at(el) };
    if (!ts.isIdentifier(el)) return fail(el, 'a prog array slot is a program of the module (its exported name) or null');
    return { program: el.text, loc: at(el) };
  };
  if (ts.isArrayLiteralExpression(list)) return list.elements.map(slot);
  if (!ts.isObjectLiteralExpression(list)) return fail(list, 'values is { SLOT: program, … } or [program | null, …]');
  const slots: ProgSlot[] = [];
  for (const p of list.properties) {
    const n = ts.isPropertyAssignment(p) && ts.isNumericLiteral(p.name) ? Number(p.name.text) : NaN;
    if (!Number.isInteger(n) || n < 0) return fail(p, 'a prog array slot is a number literal: { 6: onTcp }');
    if (slots[n] !== undefined) fail(p, `slot ${n} is given twice`);
    slots[n] = slot((p as TS.PropertyAssignment).initializer);
  }
  return Array.from(slots, (s) => s ?? { program: null, loc: at(list) });
}

/** The DSL definition of one of these maps; a prog array's slots must name programs of the module. */
export function extraMapDef(m: MapDecl, programs: readonly ProgramDecl[]): MapDef {
  switch (m.kind) {
    case 'queueMap': case 'stackMap':
      return queueMap(m.kind === 'queueMap' ? 'queue' : 'stack', { value: m.value!.ctype, maxEntries: m.maxEntries });
    case 'bloomFilter':
      return bloomFilterMap({ value: m.value!.ctype, maxEntries: m.maxEntries, ...(m.hashes === undefined ? {} : { hashes: m.hashes }) });
    case 'progArray': {
      const values = (m.slots ?? []).map((s) => {
        if (s.program !== null && !programs.some((p) => p.name === s.program)) throw new CompileError(`'${s.program}' is not a program of this module (a prog array holds exported programs)`, s.loc);
        return s.program;
      });
      return progArrayMap({ maxEntries: m.maxEntries, ...(values.length === 0 ? {} : { values }) });
    }
    default: throw new Error(`internal: ${m.kind} is not a queue, stack, bloom filter or prog array`);
  }
}
