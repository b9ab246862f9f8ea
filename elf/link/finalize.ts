// The end of a link (bpf_linker__finalize): one DATASEC per output section that had BTF, the
// merged .BTF.ext, BTF deduplication (with .BTF.ext type ids remapped), then the ELF file.

import { ByteWriter } from '../../isa/index.js';
import { ELF_HEADER_SIZE, SECTION_HEADER_SIZE, SHT, SYMBOL_SIZE } from '../constants.js';
import { Btf, encodeBtf, type BtfType, withStringSection } from '../btf/index.js';
import { type BtfExt, type CoreRelocation, encodeBtfExt, type FuncInfo, type LineInfo } from '../btf-ext/index.js';
import { dedupBtf } from './btf-dedup.js';
import { LinkError } from './errors.js';
import type { Linker, OutputSection } from './linker.js';
import { writeElfHeader, writeSectionHeader, writeSymbolEntry } from '../headers.js';

const SHF_STRINGS = 0x20;

interface Blob { readonly name: string; readonly data: Uint8Array }

/** Encoded .BTF and .BTF.ext (undefined when the inputs had no BTF). */
function finalizeBtf(linker: Linker): Blob[] {
  if (linker.btf.length === 1) return [];
  const types = [...linker.btf];
  for (const s of linker.sections) {
    if (s === undefined || !s.hasBtf) continue;
    linker.btfStrings.add(s.name);
    types.push({ kind: 'DATASEC', name: s.name, size: s.size, vars: [...s.vars] });
  }
  const withExt = linker.sections.filter((s): s is OutputSection => s !== undefined && (s.funcInfo.length + s.lineInfo.length + s.coreRelos.length) > 0);
  const size = (key: 'func' | 'line' | 'core', has: (s: OutputSection) => boolean): number => {
    let v = 0;
    for (const s of withExt) {
      if (!has(s)) continue;
      if (v === 0) v = s.recordSizes[key];
      if (v !== s.recordSizes[key]) throw new LinkError(`mismatch in ${key} record size ${v} != ${s.recordSizes[key]}`, '');
    }
    return v;
  };
  const funcSize = size('func', (s) => s.funcInfo.length > 0);
  const lineSize = size('line', (s) => s.lineInfo.length > 0);
  const coreSize = size('core', (s) => s.coreRelos.length > 0);

  const dedup = dedupBtf(types, (id) => linker.btfOrigins[id] ?? { file: '', id });
  const btf = Btf.fromTypes(dedup.types.slice(1) as BtfType[]);
  const strings = linker.btfStrings;
  for (const s of withExt) if (s.funcInfo.length > 0) strings.add(s.name);
  for (const s of withExt) if (s.lineInfo.length > 0) strings.add(s.name);
  for (const s of withExt) if (s.coreRelos.length > 0) strings.add(s.name);
  const encoded = { bytes: withStringSection(encodeBtf(btf), strings), offset: (s: string) => strings.offset(s) };
  const out: Blob[] = [{ name: '.BTF', data: encoded.bytes }];
  if (withExt.length === 0) return out;
  const ext: BtfExt = {
    funcInfo: new Map(), lineInfo: new Map(), coreRelocations: new Map(), headerLength: 32,
    recordSizes: { funcInfo: funcSize || 8, lineInfo: lineSize || 16, coreRelocation: coreSize || 16 },
  };
  for (const s of withExt) {
    const key = encoded.offset(s.name);
    if (s.funcInfo.length > 0) ext.funcInfo.set(key, s.funcInfo.map((f): FuncInfo => ({ insnOffset: f.insnOffset, typeId: dedup.remap(f.typeId) })));
    if (s.lineInfo.length > 0) {
      ext.lineInfo.set(key, s.lineInfo.map((l): LineInfo => ({
        insnOffset: l.insnOffset, fileNameOffset: encoded.offset(l.file), lineOffset: encoded.offset(l.line), line: l.lineNumber, column: l.column,
      })));
    }
    if (s.coreRelos.length > 0) {
      ext.coreRelocations.set(key, s.coreRelos.map((c): CoreRelocation => ({
        insnOffset: c.insnOffset, typeId: dedup.remap(c.typeId), accessStringOffset: encoded.offset(c.access), kind: c.kind,
      })));
    }
  }
  out.push({ name: '.BTF.ext', data: encodeBtfExt(ext, 'le') });
  return out;
}

interface Header {
  nameOff: number; type: number; flags: number; size: number; link: number; info: number; align: number; entsize: number;
  data: Uint8Array | undefined; offset: number;
}

/** Writes the linked object: ELF header, section contents in index order, section headers last. */
export function emitElf(linker: Linker): Uint8Array {
  const blobs = finalizeBtf(linker);
  const strtab = linker.strtab;
  const sections = linker.elfSections();
  const headers: Header[] = [{ nameOff: 0, type: SHT.NULL, flags: 0, size: 0, link: 0, info: 0, align: 0, entsize: 0, data: undefined, offset: 0 }];
  for (const s of sections) {
    headers.push({
      nameOff: strtab.add(s.name), type: s.type, flags: s.id === linker.strtabId ? SHF_STRINGS : s.flags, size: s.size,
      link: s.link, info: s.info, align: s.align, entsize: s.entsize, data: s.type === SHT.NOBITS ? undefined : s.data, offset: 0,
    });
  }
  for (const b of blobs) {
    headers.push({ nameOff: strtab.add(b.name), type: SHT.PROGBITS, flags: 0, size: b.data.length, link: 0, info: 0, align: 8, entsize: 0, data: b.data, offset: 0 });
  }
  const symtab = new Uint8Array(linker.symbols.length * SYMBOL_SIZE);
  const sw = ByteWriter.over(symtab);
  linker.symbols.forEach((s, i) => {
    if (i === 0) return;
    writeSymbolEntry(sw, i * SYMBOL_SIZE, {
      nameOffset: strtab.offset(s.name), info: (s.binding << 4) | s.type, other: s.other, shndx: s.shndx, value: s.value, size: s.size,
    });
  });
  const symHeader = headers[sections.findIndex((s) => s.id === linker.symtabId) + 1]!;
  symHeader.data = symtab; symHeader.size = symtab.length; symHeader.link = sections.find((s) => s.id === linker.strtabId)!.elfIndex;
  const strBytes = strtab.bytes();
  const strHeader = headers[sections.findIndex((s) => s.id === linker.strtabId) + 1]!;
  strHeader.data = strBytes; strHeader.size = strBytes.length;

  let pos = ELF_HEADER_SIZE;
  for (const h of headers.slice(1)) {
    const a = Math.max(1, h.align);
    pos = Math.ceil(pos / a) * a;
    h.offset = pos;
    if (h.type !== SHT.NOBITS) pos += h.size;
  }
  const shoff = Math.ceil(pos / 8) * 8;
  const out = new Uint8Array(shoff + headers.length * SECTION_HEADER_SIZE);
  const w = ByteWriter.over(out);
  writeElfHeader(w, shoff, headers.length, sections.find((s) => s.id === linker.strtabId)!.elfIndex);
  headers.forEach((h, i) => {
    if (h.data !== undefined) w.setBytes(h.offset, h.data.subarray(0, h.size));
    writeSectionHeader(w, shoff + i * SECTION_HEADER_SIZE, { ...h, nameOffset: h.nameOff, addralign: h.align });
  });
  return out;
}
