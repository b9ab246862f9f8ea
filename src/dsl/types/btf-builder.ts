// BtfBuilder: descriptors → a BTF type graph, as clang-19 -g emits it for the equivalent C
// declarations (same kinds, names, sizes, member offsets, kind_flag bitfield encoding).
// The builder owns the string table: string() hands out offsets that are final, so .BTF.ext
// records (section names, access strings, file names) can refer to them before build().

import {
  Btf, BTF_INT_BOOL, BTF_INT_SIGNED, type BtfMember, type BtfType, decodeBtf, encodeBtf, StringTableBuilder, stringsOf,
  withStringSection,
} from '../../../elf/index.js';
import { type CType, CTypeError } from './descriptors.js';

/** Placeholder for an id reserved before its record is known (recursive graphs). */
const RESERVED: BtfType = Object.freeze({ kind: 'PTR', name: '', type: 0 });

export class BtfBuilder {
  private readonly types: BtfType[] = [];
  private readonly ids = new Map<CType, number>();
  private readonly ints = new Map<string, number>();
  /** Structural memo: one PTR/CONST/VOLATILE per target, one ARRAY per (elem, length), as clang dedups. */
  private readonly refs = new Map<string, Map<CType, number>>();
  private readonly reserved = new Set<number>();
  private readonly strings = new StringTableBuilder();
  private arrayIndexId = 0;

  constructor() { this.strings.add(''); }

  /** Number of types so far (the last id). */
  get length(): number { return this.types.length; }

  /** The BTF record of an id (0: void → undefined). */
  type(id: number): BtfType | undefined { return id === 0 ? undefined : this.types[id - 1]; }

  /** The id a descriptor was given, if it was added. */
  idOf(t: CType): number | undefined { return t.kind === 'void' ? 0 : this.ids.get(t); }

  /** Offset of `s` in the string table of the built BTF (added when new). */
  string(s: string): number { return this.strings.add(s); }

  /** Appends a raw record (FUNC, FUNC_PROTO, VAR, DATASEC, map-definition structs …); returns its id. */
  addRaw(t: BtfType): number {
    this.types.push(t);
    this.names(t);
    return this.types.length;
  }

  /** Reserves an id whose record set() supplies later (for records that refer to each other). */
  reserve(): number {
    this.types.push(RESERVED);
    this.reserved.add(this.types.length);
    return this.types.length;
  }

  set(id: number, t: BtfType): void {
    if (!this.reserved.delete(id)) throw new CTypeError(`BTF id ${id} was not reserved or is already set`);
    this.types[id - 1] = t;
    this.names(t);
  }

