// A BTF type graph: own types (ids firstId..lastId) on top of an optional base (split BTF).
// Decoded graphs are lazy: the decoder validates every record and keeps an offset table, and a
// type becomes an object only when asked for. Lookups by name use an index over string offsets.

import type { ByteOrder } from '../../isa/index.js';
import { BtfError } from './errors.js';
import { KIND_MASK, KIND_NAMES, KIND_SHIFT, VLEN_MASK } from './kinds.js';
import type { BtfStringTable } from './strings.js';
import { LINKAGES, type BtfKind, type BtfMember, type BtfType } from './types.js';
import { utf8Bytes } from './strings.js';
import { emptyNameIndex, NAME_HASH, type NameIndex } from './name-index.js';
import { walkTypesFull } from './walk-full.js';
import { LAYOUT_BY_KIND } from './fields.js';

/** One entry of the kind layout section (the extended header's layout_off/len): how long a kind's records are. Indexed by kind number. */
export interface BtfLayoutEntry {
  /** Bytes after the 12-byte record. */
  readonly infoSize: number;
  /** Bytes per vlen element. */
  readonly elemSize: number;
  readonly flags: number;
}

/**
 * The raw form a decoded Btf keeps: the blob, where each own type starts, and the strings.
 * @internal the decoder's and the BTF sanitiser's; not in the published types.
 */
export interface BtfRaw {
  readonly bytes: Uint8Array;
  /** The type section as 32-bit words in host order. */
  readonly words: Uint32Array;
  /** Byte offset of the type section in `bytes`. */
  readonly typeOffset: number;
  readonly le: boolean;
  /** Word index in `words` of each own type record, by id - firstId. */
  readonly offsets: Uint32Array;
  readonly strings: BtfStringTable;
  /** Header length as found (24 or 32). */
  readonly headerLength: number;
  /** The name index, when the decoder built it. */
  readonly nameIndex?: NameIndex;
  /** How much the decoder checked (DecodeBtfOptions.validation); 'full' when absent. */
  readonly validation?: 'full' | 'structure';
}

export interface BtfOptions {
  readonly base?: Btf | undefined;
  readonly byteOrder?: ByteOrder | undefined;
  /** Kind layout section to emit (makes the header the 32-byte extended one). */
  readonly layout?: readonly BtfLayoutEntry[] | undefined;
  /** Header flags byte. */
  readonly flags?: number | undefined;
}

export class Btf {
  readonly base: Btf | undefined;
  readonly byteOrder: ByteOrder;
  readonly layout: readonly BtfLayoutEntry[] | undefined;
  readonly flags: number;
  /** Id of the first own type: 1, or the base's lastId + 1. */
  readonly firstId: number;
  /** @internal Decoded form; undefined for a graph built in memory. */
  readonly raw: BtfRaw | undefined;
  /** Built types by id - firstId; allocated on the first type() of a decoded graph (a parse alone never needs it). */
  private cache: (BtfType | undefined)[] | undefined;
  private readonly count: number;
  private nameIndex: NameIndex | undefined;
  private readonly lookups = new Map<string, readonly number[]>();
  private builtIndex: Map<string, number[]> | undefined;

  private constructor(options: BtfOptions, count: number, raw: BtfRaw | undefined, types: BtfType[] | undefined) {
    this.base = options.base;
    this.byteOrder = options.byteOrder ?? options.base?.byteOrder ?? 'le';
    this.layout = options.layout;
    this.flags = options.flags ?? 0;
    this.firstId = options.base === undefined ? 1 : options.base.lastId + 1;
    this.raw = raw;
    this.count = count;
    this.cache = types;
  }

  /** A graph built in memory; ids are assigned in array order from firstId. */
  static fromTypes(types: readonly BtfType[], options: BtfOptions = {}): Btf {
    return new Btf(options, types.length, undefined, [...types]);
  }

  /** @internal used by decodeBtf; not in the published types. */
  static fromRaw(raw: BtfRaw, options: BtfOptions): Btf {
    return new Btf(options, raw.offsets.length, raw, undefined);
  }

  /** Number of own types (not counting the base's or void). */
  get length(): number { return this.count; }
  /** Highest type id of this graph (the base's last id when it has no own types). */
  get lastId(): number { return this.firstId + this.count - 1; }

