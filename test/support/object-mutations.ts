// Mutations of eBPF objects for the fuzz tests: the size/offset/count/index/record fields of an
// object (ELF header, section headers, symbols, REL entries, .BTF header and type records, .BTF.ext
// header, record sizes, blocks and records) and lies to write into them.

import fc from 'fast-check';
import { decodeBtf, readElf, SHT } from '../../elf/index.js';

/** A field of the file: where it is and how wide (bytes). */
export interface Field { readonly at: number; readonly width: 1 | 2 | 4 | 8; readonly what: string }

/** Every size, offset, count, index and record field of an (unmutated) object. */
export function fieldsOf(bytes: Uint8Array): Field[] {
  const out: Field[] = [
    { at: 40, width: 8, what: 'e_shoff' }, { at: 58, width: 2, what: 'e_shentsize' },
    { at: 60, width: 2, what: 'e_shnum' }, { at: 62, width: 2, what: 'e_shstrndx' }, { at: 16, width: 2, what: 'e_type' },
  ];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shoff = Number(view.getBigUint64(40, true));
  const elf = readElf(bytes);
  for (const s of elf.sections) {
    const h = shoff + s.index * 64;
    for (const [k, w] of [[0, 4], [4, 4], [8, 8], [24, 8], [32, 8], [40, 4], [44, 4], [48, 8], [56, 8]] as const) {
      out.push({ at: h + k, width: w, what: `shdr ${s.index}+${k}` });
    }
    if (s.type === SHT.SYMTAB) {
      for (let p = s.offset; p < s.offset + s.size; p += 24) {
        for (const [k, w] of [[0, 4], [4, 1], [6, 2], [8, 8], [16, 8]] as const) out.push({ at: p + k, width: w, what: `sym +${k}` });
      }
    }
    if (s.type === SHT.REL) {
      for (let p = s.offset; p < s.offset + s.size; p += 16) {
        for (const [k, w] of [[0, 8], [8, 4], [12, 4]] as const) out.push({ at: p + k, width: w, what: `rel +${k}` });
      }
    }
    if (s.name === '.BTF') {
      for (const k of [4, 8, 12, 16, 20]) out.push({ at: s.offset + k, width: 4, what: `.BTF hdr +${k}` });
      const btf = decodeBtf(s.data);
      const raw = btf.raw!;
      const words = raw.offsets;
      for (let i = 0; i < words.length; i++) {
        const from = raw.typeOffset + 4 * words[i]!;
        const to = i + 1 < words.length ? raw.typeOffset + 4 * words[i + 1]! : raw.typeOffset + 4 * raw.words.length;
        for (let p = from; p < to; p += 4) out.push({ at: s.offset + p, width: 4, what: `.BTF type ${i + 1} +${p - from}` });
      }
    }
    if (s.name === '.BTF.ext') {
      const hdr = view.getUint32(s.offset + 4, true);
      for (let k = 4; k < hdr; k += 4) out.push({ at: s.offset + k, width: 4, what: `.BTF.ext hdr +${k}` });
      for (const [field, rec] of [[8, 8], [16, 16], [24, 16]] as const) {
        if (field >= hdr) continue;
        const off = view.getUint32(s.offset + field, true);
        const len = view.getUint32(s.offset + field + 4, true);
        if (len === 0) continue;
        let p = s.offset + hdr + off;
        const end = p + len;
        out.push({ at: p, width: 4, what: '.BTF.ext rec_size' });
        p += 4;
        while (p < end) {
          const n = view.getUint32(p + 4, true);
          out.push({ at: p, width: 4, what: '.BTF.ext sec_name_off' }, { at: p + 4, width: 4, what: '.BTF.ext num_info' });
          p += 8;
          for (let r = 0; r < n; r++, p += rec) for (let k = 0; k < rec; k += 4) out.push({ at: p + k, width: 4, what: '.BTF.ext record' });
        }
      }
    }
  }
  return out;
}
export function put(b: Uint8Array, f: Field, v: bigint): void {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (f.at + f.width > b.length) return;
  if (f.width === 1) view.setUint8(f.at, Number(v & 0xffn));
  else if (f.width === 2) view.setUint16(f.at, Number(v & 0xffffn), true);
  else if (f.width === 4) view.setUint32(f.at, Number(v & 0xffffffffn), true);
  else view.setBigUint64(f.at, v & 0xffffffffffffffffn, true);
}

export function get(b: Uint8Array, f: Field): bigint {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (f.width === 1) return BigInt(view.getUint8(f.at));
  if (f.width === 2) return BigInt(view.getUint16(f.at, true));
  if (f.width === 4) return BigInt(view.getUint32(f.at, true));
  return view.getBigUint64(f.at, true);
}

/** A lie: a boundary value, a value near the truth, or anything. */
export const lie = fc.oneof(
  fc.constantFrom(0n, 1n, 0xffn, 0xffffn, 0x7fffffffn, 0x80000000n, 0xffffffffn, 1n << 32n, 1n << 53n, 0xffffffffffffffffn),
  fc.integer({ min: -64, max: 64 }).map((d) => ({ delta: BigInt(d) })),
  fc.bigInt({ min: 0n, max: 0xffffffffffffffffn }),
);


/** Writes the lies into a copy of `bytes`. */
export function withLies(bytes: Uint8Array, fields: readonly Field[], lies: readonly (readonly [number, bigint | { delta: bigint }])[]): Uint8Array {
  const b = bytes.slice();
  for (const [i, v] of lies) {
    const field = fields[i % fields.length]!;
    put(b, field, typeof v === 'bigint' ? v : get(b, field) + v.delta);
  }
  return b;
}