  /** The id of a descriptor, adding it and everything it refers to on first use. */
  add(t: CType): number {
    if (t.kind === 'void') return 0;
    const known = this.ids.get(t);
    if (known !== undefined) return known;
    switch (t.kind) {
      case 'int': {
        // clang writes char as a SIGNED int named 'char' (no CHAR bit) and _Bool as BOOL.
        const enc = t.flavor === 'bool' ? BTF_INT_BOOL : t.signed ? BTF_INT_SIGNED : 0;
        const key = `${t.name}/${t.size}/${enc}`;
        let id = this.ints.get(key);
        if (id === undefined) {
          id = this.addRaw({ kind: 'INT', name: t.name, size: t.size, encoding: enc, bitsOffset: 0, bits: t.size * 8 });
          this.ints.set(key, id);
        }
        this.ids.set(t, id);
        return id;
      }
      case 'enum': {
        const values = Object.entries(t.values);
        const id = t.size === 8
          ? this.addRaw({ kind: 'ENUM64', name: t.name, size: 8, signed: t.signed, values: values.map(([name, v]) => ({ name, value: BigInt(v) })) })
          : this.addRaw({
            kind: 'ENUM', name: t.name, size: t.size, signed: t.signed,
            values: values.map(([name, v]) => ({ name, value: t.signed ? Number(BigInt.asIntN(32, BigInt(v))) : Number(BigInt.asUintN(32, BigInt(v))) })),
          });
        this.ids.set(t, id);
        return id;
      }
      case 'fwd': {
        const key = `fwd/${t.union}/${t.name}`;
        const id = this.ints.get(key) ?? this.addRaw({ kind: 'FWD', name: t.name, union: t.union });
        this.ints.set(key, id);
        this.ids.set(t, id);
        return id;
      }
      case 'ptr': case 'const': case 'volatile': case 'array': {
        const target = t.kind === 'ptr' ? t.target : t.kind === 'array' ? t.elem : t.type;
        const key = t.kind === 'array' ? `array/${t.length}` : t.kind;
        let byTarget = this.refs.get(key);
        if (byTarget === undefined) this.refs.set(key, byTarget = new Map());
        const known2 = byTarget.get(target);
        if (known2 !== undefined) { this.ids.set(t, known2); return known2; }
        const id = this.reserve();
        this.ids.set(t, id);
        byTarget.set(target, id);
        const targetId = this.add(target);
        if (t.kind === 'array') this.set(id, { kind: 'ARRAY', name: '', type: targetId, indexType: this.arrayIndexType(), nelems: t.length });
        else this.set(id, { kind: t.kind === 'ptr' ? 'PTR' : t.kind === 'const' ? 'CONST' : 'VOLATILE', name: '', type: targetId });
        return id;
      }
      case 'typedef': {
        const id = this.reserve();
        this.ids.set(t, id);
        const target = this.add(t.type);
        this.set(id, { kind: 'TYPEDEF', name: t.name, type: target });
        return id;
      }
      case 'func_proto': {
        const id = this.reserve();
        this.ids.set(t, id);
        const returnType = this.add(t.returns);
        const params = t.params.map((p) => ({ name: '', type: this.add(p) }));
        this.set(id, { kind: 'FUNC_PROTO', name: '', returnType, params });
        return id;
      }
      case 'struct': case 'union': {
        const id = this.reserve();
        this.ids.set(t, id);
        const members: BtfMember[] = t.members.map((m) => ({ name: m.name, type: this.add(m.type), bitsOffset: m.bitOffset, bitfieldSize: m.bitSize }));
        const kindFlag = t.members.some((m) => m.bitSize !== 0);
        this.set(id, { kind: t.kind === 'struct' ? 'STRUCT' : 'UNION', name: t.name, size: t.size, kindFlag, members });
        return id;
      }
    }
  }

  /** The graph, decoded from its encoding so that its string table holds every string() offset. */
  build(): Btf {
    if (this.reserved.size > 0) throw new CTypeError(`BTF ids ${[...this.reserved].join(', ')} were reserved but never set`);
    const blob = encodeBtf(Btf.fromTypes(this.types));
    const table = this.strings.bytes();
    // Every name of the blob is in the table already (names() adds them as records arrive).
    const offset = (s: string): number => {
      const off = this.strings.add(s);
      if (off >= table.length) throw new CTypeError(`BtfBuilder: the name '${s}' was missing from the string table`);
      return off;
    };
    return decodeBtf(withStringSection(blob, { bytes: () => table, offset }));
  }

  /** Encoded .BTF bytes (little-endian). */
  encode(): Uint8Array { return encodeBtf(this.build()); }

  /** Id of the INT clang uses as every array's index type (`__ARRAY_SIZE_TYPE__`), added on first use. */
  arrayIndexType(): number {
    if (this.arrayIndexId === 0) {
      this.arrayIndexId = this.addRaw({ kind: 'INT', name: '__ARRAY_SIZE_TYPE__', size: 4, encoding: 0, bitsOffset: 0, bits: 32 });
    }
    return this.arrayIndexId;
  }

  private names(t: BtfType): void {
    for (const s of stringsOf(t)) this.strings.add(s);
  }
}