  /** True when id names a type of this graph or its base (0, void, is not a type). */
  has(id: number): boolean { return Number.isInteger(id) && id >= 1 && id <= this.lastId; }

  /**
   * The type with this id, from this graph or its base; undefined for void (0) or an unknown id.
   * A decoded type is built on first use and kept; `{ cache: false }` builds it without keeping it,
   * for one pass over a big graph (listings) that should leave nothing for the garbage collector.
   */
  type(id: number, options?: { readonly cache?: boolean }): BtfType | undefined {
    if (id < this.firstId) return id >= 1 ? this.base?.type(id, options) : undefined;
    const i = id - this.firstId;
    if (!(i < this.count) || !Number.isInteger(i)) return undefined;
    let t = this.cache?.[i];
    if (t === undefined) {
      t = this.materialize(i);
      if (options?.cache !== false) (this.cache ??= new Array<BtfType | undefined>(this.count))[i] = t;
    }
    return t;
  }

  /** Like type(), but throws (RangeError) for void or an unknown id. */
  requireType(id: number): BtfType {
    const t = this.type(id);
    if (t === undefined) throw new RangeError(`no BTF type with id ${id} (ids run 1..${this.lastId})`);
    return t;
  }

  /** Kind of a type without building it ('VOID' for id 0). */
  kindOf(id: number): BtfKind | 'VOID' {
    if (id === 0) return 'VOID';
    if (id < this.firstId) return this.base?.kindOf(id) ?? 'VOID';
    const i = id - this.firstId;
    const raw = this.raw;
    if (raw !== undefined && this.cache?.[i] === undefined && i < this.count) {
      const info = raw.words[raw.offsets[i]! + 1]!;
      return KIND_NAMES[(info >>> KIND_SHIFT) & KIND_MASK] ?? 'UNKNOWN';
    }
    return this.requireType(id).kind;
  }

  /** Name of a type without building it ('' for anonymous types and void). */
  nameOf(id: number): string {
    if (id === 0) return '';
    if (id < this.firstId) return this.base?.nameOf(id) ?? '';
    const i = id - this.firstId;
    const raw = this.raw;
    if (raw !== undefined && this.cache?.[i] === undefined && i < this.count) {
      return this.string(raw.words[raw.offsets[i]!]!);
    }
    return this.requireType(id).name;
  }

  /**
   * Byte offset of a type's record in the blob it was decoded from (its base's for a base type), for
   * errors; 0 for a graph built in memory, void or an unknown id.
   */
  byteOffsetOf(id: number): number {
    if (id < this.firstId) return id >= 1 ? this.base?.byteOffsetOf(id) ?? 0 : 0;
    const raw = this.raw;
    const i = id - this.firstId;
    if (raw === undefined || !(i < this.count) || !Number.isInteger(i)) return 0;
    return raw.typeOffset + 4 * raw.offsets[i]!;
  }

  /** Own types in id order. */
  *types(): IterableIterator<[id: number, type: BtfType]> {
    for (let i = 0; i < this.count; i++) yield [this.firstId + i, this.type(this.firstId + i)!];
  }

  /** The string at a global string offset (this table or the base's). */
  string(offset: number): string {
    if (offset === 0) return '';
    const raw = this.raw;
    if (raw !== undefined && offset >= raw.strings.start) return raw.strings.get(offset);
    if (this.base !== undefined) return this.base.string(offset);
    if (raw !== undefined) return raw.strings.get(offset);
    throw new RangeError(`graph has no string table (offset ${offset})`);
  }

  /** Total string length including the base's (the first global offset a split table would use). */
  get stringsEnd(): number {
    if (this.raw !== undefined) return this.raw.strings.end;
    return this.base?.stringsEnd ?? 0;
  }

  /**
   * Ids of the types named `name` (optionally only of one kind), base first, ascending.
   * The first call builds an index of own types by name offset; each distinct name is then found
   * by a native search of the string section and cached.
   */
  findByName(name: string, kind?: BtfKind): number[] {
    const fromBase = this.base?.findByName(name, kind) ?? [];
    let own = this.lookups.get(name);
    if (own === undefined) {
      own = this.lookupOwn(name);
      this.lookups.set(name, own);
    }
    const out = fromBase.length === 0 ? [] : [...fromBase];
    for (const id of own) if (kind === undefined || this.kindOf(id) === kind) out.push(id);
    return out;
  }

