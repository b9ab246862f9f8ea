// The static linker's state and its per-object steps, in libbpf's order (bpf_linker__add_file):
// append section data, then symbols (resolving globals, weak and extern), then relocations,
// then BTF types and DATASEC variables, then .BTF.ext records.

import { ByteReader, ByteWriter } from '../../isa/index.js';
import { SHF, SHT, STB, STT } from '../constants.js';
import { type BtfType, type BtfVarSecinfo, mapTypeIds, stringsOf } from '../btf/index.js';
import type { CoreRelocationKind } from '../btf-ext/index.js';
import { btfMismatch, mapDefMismatch } from './btf-compat.js';
import { type BtfTypes, isNonStatic, resolveSize } from './btf-ids.js';
import { LinkError } from './errors.js';
import { findSection, type SourceObject, type SourceSection } from './input.js';
import { StringTableBuilder } from '../btf/strings.js';

const SHN_LORESERVE = 0xff00;
const INSN_SIZE = 8;
const BPF_JMP_CALL = 0x85;

export interface OutFuncInfo { insnOffset: number; typeId: number }
export interface OutLineInfo { insnOffset: number; file: string; line: string; lineNumber: number; column: number }
export interface OutCoreRelo { insnOffset: number; typeId: number; access: string; kind: CoreRelocationKind }

export interface OutputSection {
  readonly id: number;
  readonly name: string;
  ephemeral: boolean;
  /** ELF index, 0 while ephemeral. */
  elfIndex: number;
  type: number;
  flags: number;
  entsize: number;
  align: number;
  size: number;
  data: Uint8Array;
  link: number;
  info: number;
  sectionSymbol: number;
  hasBtf: boolean;
  readonly vars: BtfVarSecinfo[];
  readonly funcInfo: OutFuncInfo[];
  readonly lineInfo: OutLineInfo[];
  readonly coreRelos: OutCoreRelo[];
  recordSizes: { func: number; line: number; core: number };
}

export interface OutputSymbol {
  name: string;
  type: number;
  binding: number;
  other: number;
  shndx: number;
  value: number;
  size: number;
}

interface GlobalSymbol {
  readonly name: string;
  readonly symIndex: number;
  secId: number;
  btfId: number;
  /** libbpf's underlying_btf_id: 0 = to be updated, negative = an input type id still to remap. */
  underlying: number;
  isExtern: boolean;
  isWeak: boolean;
  varIndex: number;
}

export class Linker {
  readonly sections: (OutputSection | undefined)[] = [undefined];
  readonly symbols: OutputSymbol[] = [{ name: '', type: 0, binding: 0, other: 0, shndx: 0, value: 0, size: 0 }];
  readonly btf: BtfTypes = [undefined];
  /** The input each merged BTF type came from (by merged id), for errors found after merging. */
  private readonly extRecordSizes: Partial<Record<'func' | 'line' | 'core', { size: number; file: string }>> = {};
  readonly btfOrigins: { file: string; id: number }[] = [{ file: '', id: 0 }];
  /** The ELF .strtab and the .BTF strings, filled in libbpf's order. */
  // Ordered string sets (libbpf's strset): each string once, where first added, offset 0 the empty
  // string; built in libbpf's order so the output matches `bpftool gen object`'s.
  readonly strtab = stringSet();
  readonly btfStrings = stringSet();
  private readonly globals = new Map<string, GlobalSymbol>();
  private nextElfIndex = 1;
  readonly strtabId: number;
  readonly symtabId: number;

  constructor() {
    this.strtabId = this.materialize(this.addSection('.strtab', { type: SHT.STRTAB, flags: 0, entsize: 0, align: 1 })).id;
    this.symtabId = this.materialize(this.addSection('.symtab', { type: SHT.SYMTAB, flags: 0, entsize: 24, align: 8 })).id;
  }

  private addSection(name: string, h: { type: number; flags: number; entsize: number; align: number } | undefined): OutputSection {
    const s: OutputSection = {
      id: this.sections.length, name, ephemeral: h === undefined, elfIndex: 0, type: h?.type ?? 0, flags: h?.flags ?? 0,
      entsize: h?.entsize ?? 0, align: h?.align ?? 0, size: 0, data: new Uint8Array(0), link: 0, info: 0, sectionSymbol: 0,
      hasBtf: false, vars: [], funcInfo: [], lineInfo: [], coreRelos: [], recordSizes: { func: 0, line: 0, core: 0 },
    };
    this.sections.push(s);
    return s;
  }

  private materialize(s: OutputSection): OutputSection {
    s.elfIndex = this.nextElfIndex++;
    this.strtab.add(s.name);
    s.ephemeral = false;
    return s;
  }

