// One input object of the linker: its ELF sections, symbols and relocations, and its BTF and
// .BTF.ext as editable arrays, with DATASEC sizes and global variable offsets filled in from the
// ELF (clang leaves them 0; libbpf's linker_fixup_btf does the same).

import { EM_BPF, ET_REL, SHT, STT } from '../constants.js';
import { type ElfFile, type ElfSectionHeader, readElf } from '../reader.js';
import { decodeBtf, typeIdsOf } from '../btf/index.js';
import { type BtfExt, decodeBtfExt } from '../btf-ext/index.js';
import type { BtfTypes } from './btf-ids.js';
import { LinkError } from './errors.js';
import { MAX_ALIGN, MAX_DATA_SIZE } from '../object/index.js';
import { TsbpfError } from '../../isa/index.js';

export const SHT_LLVM_ADDRSIG = 0x6fff4c03;

/** A section of an input, or an "ephemeral" one that exists only in BTF (.kconfig, .ksyms, an extern-only .maps). */
export interface SourceSection {
  readonly name: string;
  /** ELF index; 0 for an ephemeral section (matches SHN_UNDEF). */
  readonly index: number;
  readonly header: ElfSectionHeader | undefined;
  readonly ephemeral: boolean;
  skipped: boolean;
  /** The DATASEC describing it, 0 when none. */
  btfDatasec: number;
  /** Output section id it was appended to. */
  dstId: number;
  /** Its offset in that output section. */
  dstOffset: number;
}

export interface SourceObject {
  readonly file: string;
  readonly elf: ElfFile;
  readonly sections: SourceSection[];
  /** BTF types by id (index 0 unused); undefined when the object has no .BTF. */
  readonly btf: BtfTypes | undefined;
  /** Strings of the .BTF section by offset, for .BTF.ext records. */
  readonly btfString: (offset: number) => string;
  readonly btfExt: BtfExt | undefined;
  /** Output symbol index of each input symbol (0: dropped). */
  symMap: Int32Array;
  /** Output type id of each input type id. */
  typeMap: Int32Array;
}

const isDwarf = (name: string): boolean => name.startsWith('.debug_');

function ignored(s: ElfSectionHeader): boolean {
  if (s.type === SHT.STRTAB || s.type === SHT_LLVM_ADDRSIG) return true;
  if (s.type === SHT.PROGBITS && s.size === 0 && s.name === '.text') return true;
  if (isDwarf(s.name)) return true;
  if (s.name.startsWith('.rel')) {
    const target = s.name.slice(4);
    if (isDwarf(target) || target === '.BTF' || target === '.BTF.ext') return true;
  }
  return false;
}

function wrap<T>(file: string, what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    // Typed errors are about the input: name the file. Anything else is a bug and stays one.
    if (e instanceof LinkError || !(e instanceof TsbpfError)) throw e;
    throw new LinkError(`${what}: ${e.message}`, file);
  }
}