  /** The one type of this name and kind; undefined when there is none, RangeError when several. */
  findOne(name: string, kind: BtfKind): number | undefined {
    const ids = this.findByName(name, kind);
    if (ids.length > 1) throw new RangeError(`${ids.length} ${kind} types are named '${name}': ids ${ids.join(', ')}`);
    return ids[0];
  }

  /**
   * Builds the name index now (lookups build it on first use; decodeBtf builds it while it walks
   * the records, so for a decoded graph this is free). No string is decoded.
   */
  buildNameIndex(): void {
    if (this.raw === undefined) { this.memoryIndex(); return; }
    if (this.nameIndex !== undefined) return;
    if (this.raw.nameIndex !== undefined) { this.nameIndex = this.raw.nameIndex; return; }
    const { words, offsets } = this.raw;
    const index = emptyNameIndex(this.count);
    const { heads, next, shift } = index;
    for (let i = this.count - 1; i >= 0; i--) {
      const off = words[offsets[i]!]!;
      if (off === 0) continue;
      const h = Math.imul(off, NAME_HASH) >>> shift;
      next[i] = heads[h]!;
      heads[h] = i + 1;
    }
    this.nameIndex = index;
  }

  private memoryIndex(): Map<string, number[]> {
    if (this.builtIndex === undefined) {
      const m = new Map<string, number[]>();
      for (let i = 0; i < this.count; i++) {
        const t = this.cache![i]!;
        if (t.name === '') continue;
        const list = m.get(t.name);
        if (list === undefined) m.set(t.name, [this.firstId + i]);
        else list.push(this.firstId + i);
      }
      this.builtIndex = m;
    }
    return this.builtIndex;
  }

  private lookupOwn(name: string): number[] {
    if (name === '') return [];
    if (this.raw === undefined) return this.memoryIndex().get(name) ?? [];
    this.buildNameIndex();
    const { heads, next, shift } = this.nameIndex!;
    const { words, offsets } = this.raw;
    const needle = Buffer.from(utf8Bytes(`${name}\0`));
    const ids: number[] = [];
    const collect = (table: BtfStringTable): void => {
      const hay = Buffer.from(table.bytes.buffer, table.bytes.byteOffset, table.bytes.byteLength);
      for (let p = hay.indexOf(needle); p >= 0; p = hay.indexOf(needle, p + 1)) {
        const off = table.start + p;
        const h = Math.imul(off, NAME_HASH) >>> shift;
        for (let k = heads[h]!; k !== 0; k = next[k - 1]!) if (words[offsets[k - 1]!] === off) ids.push(this.firstId + k - 1);
      }
    };
    // Own types may name strings of the base's table (split BTF reuses them).
    for (let b: Btf | undefined = this.base; b !== undefined; b = b.base) if (b.raw !== undefined) collect(b.raw.strings);
    collect(this.raw.strings);
    return ids.sort((a, b) => a - b);
  }

  /**
   * The full check of one record of a graph decoded with the structural check, before it becomes
   * an object: a fault the decoder did not look at is a BtfError (at its byte offset) here, the
   * error a full decode gives, rather than an object with an undefined linkage or a dangling id.
   */
  private checkRecord(i: number): void {
    const raw = this.raw!;
    const p = raw.offsets[i]!;
    const end = i + 1 < this.count ? raw.offsets[i + 1]! : raw.words.length;
    walkTypesFull({
      words: raw.words.subarray(p, end), typeOffset: raw.typeOffset + 4 * p, strEnd: raw.strings.end,
      layout: this.layout, firstId: this.firstId + i, lastId: this.lastId,
    });
  }

