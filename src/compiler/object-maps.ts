// Maps whose entries are kernel objects — stack traces, network devices, CPUs, AF_XDP sockets,
// cgroups: a program only passes them to helpers (getStackid, redirectMap, skbUnderCgroup,
// currentTaskUnderCgroup), user space fills or reads them. Their keys and values are sizes, not
// types (u32 slots; a stack is `depth` 8-byte addresses), as libbpf's users declare them.

import type TS from 'typescript';
import { MapDef } from '../dsl/index.js';
import { CompileError } from './errors.js';
import type { MapDecl } from './module.js';
import type { MapReading } from './queue-and-prog-maps.js';

export type ObjectMapKind = 'stackTraceMap' | 'devMap' | 'devMapHash' | 'cpuMap' | 'xskMap' | 'cgroupArray';
export const OBJECT_MAP_CONSTRUCTORS: ReadonlySet<string> = new Set<ObjectMapKind>(['stackTraceMap', 'devMap', 'devMapHash', 'cpuMap', 'xskMap', 'cgroupArray']);

/** The kernel's map type (libbpf's name) of each, and the helpers that take it. */
const KERNEL: Record<ObjectMapKind, { readonly type: 'stack_trace' | 'devmap' | 'devmap_hash' | 'cpumap' | 'xskmap' | 'cgroup_array'; readonly helpers: string }> = {
  stackTraceMap: { type: 'stack_trace', helpers: 'getStackid(ctx, map, flags)' },
  devMap: { type: 'devmap', helpers: 'redirectMap(map, key, flags)' },
  devMapHash: { type: 'devmap_hash', helpers: 'redirectMap(map, key, flags)' },
  cpuMap: { type: 'cpumap', helpers: 'redirectMap(map, key, flags)' },
  xskMap: { type: 'xskmap', helpers: 'redirectMap(map, key, flags)' },
  cgroupArray: { type: 'cgroup_array', helpers: 'skbUnderCgroup(ctx, map, index) or currentTaskUnderCgroup(map, index)' },
};
/** PERF_MAX_STACK_DEPTH: the deepest stack the kernel records. */
const MAX_DEPTH = 127;

/** The language interface each helper's map parameter names → the map kinds it accepts. */
export const OBJECT_MAP_INTERFACES: Readonly<Record<string, readonly ObjectMapKind[]>> = {
  StackTraceMap: ['stackTraceMap'], RedirectMap: ['devMap', 'devMapHash', 'cpuMap', 'xskMap'], CgroupArray: ['cgroupArray'],
};

export function readObjectMap(r: MapReading, call: TS.CallExpression, name: string, kind: ObjectMapKind): MapDecl {
  const { ts, at } = r;
  const fail = (n: TS.Node, msg: string): never => { throw new CompileError(msg, at(n)); };
  if ((call.typeArguments ?? []).length > 0) fail(call, `${kind} takes no type arguments (its entries are kernel objects)`);
  const allowed = kind === 'stackTraceMap' ? 'maxEntries and depth' : 'maxEntries';
  const opts = call.arguments[0];
  if (opts === undefined || !ts.isObjectLiteralExpression(opts) || call.arguments.length > 1) return fail(call, `${kind} takes { ${kind === 'stackTraceMap' ? 'maxEntries: N, depth?: D' : 'maxEntries: N'} }`);
  let maxEntries: number | undefined;
  let depth: number | undefined;
  for (const p of opts.properties) {
    if (!ts.isPropertyAssignment(p) || !ts.isIdentifier(p.name) || !(p.name.text === 'maxEntries' || (p.name.text === 'depth' && kind === 'stackTraceMap'))) return fail(p, `the options of ${kind} are ${allowed}`);
    const n = r.number(p.initializer);
    if (n === undefined || !Number.isInteger(n)) return fail(p.initializer, `${p.name.text} is a number (literals, module constants, + - * <<)`);
    if (p.name.text === 'depth') {
      if (n < 1 || n > MAX_DEPTH) fail(p.initializer, `a stack trace map keeps 1 to ${MAX_DEPTH} addresses per stack`);
      depth = n;
    } else maxEntries = n;
  }
  if (maxEntries === undefined || maxEntries <= 0) return fail(opts, 'maxEntries must be a positive integer');
  return { name, kind, maxEntries, loc: at(call), ...(depth === undefined ? {} : { depth }) };
}

/** The DSL definition: u32 keys, values of the kernel's size (a u32 ifindex, queue size, fd; a stack's addresses). */
export function objectMapDef(m: MapDecl): MapDef {
  const k = KERNEL[m.kind as ObjectMapKind];
  const valueSize = m.kind === 'stackTraceMap' ? 8 * (m.depth ?? MAX_DEPTH) : 4;
  return new MapDef(k.type, undefined, undefined, { maxEntries: m.maxEntries, keySize: 4, valueSize });
}

/** Calling a method on one of these maps: what to do instead. */
export function objectMapUse(kind: string): string | undefined {
  const k = KERNEL[kind as ObjectMapKind];
  return k === undefined ? undefined : `a ${kind} has no methods: pass it to ${k.helpers}`;
}
