// readObject: a clang-style relocatable eBPF object → BpfObject.

import { ByteReader, DecodeError, decodeInstructions, type Instruction } from '../../isa/index.js';
import { type Btf, decodeBtf } from '../btf/index.js';
import { type BtfExt, btfExtRecordOffsets, type BtfExtRecordOffsets, decodeBtfExt } from '../btf-ext/index.js';
import { EM_BPF, ET_REL, SHF, SHT, STT } from '../constants.js';
import { type ElfFile, type ElfSectionHeader, type ElfSymbol, readElf } from '../reader.js';
import { ObjectError } from './errors.js';
import { isStructOpsSection, readStructOps } from './struct-ops.js';
import { Where } from './where.js';
import { parseMapDef } from './maps.js';
import { programTypeOf } from './program-types.js';
import type {
  BpfInstruction, BpfObject, BpfProgram, BtfMap, DataSection, Extern, ExternKind, GlobalVariable, InsnCoreRelocation,
  InsnLineInfo, InsnReference, InsnRelocation, StructOpsSection,
} from './types.js';
import { type SymbolBinding, symbolBindingName } from '../object-model.js';

/** Largest alignment and data section size accepted (clang uses ≤ 16; a map value is far below 2^28). */
export const MAX_ALIGN = 4096;
export const MAX_DATA_SIZE = 1 << 28;

export function dataSectionKind(name: string): DataSection['kind'] | undefined {
  for (const k of ['data', 'rodata', 'bss'] as const) if (name === `.${k}` || name.startsWith(`.${k}.`)) return k;
  // clang puts __attribute__((address_space(1))) globals here: the arena's initial content.
  if (name === ARENA_SECTION) return 'arena';
  return undefined;
}

export const ARENA_SECTION = '.addr_space.1';

export function isProgramSection(s: ElfSectionHeader): boolean {
  return s.type === SHT.PROGBITS && (s.flags & SHF.EXECINSTR) !== 0 && s.size > 0;
}

/**
 * The object in `bytes`. `elf`, when the caller has already read `bytes` with readElf (the
 * loader needs both), saves parsing the ELF a second time; it must be readElf(bytes).
 */
export function readObject(bytes: Uint8Array, elf: ElfFile = readElf(bytes)): BpfObject {
  return read(elf);
}

export function bindingOf(sym: ElfSymbol, where: Where): SymbolBinding {
  const r = symbolBindingName(sym.binding);
  if (r === undefined) throw where.symbol(`binding ${sym.binding} is not local/global/weak`, sym, 4);
  return r;
}