  /** Output sections with an ELF index, in index order. */
  elfSections(): OutputSection[] {
    return this.sections.filter((s): s is OutputSection => s !== undefined && !s.ephemeral).sort((a, b) => a.elfIndex - b.elfIndex);
  }

  private findSection(name: string): OutputSection | undefined {
    return this.sections.find((s) => s?.name === name);
  }

  private initSection(dst: OutputSection, src: SourceSection): void {
    if (src.ephemeral) return;
    const h = src.header!;
    dst.type = h.type; dst.flags = h.flags; dst.entsize = h.entsize; dst.align = h.addralign; dst.size = 0;
    dst.data = new Uint8Array(0);
    this.materialize(dst);
  }

  private extend(dst: OutputSection, src: SourceSection): void {
    if (src.ephemeral) return;
    if (dst.ephemeral) this.initSection(dst, src);
    const h = src.header!;
    const align = Math.max(dst.align === 0 ? 1 : dst.align, h.addralign);
    const start = Math.ceil(dst.size / align) * align;
    const end = start + h.size;
    if (h.type !== SHT.NOBITS) {
      const data = new Uint8Array(end);
      data.set(dst.data.subarray(0, Math.min(dst.data.length, end)));
      data.set(h.data, start);
      dst.data = data;
    }
    dst.size = end;
    dst.align = align;
    src.dstOffset = start;
  }

  private matches(dst: OutputSection, src: SourceSection): string | undefined {
    if (dst.ephemeral || src.ephemeral) return undefined;
    const h = src.header!;
    if (dst.type !== h.type) return 'types mismatch';
    if (dst.flags !== h.flags) return 'flags mismatch';
    if (dst.entsize !== h.entsize) return 'entsize mismatch';
    return undefined;
  }

  private static isData(s: SourceSection): boolean {
    if (s.skipped) return false;
    if (s.ephemeral) return true;
    return s.header!.type === SHT.PROGBITS || s.header!.type === SHT.NOBITS;
  }

  appendSectionData(obj: SourceObject): void {
    for (const src of obj.sections) {
      if (!Linker.isData(src)) continue;
      let dst = this.findSection(src.name);
      if (dst === undefined) {
        dst = this.addSection(src.name, undefined);
        if (!src.ephemeral) this.initSection(dst, src);
      } else {
        const bad = this.matches(dst, src);
        if (bad !== undefined) throw new LinkError(`ELF sections ${src.name} are incompatible (${bad})`, obj.file, src.name);
        if (src.name === 'license' || src.name === 'version') {
          const same = src.header!.size === dst.size && src.header!.data.every((b, i) => dst!.data[i] === b);
          if (!same) throw new LinkError(`non-identical contents of section '${src.name}' are not supported`, obj.file, src.name);
          src.skipped = true;
          src.dstId = dst.id;
          continue;
        }
      }
      src.dstId = dst.id;
      this.extend(dst, src);
    }
  }

  private sectionOfIndex(obj: SourceObject, index: number): SourceSection | undefined {
    return obj.sections.find((s) => !s.ephemeral && s.index === index);
  }

  /** The BTF VAR/FUNC of a global symbol and the DATASEC holding it (find_glob_sym_btf). */
  private findGlobalBtf(obj: SourceObject, name: string): { datasec: number; id: number } {
    const btf = obj.btf;
    if (btf === undefined) throw new LinkError('no BTF for global symbols', obj.file, name);
    let found = 0;
    for (let i = 1; i < btf.length; i++) {
      const t = btf[i]!;
      if (isNonStatic(t)) {
        if (t.name === name) found = i;
        continue;
      }
      if (t.kind !== 'DATASEC') continue;
      for (const v of t.vars) {
        const vt = btf[v.type];
        if (vt === undefined || vt.name !== name) continue;
        if ((vt.kind === 'VAR' || vt.kind === 'FUNC') && vt.linkage === 'static') continue;
        if (found !== 0 && found !== v.type) throw new LinkError(`global/extern BTF is ambiguous: both types #${found} and #${v.type} match`, obj.file, name);
        return { datasec: i, id: v.type };
      }
    }
    if (found !== 0) return { datasec: 0, id: found };
    throw new LinkError('failed to find BTF info for global/extern symbol', obj.file, name);
  }

  appendSymbols(obj: SourceObject): void {
    obj.elf.symbols.forEach((sym, i) => { if (i > 0) this.appendSymbol(obj, i); });
  }

