// struct_ops maps: the variables of `.struct_ops` / `.struct_ops.link` sections. Each is a kernel
// struct (e.g. tcp_congestion_ops) whose function pointer members clang fills with R_BPF_64_ABS64
// relocations against programs of struct_ops/ sections; the rest is the struct's initial bytes.

import { type Btf, skipModifiers } from '../btf/index.js';
import { SHT, STT } from '../constants.js';
import type { ElfFile, ElfSectionHeader } from '../reader.js';
import type { ObjectRelocation, ObjectSection, ObjectSymbol } from '../object-model.js';
import { ObjectError } from './errors.js';
import type { StructOpsMap, StructOpsPointer, StructOpsSection } from './types.js';
import type { Where } from './where.js';

export function isStructOpsSection(name: string): boolean {
  return name === '.struct_ops' || name.startsWith('.struct_ops.');
}

/** Name of the struct a struct_ops VAR has, and its members by byte offset. */
function structOf(btf: Btf | undefined, varId: number | undefined): { name: string; members: Map<number, string> } {
  const members = new Map<number, string>();
  if (btf === undefined || varId === undefined) return { name: '', members };
  const v = btf.type(varId);
  const t = btf.type(skipModifiers((i) => btf.type(i), v?.kind === 'VAR' ? v.type : 0));
  if (t?.kind !== 'STRUCT') return { name: '', members };
  for (const m of t.members) if (m.bitsOffset % 8 === 0) members.set(m.bitsOffset / 8, m.name);
  return { name: t.name, members };
}

export function readStructOps(
  elf: ElfFile, s: ElfSectionHeader, btf: Btf | undefined, vars: ReadonlyMap<string, number> | undefined,
  where: Where, bindingOf: (sym: ElfFile['symbols'][number]) => StructOpsMap['binding'],
): StructOpsSection {
  if (s.type !== SHT.PROGBITS) throw new ObjectError('struct_ops section is not PROGBITS', s.name, 0);
  const found: { map: Omit<StructOpsMap, 'pointers'>; pointers: StructOpsPointer[]; members: Map<number, string> }[] = [];
  for (const sym of elf.symbols) {
    if (sym.shndx !== s.index || sym.type === STT.section || sym.name === '') continue;
    if (sym.value > s.size) throw where.symbol(`struct_ops map starts at ${sym.value}, outside ${s.name} (${s.size} bytes)`, sym, 8);
    if (sym.size > s.size - sym.value) throw where.symbol(`struct_ops map of ${sym.size} bytes at ${sym.value} ends outside ${s.name}`, sym, 16);
    const btfVar = vars?.get(sym.name);
    const { name: structName, members } = structOf(btf, btfVar);
    found.push({
      map: {
        name: sym.name, binding: bindingOf(sym), offset: sym.value, size: sym.size, ...(btfVar === undefined ? {} : { btfVar }),
        structName, data: new Uint8Array(s.data.subarray(sym.value, sym.value + sym.size)),
      },
      pointers: [], members,
    });
  }
  found.sort((a, b) => a.map.offset - b.map.offset);
  for (const [k, r] of (elf.relocations.get(s.index) ?? []).entries()) {
    const owner = found.find((m) => r.offset >= m.map.offset && r.offset < m.map.offset + m.map.size);
    if (owner === undefined) throw where.relocation(`offset ${r.offset} is in no struct_ops map`, s, k, 0);
    if (r.typeName !== 'R_BPF_64_ABS64') throw where.relocation(`type ${r.typeName ?? r.type} is not R_BPF_64_ABS64`, s, k, 8);
    const offset = r.offset - owner.map.offset;
    if (offset % 8 !== 0 || offset + 8 > owner.map.size) throw where.relocation(`offset ${r.offset} is not a pointer slot of ${owner.map.name}`, s, k, 0);
    const sym = elf.symbols[r.symbol]!;
    if (sym.type !== STT.func || sym.name === '') throw where.relocation(`symbol ${sym.name || sym.index} is not a program`, s, k, 12);
    if (owner.pointers.some((p) => p.offset === offset)) throw where.relocation(`second relocation of ${owner.map.name} at ${offset}`, s, k, 0);
    owner.pointers.push({ offset, member: owner.members.get(offset) ?? '', program: sym.name });
  }
  return {
    name: s.name, align: s.addralign, size: s.size,
    maps: found.map((m) => ({ ...m.map, pointers: m.pointers.sort((a, b) => a.offset - b.offset) })),
  };
}

/** The section, its symbols and relocations for writeElf. */
export function writeStructOps(sec: StructOpsSection): { section: ObjectSection; symbols: ObjectSymbol[]; offsets: Map<string, number> } {
  const data = new Uint8Array(sec.size);
  const relocations: ObjectRelocation[] = [];
  const symbols: ObjectSymbol[] = [];
  const offsets = new Map<string, number>();
  for (const m of sec.maps) {
    if (m.offset + m.size > sec.size || m.data.length > m.size) throw new ObjectError(`struct_ops map ${m.name} lies outside the section`, sec.name, m.offset);
    data.set(m.data, m.offset);
    symbols.push({ name: m.name, section: sec.name, value: m.offset, size: m.size, binding: m.binding, type: 'object' });
    offsets.set(m.name, m.offset);
    for (const p of m.pointers) {
      if (p.offset + 8 > m.size) throw new ObjectError(`pointer ${p.member || p.offset} of ${m.name} lies outside the map`, sec.name, m.offset);
      relocations.push({ offset: m.offset + p.offset, type: 'R_BPF_64_ABS64', symbol: p.program });
    }
  }
  relocations.sort((a, b) => a.offset - b.offset);
  return {
    section: { name: sec.name, type: 'progbits', flags: { alloc: true, write: true, exec: false }, align: sec.align, data, size: sec.size, relocations },
    symbols, offsets,
  };
}
