// Unit tests of the CO-RE resolver's pieces: flavor names, access strings, typed errors, purity,
// poisoning of ld_imm64, target loading. The relocation values themselves are checked against
// libbpf in loader-core-kernel.test.ts and loader-core-property.test.ts.

import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Btf, type BpfObject, type BpfProgram, readElf, readObject } from '../elf/index.js';
import { slotCount } from '../isa/index.js';
import {
  CoreError, type CoreTarget, loadKernelCoreTarget, POISON_HELPER_ID, relocateObjectCore,
} from '../loader/index.js';
import { essentialName, essentialNameLength, flavorOf, parseSpec } from '../src/internal.js';

const fixture = (name: string): BpfObject => readObject(readFileSync(new URL(`../fixtures/obj/${name}.bpf.o`, import.meta.url)));
const fixtureBtfTarget = (name: string): CoreTarget => loadKernelCoreTarget({ btfPath: new URL(`../fixtures/obj/${name}.bpf.o`, import.meta.url).pathname });

/** The object with the first CO-RE record of the first program that has one rewritten. */
function withFirstRecord(object: BpfObject, change: (r: { typeId: number; accessStringOffset: number; kind: string }) => object): { object: BpfObject; program: string; insnIndex: number } {
  const pi = object.programs.findIndex((p) => p.instructions.some((i) => i.coreRelocations !== undefined));
  const p = object.programs[pi]!;
  const ii = p.instructions.findIndex((i) => i.coreRelocations !== undefined);
  const instructions = p.instructions.map((bi, i) => (i !== ii ? bi : { ...bi, coreRelocations: bi.coreRelocations!.map((r, k) => (k === 0 ? { ...r, ...change(r) } : r)) }));
  const programs: BpfProgram[] = object.programs.map((q, i) => (i === pi ? { ...q, instructions } : q));
  // Without .BTF.ext the records are taken in instruction order.
  const { btfExt: _, ...rest } = object;
  return { object: { ...rest, programs }, program: p.name, insnIndex: ii };
}

describe('flavors', () => {
  it('cut at the last X___Y where X and Y are not underscores', () => {
    expect(essentialName('task_struct___v514')).toBe('task_struct');
    expect(essentialName('a___b___c')).toBe('a___b');
    expect(essentialName('task_struct')).toBe('task_struct');
    expect(essentialName('x____y')).toBe('x____y'); // four underscores: Y would start with '_'
    expect(essentialName('___x')).toBe('___x'); // no X before the separator
    expect(essentialName('s___')).toBe('s___'); // no Y after it
    expect(flavorOf('task_struct___old')).toBe('old');
    expect(flavorOf('task_struct')).toBeUndefined();
  });

  it('name + "___" + flavor always has the name as essential name (names not ending in "_")', () => {
    const ident = fc.stringMatching(/^[a-z][a-z0-9_]{0,12}[a-z0-9]$/);
    fc.assert(fc.property(ident, fc.stringMatching(/^[a-z0-9][a-z0-9_]{0,6}$/), (name, flavor) => {
      const flavored = `${name}___${flavor}`;
      expect(essentialNameLength(flavored)).toBeGreaterThanOrEqual(name.length);
      if (!/___[^_]/.test(flavor) && !/[^_]___$/.test(flavor)) expect(essentialName(flavored)).toBe(name);
    }));
  });
});

describe('access strings and specs', () => {
  const object = fixture('core_fields');
  const btf = object.btf!;
  const task = btf.findByName('task_struct', 'STRUCT')[0]!;

  it('type-based kinds need "0"; malformed strings and out-of-range indices are CoreErrors', () => {
    expect(() => parseSpec(btf, task, 'type_size', '0:1')).toThrow(CoreError);
    for (const bad of ['', ':0', '0:', '0::1', '0:-1', '0:x', '0:99999', '0:01']) {
      expect(() => parseSpec(btf, task, 'field_byte_offset', bad), bad).toThrow(CoreError);
    }
    expect(() => parseSpec(btf, task, 'enumval_value', '0')).toThrow(/enumerator/);
    expect(() => parseSpec(btf, 999999, 'field_byte_offset', '0:0')).toThrow(/no type id 999999/);
  });

  it('a spec keeps named steps and array indices, skips anonymous members in accessors but not in raw', () => {
    const spec = parseSpec(btf, task, 'field_byte_offset', '0:92');
    expect(spec.raw).toEqual([0, 92]);
    expect(spec.accessors.map((a) => a.name)).toEqual([undefined, 'pid']);
    expect(spec.bitOffset % 8).toBe(0);
  });
});