  private appendSymbol(obj: SourceObject, index: number): void {
    const sym = obj.elf.symbols[index]!;
    const isExtern = sym.shndx === 0;
    let src: SourceSection | undefined;
    let dst: OutputSection | undefined;
    if (isExtern) {
      if (obj.btf === undefined) throw new LinkError('externs without BTF info are not supported', obj.file, sym.name);
    } else if (sym.shndx < SHN_LORESERVE) {
      src = this.sectionOfIndex(obj, sym.shndx);
      if (src === undefined) throw new LinkError(`symbol names missing section ${sym.shndx}`, obj.file, sym.name);
      if (src.skipped) return;
      dst = this.sections[src.dstId]!;
      if (sym.type === STT.section && dst.sectionSymbol !== 0) {
        obj.symMap[index] = dst.sectionSymbol;
        return;
      }
    }

    if (sym.binding !== STB.local) {
      const { datasec, id: btfId } = this.findGlobalBtf(obj, sym.name);
      if (isExtern && datasec !== 0) {
        const secName = obj.btf![datasec]!.name;
        if (secName !== '.extern') {
          src = findSection(obj, secName);
          if (src === undefined) throw new LinkError(`failed to find matching ELF section '${secName}'`, obj.file, sym.name);
          dst = this.sections[src.dstId];
        }
      }
      const g = this.globals.get(sym.name);
      if (g !== undefined) {
        obj.symMap[index] = g.symIndex;
        if (!isExtern && !g.isExtern && !g.isWeak && sym.binding !== STB.weak) {
          throw new LinkError(`conflicting non-weak symbol #${index} definition`, obj.file, sym.name);
        }
        this.checkGlobalsMatch(obj, g, btfId, sym.name);
        const out = this.symbols[g.symIndex]!;
        if (sym.binding === STB.global) { out.binding = STB.global; g.isWeak = false; }
        const vis = sym.other & 3;
        if (vis > (out.other & 3)) out.other = (out.other & ~3) | vis;
        if (isExtern) return;
        if (!g.isExtern && sym.binding === STB.weak) return;
        out.type = sym.type;
        out.shndx = dst!.elfIndex;
        out.value = src!.dstOffset + sym.value;
        out.size = sym.size;
        g.secId = dst!.id;
        g.isExtern = false;
        this.completeExternBtf(g.btfId, obj, btfId);
        g.underlying = 0;
        return;
      }
    }

    const outIndex = this.symbols.push({
      name: sym.name, type: sym.type, binding: sym.binding, other: sym.other,
      shndx: dst !== undefined ? dst.elfIndex : sym.shndx,
      value: (src !== undefined ? src.dstOffset : 0) + sym.value, size: sym.size,
    }) - 1;
    this.strtab.add(sym.name);
    obj.symMap[index] = outIndex;
    if (sym.type === STT.section && dst !== undefined) {
      dst.sectionSymbol = outIndex;
      this.symbols[outIndex]!.value = 0;
    }
    if (sym.binding !== STB.local) {
      this.globals.set(sym.name, {
        name: sym.name, symIndex: outIndex, secId: dst?.id ?? 0, btfId: 0, underlying: 0,
        isExtern, isWeak: sym.binding === STB.weak, varIndex: -1,
      });
    }
  }

  private checkGlobalsMatch(obj: SourceObject, g: GlobalSymbol, btfId: number, name: string): void {
    if (g.btfId === 0 || btfId === 0) throw new LinkError('BTF info is missing for global symbol', obj.file, name);
    const t = obj.btf![btfId];
    if (t?.kind !== 'VAR' && t?.kind !== 'FUNC') throw new LinkError(`only extern variables and functions are supported, not ${t?.kind}`, obj.file, name);
    const why = g.secId !== 0 && this.sections[g.secId]!.name === '.maps'
      ? mapDefMismatch(name, this.btf, g.btfId, obj.btf!, btfId)
      : btfMismatch(true, this.btf, g.btfId, obj.btf!, btfId);
    if (why !== undefined) throw new LinkError(`incompatible declarations: ${why}`, obj.file, name);
  }

  /** An extern resolved by a definition: its VAR becomes global, its FUNC gets the parameter names. */
  private completeExternBtf(dstId: number, obj: SourceObject, srcId: number): void {
    const d = this.btf[dstId];
    const s = obj.btf![srcId];
    if (d?.kind === 'VAR') { this.btf[dstId] = { ...d, linkage: 'global' }; return; }
    if (d?.kind !== 'FUNC' || s?.kind !== 'FUNC') return;
    this.btf[dstId] = { ...d, linkage: 'global' };
    const dp = this.btf[d.type];
    const sp = obj.btf![s.type];
    if (dp?.kind !== 'FUNC_PROTO' || sp?.kind !== 'FUNC_PROTO') return;
    for (const p of sp.params) if (p.name !== '') this.btfStrings.add(p.name);
    this.btf[d.type] = { ...dp, params: dp.params.map((p, i) => (sp.params[i]?.name ? { ...p, name: sp.params[i]!.name } : p)) };
  }

