// Re-points an encoded BTF blob at another string section: every name offset of every record is
// replaced by the offset of the same string in `strings`, and the string section is swapped.
// The linker uses it to give .BTF the string order libbpf's linker produces.

import { decodeBtf } from '../btf/index.js';
import { btfStringsOf, type StringSet } from './strings.js';

export function withStringSection(blob: Uint8Array, strings: StringSet): Uint8Array {
  const btf = decodeBtf(blob);
  const raw = btf.raw!;
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const hdrLen = view.getUint32(4, true);
  const typeOff = view.getUint32(8, true);
  const typeLen = view.getUint32(12, true);
  const table = strings.bytes();
  const typesEnd = hdrLen + typeOff + typeLen;
  const out = new Uint8Array(typesEnd + table.length);
  out.set(blob.subarray(0, typesEnd));
  out.set(table, typesEnd);
  const ov = new DataView(out.buffer);
  ov.setUint32(16, typeOff + typeLen, true);
  ov.setUint32(20, table.length, true);
  for (let i = 0; i < raw.offsets.length; i++) {
    const t = btf.requireType(btf.firstId + i);
    const p = raw.offsets[i]!;
    const names = btfStringsOf(t);
    ov.setUint32(raw.typeOffset + 4 * p, strings.offset(names[0]!), true);
    const stride = t.kind === 'STRUCT' || t.kind === 'UNION' || t.kind === 'ENUM64' ? 3 : 2;
    for (let k = 1; k < names.length; k++) ov.setUint32(raw.typeOffset + 4 * (p + 3 + (k - 1) * stride), strings.offset(names[k]!), true);
  }
  return out;
}
