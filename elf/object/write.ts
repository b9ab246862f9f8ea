// writeObject: BpfObject → a relocatable eBPF ELF a loader takes as if clang had written it:
// program sections with their relocations, .maps, data sections, license, version, .BTF with
// DATASEC sizes and VAR offsets filled in, .BTF.ext with offsets for the written layout, .symtab.

import { ByteWriter, encodeInstructions, EncodeError, type Instruction } from '../../isa/index.js';
import { decodeBtf, encodeBtf } from '../btf/index.js';
import { type BtfExt, type CoreRelocation, encodeBtfExt, type FuncInfo, type LineInfo } from '../btf-ext/index.js';
import type { ObjectRelocation, ObjectSection, ObjectSymbol } from '../object-model.js';
import { writeElf } from '../writer.js';
import { ObjectError } from './errors.js';
import { writeStructOps } from './struct-ops.js';
import { MAX_ALIGN, MAX_DATA_SIZE } from './read.js';
import type { BpfObject, BpfProgram } from './types.js';

const slots = (insn: Instruction): number => (insn.kind === 'ldImm64' ? 2 : 1);

export function writeObject(obj: BpfObject): Uint8Array {
  const sections: ObjectSection[] = [];
  const symbols: ObjectSymbol[] = [];
  const sectionSizes = new Map<string, number>();
  /** DATASEC name → var name → offset. */
  const varOffsets = new Map<string, Map<string, number>>();

  // Program sections, .text first, then in the order the programs list them.
  const bySection = new Map<string, BpfProgram[]>();
  const text = obj.programs.filter((p) => p.section === '.text');
  if (text.length > 0) bySection.set('.text', []);
  for (const p of obj.programs) {
    const list = bySection.get(p.section) ?? [];
    list.push(p);
    bySection.set(p.section, list);
  }
  const funcInfo = new Map<string, FuncInfo[]>();
  const lineInfo = new Map<string, LineInfo[]>();
  const core = new Map<string, CoreRelocation[]>();
  for (const [name, progs] of bySection) {
    const insns: Instruction[] = [];
    const relocations: ObjectRelocation[] = [];
    const fi: FuncInfo[] = []; const li: LineInfo[] = []; const cr: CoreRelocation[] = [];
    let slot = 0;
    for (const p of progs) {
      const start = slot * 8;
      if (p.funcInfo !== undefined) fi.push({ insnOffset: start, typeId: p.funcInfo });
      for (const bi of p.instructions) {
        const off = slot * 8;
        insns.push(bi.insn);
        if (bi.relocation !== undefined) relocations.push({ offset: off, type: bi.relocation.type, symbol: bi.relocation.symbol });
        if (bi.lineInfo !== undefined) li.push({ insnOffset: off, ...bi.lineInfo });
        for (const c of bi.coreRelocations ?? []) cr.push({ insnOffset: off, ...c });
        slot += slots(bi.insn);
      }
      symbols.push({ name: p.name, section: name, value: start, size: slot * 8 - start, binding: p.binding, type: 'func', ...(p.visibility === undefined ? {} : { visibility: p.visibility }) });
    }
    let data: Uint8Array;
    try {
      data = encodeInstructions(insns, obj.byteOrder);
    } catch (e) {
      if (e instanceof EncodeError) throw new ObjectError(e.reason, name, 0, e.index);
      throw e;
    }
    sections.push({ name, type: 'progbits', flags: { alloc: true, write: false, exec: true }, align: 8, data, size: data.length, relocations });
    if (fi.length > 0) funcInfo.set(name, fi);
    if (li.length > 0) lineInfo.set(name, li);
    if (cr.length > 0) core.set(name, cr);
  }

  // Data sections.
  for (const g of obj.globals) {
    if (g.align > MAX_ALIGN || (g.align & (g.align - 1)) !== 0) throw new ObjectError(`alignment ${g.align} is not a power of two up to ${MAX_ALIGN}`, g.name, 0);
    if (g.size > MAX_DATA_SIZE || g.data.length > MAX_DATA_SIZE) throw new ObjectError(`size ${g.size} exceeds ${MAX_DATA_SIZE}`, g.name, 0);
    // .bss, and any section read as NOBITS (size but no content, e.g. an all-zero .addr_space.1).
    const nobits = g.kind === 'bss' || (g.data.length === 0 && g.size > 0);
    sections.push({
      name: g.name, type: nobits ? 'nobits' : 'progbits', flags: { alloc: true, write: g.writable, exec: false },
      align: g.align, data: nobits ? new Uint8Array(0) : g.data, size: nobits ? g.size : g.data.length, relocations: [],
    });
    sectionSizes.set(g.name, nobits ? g.size : g.data.length);
    const offs = new Map<string, number>();
    for (const v of g.variables) {
      offs.set(v.name, v.offset);
      if (v.binding !== undefined) symbols.push({ name: v.name, section: g.name, value: v.offset, size: v.size, binding: v.binding, type: 'object' });
    }
    varOffsets.set(g.name, offs);
  }

  // .maps.
  if (obj.maps.length > 0) {
    const size = Math.max(...obj.maps.map((m) => m.offset + m.size));
    const relocations: ObjectRelocation[] = [];
    const offs = new Map<string, number>();
    for (const m of obj.maps) {
      offs.set(m.name, m.offset);
      symbols.push({ name: m.name, section: '.maps', value: m.offset, size: m.size, binding: m.binding, type: 'object' });
      m.values.forEach((v, i) => {
        if (v !== null) relocations.push({ offset: m.offset + (m.valuesOffset ?? 0) + 8 * i, type: 'R_BPF_64_64', symbol: v });
      });
    }
    relocations.sort((a, b) => a.offset - b.offset);
    sections.push({ name: '.maps', type: 'progbits', flags: { alloc: true, write: true, exec: false }, align: 8, data: new Uint8Array(size), size, relocations });
    sectionSizes.set('.maps', size);
    varOffsets.set('.maps', offs);
  }

  // struct_ops maps.
  for (const so of obj.structOps ?? []) {
    if (so.align > MAX_ALIGN || (so.align & (so.align - 1)) !== 0) throw new ObjectError(`alignment ${so.align} is not a power of two up to ${MAX_ALIGN}`, so.name, 0);
    if (so.size > MAX_DATA_SIZE) throw new ObjectError(`size ${so.size} exceeds ${MAX_DATA_SIZE}`, so.name, 0);
    const w = writeStructOps(so);
    sections.push(w.section);
    symbols.push(...w.symbols);
    sectionSizes.set(so.name, so.size);
    varOffsets.set(so.name, w.offsets);
  }

  // license, version.
  const licBytes = new TextEncoder().encode(`${obj.license}\0`);
  sections.push({ name: 'license', type: 'progbits', flags: { alloc: true, write: true, exec: false }, align: 1, data: licBytes, size: licBytes.length, relocations: [] });
  sectionSizes.set('license', licBytes.length);
  if (obj.licenseSymbol !== undefined) {
    symbols.push({ name: obj.licenseSymbol, section: 'license', value: 0, size: licBytes.length, binding: 'global', type: 'object' });
    varOffsets.set('license', new Map([[obj.licenseSymbol, 0]]));
  }
  if (obj.kernelVersion !== undefined) {
    const v = new ByteWriter(obj.byteOrder, 4).u32(obj.kernelVersion).finish();
    sections.push({ name: 'version', type: 'progbits', flags: { alloc: true, write: true, exec: false }, align: 4, data: v, size: 4, relocations: [] });
  }

  // .BTF with DATASECs fixed, .BTF.ext keyed by the written section names.
  if (obj.btf !== undefined) {
    const btfBytes = encodeBtf(obj.btf, { byteOrder: obj.byteOrder }).slice();
    const written = decodeBtf(btfBytes);
    patchDatasecs(btfBytes, written, sectionSizes, varOffsets);
    sections.push({ name: '.BTF', type: 'progbits', flags: { alloc: false, write: false, exec: false }, align: 4, data: btfBytes, size: btfBytes.length, relocations: [] });
    if (obj.btfExt !== undefined || funcInfo.size + lineInfo.size + core.size > 0) {
      const strOff = new Map<string, number>();
      if (written.raw !== undefined) for (const [off, s] of written.raw.strings.entries()) if (!strOff.has(s)) strOff.set(s, off);
      const key = (name: string): number => {
        const k = strOff.get(name);
        if (k === undefined) throw new ObjectError(`section name ${name} is not in the .BTF strings`, '.BTF.ext', 0);
        return k;
      };
      const rekey = <T>(m: Map<string, T[]>): Map<number, T[]> => new Map([...m].map(([n, v]) => [key(n), v]));
      const ext: BtfExt = {
        funcInfo: rekey(funcInfo), lineInfo: rekey(lineInfo), coreRelocations: rekey(core),
        ...(obj.btfExt?.headerLength === undefined ? {} : { headerLength: obj.btfExt.headerLength }),
      };
      const extBytes = encodeBtfExt(ext, obj.byteOrder);
      sections.push({ name: '.BTF.ext', type: 'progbits', flags: { alloc: false, write: false, exec: false }, align: 4, data: extBytes, size: extBytes.length, relocations: [] });
    }
  }

  for (const x of obj.externs) symbols.push({ name: x.name, section: null, value: 0, size: 0, binding: x.binding, type: 'notype' });
  // Locals first is the writer's job; keep globals in a stable order.
  return writeElf({ byteOrder: obj.byteOrder, sections, symbols });
}

/** Sets DATASEC sizes from the written sections and VAR offsets from the written symbols, in place. */
function patchDatasecs(
  bytes: Uint8Array, btf: ReturnType<typeof decodeBtf>, sizes: Map<string, number>,
  offsets: Map<string, Map<string, number>>,
): void {
  const raw = btf.raw;
  if (raw === undefined) return;
  const w = ByteWriter.over(bytes, btf.byteOrder);
  for (const [id, t] of btf.types()) {
    if (t.kind !== 'DATASEC') continue;
    const size = sizes.get(t.name);
    if (size === undefined) continue;
    const rec = raw.typeOffset + 4 * raw.offsets[id - btf.firstId]!;
    w.setU32(rec + 8, size);
    const offs = offsets.get(t.name);
    t.vars.forEach((v, k) => {
      const o = offs?.get(btf.nameOf(v.type));
      if (o !== undefined) w.setU32(rec + 12 + 12 * k + 4, o);
    });
  }
}