  appendRelocations(obj: SourceObject): void {
    for (const relSec of obj.sections) {
      if (relSec.skipped || relSec.ephemeral || relSec.header!.type !== SHT.REL) continue;
      const linked = this.sectionOfIndex(obj, relSec.header!.info);
      if (linked === undefined) throw new LinkError(`relocation section applies to missing section ${relSec.header!.info}`, obj.file, relSec.name);
      if (linked.skipped) continue;
      let dst = this.findSection(relSec.name);
      if (dst === undefined) {
        dst = this.addSection(relSec.name, undefined);
        this.initSection(dst, relSec);
      } else {
        const bad = this.matches(dst, relSec);
        if (bad !== undefined) throw new LinkError(`sections ${relSec.name} are not compatible (${bad})`, obj.file, relSec.name);
      }
      dst.link = this.sections[this.symtabId]!.elfIndex;
      const dstLinked = this.sections[linked.dstId]!;
      dst.info = dstLinked.elfIndex;
      relSec.dstId = dst.id;
      this.extend(dst, relSec);
      const rel = ByteWriter.over(dst.data);
      const code = ByteWriter.over(dstLinked.data);
      const codeIn = new ByteReader(dstLinked.data);
      const rels = obj.elf.relocations.get(linked.index) ?? [];
      rels.forEach((r, j) => {
        const at = relSec.dstOffset + j * 16;
        const srcSym = obj.elf.symbols[r.symbol]!;
        const offset = r.offset + linked.dstOffset;
        rel.setU64(at, offset).setU64(at + 8, (BigInt(obj.symMap[r.symbol]!) << 32n) | BigInt(r.type));
        if (srcSym.type !== STT.section) return;
        if ((linked.header!.flags & SHF.EXECINSTR) === 0) {
          throw new LinkError('relocation against STT_SECTION in non-exec section is not supported', obj.file, relSec.name);
        }
        // Section-relative references (calls to the first static function, .rodata addresses)
        // carry the offset in the instruction; the section moved, so the offset moves too.
        const target = this.sectionOfIndex(obj, srcSym.shndx);
        const shift = target?.dstOffset ?? 0;
        const opcode = dstLinked.data[offset]!;
        const imm = codeIn.i32(offset + 4);
        code.setI32(offset + 4, imm + (opcode === BPF_JMP_CALL ? shift / INSN_SIZE : shift));
      });
    }
  }

  appendBtf(obj: SourceObject): void {
    const src = obj.btf;
    if (src === undefined) return;
    const start = this.btf.length;
    for (let i = 1; i < src.length; i++) {
      const t = src[i]!;
      if (t.kind === 'DATASEC') continue;
      let g: GlobalSymbol | undefined;
      if (isNonStatic(t)) {
        g = this.globals.get(t.name);
        // VARs of deduplicated sections (license, version) have no symbol.
        if (g === undefined) continue;
        if (g.underlying === 0) g.underlying = -(t as { type: number }).type;
        if (g.btfId !== 0) { obj.typeMap[i] = g.btfId; continue; }
      }
      for (const str of stringsOf(t)) this.btfStrings.add(str);
      const id = this.btf.push(t) - 1;
      this.btfOrigins[id] = { file: obj.file, id: i };
      obj.typeMap[i] = id;
      if (g !== undefined) {
        g.btfId = id;
        g.underlying = -(t as { type: number }).type;
      }
    }
    const remap = (id: number): number => {
      const n = obj.typeMap[id];
      if (id !== 0 && !n) throw new LinkError(`failed to find new ID mapping for BTF type ${id}`, obj.file);
      return n ?? 0;
    };
    for (let i = start; i < this.btf.length; i++) this.btf[i] = mapTypeIds(this.btf[i]!, remap);
    for (const g of this.globals.values()) {
      if (g.underlying >= 0) continue;
      g.underlying = obj.typeMap[-g.underlying]!;
      const gt = this.btf[g.btfId] as Extract<BtfType, { kind: 'VAR' | 'FUNC' }>;
      this.btf[g.btfId] = { ...gt, type: g.underlying };
    }

    for (const s of obj.sections) {
      if (s.btfDatasec === 0 || s.skipped) continue;
      const dst = this.sections[s.dstId]!;
      dst.hasBtf = true;
      const ds = src[s.btfDatasec] as Extract<BtfType, { kind: 'DATASEC' }>;
      for (const v of ds.vars) {
        const newId = obj.typeMap[v.type]!;
        const t = this.btf[newId];
        let g: GlobalSymbol | undefined;
        if (isNonStatic(t)) {
          g = this.globals.get(t!.name);
          if (g === undefined || g.secId !== dst.id) {
            throw new LinkError(`global '${t!.name}': section mismatch ${g?.secId} vs ${dst.id}`, obj.file, t!.name);
          }
        }
        if (g !== undefined && g.varIndex >= 0) {
          const size = resolveSize(this.btf, g.underlying);
          if (size === undefined) throw new LinkError(`global '${g.name}': failed to resolve size of underlying type`, obj.file, g.name);
          dst.vars[g.varIndex] = { ...dst.vars[g.varIndex]!, size };
          continue;
        }
        dst.vars.push({ type: newId, size: v.size, offset: s.dstOffset + v.offset });
        if (g !== undefined) g.varIndex = dst.vars.length - 1;
      }
    }
  }

