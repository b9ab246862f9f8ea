// Map methods: lookup, update, delete, increment on hash and array maps whose keys and values are
// integers (stored in a stack slot for the helper) or structs and arrays (passed by address);
// ring buffers and perf event arrays are ringbuf.ts's.

import type TS from 'typescript';
import { type IntType, S64, U32 } from './int-type.js';
import type { Operand, Size, VReg } from './ir.js';
import { type Aggregate, type LType, SPIN_LOCK, TIMER } from './layout.js';
import { CompileError } from './errors.js';
import type { Lowering } from './lower.js';
import { address, sameType, typeName } from './lower-struct.js';
import type { MapDecl } from './module.js';
import { ringMethod } from './ringbuf.js';
import { VALUE_MAP_KINDS, valueMapMethod } from './lower-queue.js';
import { objectMapUse } from './object-maps.js';
import { storageMethod } from './lower-storage.js';
import { mapOfMapsMethod } from './maps-of-maps.js';
import type { Val } from './values.js';

const HASH_KINDS = new Set(['hashMap', 'lruHashMap', 'perCpuHashMap']);
const PER_CPU_KINDS = new Set(['perCpuHashMap', 'perCpuArrayMap']);
const BPF_MAP_LOOKUP_PERCPU_ELEM = 195;

/** Program kinds whose kernel program types may not use a map with a spin lock (check_map_prog_compatibility). */
const NO_SPIN_LOCK: Readonly<Record<string, string>> = {
  socketFilter: 'socket filter', tracepoint: 'tracing', kprobe: 'tracing', kretprobe: 'tracing', uprobe: 'tracing', uretprobe: 'tracing', rawTracepoint: 'tracing',
};

/** Whether a value type holds the special struct `special` (a SpinLock, a Timer). */
export function holds(t: LType | undefined, special: LType): boolean {
  if (t === undefined || t.kind === 'int') return false;
  if (t === special) return true;
  return t.kind === 'array' ? holds(t.elem, special) : [...t.fields.values()].some((f) => holds(f.type, special));
}

export function mapAddress(L: Lowering, map: MapDecl): VReg {
  const refused = NO_SPIN_LOCK[L.prog.kind];
  if (refused !== undefined && holds(map.value, SPIN_LOCK)) throw new CompileError(`${map.name}'s values hold a SpinLock: ${refused} programs cannot use such a map (the kernel refuses them; tc, XDP, cgroup programs can)`, L.loc ?? L.at(L.prog.body));
  if (refused === 'tracing' && holds(map.value, TIMER)) throw new CompileError(`${map.name}'s values hold a Timer: tracing programs cannot use such a map (the kernel refuses them)`, L.loc ?? L.at(L.prog.body));
  if (map.via !== undefined) return map.via;
  const v = L.newV();
  L.emit({ op: 'ldmap', d: v, map: map.name });
  return v;
}

/** A stack slot holding v as type t: its offset. */
export function storeOnStack(L: Lowering, v: Val & { k: 'const' | 'reg' }, t: IntType, n: TS.Node | undefined): number {
  const size = (t.bits / 8) as Size;
  const off = L.slot(size);
  L.emit({ op: 'st', size, base: 'fp', off, s: L.operand(L.convert(v, t, n)) });
  return off;
}

/** The address of a key or value of layout t: an integer stored on the stack, or a struct's own memory. */
export function argAddress(L: Lowering, a: TS.Expression | undefined, t: LType, what: string, e: TS.Node): VReg {
  if (a === undefined) return L.fail(e, `${what} is missing`);
  const v = L.expr(a);
  if (t.kind === 'int') {
    const off = storeOnStack(L, L.intVal(v, a), t.int, a);
    const p = L.newV();
    L.emit({ op: 'addrfp', d: p, off });
    return p;
  }
  if (v.k !== 'mem' || !sameType(v.ty, t)) return L.fail(a, `${what} is a ${typeName(t)}`);
  return address(L, v);
}