function read(elf: ElfFile): BpfObject {
  if (elf.machine !== EM_BPF) throw new ObjectError(`e_machine ${elf.machine} is not EM_BPF (247)`, '', 18);
  if (elf.type !== ET_REL) throw new ObjectError(`e_type ${elf.type} is not ET_REL`, '', 16);
  const byteOrder = elf.byteOrder;
  const byName = new Map<string, ElfSectionHeader>();
  for (const s of elf.sections) {
    if (s.index === 0) continue;
    if (byName.has(s.name) && (isProgramSection(s) || dataSectionKind(s.name) !== undefined || s.name === '.maps')) {
      throw new ObjectError('section appears twice', s.name, 0);
    }
    byName.set(s.name, s);
  }
  const nameOfSym = (i: number): string => {
    const sym = elf.symbols[i]!;
    return sym.type === STT.section ? elf.sections[sym.shndx]?.name ?? '' : sym.name;
  };

  // BTF and .BTF.ext.
  const btfSec = byName.get('.BTF');
  let btf: Btf | undefined;
  if (btfSec !== undefined) {
    if (btfSec.type !== SHT.PROGBITS) throw new ObjectError('.BTF is not PROGBITS', '.BTF', 0);
    btf = decodeBtf(btfSec.data);
  }
  const where = new Where(elf, btf);
  const extSec = byName.get('.BTF.ext');
  let btfExt: BtfExt | undefined;
  let extOffsets: BtfExtRecordOffsets | undefined;
  if (extSec !== undefined && btf !== undefined) {
    btfExt = decodeBtfExt(extSec.data, byteOrder);
    extOffsets = btfExtRecordOffsets(extSec.data, byteOrder);
  }
  // DATASEC name → { var name → type id }, and the DATASEC's id.
  const datasecs = new Map<string, Map<string, number>>();
  const datasecIds = new Map<string, number>();
  if (btf !== undefined) {
    for (const [id, t] of btf.types()) {
      if (t.kind !== 'DATASEC') continue;
      const vars = new Map<string, number>();
      for (const v of t.vars) {
        if (!btf.has(v.type)) throw where.btfType(`DATASEC ${t.name} names type ${v.type}, which does not exist`, id);
        vars.set(btf.nameOf(v.type), v.type);
      }
      datasecs.set(t.name, vars);
      datasecIds.set(t.name, id);
    }
  }

  // License and version.
  let license = '';
  let licenseSymbol: string | undefined;
  const lic = byName.get('license');
  if (lic !== undefined) {
    const end = lic.data.indexOf(0);
    license = new TextDecoder().decode(lic.data.subarray(0, end < 0 ? lic.data.length : end));
    licenseSymbol = elf.symbols.find((s) => s.shndx === lic.index && s.type === STT.object)?.name;
  }
  let kernelVersion: number | undefined;
  const ver = byName.get('version');
  if (ver !== undefined) {
    if (ver.data.length !== 4) throw new ObjectError(`version section is ${ver.data.length} bytes, not 4`, 'version', 0);
    kernelVersion = new ByteReader(ver.data, byteOrder).u32(0);
  }

  // Externs: undefined symbols.
  const externs: Extern[] = [];
  const kconfig = datasecs.get('.kconfig');
  const ksyms = datasecs.get('.ksyms');
  const externKinds = new Map<string, ExternKind>();
  for (const sym of elf.symbols.slice(1)) {
    if (sym.shndx !== 0 || sym.type === STT.file || sym.name === '') continue;
    let kind: ExternKind = 'unknown';
    let btfType: number | undefined;
    if (kconfig?.has(sym.name)) { kind = 'kconfig'; btfType = kconfig.get(sym.name); }
    else if (ksyms?.has(sym.name)) {
      btfType = ksyms.get(sym.name)!;
      kind = btf!.kindOf(btfType) === 'FUNC' ? 'kfunc' : 'ksym';
    }
    externKinds.set(sym.name, kind);
    externs.push({ name: sym.name, kind, binding: bindingOf(sym, where), ...(btfType === undefined ? {} : { btfType }) });
  }

  // Maps.
  const maps: BtfMap[] = [];
  const mapsSec = byName.get('.maps');
  if (mapsSec !== undefined) {
    if (btf === undefined) throw new ObjectError('.maps needs .BTF', '.maps', 0);
    if (mapsSec.size > MAX_DATA_SIZE) throw new ObjectError(`size ${mapsSec.size} exceeds ${MAX_DATA_SIZE}`, '.maps', 0);
    const vars = datasecs.get('.maps') ?? new Map<string, number>();
    const rels = elf.relocations.get(mapsSec.index) ?? [];
    for (const sym of elf.symbols) {
      if (sym.shndx !== mapsSec.index || sym.type === STT.section || sym.name === '') continue;
      if (sym.value > mapsSec.size) throw where.symbol(`map starts at ${sym.value}, outside .maps (${mapsSec.size} bytes)`, sym, 8);
      if (sym.size > mapsSec.size - sym.value) throw where.symbol(`map of ${sym.size} bytes at ${sym.value} ends outside .maps`, sym, 16);
      const varId = vars.get(sym.name);
      if (varId === undefined) throw new ObjectError(`map ${sym.name} has no VAR in the .maps DATASEC`, '.maps', sym.value);
      const v = btf.type(varId);
      if (v?.kind !== 'VAR') throw new ObjectError(`map ${sym.name}: DATASEC entry is not a VAR`, '.maps', sym.value);
      const def = parseMapDef(btf, v.type, sym.name);
      const values: (string | null)[] = [];
      for (const [k, r] of rels.entries()) {
        if (r.offset < sym.value || r.offset >= sym.value + sym.size) continue;
        const base = sym.value + (def.valuesOffset ?? 0);
        if (def.valuesOffset === undefined || r.offset < base || (r.offset - base) % 8 !== 0) {
          throw where.relocation(`offset ${r.offset} is not a slot of the values of map ${sym.name}`, mapsSec, k, 0);
        }
        // Within the map's bytes (checked above), so at most size/8 slots.
        const slot = (r.offset - base) / 8;
        while (values.length <= slot) values.push(null);
        values[slot] = nameOfSym(r.symbol);
      }
      maps.push({ name: sym.name, binding: bindingOf(sym, where), offset: sym.value, size: sym.size, btfVar: varId, ...def, values });
    }
    maps.sort((a, b) => a.offset - b.offset);
  }
  const mapNames = new Set(maps.map((m) => m.name));

  // Data sections.
  const globals: DataSection[] = [];
  for (const s of elf.sections) {
    const kind = dataSectionKind(s.name);
    if (kind === undefined || (s.type !== SHT.PROGBITS && s.type !== SHT.NOBITS)) continue;
    if (s.addralign > MAX_ALIGN || (s.addralign & (s.addralign - 1)) !== 0) throw new ObjectError(`alignment ${s.addralign} is not a power of two up to ${MAX_ALIGN}`, s.name, 0);
    if (s.size > MAX_DATA_SIZE) throw new ObjectError(`size ${s.size} exceeds ${MAX_DATA_SIZE}`, s.name, 0);
    const vars = datasecs.get(s.name);
    const variables: GlobalVariable[] = [];
    const seen = new Set<string>();
    for (const sym of elf.symbols) {
      if (sym.shndx !== s.index || sym.type === STT.section || sym.name === '') continue;
      if (sym.value > s.size) throw where.symbol(`variable starts at ${sym.value}, outside ${s.name} (${s.size} bytes)`, sym, 8);
      if (sym.size > s.size - sym.value) throw where.symbol(`variable of ${sym.size} bytes at ${sym.value} ends outside ${s.name}`, sym, 16);
      seen.add(sym.name);
      const btfVar = vars?.get(sym.name);
      variables.push({ name: sym.name, offset: sym.value, size: sym.size, binding: bindingOf(sym, where), ...(btfVar === undefined ? {} : { btfVar }) });
    }
    if (btf !== undefined && vars !== undefined) {
      const ds = btf.type(datasecIds.get(s.name) ?? 0);
      if (ds?.kind === 'DATASEC') {
        for (const v of ds.vars) {
          const n = btf.nameOf(v.type);
          if (!seen.has(n)) variables.push({ name: n, offset: v.offset, size: v.size, btfVar: v.type });
        }
      }
    }
    variables.sort((a, b) => a.offset - b.offset);
    globals.push({
      name: s.name, kind, align: s.addralign, writable: (s.flags & SHF.WRITE) !== 0,
      // A copy, and a plain Uint8Array even when the input is a Buffer (whose slice() is a view, not a copy).
      data: s.type === SHT.NOBITS ? new Uint8Array(0) : new Uint8Array(s.data), size: s.size, variables,
    });
  }
  // struct_ops maps.
  const structOps: StructOpsSection[] = [];
  for (const s of elf.sections) {
    if (!isStructOpsSection(s.name) || s.type === SHT.REL) continue;
    if (s.addralign > MAX_ALIGN || (s.addralign & (s.addralign - 1)) !== 0) throw new ObjectError(`alignment ${s.addralign} is not a power of two up to ${MAX_ALIGN}`, s.name, 0);
    structOps.push(readStructOps(elf, s, btf, datasecs.get(s.name), where, (sym) => bindingOf(sym, where)));
  }

  const dataVars = new Map<string, { section: string; offset: number }>();
  for (const g of globals) for (const v of g.variables) dataVars.set(v.name, { section: g.name, offset: v.offset });

  // Programs.
  const programs: BpfProgram[] = [];
  const strOffsetOfSection = new Map<string, number>();
  if (btf?.raw !== undefined) for (const [off, s] of btf.raw.strings.entries()) if (!strOffsetOfSection.has(s)) strOffsetOfSection.set(s, off);
  for (const s of elf.sections) {
    if (!isProgramSection(s)) continue;
    programs.push(...readSection(elf, s, byteOrder, btf, btfExt, extOffsets, strOffsetOfSection, nameOfSym, mapNames, dataVars, externKinds, where));
  }

  return {
    byteOrder, license, ...(licenseSymbol === undefined ? {} : { licenseSymbol }),
    ...(kernelVersion === undefined ? {} : { kernelVersion }),
    programs, maps, globals, ...(structOps.length === 0 ? {} : { structOps }), externs,
    ...(btf === undefined ? {} : { btf }), ...(btfExt === undefined ? {} : { btfExt }),
  };
}