  appendBtfExt(obj: SourceObject): void {
    const ext = obj.btfExt;
    if (ext === undefined) return;
    const sizes = ext.recordSizes ?? { funcInfo: 8, lineInfo: 16, coreRelocation: 16 };
    const section = (nameOff: number): { src: SourceSection; dst: OutputSection } => {
      const name = obj.btfString(nameOff);
      const src = findSection(obj, name);
      const dst = src === undefined || src.skipped ? undefined : this.sections[src.dstId];
      if (dst === undefined) throw new LinkError(`can't find section '${name}' referenced from .BTF.ext`, obj.file, name);
      return { src: src!, dst };
    };
    const checkSize = (dst: OutputSection, key: 'func' | 'line' | 'core', size: number): void => {
      if (dst.recordSizes[key] === 0) dst.recordSizes[key] = size;
      if (dst.recordSizes[key] !== size) throw new LinkError(`incompatible .BTF.ext record sizes for section '${dst.name}'`, obj.file, dst.name);
      // The output .BTF.ext has one record size per kind: found here, where the input is known.
      const first = this.extRecordSizes[key];
      if (first === undefined) this.extRecordSizes[key] = { size, file: obj.file };
      else if (first.size !== size) throw new LinkError(`${key}_info record size ${size} differs from ${first.size} in ${first.file}`, obj.file, dst.name);
    };
    // A record names an instruction of its section: checked here, where the input is known
    // (a lying offset would otherwise overflow the output's 32-bit field).
    const insn = (src: SourceSection, what: string, off: number): number => {
      const size = src.header?.size ?? 0;
      if (off % 8 !== 0 || off >= size) throw new LinkError(`.BTF.ext ${what} record at byte ${off} is not an instruction of ${src.name} (${size} bytes)`, obj.file, src.name);
      return off + src.dstOffset;
    };
    for (const [nameOff, recs] of ext.funcInfo) {
      const { src, dst } = section(nameOff);
      checkSize(dst, 'func', sizes.funcInfo);
      for (const r of recs) dst.funcInfo.push({ insnOffset: insn(src, 'func_info', r.insnOffset), typeId: obj.typeMap[r.typeId] ?? 0 });
    }
    for (const [nameOff, recs] of ext.lineInfo) {
      const { src, dst } = section(nameOff);
      checkSize(dst, 'line', sizes.lineInfo);
      for (const r of recs) {
        this.btfStrings.add(obj.btfString(r.fileNameOffset));
        this.btfStrings.add(obj.btfString(r.lineOffset));
        dst.lineInfo.push({
          insnOffset: insn(src, 'line_info', r.insnOffset), file: obj.btfString(r.fileNameOffset), line: obj.btfString(r.lineOffset),
          lineNumber: r.line, column: r.column,
        });
      }
    }
    for (const [nameOff, recs] of ext.coreRelocations) {
      const { src, dst } = section(nameOff);
      checkSize(dst, 'core', sizes.coreRelocation);
      for (const r of recs) {
        this.btfStrings.add(obj.btfString(r.accessStringOffset));
        dst.coreRelos.push({ insnOffset: insn(src, 'core_relo', r.insnOffset), typeId: obj.typeMap[r.typeId] ?? 0, access: obj.btfString(r.accessStringOffset), kind: r.kind });
      }
    }
  }
}

function stringSet(): StringTableBuilder {
  const t = new StringTableBuilder();
  t.add('');
  return t;
}