describe('relocateObjectCore', () => {
  const object = fixture('core_fields');
  // The fixtures' own BTF is a stand-in target: it has task_struct & co with the layout clang saw.
  const target = fixtureBtfTarget('core_fields');

  it('is pure: the input object is unchanged and untouched programs are shared', () => {
    const before = JSON.stringify(object.programs.map((p) => p.instructions.map((i) => i.insn)));
    const { object: out, results } = relocateObjectCore(object, target);
    expect(JSON.stringify(object.programs.map((p) => p.instructions.map((i) => i.insn)))).toBe(before);
    expect(results.length).toBeGreaterThan(0);
    expect(results.every((r) => r.ok && r.original === r.patched)).toBe(true); // same BTF: nothing moves
    expect(out.programs.length).toBe(object.programs.length);
  });

  it('names program and instruction in CoreErrors for a malformed access string', () => {
    // Point the access string at a type name: "task_struct" is not "0:1:2".
    const nameOffset = object.btf!.raw!.words[object.btf!.raw!.offsets[0]!]!;
    const bad = withFirstRecord(object, () => ({ accessStringOffset: nameOffset }));
    const err = (() => { try { relocateObjectCore(bad.object, target); } catch (e) { return e; } })() as CoreError;
    expect(err).toBeInstanceOf(CoreError);
    expect(err.location).toMatchObject({ program: bad.program, insnIndex: bad.insnIndex });
    expect(err.message).toContain(`program '${bad.program}' insn ${bad.insnIndex}`);
  });

  it('names program and instruction in CoreErrors for a bad type id', () => {
    const bad = withFirstRecord(object, () => ({ typeId: 999999 }));
    expect(() => relocateObjectCore(bad.object, target)).toThrow(/program '.*' insn \d+ .*no type id 999999/);
  });

  it('refuses an instruction that does not hold the value the compiler would have written', () => {
    const p = object.programs.find((q) => q.instructions.some((i) => i.coreRelocations !== undefined && i.insn.kind === 'alu'))!;
    const ii = p.instructions.findIndex((i) => i.coreRelocations !== undefined && i.insn.kind === 'alu');
    const insn = p.instructions[ii]!.insn;
    if (insn.kind !== 'alu' || insn.src.kind !== 'imm') throw new Error('fixture changed');
    const changed = { ...insn, src: { kind: 'imm' as const, value: insn.src.value + 1 } };
    const programs = object.programs.map((q) => (q !== p ? q : { ...q, instructions: q.instructions.map((bi, i) => (i === ii ? { ...bi, insn: changed } : bi)) }));
    expect(() => relocateObjectCore({ ...object, programs }, target)).toThrow(/unexpected ALU\/ALU64 value/);
  });

  it('poisons an ld_imm64 as two `call 0xbad2310` slots, so every later slot keeps its index', () => {
    // core_enum's enumval relocations sit on ld_imm64 / mov; against a target without the enum
    // the ENUMVAL_VALUE ones are poisoned.
    const enums = fixture('core_enum');
    const empty = fixtureBtfTarget('bpf_loop');
    const { object: out, results } = relocateObjectCore(enums, empty);
    const poisoned = results.filter((r) => !r.ok);
    expect(poisoned.length).toBeGreaterThan(0);
    for (const [pi, p] of out.programs.entries()) {
      const slots = (q: BpfProgram): number => q.instructions.reduce((n, i) => n + slotCount(i.insn), 0);
      expect(slots(p)).toBe(slots(enums.programs[pi]!));
    }
    for (const r of poisoned) {
      expect(r.patched).toBe(POISON_HELPER_ID);
      const p = out.programs.find((q) => q.name === r.program)!;
      let slot = 0;
      const at = p.instructions.find((i) => { const here = slot; slot += slotCount(i.insn); return here === r.slot; })!;
      expect(at.insn).toEqual({ kind: 'call', callee: 'helper', imm: POISON_HELPER_ID, offset: 0 });
    }
  });
});

describe('module BTF candidates', () => {
  const object = fixture('core_fields');
  // A "module" split on top of a base: a task_struct with only pid, at offset 0.
  const moduleOn = (base: Btf): Btf => Btf.fromTypes([
    { kind: 'INT', name: 'int', size: 4, encoding: 1, bitsOffset: 0, bits: 32 },
    { kind: 'STRUCT', name: 'task_struct', size: 4, kindFlag: false, members: [{ name: 'pid', type: base.lastId + 1, bitsOffset: 0, bitfieldSize: 0 }] },
  ], { base });

  it('are searched when vmlinux has none, with ids in the split numbering', () => {
    const base = fixtureBtfTarget('bpf_loop').btf; // no task_struct
    const { results } = relocateObjectCore(object, { btf: base, modules: [moduleOn(base)] });
    const pid = results.find((r) => r.localType === 'struct task_struct' && r.accessString === '0:92')!;
    expect(pid).toMatchObject({ ok: true, patched: 0, targetTypeId: base.lastId + 2 });
    expect(pid.targetModule).toBe(0);
    // Fields the module's task_struct lacks are poisoned.
    expect(results.some((r) => r.localType === 'struct task_struct' && !r.ok)).toBe(true);
  });

  it('are ignored when vmlinux has a candidate', () => {
    const base = fixtureBtfTarget('core_fields').btf;
    const { results } = relocateObjectCore(object, { btf: base, modules: [moduleOn(base)] });
    expect(results.every((r) => r.targetModule === undefined && r.ok)).toBe(true);
    expect(() => JSON.stringify(results)).not.toThrow(); // results are plain JSON data
  });
});

describe('loadKernelCoreTarget', () => {
  it('reads raw BTF and the .BTF of an ELF file alike', () => {
    const path = new URL('../fixtures/obj/core_fields.bpf.o', import.meta.url).pathname;
    const raw = readElf(readFileSync(path)).sections.find((s) => s.name === '.BTF')!.data;
    const rawPath = join(mkdtempSync(join(tmpdir(), 'tsbpf-btf-')), 'core_fields.btf');
    writeFileSync(rawPath, raw);
    const a = loadKernelCoreTarget({ btfPath: path });
    const b = loadKernelCoreTarget({ btfPath: rawPath });
    expect(b.btf.lastId).toBe(a.btf.lastId);
    expect(a.modules).toBeUndefined();
  });

  it('says which file it cannot read', () => {
    expect(() => loadKernelCoreTarget({ btfPath: '/nonexistent/vmlinux' })).toThrow(/cannot read BTF file \/nonexistent\/vmlinux: ENOENT/);
    expect(() => loadKernelCoreTarget({ btfPath: new URL('../package.json', import.meta.url).pathname })).toThrow(CoreError);
  });
});
