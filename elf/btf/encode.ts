// encodeBtf: Btf → bytes. Layout: header (24 bytes, or 32 with a layout section), then the layout
// section if any, the type section, the string section. A decoded graph keeps its string section
// verbatim (every name keeps its offset), so decode → encode is byte-identical for blobs laid out
// this way; new names are appended, deduplicated.

import { type ByteOrder, ByteWriter } from '../../isa/index.js';
import type { Btf } from './btf.js';
import { BtfError } from './errors.js';
import {
  BTF_HEADER_LAYOUT_SIZE, BTF_HEADER_SIZE, BTF_KIND, BTF_MAGIC, BTF_TYPE_SIZE, BTF_VERSION, VLEN_MASK,
} from './kinds.js';
import { recordBytes, stringsOf } from './fields.js';
import { type BtfStringTable, StringTableBuilder } from './strings.js';
import { LINKAGES, type BtfType } from './types.js';

export interface EncodeBtfOptions {
  /** Byte order of the output; default: the graph's. */
  readonly byteOrder?: ByteOrder | undefined;
  /**
   * The string section to start from, every string keeping its offset (a decoded graph's own is
   * the default): for a graph built from a decoded one's types, whose string offsets other
   * sections hold (line_info's file and line names).
   */
  readonly strings?: BtfStringTable | undefined;
}

/** Base strings by value → offset, for a split graph's encoder (built once per base). */
const baseStringMaps = new WeakMap<Btf, Map<string, number>>();
function baseStrings(base: Btf): Map<string, number> {
  let m = baseStringMaps.get(base);
  if (m === undefined) {
    m = base.base === undefined ? new Map() : new Map(baseStrings(base.base));
    if (base.raw !== undefined) for (const [off, s] of base.raw.strings.entries()) if (!m.has(s)) m.set(s, off);
    baseStringMaps.set(base, m);
  }
  return m;
}

export function encodeBtf(btf: Btf, options: EncodeBtfOptions = {}): Uint8Array {
  const le = (options.byteOrder ?? btf.byteOrder) === 'le';
  const base = btf.base;
  const strings = new StringTableBuilder(base === undefined ? 0 : base.stringsEnd, base === undefined ? undefined : baseStrings(base));
  const seed = options.strings ?? btf.raw?.strings;
  if (seed !== undefined) strings.seed(seed);
  else if (base === undefined) strings.add('');

  const types: BtfType[] = [];
  let typeLen = 0;
  for (const [, t] of btf.types()) {
    types.push(t);
    typeLen += recordBytes(t);
  }
  // Names go into the table in type order (as compilers write them) before sizes are final: each
  // record's strings, its name first, then its elements'.
  const stringOffs = types.map((t) => stringsOf(t).map((s) => strings.add(s)));
  const layout = btf.layout;
  const hdrLen = layout === undefined ? BTF_HEADER_SIZE : BTF_HEADER_LAYOUT_SIZE;
  const layoutLen = layout === undefined ? 0 : layout.length * 4;
  const strBytes = strings.bytes();
  const w = new ByteWriter(le ? 'le' : 'be', hdrLen + layoutLen + typeLen + strBytes.length);
  w.u16(BTF_MAGIC).u8(BTF_VERSION).u8(btf.flags).u32(hdrLen)
    .u32(layoutLen).u32(typeLen).u32(layoutLen + typeLen).u32(strBytes.length);
  if (layout !== undefined) {
    w.u32(0).u32(layoutLen);
    for (const l of layout) w.u8(l.infoSize).u8(l.elemSize).u16(l.flags);
  }

  const head = (t: BtfType, i: number, kind: number, vlen: number, flag: boolean, st: number): void => {
    if (vlen > VLEN_MASK) throw new BtfError(`${t.kind} '${t.name}' has ${vlen} elements, more than vlen can hold`, w.length + 4);
    w.u32(stringOffs[i]![0]!).u32(((flag ? 0x80000000 : 0) | (kind << 24) | vlen) >>> 0).u32(st);
  };
  for (let i = 0; i < types.length; i++) {
    const t = types[i]!;
    const names = stringOffs[i]!; // names[k + 1]: element k's
    switch (t.kind) {
      case 'INT':
        head(t, i, BTF_KIND.INT, 0, false, t.size);
        w.u32(((t.encoding & 0x0f) << 24) | ((t.bitsOffset & 0xff) << 16) | (t.bits & 0xff));
        break;
      case 'PTR': case 'TYPEDEF': case 'VOLATILE': case 'CONST': case 'RESTRICT':
        head(t, i, BTF_KIND[t.kind], 0, false, t.type); break;
      case 'TYPE_TAG': head(t, i, BTF_KIND.TYPE_TAG, 0, t.kindFlag, t.type); break;
      case 'ARRAY':
        head(t, i, BTF_KIND.ARRAY, 0, false, 0);
        w.u32(t.type).u32(t.indexType).u32(t.nelems);
        break;
      case 'STRUCT': case 'UNION':
        head(t, i, BTF_KIND[t.kind], t.members.length, t.kindFlag, t.size);
        t.members.forEach((m, k) => {
          w.u32(names[k + 1]!).u32(m.type)
            .u32(t.kindFlag ? ((m.bitfieldSize << 24) | (m.bitsOffset & 0xffffff)) >>> 0 : m.bitsOffset);
        });
        break;
      case 'ENUM':
        head(t, i, BTF_KIND.ENUM, t.values.length, t.signed, t.size);
        // A signed enum's negative values are written as their 32-bit two's complement.
        t.values.forEach((e, k) => { w.u32(names[k + 1]!).u32(e.value >>> 0); });
        break;
      case 'ENUM64':
        head(t, i, BTF_KIND.ENUM64, t.values.length, t.signed, t.size);
        t.values.forEach((e, k) => {
          const x = BigInt.asUintN(64, e.value);
          w.u32(names[k + 1]!).u32(Number(x & 0xffffffffn)).u32(Number(x >> 32n));
        });
        break;
      case 'FWD': head(t, i, BTF_KIND.FWD, 0, t.union, 0); break;
      case 'FUNC': head(t, i, BTF_KIND.FUNC, LINKAGES.indexOf(t.linkage), false, t.type); break;
      case 'FUNC_PROTO':
        head(t, i, BTF_KIND.FUNC_PROTO, t.params.length, false, t.returnType);
        t.params.forEach((a, k) => { w.u32(names[k + 1]!).u32(a.type); });
        break;
      case 'VAR':
        head(t, i, BTF_KIND.VAR, 0, false, t.type);
        w.u32(LINKAGES.indexOf(t.linkage));
        break;
      case 'DATASEC':
        head(t, i, BTF_KIND.DATASEC, t.vars.length, false, t.size);
        for (const s of t.vars) w.u32(s.type).u32(s.offset).u32(s.size);
        break;
      case 'FLOAT': head(t, i, BTF_KIND.FLOAT, 0, false, t.size); break;
      case 'DECL_TAG':
        head(t, i, BTF_KIND.DECL_TAG, 0, t.kindFlag, t.type);
        w.i32(t.componentIdx);
        break;
      case 'UNKNOWN':
        head(t, i, t.kindNumber, t.vlen, t.kindFlag, t.sizeOrType);
        if (btf.byteOrder !== (le ? 'le' : 'be')) throw new BtfError(`kind ${t.kindNumber} is opaque and cannot change byte order`, w.length);
        w.bytes(t.extra);
        break;
    }
  }
  w.bytes(strBytes);
  return w.finish();
}
