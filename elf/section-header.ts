// One ELF64 section header entry (64 bytes), written field by field. Shared by the object writer
// and the static linker, which lay out their section tables differently but encode them alike.

export interface SectionHeaderFields {
  readonly nameOffset: number;
  readonly type: number;
  readonly flags: number;
  readonly offset: number;
  readonly size: number;
  readonly link: number;
  readonly info: number;
  readonly addralign: number;
  readonly entsize: number;
}

export function writeSectionHeader(v: DataView, at: number, h: SectionHeaderFields, le: boolean): void {
  v.setUint32(at, h.nameOffset, le);
  v.setUint32(at + 4, h.type, le);
  v.setBigUint64(at + 8, BigInt(h.flags), le);
  v.setBigUint64(at + 24, BigInt(h.offset), le);
  v.setBigUint64(at + 32, BigInt(h.size), le);
  v.setUint32(at + 40, h.link, le);
  v.setUint32(at + 44, h.info, le);
  v.setBigUint64(at + 48, BigInt(h.addralign), le);
  v.setBigUint64(at + 56, BigInt(h.entsize), le);
}