function readSection(
  elf: ElfFile, s: ElfSectionHeader, byteOrder: 'le' | 'be', btf: Btf | undefined, btfExt: BtfExt | undefined,
  extOffsets: BtfExtRecordOffsets | undefined, strOffsets: Map<string, number>, nameOfSym: (i: number) => string,
  mapNames: Set<string>, dataVars: Map<string, { section: string; offset: number }>, externKinds: Map<string, ExternKind>,
  where: Where,
): BpfProgram[] {
  if (s.size % 8 !== 0) throw new ObjectError(`size ${s.size} is not a multiple of 8`, s.name, 0);
  let insns: Instruction[];
  try {
    insns = decodeInstructions(s.data, { byteOrder });
  } catch (e) {
    if (e instanceof DecodeError) throw new ObjectError(e.reason, s.name, e.byteOffset, e.index);
    throw e;
  }
  // Slot index → instruction index.
  const slotToInsn = new Int32Array(s.size / 8).fill(-1);
  { let slot = 0; insns.forEach((insn, i) => { slotToInsn[slot] = i; slot += insn.kind === 'ldImm64' ? 2 : 1; }); }
  /** Instruction index at a byte offset of the section, undefined when no instruction starts there. */
  const insnIndexAt = (byteOff: number): number | undefined => {
    const i = byteOff % 8 === 0 ? slotToInsn[byteOff / 8] : undefined;
    return i === undefined || i < 0 ? undefined : i;
  };
  const relocs = new Map<number, InsnRelocation>();
  const refs = new Map<number, InsnReference>();
  for (const [k, r] of (elf.relocations.get(s.index) ?? []).entries()) {
    const i = insnIndexAt(r.offset);
    if (i === undefined) throw where.relocation(`offset ${r.offset} is not at an instruction`, s, k, 0);
    if (r.typeName === undefined) throw where.relocation(`unknown relocation type ${r.type}`, s, k, 8, i);
    if (relocs.has(i)) throw where.relocation(`second relocation of instruction ${i}`, s, k, 0, i);
    const sym = elf.symbols[r.symbol]!;
    const sectionSymbol = sym.type === STT.section;
    const symbol = nameOfSym(r.symbol);
    relocs.set(i, { type: r.typeName, symbol, sectionSymbol });
    const insn = insns[i]!;
    const imm = insn.kind === 'ldImm64' ? (insn.imm | 0) : 0;
    let ref: InsnReference;
    if (sym.shndx === 0 && !sectionSymbol) {
      const kind = externKinds.get(symbol) ?? 'unknown';
      ref = kind === 'kfunc' || (insn.kind === 'call') ? { kind: 'kfunc', name: symbol } : { kind: 'extern', name: symbol, externKind: kind };
    } else if (mapNames.has(symbol) && !sectionSymbol) ref = { kind: 'map', map: symbol };
    else if (insn.kind === 'call' || (insn.kind === 'ldImm64' && insn.pseudo === 4)) {
      ref = { kind: 'subprogram', section: elf.sections[sym.shndx]?.name ?? '' };
    } else {
      const target = elf.sections[sym.shndx];
      const dataKind = target === undefined ? undefined : dataSectionKind(target.name);
      if (dataKind !== undefined && target !== undefined) {
        const v = sectionSymbol ? undefined : dataVars.get(symbol);
        ref = { kind: 'global', section: target.name, ...(v === undefined ? {} : { variable: symbol }), offset: (v?.offset ?? 0) + imm };
      } else ref = { kind: 'other', symbol };
    }
    refs.set(i, ref);
  }
  // .BTF.ext records for this section.
  const key = strOffsets.get(s.name);
  const lines = new Map<number, InsnLineInfo>();
  const cores = new Map<number, InsnCoreRelocation[]>();
  const funcInfo = new Map<number, number>();
  if (btfExt !== undefined && extOffsets !== undefined && btf !== undefined && key !== undefined) {
    // An error in a record names the record: its byte offset in .BTF.ext plus the field's.
    const recordError = (reason: string, positions: Map<number, number[]>, k: number, field: number): ObjectError =>
      new ObjectError(`${reason} (records of ${s.name})`, '.BTF.ext', (positions.get(key)?.[k] ?? 0) + field);
    const insnOf = (off: number, what: string, positions: Map<number, number[]>, k: number): number => {
      const i = insnIndexAt(off);
      if (i === undefined) throw recordError(`${what} at byte ${off} is not at an instruction`, positions, k, 0);
      return i;
    };
    const checkString = (off: number, positions: Map<number, number[]>, k: number, field: number): void => {
      if (off >= btf.stringsEnd) throw recordError(`string offset ${off} lies outside the .BTF strings (${btf.stringsEnd} bytes)`, positions, k, field);
    };
    for (const [k, f] of (btfExt.funcInfo.get(key) ?? []).entries()) {
      insnOf(f.insnOffset, 'func_info', extOffsets.funcInfo, k);
      if (!btf.has(f.typeId) || btf.kindOf(f.typeId) !== 'FUNC') {
        throw recordError(`func_info names type ${f.typeId}, not a FUNC`, extOffsets.funcInfo, k, 4);
      }
      funcInfo.set(f.insnOffset, f.typeId);
    }
    for (const [k, l] of (btfExt.lineInfo.get(key) ?? []).entries()) {
      const i = insnOf(l.insnOffset, 'line_info', extOffsets.lineInfo, k);
      checkString(l.fileNameOffset, extOffsets.lineInfo, k, 4);
      checkString(l.lineOffset, extOffsets.lineInfo, k, 8);
      const { insnOffset: _, ...rest } = l;
      lines.set(i, rest);
    }
    for (const [k, c] of (btfExt.coreRelocations.get(key) ?? []).entries()) {
      const i = insnOf(c.insnOffset, 'CO-RE relocation', extOffsets.coreRelocations, k);
      if (!btf.has(c.typeId)) throw recordError(`CO-RE relocation names type ${c.typeId}, which does not exist`, extOffsets.coreRelocations, k, 4);
      checkString(c.accessStringOffset, extOffsets.coreRelocations, k, 8);
      const { insnOffset: _, ...rest } = c;
      const list = cores.get(i) ?? [];
      list.push(rest);
      cores.set(i, list);
    }
  }
  // Functions: FUNC symbols tiling the section.
  const funcs = elf.symbols.filter((x) => x.shndx === s.index && x.type === STT.func).sort((a, b) => a.value - b.value);
  if (funcs.length === 0) throw new ObjectError('program section has no FUNC symbol', s.name, 0);
  const out: BpfProgram[] = [];
  const isText = s.name === '.text';
  const programType = isText ? undefined : programTypeOf(s.name);
  let expect = 0;
  for (let k = 0; k < funcs.length; k++) {
    const f = funcs[k]!;
    const end = k + 1 < funcs.length ? funcs[k + 1]!.value : s.size;
    if (f.value !== expect) {
      throw f.value < s.size
        ? new ObjectError(`bytes ${expect}..${f.value} are outside every function`, s.name, expect)
        : where.symbol(`function starts at ${f.value}, outside ${s.name} (${s.size} bytes)`, f, 8);
    }
    if (f.size !== end - f.value) throw where.symbol(`function has size ${f.size}, expected ${end - f.value}`, f, 16);
    const first = insnIndexAt(f.value);
    if (first === undefined) throw where.symbol(`function starts at byte ${f.value}, not at an instruction`, f, 8);
    const last = end === s.size ? insns.length : insnIndexAt(end);
    if (last === undefined) throw where.symbol(`function ends at byte ${end}, not at an instruction`, f, 16);
    const instructions: BpfInstruction[] = [];
    for (let i = first; i < last; i++) {
      const relocation = relocs.get(i); const reference = refs.get(i); const lineInfo = lines.get(i); const coreRelocations = cores.get(i);
      instructions.push({
        insn: insns[i]!, ...(relocation === undefined ? {} : { relocation }), ...(reference === undefined ? {} : { reference }),
        ...(lineInfo === undefined ? {} : { lineInfo }), ...(coreRelocations === undefined ? {} : { coreRelocations }),
      });
    }
    const fi = funcInfo.get(f.value);
    out.push({
      name: f.name, section: s.name, subprogram: isText, binding: bindingOf(f, where), ...((f.other & 3) === 0 ? {} : { visibility: f.other & 3 }),
      ...(programType === undefined ? {} : { programType }), ...(fi === undefined ? {} : { funcInfo: fi }), instructions,
    });
    expect = end;
  }
  return out;
}
