// An ordered string set (libbpf's strset): each string once, at the offset where it was first
// added, offset 0 the empty string. The ELF .strtab and the linked .BTF string section are built
// this way, in the order libbpf adds to them, so the output matches `bpftool gen object`'s.

const encoder = new TextEncoder();
const utf8 = (s: string): Uint8Array => encoder.encode(s);

export class StringSet {
  private readonly offsets = new Map<string, number>([['', 0]]);
  private readonly parts: Uint8Array[] = [new Uint8Array(1)];
  private length = 1;

  add(s: string): number {
    const known = this.offsets.get(s);
    if (known !== undefined) return known;
    const b = utf8(s);
    const withNul = new Uint8Array(b.length + 1);
    withNul.set(b);
    const off = this.length;
    this.offsets.set(s, off);
    this.parts.push(withNul);
    this.length += withNul.length;
    return off;
  }

  /** Offset of a string added before. */
  offset(s: string): number {
    const o = this.offsets.get(s);
    if (o === undefined) throw new RangeError(`string '${s}' is not in the set`);
    return o;
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    let p = 0;
    for (const c of this.parts) { out.set(c, p); p += c.length; }
    return out;
  }
}