export function mapMethod(L: Lowering, map: MapDecl, method: string, e: TS.CallExpression): Val {
  if (map.kind === 'ringBuf' || map.kind === 'perfEventArray') return ringMethod(L, map, method, e);
  if (VALUE_MAP_KINDS.has(map.kind)) return valueMapMethod(L, map, method, e);
  const storage = storageMethod(L, map, method, e) ?? mapOfMapsMethod(L, map, method, e);
  if (storage !== undefined) return storage;
  const objectMap = objectMapUse(map.kind);
  if (objectMap !== undefined) return L.fail(e.expression, objectMap);
  if (map.kind === 'progArray') return L.fail(e.expression, `a prog array has no methods: tailCall(ctx, ${map.name}, index) jumps through it`);
  const args = e.arguments;
  const kt = map.key!, vt = map.value!;
  const call = (helper: number, ops: Operand[]): Val & { k: 'reg' } => {
    const d = L.newV();
    L.emit({ op: 'call', helper, args: ops, d });
    return { k: 'reg', v: d, type: S64, owned: true };
  };
  switch (method) {
    case 'lookup': case 'lookupOnCpu': {
      const onCpu = method === 'lookupOnCpu';
      if (onCpu && !PER_CPU_KINDS.has(map.kind)) L.fail(e.expression, `lookupOnCpu reads another CPU's value of a per-CPU map; ${map.name} is a ${map.kind}`);
      if (args.length !== (onCpu ? 2 : 1)) L.fail(e, onCpu ? 'lookupOnCpu takes the key and the CPU' : 'lookup takes the key');
      const k = argAddress(L, args[0], kt, 'the key', e);
      const cpu = onCpu ? [L.operand(L.convert(L.intVal(L.expr(args[1]!), args[1]), U32, args[1]))] : [];
      const d = call(onCpu ? BPF_MAP_LOOKUP_PERCPU_ELEM : 1, [{ reg: mapAddress(L, map) }, { reg: k }, ...cpu]).v;
      if (vt.kind === 'int') return { k: 'cell', v: d, type: vt.int, map };
      return { k: 'mem', base: d, off: 0, ty: vt as Aggregate, nullable: true, align: 8, map }; // map values are 8-aligned
    }
    case 'update': {
      const k = argAddress(L, args[0], kt, 'the key', e);
      const v = argAddress(L, args[1], vt, 'the value', e);
      let flags = 0n;
      const mode = args[2];
      if (mode !== undefined) {
        if (!L.ts.isStringLiteral(mode) || !['any', 'noexist', 'exist'].includes(mode.text)) L.fail(mode, "the update mode is 'any', 'noexist' or 'exist'");
        flags = BigInt(['any', 'noexist', 'exist'].indexOf((mode as TS.StringLiteral).text));
      }
      return call(2, [{ reg: mapAddress(L, map) }, { reg: k }, { reg: v }, { imm: flags }]);
    }
    case 'delete': {
      if (!HASH_KINDS.has(map.kind)) L.fail(e.expression, 'array entries cannot be deleted');
      const k = argAddress(L, args[0], kt, 'the key', e);
      return call(3, [{ reg: mapAddress(L, map) }, { reg: k }]);
    }
    case 'increment': return increment(L, map, e);
    default:
      return L.fail(e.expression, `maps have lookup, update, delete and increment${PER_CPU_KINDS.has(map.kind) ? ', lookupOnCpu' : ''} (not ${method})`);
  }
}

/** A lookup, an atomic add, and on a miss an update with BPF_NOEXIST (hash maps). */
function increment(L: Lowering, map: MapDecl, e: TS.CallExpression): Val {
  const args = e.arguments;
  const vt = map.value!;
  if (vt.kind !== 'int') return L.fail(e.expression, `increment adds to an integer value; ${map.name}'s values are ${typeName(vt)}`);
  const arg = (i: number): Val & { k: 'const' | 'reg' } => L.intVal(L.expr(args[i]!), args[i]);
  // The key's address serves the lookup and, on a miss, the update (helpers do not write it).
  const kt = map.key!;
  const keyOff = kt.kind === 'int' ? storeOnStack(L, arg(0), kt.int, args[0]) : undefined;
  const keyMem = keyOff === undefined ? argAddress(L, args[0], kt, 'the key', e) : undefined;
  // A stack address is recomputed (two instructions) rather than kept across the call in R6–R9.
  const key = (): VReg => {
    if (keyMem !== undefined) return keyMem;
    const p = L.newV();
    L.emit({ op: 'addrfp', d: p, off: keyOff! });
    return p;
  };
  const by = args[1] === undefined ? { k: 'const' as const, type: vt.int, c: 1n } : L.convert(arg(1), vt.int, args[1]);
  const cell = L.newV();
  L.emit({ op: 'call', helper: 1, args: [{ reg: mapAddress(L, map) }, { reg: key() }], d: cell });
  const miss = L.label('miss'), done = L.label('incd');
  L.emit({ op: 'br', cmp: 'jeq', w: 64, a: cell, b: { imm: 0n }, target: miss });
  const size = vt.size;
  if (size === 4 || size === 8) {
    const b = L.toReg(by);
    L.emit({ op: 'atomicAdd', size, base: cell, off: 0, s: b.v });
  } else {
    const cur = L.loadCell({ k: 'cell', v: cell, type: vt.int, map });
    const nv = L.arith('add', cur, by, e);
    L.emit({ op: 'st', size: size as Size, base: cell, off: 0, s: L.operand(nv) });
  }
  L.emit({ op: 'jmp', target: done });
  L.place(miss);
  if (HASH_KINDS.has(map.kind)) {
    const off = storeOnStack(L, by, vt.int, undefined);
    const v = L.newV();
    L.emit({ op: 'addrfp', d: v, off });
    L.emit({ op: 'call', helper: 2, args: [{ reg: mapAddress(L, map) }, { reg: key() }, { reg: v }, { imm: 1n }] });
  }
  L.place(done);
  return { k: 'const', type: S64, c: 0n };
}
