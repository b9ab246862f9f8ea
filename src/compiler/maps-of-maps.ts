// Maps of maps: `arrayOfMaps(inner, { maxEntries, values: [a, null, b] })` and
// `hashOfMaps<K, typeof inner>(inner, { maxEntries })` are BPF_MAP_TYPE_ARRAY_OF_MAPS /
// HASH_OF_MAPS whose inner template is `inner`, a hash or array map of the module (libbpf's
// `__array(values, struct inner)`); `values` puts maps of the module in the first slots (their
// type, key, value and size the template's, as the kernel wants of every inner map). A program
// only looks up: `outer.lookup(k)` is bpf_map_lookup_elem(&outer, &k), the inner map or null, and
// the inner map's methods then take its address from that register instead of a relocation.

import type TS from 'typescript';
import { mapOfMaps, type MapDef, u32 } from '../dsl/index.js';
import { CompileError } from './errors.js';
import { sameType } from './lower-struct.js';
import type { Lowering } from './lower.js';
import { argAddress, mapAddress } from './lower-map.js';
import type { MapDecl } from './module.js';
import type { MapReading } from './queue-and-prog-maps.js';
import type { Val } from './values.js';
import { intLType, type LType } from './layout.js';
import { INT_TYPES } from './int-type.js';

export type MapOfMapsKind = 'arrayOfMaps' | 'hashOfMaps';
export const MAP_OF_MAPS_CONSTRUCTORS: ReadonlySet<string> = new Set<MapOfMapsKind>(['arrayOfMaps', 'hashOfMaps']);
/** The map kinds a template may be. */
const INNER_KINDS = new Set(['hashMap', 'lruHashMap', 'perCpuHashMap', 'arrayMap', 'perCpuArrayMap']);

export function readMapOfMaps(r: MapReading, call: TS.CallExpression, name: string, kind: MapOfMapsKind, maps: ReadonlyMap<string, MapDecl>): MapDecl {
  const { ts, at } = r;
  const fail = (n: TS.Node, msg: string): never => { throw new CompileError(msg, at(n)); };
  const [tmpl, opts] = call.arguments;
  const shape = kind === 'arrayOfMaps' ? 'arrayOfMaps(inner, { maxEntries: N, values?: [map | null, …] })' : 'hashOfMaps<K, typeof inner>(inner, { maxEntries: N })';
  if (tmpl === undefined || opts === undefined || call.arguments.length !== 2) return fail(call, `${kind} takes the inner map and options: ${shape}`);
  const innerMap = (e: TS.Expression, what: string): MapDecl => {
    const m = ts.isIdentifier(e) ? maps.get(e.text) : undefined;
    if (m === undefined) return fail(e, `${what} is a map declared above in this module`);
    if (!INNER_KINDS.has(m.kind)) fail(e, `${what} is a hash or array map (${[...INNER_KINDS].join(', ')}), not a ${m.kind}`);
    return m;
  };
  const inner = innerMap(tmpl, 'the inner map');
  let key: LType = intLType(INT_TYPES.u32!);
  if (kind === 'hashOfMaps') {
    const k = call.typeArguments?.[0];
    if (k === undefined) return fail(call, `hashOfMaps takes the key type first: ${shape}`);
    key = r.layout(k) ?? fail(k, 'keys are integer types (u8 … u64, s8 … s64), structs (interfaces) or Arr<T, N>');
  }
  if (!ts.isObjectLiteralExpression(opts)) return fail(opts, `${kind} takes { maxEntries: N${kind === 'arrayOfMaps' ? ', values?: [map | null, …]' : ''} }`);
  let maxEntries: number | undefined;
  let slots: (MapDecl | null)[] | undefined;
  for (const p of opts.properties) {
    const pname = ts.isPropertyAssignment(p) && ts.isIdentifier(p.name) ? p.name.text : undefined;
    if (pname === 'maxEntries') maxEntries = r.number((p as TS.PropertyAssignment).initializer) ?? fail(p, 'maxEntries is a number (literals, module constants, + - * <<)');
    else if (pname === 'values' && kind === 'arrayOfMaps') {
      const list = (p as TS.PropertyAssignment).initializer;
      if (!ts.isArrayLiteralExpression(list)) return fail(list, 'values is [map | null, …]: the maps of the first slots');
      slots = list.elements.map((x) => {
        if (x.kind === ts.SyntaxKind.NullKeyword) return null;
        const m = innerMap(x, 'a slot');
        if (m.kind !== inner.kind || !sameType(m.key!, inner.key!) || !sameType(m.value!, inner.value!) || m.maxEntries !== inner.maxEntries) {
          fail(x, `${m.name} is not like the inner map ${inner.name} (a ${inner.kind} of ${inner.maxEntries}): the kernel puts only maps of the template's type, key, value and size in a map of maps`);
        }
        return m;
      });
    } else fail(p, `the options of ${kind} are maxEntries${kind === 'arrayOfMaps' ? ' and values' : ''}`);
  }
  if (maxEntries === undefined || !Number.isInteger(maxEntries) || maxEntries <= 0) return fail(opts, 'maxEntries must be a positive integer');
  if (slots !== undefined && slots.length > maxEntries) fail(opts, `values fills ${slots.length} slots of a map of ${maxEntries}`);
  return { name, kind, key, maxEntries, loc: at(call), inner, ...(slots === undefined ? {} : { innerSlots: slots.map((s) => s?.name ?? null) }) };
}

/** The DSL definition: the template's definition as the inner map, the slots by map name. */
export function mapOfMapsDef(m: MapDecl, def: (m: MapDecl) => MapDef): MapDef {
  return mapOfMaps(m.kind === 'arrayOfMaps' ? 'array_of_maps' : 'hash_of_maps', {
    key: m.key?.ctype ?? u32, maxEntries: m.maxEntries, inner: def(m.inner!),
    ...(m.innerSlots === undefined ? {} : { values: m.innerSlots as never }),
  });
}

/** `outer.lookup(k)`: the inner map (a register holding its address) or null. */
export function mapOfMapsMethod(L: Lowering, map: MapDecl, method: string, e: TS.CallExpression): Val | undefined {
  if (map.kind !== 'arrayOfMaps' && map.kind !== 'hashOfMaps') return undefined;
  if (method !== 'lookup') return L.fail(e.expression, `a map of maps has lookup (not ${method}): user space puts the maps in it`);
  if (e.arguments.length !== 1) L.fail(e, 'lookup takes the key');
  const k = argAddress(L, e.arguments[0], map.key!, 'the key', e);
  const d = L.newV();
  L.emit({ op: 'call', helper: 1, args: [{ reg: mapAddress(L, map) }, { reg: k }], d });
  return { k: 'map', map: { ...map.inner!, via: d } };
}
