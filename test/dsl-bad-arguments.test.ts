// Builder arguments cast past the TypeScript types (what the campaign's arg-type mutations do):
// every builder call with null, undefined, a string, an object, a prototype-less object, a
// symbol, a bigint, NaN, 0.5, a huge number or a function where it wants something else fails
// with a TsbpfError (DslError at the user's line: exit 2), never a TypeError or RangeError from
// tsbpf's own code (exit 3).
import { expect, it } from 'vitest';
import { TsbpfError } from '../isa/index.js';
import { array, asm, defineObject, hashMap, htonl, htons, program, R0, R1, struct, u32, u64 } from '../src/dsl/index.js';
import * as D from '../src/dsl/index.js';
const BAD: unknown[] = [null, undefined, 'str', {}, -1, 1e20, NaN, 0.5, [], () => 1, 12345678901234567890n, Symbol('s'), Object.create(null)];
it('every builder refuses values of the wrong kind with a TsbpfError', () => {
  const m = hashMap({ key: u32, value: u64, maxEntries: 16 });
  const calls: [string, (b: any, x: any) => void][] = [
    ['set dst', (b, x) => b.set(x, 1)], ['set val', (b, x) => b.set(R0, x)], ['local size', (b, x) => b.local('a', x, 1)], ['local init', (b, x) => b.local('a', 4, x)],
    ['alloc', (b, x) => b.alloc('a', x)], ['alloc name', (b, x) => b.alloc(x, 8)], ['load size', (b, x) => b.load(x, R0, R1, 0)], ['load off', (b, x) => b.load(4, R0, R1, x)],
    ['store val', (b, x) => b.store(4, R1, 0, x)], ['store size', (b, x) => b.store(x, R1, 0, 1)], ['if op', (b, x) => b.if(R0, x, 1, () => {})], ['if rhs', (b, x) => b.if(R0, '==', x, () => {})],
    ['if then', (b, x) => b.if(R0, '==', 1, x)], ['loop count', (b, x) => b.loop(x, () => {})], ['return', (b, x) => b.return(x)], ['printk fmt', (b, x) => b.printk(x)],
    ['printk arg', (b, x) => b.printk('a %d', x)], ['printk arg4', (b, x) => b.printk('a', 1, 2, 3, x)], ['call arg', (b, x) => b.call('map_lookup_elem', m, x)], ['call map', (b, x) => b.call('map_lookup_elem', x, R1)],
    ['lookup', (b, x) => b.lookup(m, x, () => {})], ['lookup map', (b, x) => b.lookup(x, R1 as any, () => {})], ['atomicAdd', (b, x) => b.atomicAdd(8, R1, 0, x)], ['atomicAdd size', (b, x) => b.atomicAdd(x, R1, 0, 1)],
    ['emit', (b, x) => b.emit(x)], ['ntohs', (b, x) => b.ntohs(x)], ['mov', (b, x) => b.emit(asm.mov(R0, x))], ['jeq', (b, x) => b.emit(asm.jeq(R0, 1, x))], ['ldx', (b, x) => b.emit(asm.ldx(x, R0, R1, 0))],
    ['lddw', (b, x) => b.emit(asm.lddw(R0, x))], ['callFunction', (b, x) => b.callFunction(x)], ['let', (b, x) => b.let(x)], ['release', (b, x) => b.release(x)], ['param', (b, x) => b.set(R0, b.param(x))],
    ['htons', (b, x) => b.set(R0, htons(x))], ['htonl', (b, x) => b.set(R0, htonl(x))],
    ['callKfunc', (b, x) => b.callKfunc(x)], ['zero', (b, x) => b.zero(x)], ['bpfLoop', (b, x) => b.bpfLoop(1, x)], ['loadField', (b, x) => b.loadField(R0, R1, x, 'a')], ['label', (b, x) => b.emit(asm.label(x))], ['ja', (b, x) => b.emit(asm.ja(x))],
  ];
  const bad: string[] = [];
  for (const [name, f] of calls) for (const x of BAD) {
    try {
      defineObject({ license: 'GPL', maps: { m }, programs: { p: program('xdp', (b) => { f(b, x); }) } }).build();
    } catch (e) {
      if (!(e instanceof TsbpfError)) bad.push(`${name} ${typeof x === "symbol" ? "sym" : typeof x === "object" && x !== null ? "obj" : String(x)}: ${(e as Error)?.name}: ${(e as Error)?.message}`);
    }
  }
  // Type descriptors of bad parts (found by the campaign: array(undefined, 4), struct('t', null)).
  for (const x of BAD) {
    for (const [name, make] of [['array', () => array(x as never, 4)], ['struct', () => struct('t', x as never)], ['struct field', () => struct('t', { a: x as never })]] as const) {
      try { make(); } catch (e) { if (!(e instanceof TsbpfError)) bad.push(`${name} ${typeof x}: ${(e as Error)?.name}: ${(e as Error)?.message}`); }
    }
  }
  expect(bad).toEqual([]);
});

it('an object spec past the types (no programs, a misspelt key, maps of the wrong kind) is a DslError', () => {
  // Found by the campaign (dsl area, seed 2: hello-world.ts with `programs` misspelt was exit 3).
  for (const spec of [{ license: 'GPL', prog0ams: {} }, { license: 'GPL', programs: null }, { license: 'GPL', programs: {}, maps: 5 }, { license: 'GPL', programs: {}, globals: 'x' }]) {
    expect(() => defineObject(spec as any).build(), JSON.stringify(spec)).toThrow(TsbpfError);
  }
});

it('every map constructor given a spec that is not an object is a DslError naming it', () => {
  // Found by the campaign (dsl area, seed 3: tcp-states.ts with ringBufMap(null) was exit 3).
  const constructors: [string, (spec: any) => unknown][] = [
    ['hashMap', D.hashMap], ['arrayMap', D.arrayMap], ['percpuHashMap', D.percpuHashMap], ['percpuArrayMap', D.percpuArrayMap],
    ['lruHashMap', D.lruHashMap], ['lruPercpuHashMap', D.lruPercpuHashMap], ['lpmTrieMap', D.lpmTrieMap], ['ringBufMap', D.ringBufMap],
    ['progArrayMap', D.progArrayMap], ['stackTraceMap', D.stackTraceMap], ['bloomFilterMap', D.bloomFilterMap],
    ['keyValueMap', (s) => D.keyValueMap('hash', s)], ['queueMap', (s) => D.queueMap('queue', s)], ['mapOfMaps', (s) => D.mapOfMaps('array_of_maps', s)],
  ];
  for (const [name, make] of constructors) {
    for (const bad of [null, undefined, 5, 'x']) {
      expect(() => make(bad), `${name}(${String(bad)})`).toThrow(new RegExp(`${name} needs a spec object`));
      try { make(bad); } catch (e) { expect(e, `${name}(${String(bad)})`).toBeInstanceOf(TsbpfError); }
    }
  }
});