  private materialize(i: number): BtfType {
    const raw = this.raw!;
    const { words } = raw;
    const p = raw.offsets[i]!;
    if (raw.validation === 'structure') this.checkRecord(i);
    const name = this.string(words[p]!);
    const info = words[p + 1]!;
    const kindNumber = (info >>> KIND_SHIFT) & KIND_MASK;
    const kindFlag = info >>> 31 === 1;
    const vlen = info & VLEN_MASK;
    const st = words[p + 2]!;
    const q = p + 3;
    /** Words per element (member, enumerator, parameter, section entry). */
    const stride = LAYOUT_BY_KIND[kindNumber]?.elemWords ?? 0;
    switch (KIND_NAMES[kindNumber]) {
      case 'INT': {
        const d = words[q]!;
        return { kind: 'INT', name, size: st, encoding: (d >>> 24) & 0x0f, bitsOffset: (d >>> 16) & 0xff, bits: d & 0xff };
      }
      case 'PTR': return { kind: 'PTR', name, type: st };
      case 'TYPEDEF': return { kind: 'TYPEDEF', name, type: st };
      case 'VOLATILE': return { kind: 'VOLATILE', name, type: st };
      case 'CONST': return { kind: 'CONST', name, type: st };
      case 'RESTRICT': return { kind: 'RESTRICT', name, type: st };
      case 'TYPE_TAG': return { kind: 'TYPE_TAG', name, type: st, kindFlag };
      case 'ARRAY':
        return { kind: 'ARRAY', name, type: words[q]!, indexType: words[q + 1]!, nelems: words[q + 2]! };
      case 'STRUCT':
      case 'UNION': {
        const members: BtfMember[] = new Array(vlen);
        for (let k = 0; k < vlen; k++) {
          const m = q + k * stride;
          const off = words[m + 2]!;
          members[k] = {
            name: this.string(words[m]!), type: words[m + 1]!,
            bitsOffset: kindFlag ? off & 0xffffff : off, bitfieldSize: kindFlag ? off >>> 24 : 0,
          };
        }
        return { kind: kindNumber === 4 ? 'STRUCT' : 'UNION', name, size: st, kindFlag, members };
      }
      case 'ENUM': {
        const values = new Array(vlen);
        for (let k = 0; k < vlen; k++) {
          const m = q + k * stride;
          values[k] = { name: this.string(words[m]!), value: kindFlag ? (words[m + 1]! | 0) : words[m + 1]! };
        }
        return { kind: 'ENUM', name, size: st, signed: kindFlag, values };
      }
      case 'ENUM64': {
        const values = new Array(vlen);
        for (let k = 0; k < vlen; k++) {
          const m = q + k * stride;
          const v = (BigInt(words[m + 2]!) << 32n) | BigInt(words[m + 1]!);
          values[k] = { name: this.string(words[m]!), value: kindFlag ? BigInt.asIntN(64, v) : v };
        }
        return { kind: 'ENUM64', name, size: st, signed: kindFlag, values };
      }
      case 'FWD': return { kind: 'FWD', name, union: kindFlag };
      case 'FUNC': return { kind: 'FUNC', name, type: st, linkage: LINKAGES[vlen]! };
      case 'FUNC_PROTO': {
        const params = new Array(vlen);
        for (let k = 0; k < vlen; k++) {
          const m = q + k * stride;
          params[k] = { name: this.string(words[m]!), type: words[m + 1]! };
        }
        return { kind: 'FUNC_PROTO', name, returnType: st, params };
      }
      case 'VAR': return { kind: 'VAR', name, type: st, linkage: LINKAGES[words[q]!]! };
      case 'DATASEC': {
        const vars = new Array(vlen);
        for (let k = 0; k < vlen; k++) {
          const m = q + k * stride;
          vars[k] = { type: words[m]!, offset: words[m + 1]!, size: words[m + 2]! };
        }
        return { kind: 'DATASEC', name, size: st, vars };
      }
      case 'FLOAT': return { kind: 'FLOAT', name, size: st };
      case 'DECL_TAG': return { kind: 'DECL_TAG', name, type: st, componentIdx: (words[q]! | 0), kindFlag };
      case undefined: {
        const l = this.layout?.[kindNumber];
        if (l === undefined) throw new BtfError(`unknown kind ${kindNumber}`, raw.typeOffset + 4 * p + 4);
        const len = l.infoSize + l.elemSize * vlen;
        return { kind: 'UNKNOWN', name, kindNumber, kindFlag, vlen, sizeOrType: st, extra: new Uint8Array(raw.bytes.subarray(raw.typeOffset + 4 * q, raw.typeOffset + 4 * q + len)) };
      }
    }
  }
}
