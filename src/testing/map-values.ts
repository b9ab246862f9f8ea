// Map keys and values as tests write them — bytes, integers (little-endian of the key or value
// size), or, for an object's maps with BTF, JS values (`{ packets: 2n, bytes: 120n }`) — turned
// into the bytes the maps hold, and back into text for failure messages.

import type { Btf } from '../../elf/index.js';
import { type BtfJsValue, decodeBtfValue, encodeBtfValue } from '../../loader/index.js';
import type { MapShape } from './backends.js';
import { TestingError } from './errors.js';
import { isObjectProgram, type TestSubject } from './subject.js';

/** A key or value: its bytes, an integer (little-endian, the map's key or value size), or a BTF-typed JS value. */
export type MapDatum = Uint8Array | number | bigint | BtfJsValue;

/** Expected map contents: a Map or a list of [key, value] pairs. */
export type MapEntries = ReadonlyMap<MapDatum, MapDatum> | readonly (readonly [MapDatum, MapDatum])[];

export interface MapCodec {
  readonly shape: MapShape;
  key(v: MapDatum): Uint8Array;
  value(v: MapDatum): Uint8Array;
  showKey(b: Uint8Array): string;
  showValue(b: Uint8Array): string;
}

function integerBytes(v: number | bigint, size: number, what: string): Uint8Array {
  if (size > 8 || size === 0) throw new TestingError(`${what}: an integer stands for a key or value of 1 to 8 bytes, not ${size}`);
  const n = BigInt(v);
  const bits = BigInt(size * 8);
  if (n < -(1n << (bits - 1n)) || n >= 1n << bits) throw new TestingError(`${what}: ${n} does not fit in ${size} bytes`);
  const out = new Uint8Array(size);
  let u = BigInt.asUintN(size * 8, n);
  for (let i = 0; i < size; i++) { out[i] = Number(u & 0xffn); u >>= 8n; }
  return out;
}

function integerOf(b: Uint8Array): bigint {
  let n = 0n;
  for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]!);
  return n;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function show(v: BtfJsValue): string {
  return JSON.stringify(v, (_, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x)).replace(/"(-?\d+)n"/g, '$1n');
}

/** BTF of a subject's map key and value, when the subject is an object whose map has them. */
function btfOf(subject: TestSubject, map: string): { btf: Btf; key?: number; value?: number } | undefined {
  if (!isObjectProgram(subject) || subject.object.btf === undefined) return undefined;
  const m = subject.object.maps.find((x) => x.name === map);
  if (m === undefined) return undefined;
  return { btf: subject.object.btf, ...(m.keyType === undefined ? {} : { key: m.keyType }), ...(m.valueType === undefined ? {} : { value: m.valueType }) };
}

export function mapCodec(subject: TestSubject, shape: MapShape): MapCodec {
  const types = btfOf(subject, shape.name);
  const encode = (v: MapDatum, size: number, id: number | undefined, what: string): Uint8Array => {
    if (v instanceof Uint8Array) {
      if (v.length !== size) throw new TestingError(`${what}: ${v.length} bytes, the map's are ${size}`);
      return v;
    }
    if (typeof v === 'number' || typeof v === 'bigint') {
      if (id !== undefined && types !== undefined && size > 8) {
        const out = new Uint8Array(size);
        encodeBtfValue(types.btf, id, v, out, what);
        return out;
      }
      return integerBytes(v, size, what);
    }
    if (types === undefined || id === undefined) throw new TestingError(`${what}: ${show(v)} needs the map's BTF type (give bytes or an integer)`);
    const out = new Uint8Array(size);
    encodeBtfValue(types.btf, id, v, out, what);
    return out;
  };
  const decode = (b: Uint8Array, id: number | undefined): string => {
    if (types !== undefined && id !== undefined) {
      try { return show(decodeBtfValue(types.btf, id, b)); } catch { /* shown as bytes below */ }
    }
    return b.length <= 8 ? String(integerOf(b)) : `0x${hex(b)}`;
  };
  return {
    shape,
    key: (v) => encode(v, shape.keySize, types?.key, `map ${shape.name}: key`),
    value: (v) => encode(v, shape.valueSize, types?.value, `map ${shape.name}: value`),
    showKey: (b) => decode(b, types?.key),
    showValue: (b) => decode(b, types?.value),
  };
}

export function entryList(entries: MapEntries): (readonly [MapDatum, MapDatum])[] {
  return entries instanceof Map ? [...entries.entries()] : [...(entries as readonly (readonly [MapDatum, MapDatum])[])];
}

const ARRAY_TYPES = new Set([2, 6]);
const isZero = (b: Uint8Array): boolean => b.every((x) => x === 0);

/**
 * The difference between a map's contents and the expected entries, as lines (empty when they
 * agree). Array maps: the elements not listed must be all zeros (every index exists).
 */
export function mapDifference(codec: MapCodec, actual: readonly [Uint8Array, Uint8Array][], expected: MapEntries): string[] {
  const isArray = ARRAY_TYPES.has(codec.shape.type);
  const have = new Map<string, Uint8Array>();
  for (const [k, v] of actual) if (!(isArray && isZero(v))) have.set(hex(k), v);
  const want = new Map<string, { key: Uint8Array; value: Uint8Array }>();
  for (const [k, v] of entryList(expected)) {
    const key = codec.key(k);
    const value = codec.value(v);
    if (want.has(hex(key))) throw new TestingError(`map ${codec.shape.name}: key ${codec.showKey(key)} is expected twice`);
    if (!(isArray && isZero(value))) want.set(hex(key), { key, value });
  }
  const lines: string[] = [];
  for (const [h, { key, value }] of want) {
    const got = have.get(h);
    if (got === undefined) lines.push(`  key ${codec.showKey(key)}: missing (expected ${codec.showValue(value)})`);
    else if (hex(got) !== hex(value)) lines.push(`  key ${codec.showKey(key)}: ${codec.showValue(got)}, expected ${codec.showValue(value)}`);
  }
  for (const [h, got] of have) {
    if (!want.has(h)) lines.push(`  key ${codec.showKey(Buffer.from(h, 'hex'))}: ${codec.showValue(got)}, not expected`);
  }
  return lines;
}
