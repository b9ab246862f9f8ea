// relocateObjectCore: applies every CO-RE relocation of an object against a target, as libbpf's
// bpf_object__relocate_core does — same order (.BTF.ext record order), one candidate cache per
// object, failed relocations poisoned — but as a pure function returning a new object.

import type { BpfInstruction, BpfObject, BpfProgram, Btf, CoreRelocationKind, InsnCoreRelocation } from '../../elf/index.js';
import { type Instruction, slotCount } from '../../isa/index.js';
import { resolveRelocation } from './calc.js';
import { CandidateCache, type CoreTarget } from './candidates.js';
import { CoreError, type CoreLocation } from './errors.js';
import { patchInstruction, POISON_HELPER_ID } from './patch.js';

export interface CoreRelocationResult {
  readonly program: string;
  readonly section: string;
  /** Index into the ORIGINAL program's `instructions`. */
  readonly insnIndex: number;
  /** libbpf's "insn #N": 8-byte slot from the program's start. */
  readonly slot: number;
  /** libbpf's "relo #N": index among the section's CO-RE records. */
  readonly relocationIndex: number;
  readonly kind: CoreRelocationKind;
  readonly accessString: string;
  readonly localTypeId: number;
  /** "struct task_struct", "pid_t", "enum x", as libbpf prints it. */
  readonly localType: string;
  /** False: the relocation found no target and the instruction became `call 0xbad2310`. */
  readonly ok: boolean;
  /** Value the instruction held (imm, off, or the ld_imm64 value), signed. */
  readonly original: number;
  /** Value written (signed); 0xbad2310, the poison call's helper id, when !ok. */
  readonly patched: number;
  /** Exact u64 forms in decimal, as libbpf's log prints them (strings so that results stay JSON). */
  readonly originalValue: string;
  readonly patchedValue: string;
  /** Load/store access size after patching, when it changed. */
  readonly newSize?: number;
  /** Root type id of the chosen candidate, absent when none matched. */
  readonly targetTypeId?: number;
  /** Index in `target.modules` of the module BTF holding it; absent for vmlinux (or the named file). */
  readonly targetModule?: number;
  readonly message?: string;
}

/** Prints a type like libbpf's log: kind keyword for composites/enums/forwards, else the name. */
export function describeType(btf: Btf, id: number): string {
  const t = btf.type(id);
  if (t === undefined) return id === 0 ? 'void' : `<bad id ${id}>`;
  const name = t.name === '' ? '<anon>' : t.name;
  switch (t.kind) {
    case 'STRUCT': return `struct ${name}`;
    case 'UNION': return `union ${name}`;
    case 'ENUM': case 'ENUM64': return `enum ${name}`;
    case 'FWD': return `${t.union ? 'union' : 'struct'} ${name}`;
    default: return name;
  }
}

interface Site {
  readonly programIndex: number;
  readonly insnIndex: number;
  readonly location: CoreLocation;
  readonly section: string;
  readonly record: InsnCoreRelocation;
  /** Sort key: section order in .BTF.ext, then record index. */
  readonly order: readonly [number, number];
}

/** Collects the relocations of every program with their slots and libbpf record indices. */
function collectSites(object: BpfObject): Site[] {
  const btf = object.btf;
  // section name → ordered CO-RE records (insn byte offset, typeId, kind, access string offset)
  const extOrder = new Map<string, { index: number; records: { insnOffset: number; typeId: number; kind: string; accessStringOffset: number }[] }>();
  if (object.btfExt !== undefined && btf !== undefined) {
    let index = 0;
    for (const [off, records] of object.btfExt.coreRelocations) extOrder.set(btf.string(off), { index: index++, records });
  }
  const sites: Site[] = [];
  const sectionSlot = new Map<string, number>();
  const running = new Map<string, number>();
  const claimed = new Set<string>();
  object.programs.forEach((p, programIndex) => {
    const start = sectionSlot.get(p.section) ?? 0;
    let slot = 0;
    p.instructions.forEach((bi, insnIndex) => {
      for (const rec of bi.coreRelocations ?? []) {
        const ext = extOrder.get(p.section);
        let relocationIndex = -1;
        if (ext !== undefined) {
          relocationIndex = ext.records.findIndex((r, i) => !claimed.has(`${p.section}#${i}`) && r.insnOffset === (start + slot) * 8
            && r.typeId === rec.typeId && r.kind === rec.kind && r.accessStringOffset === rec.accessStringOffset);
          if (relocationIndex >= 0) claimed.add(`${p.section}#${relocationIndex}`);
        }
        if (relocationIndex < 0) relocationIndex = running.get(p.section) ?? 0;
        running.set(p.section, relocationIndex + 1);
        sites.push({
          programIndex, insnIndex, section: p.section, record: rec,
          location: { program: p.name, insnIndex, slot, relocationIndex },
          order: [ext?.index ?? extOrder.size + programIndex, relocationIndex],
        });
      }
      slot += slotCount(bi.insn);
    });
    sectionSlot.set(p.section, start + slot);
  });
  return sites.sort((a, b) => a.order[0] - b.order[0] || a.order[1] - b.order[1]);
}