export function loadObject(bytes: Uint8Array, file: string): SourceObject {
  const elf = wrap(file, 'bad ELF', () => readElf(bytes));
  if (elf.type !== ET_REL) throw new LinkError(`byte offset 16: e_type ${elf.type} is not ET_REL (a relocatable eBPF object)`, file);
  if (elf.machine !== EM_BPF) throw new LinkError(`byte offset 18: e_machine ${elf.machine} is not EM_BPF (247)`, file);
  if (elf.byteOrder !== 'le') throw new LinkError('big-endian objects are not supported (libbpf links only host byte order)', file);
  const sections: SourceSection[] = [];
  let btfBytes: Uint8Array | undefined;
  let extBytes: Uint8Array | undefined;
  let symtabs = 0;
  for (const h of elf.sections.slice(1)) {
    const s: SourceSection = { name: h.name, index: h.index, header: h, ephemeral: false, skipped: false, btfDatasec: 0, dstId: 0, dstOffset: 0 };
    sections.push(s);
    if (ignored(h)) { s.skipped = true; continue; }
    // Alignment pads the output section and the file: bounded as readObject bounds it (a data
    // section is one map value, placed by the kernel at a page boundary). libbpf only asks for a
    // power of two.
    if (h.addralign > MAX_ALIGN || (h.addralign & (h.addralign - 1)) !== 0) {
      throw new LinkError(`section #${h.index} alignment ${h.addralign} is not a power of two up to ${MAX_ALIGN}`, file, h.name);
    }
    if (h.type === SHT.NOBITS && h.size > MAX_DATA_SIZE) throw new LinkError(`section #${h.index} size ${h.size} exceeds ${MAX_DATA_SIZE}`, file, h.name);
    switch (h.type) {
      case SHT.SYMTAB: symtabs++; break;
      case SHT.PROGBITS:
        if (h.name === '.BTF') { btfBytes = h.data; s.skipped = true; }
        else if (h.name === '.BTF.ext') { extBytes = h.data; s.skipped = true; }
        break;
      case SHT.NOBITS: case SHT.REL: break;
      default: throw new LinkError(`unrecognized section #${h.index} (${h.name}) of type ${h.type}`, file, h.name);
    }
  }
  if (symtabs !== 1) throw new LinkError(symtabs === 0 ? 'no symbol table' : 'several symbol tables', file);
  for (const [target, rels] of elf.relocations) {
    const t = elf.sections[target];
    if (t === undefined || ignored(t) || t.name === '.BTF' || t.name === '.BTF.ext') continue;
    for (const r of rels) {
      if (r.offset % 8 !== 0 || r.offset >= t.size) throw new LinkError(`relocation at ${r.offset} is outside the instructions of ${t.name}`, file, t.name);
    }
  }

  const btfGraph = btfBytes === undefined ? undefined : wrap(file, 'bad .BTF', () => decodeBtf(btfBytes!));
  let btf: BtfTypes | undefined;
  if (btfGraph !== undefined) {
    btf = [undefined];
    for (const [, t] of btfGraph.types()) btf.push(t);
    for (let id = 1; id < btf.length; id++) {
      for (const ref of typeIdsOf(btf[id]!)) {
        if (ref >= btf.length) throw new LinkError(`BTF type ${id} refers to missing type ${ref}`, file);
      }
    }
  }
  if (extBytes !== undefined && btfGraph === undefined) throw new LinkError('.BTF.ext without .BTF', file, '.BTF.ext');
  const btfExt = extBytes === undefined ? undefined : wrap(file, 'bad .BTF.ext', () => decodeBtfExt(extBytes!, 'le'));
  const btfString = (offset: number): string => wrap(file, 'bad .BTF string offset', () => btfGraph!.string(offset));
  const obj: SourceObject = {
    file, elf, sections, btf, btfString, btfExt, symMap: new Int32Array(elf.symbols.length), typeMap: new Int32Array(btf?.length ?? 1),
  };
  if (btf !== undefined) fixupDatasecs(obj, btf);
  return obj;
}

export function findSection(obj: SourceObject, name: string): SourceSection | undefined {
  return obj.sections.find((s) => s.name === name);
}

/** Sizes DATASECs from their ELF sections and places global variables at their symbols' values. */
function fixupDatasecs(obj: SourceObject, btf: BtfTypes): void {
  for (let id = 1; id < btf.length; id++) {
    const t = btf[id]!;
    if (t.kind !== 'DATASEC') continue;
    let sec = findSection(obj, t.name);
    let size = t.size;
    if (sec !== undefined) {
      if (sec.header !== undefined) size = sec.header.size;
    } else {
      // .extern holds externs the linker resolves; it gets no section.
      if (t.name === '.extern') continue;
      sec = { name: t.name, index: 0, header: undefined, ephemeral: true, skipped: false, btfDatasec: 0, dstId: 0, dstOffset: 0 };
      obj.sections.push(sec);
    }
    sec.btfDatasec = id;
    const index = sec.index;
    const vars = t.vars.map((v) => {
      const vt = btf[v.type];
      if (vt?.kind !== 'VAR' || vt.linkage !== 'global') return v;
      const sym = obj.elf.symbols.find((s) => s.shndx === index && s.type === STT.object && s.name === vt.name);
      if (sym === undefined) throw new LinkError(`no symbol for variable ${vt.name} of section ${t.name}`, obj.file, vt.name);
      return { ...v, offset: sym.value };
    });
    btf[id] = { ...t, size, vars };
  }
}