/**
 * Relocates every CO-RE relocation of `object` against `target`. Pure: the object is not modified.
 * Relocations with no target are poisoned (ok: false); relocations libbpf would refuse throw CoreError.
 */
export function relocateObjectCore(object: BpfObject, target: CoreTarget): { object: BpfObject; results: CoreRelocationResult[] } {
  const sites = collectSites(object);
  if (sites.length === 0) return { object, results: [] };
  const local = object.btf;
  if (local === undefined) throw new CoreError('object has CO-RE relocations but no .BTF', sites[0]!.location);
  const byteOrder = object.byteOrder;
  const cache = new CandidateCache(local, target);
  // Working copies: per program, per original instruction, the replacement instructions.
  const work = object.programs.map((p) => p.instructions.map((bi) => [bi.insn] as Instruction[]));
  const results: CoreRelocationResult[] = [];
  for (const site of sites) {
    const { record, location } = site;
    try {
      const accessString = local.string(record.accessStringOffset);
      const candidates = record.kind === 'type_id_local' ? undefined : cache.get(record.typeId);
      const res = resolveRelocation(local, record.typeId, record.kind, accessString, candidates, byteOrder);
      const slots = work[site.programIndex]![site.insnIndex]!;
      // A poisoned instruction is a call: a second relocation on it fails as in libbpf.
      const out = patchInstruction(slots[0]!, res);
      work[site.programIndex]![site.insnIndex] = [...out.insns];
      const patchedValue = out.poisoned ? BigInt(POISON_HELPER_ID) : res.value;
      results.push({
        program: location.program, section: site.section, insnIndex: location.insnIndex, slot: location.slot,
        relocationIndex: location.relocationIndex, kind: record.kind, accessString, localTypeId: record.typeId,
        localType: describeType(local, record.typeId), ok: !out.poisoned,
        original: Number(BigInt.asIntN(64, out.original)), patched: Number(BigInt.asIntN(64, patchedValue)),
        originalValue: out.original.toString(), patchedValue: patchedValue.toString(),
        ...(out.newSize === undefined ? {} : { newSize: out.newSize }),
        ...(res.target === undefined ? {} : { targetTypeId: res.target.rootTypeId }),
        ...(res.target === undefined || res.target.btf === target.btf ? {} : { targetModule: target.modules?.indexOf(res.target.btf) ?? -1 }),
        ...(out.poisoned ? { message: res.poison ? 'no target has this field/enumerator' : 'load/store size cannot be adjusted for this field type' } : {}),
      });
    } catch (e) {
      if (e instanceof CoreError) throw e.at(location);
      if (e instanceof RangeError) throw new CoreError(e.message, location);
      throw e;
    }
  }
  const programs: BpfProgram[] = object.programs.map((p, pi) => {
    const touched = work[pi]!.some((slots, i) => slots.length !== 1 || slots[0] !== p.instructions[i]!.insn);
    if (!touched) return p;
    const instructions: BpfInstruction[] = [];
    p.instructions.forEach((bi, i) => {
      const [first, ...rest] = work[pi]![i]!;
      instructions.push(first === bi.insn ? bi : { ...bi, insn: first! });
      for (const extra of rest) instructions.push({ insn: extra });
    });
    return { ...p, instructions };
  });
  return { object: { ...object, programs }, results };
}
