// Whole-object listings against llvm-objdump-19: objects assembled by
// llvm-mc-19 with several sections, symbols and relocations, and randomly
// laid-out objects (symbols of every type at odd, shared and out-of-range
// addresses, relocations of every type, NOBITS and non-executable sections,
// zero runs, ragged ends) written by a small ELF builder below, with and
// without -r and with -j section selections. With -r, the CO-RE relocation
// lines of .BTF.ext: on every fixture object, on random C programs with CO-RE
// accesses compiled by clang-19, and on real objects whose CO-RE records are
// mutated into ones objdump cannot symbolize. Also bare bytecode and errors.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { btfExtRecordOffsets, decodeBtf, ElfError, readElf } from '../elf/index.js';
import { DecodeError } from '../isa/index.js';
import { disassembleFile, disassembleFileBytes } from '../src/commands/disasm.js';
import { randomCoreProgram } from './support/random-core-program.js';
import { requireReferences } from './support/references.js';

const ok = requireReferences('llvm-objdump-19', 'llvm-mc-19');

const dir = mkdtempSync(join(tmpdir(), 'tsbpf-disasm-obj-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;

interface Options { relocations: boolean; sections?: string[] }

function objdumpArgs(o: Options): string[] {
  return ['-d', ...(o.relocations ? ['-r'] : []), '--mcpu=v4', ...(o.sections ?? []).flatMap((s) => ['-j', s])];
}

function firstDifference(want: string, got: string): string | null {
  if (want === got) return null;
  const a = want.split('\n');
  const b = got.split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return `line ${i + 1}:\n  objdump: ${JSON.stringify(a[i])}\n  tsbpf:   ${JSON.stringify(b[i])}`;
  }
  return 'outputs differ';
}

/**
 * Lists several objects with one objdump call (its output is the
 * concatenation of the per-file listings) and compares with ours. Only for
 * objects of one byte order and similar layout: llvm-objdump-19 carries state
 * from one file to the next (it decodes every file with the first file's
 * endianness, and a file with more relocation sections can make it reject
 * the next one), so random layouts are listed one file per call.
 */
function expectSameListings(objects: readonly Uint8Array[], o: Options): string {
  const paths = objects.map((bytes) => {
    const p = join(dir, `o${counter++}.o`);
    writeFileSync(p, bytes);
    return p;
  });
  const r = spawnSync('llvm-objdump-19', [...objdumpArgs(o), ...paths], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`llvm-objdump-19 failed: ${r.stderr}`);
  const got = objects.map((bytes, i) => disassembleFile(bytes, paths[i]!, { relocations: o.relocations, sections: o.sections })).join('');
  const diff = firstDifference(r.stdout, got);
  if (diff !== null) throw new Error(diff);
  return r.stdout;
}

function assemble(source: string, order: 'le' | 'be' = 'le'): Uint8Array {
  const s = join(dir, `a${counter}.s`);
  const o = join(dir, `a${counter++}.o`);
  writeFileSync(s, source);
  const mc = spawnSync('llvm-mc-19', [`-triple=${order === 'le' ? 'bpfel' : 'bpfeb'}`, '-mcpu=v4', '-filetype=obj', '-o', o, s], { encoding: 'utf8' });
  if (mc.status !== 0) throw new Error(`llvm-mc-19: ${mc.stderr}`);
  return new Uint8Array(readFileSync(o));
}

const PROGRAMS = [
  // maps, helper and extern calls, local calls, labels, .L labels, data relocations
  `
	.text
	.globl helper_sub
	.type helper_sub,@function
helper_sub:
	r0 = r1
	if r0 > 5 goto .Lsmall
	r0 = 5
.Lsmall:
	exit
	.size helper_sub, .-helper_sub

	.section socket,"ax",@progbits
	.globl prog
	.type prog,@function
prog:
	r6 = r1
	r1 = counts ll
	r2 = r10
	r2 += -4
	call 1
	if r0 == 0 goto done
	r1 = 1
	lock *(u64 *)(r0 + 0) += r1
	call helper_sub
	call extern_fn
	r1 = table ll
	r1 = .rodata.str ll
	gotol done
	may_goto done
done:
	r0 = 0
	exit
loop:
	r1 += -1
	if r1 s> 0 goto loop
	goto loop
	exit
	.size prog, .-prog

	.section .rodata.str,"aMS",@progbits,1
	.asciz "hello"
	.data
	.globl counts
counts:
	.quad 0
table:
	.quad prog
	.quad done
	.long helper_sub
	.section license,"aw",@progbits
	.asciz "GPL"
`,
  // several executable sections, a data object inside code, weak and local symbols
  `
	.section xdp,"ax",@progbits
	.weak wprog
	.type wprog,@function
wprog:
	r0 = 2
	goto +2
	.type blob,@object
blob:
	.quad 0x6f6c6c6568
	.type after,@function
after:
	r1 = 0x1122334455667788 ll
	r2 = -1 ll
	exit
	.section tc,"ax",@progbits
first:
second:
	w0 = 1
	if w0 != 2 goto +0
	exit
	.section .text.empty,"ax",@progbits
	.section kprobe/sys_open,"ax",@progbits
	exit
	.zero 16
	exit
	.bss
	.globl zeroed
zeroed:
	.zero 24
`,
];

describe.skipIf(!ok)('objects assembled by llvm-mc-19', () => {
  for (const order of ['le', 'be'] as const) {
    it(`list like objdump, with and without -r (${order})`, () => {
      const objects = PROGRAMS.map((p) => assemble(p, order));
      const listing = objects.map((o) => expectSameListings([o], { relocations: true })).join('');
      expect(listing).toContain('R_BPF_64_64\tcounts');
      expect(listing).toContain('R_BPF_64_32\t');
      for (const o of objects) expectSameListings([o], { relocations: false });
    });

    it(`list selected sections like objdump -j, data and bss included (${order})`, () => {
      const objects = PROGRAMS.map((p) => assemble(p, order));
      const selections = [['socket'], ['.data', '.text'], ['.bss', 'xdp', 'nonexistent'], ['.rodata.str', '.rel.data', 'license']];
      for (const sections of selections) {
        for (const o of objects) {
          expectSameListings([o], { relocations: true, sections });
          expectSameListings([o], { relocations: false, sections });
        }
      }
    });
  }
});

// ---------------------------------------------------------------------------
// A raw ELF builder for layouts llvm-mc would not produce.

interface RawSection { name: string; data: Uint8Array; flags: number; type: number; size?: number }
interface RawSymbol { name: string; value: number; bind: number; type: number; shndx: number }
interface RawReloc { offset: number; type: number; symbol: number }

function buildElf(order: 'le' | 'be', sections: RawSection[], symbols: RawSymbol[], rels: Map<number, RawReloc[]>): Uint8Array {
  const le = order === 'le';
  const names = [...sections.map((s) => s.name), ...[...rels.keys()].map((i) => `.rel${sections[i - 1]!.name}`), '.symtab', '.strtab', '.shstrtab'];
  const enc = new TextEncoder();
  const strtab = (list: string[]): { bytes: number[]; offsets: number[] } => {
    const bytes = [0];
    const offsets = list.map((n) => {
      if (n === '') return 0;
      const off = bytes.length;
      bytes.push(...enc.encode(n), 0);
      return off;
    });
    return { bytes, offsets };
  };
  const shstr = strtab(names);
  const str = strtab(symbols.map((s) => s.name));
  const out: number[] = new Array(64).fill(0);
  const u = (n: number | bigint, size: number): number[] => {
    const b: number[] = [];
    let v = BigInt(n);
    for (let i = 0; i < size; i++) { b.push(Number(v & 0xffn)); v >>= 8n; }
    return le ? b : b.reverse();
  };
  const align8 = (): void => { while (out.length % 8 !== 0) out.push(0); };
  const headers: number[][] = [new Array(64).fill(0)];
  const header = (name: number, type: number, flags: number, offset: number, size: number, link: number, info: number, align: number, entsize: number): number[] =>
    [...u(name, 4), ...u(type, 4), ...u(flags, 8), ...u(0, 8), ...u(offset, 8), ...u(size, 8), ...u(link, 4), ...u(info, 4), ...u(align, 8), ...u(entsize, 8)];
  const relIndices = [...rels.keys()];
  const symtabIndex = 1 + sections.length + relIndices.length;
  sections.forEach((s, i) => {
    align8();
    const off = out.length;
    out.push(...s.data);
    headers.push(header(shstr.offsets[i]!, s.type, s.flags, off, s.size ?? s.data.length, 0, 0, 8, 0));
  });
  relIndices.forEach((si, k) => {
    align8();
    const off = out.length;
    for (const r of rels.get(si)!) out.push(...u(r.offset, 8), ...u((BigInt(r.symbol) << 32n) | BigInt(r.type), 8));
    headers.push(header(shstr.offsets[sections.length + k]!, 9, 0x40, off, 16 * rels.get(si)!.length, symtabIndex, si, 8, 16));
  });
  align8();
  const symOff = out.length;
  out.push(...new Array(24).fill(0));
  symbols.forEach((s, i) => out.push(...u(str.offsets[i]!, 4), (s.bind << 4) | s.type, 0, ...u(s.shndx, 2), ...u(s.value, 8), ...u(0, 8)));
  const locals = 1 + symbols.filter((s) => s.bind === 0).length;
  headers.push(header(shstr.offsets[names.length - 3]!, 2, 0, symOff, 24 * (symbols.length + 1), symtabIndex + 1, locals, 8, 24));
  const strOff = out.length;
  out.push(...str.bytes);
  headers.push(header(shstr.offsets[names.length - 2]!, 3, 0, strOff, str.bytes.length, 0, 0, 1, 0));
  const shstrOff = out.length;
  out.push(...shstr.bytes);
  headers.push(header(shstr.offsets[names.length - 1]!, 3, 0, shstrOff, shstr.bytes.length, 0, 0, 1, 0));
  align8();
  const shoff = out.length;
  for (const h of headers) out.push(...h);
  const ident = [0x7f, 0x45, 0x4c, 0x46, 2, le ? 1 : 2, 1, ...new Array(9).fill(0)];
  const ehdr = [...ident, ...u(1, 2), ...u(247, 2), ...u(1, 4), ...u(0, 8), ...u(0, 8), ...u(shoff, 8), ...u(0, 4), ...u(64, 2),
    ...u(0, 2), ...u(0, 2), ...u(64, 2), ...u(headers.length, 2), ...u(headers.length - 1, 2)];
  out.splice(0, 64, ...ehdr);
  return new Uint8Array(out);
}

/** Code of valid-looking instructions with jumps both ways, ld_imm64, zero runs and a ragged tail. */
const codeArb = fc.tuple(
  fc.array(fc.oneof(
    fc.tuple(fc.constantFrom(0x07, 0xb7, 0x95, 0x05, 0x15, 0x1d, 0x06, 0xe5, 0x61, 0x85, 0xbf, 0xdb), fc.constantFrom(0, 1, 0x21, 0xa1),
      fc.integer({ min: -12, max: 12 }), fc.integer({ min: -12, max: 300 })).map(([op, regs, off, imm]) => {
      const b = new Uint8Array(8);
      const v = new DataView(b.buffer);
      v.setUint8(0, op); v.setUint8(1, regs);
      v.setInt16(2, op === 0x07 || op === 0xb7 || op === 0xbf ? 0 : off, true);
      v.setInt32(4, op === 0x95 ? 0 : imm, true);
      return b;
    }),
    fc.integer({ min: 0, max: 0xffff }).map((imm) => new Uint8Array([0x18, 1, 0, 0, imm & 0xff, imm >> 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])),
    fc.integer({ min: 1, max: 20 }).map((n) => new Uint8Array(n)),
  ), { maxLength: 30 }),
  fc.uint8Array({ maxLength: 7 }),
).map(([parts, tail]) => {
  const all = [...parts, tail];
  const out = new Uint8Array(all.reduce((n, p) => n + p.length, 0));
  let pos = 0;
  for (const p of all) { out.set(p, pos); pos += p.length; }
  return out;
});

interface Layout { sections: RawSection[]; symbols: RawSymbol[]; rels: Map<number, RawReloc[]>; pick: boolean[] }

const layoutArb: fc.Arbitrary<Layout> = fc.record({
  sections: fc.array(fc.record({
    name: fc.constantFrom('.text', 'prog', 'socket', 'xdp', '.text.a', 'kprobe/x', '.data', 'sécu'),
    data: codeArb,
    flags: fc.constantFrom(6, 6, 6, 2, 3),
    type: fc.constantFrom(1, 1, 1, 8),
  }), { minLength: 1, maxLength: 4 }),
  symbols: fc.array(fc.record({
    name: fc.constantFrom('a', 'b', 'c', 'zz', '.L1', '_x', 'main', 'A', 'a1', '$d', '', 'prög', 'Ω'),
    where: fc.nat(),
    value: fc.oneof(fc.constantFrom(0, 8, 16, 24), fc.nat(300)),
    bind: fc.constantFrom(0, 0, 1, 1, 2),
    type: fc.constantFrom(0, 0, 1, 2, 2, 3, 4, 5, 6, 10),
  }), { maxLength: 12 }),
  rels: fc.array(fc.record({ where: fc.nat(), offset: fc.nat(300), type: fc.constantFrom(0, 1, 1, 2, 3, 4, 5, 9, 10, 10, 11), symbol: fc.nat() }), { maxLength: 16 }),
  pick: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
}).map((l) => {
  const n = l.sections.length;
  const symbols = l.symbols.map((s) => ({
    name: s.name, value: s.value, bind: s.bind, type: s.type, shndx: s.where % 10 === 9 ? 0xfff1 : 1 + (s.where % n),
  }));
  const rels = new Map<number, RawReloc[]>();
  for (const r of l.rels) {
    const si = 1 + (r.where % n);
    if (!rels.has(si)) rels.set(si, []);
    rels.get(si)!.push({ offset: r.offset, type: r.type, symbol: r.symbol % (symbols.length + 1) });
  }
  return { sections: l.sections, symbols, rels, pick: l.pick };
});

/**
 * One object holding the sections of several layouts (renamed apart), their
 * symbols and relocations renumbered: objdump lists each section from its
 * own symbols and relocations only, so this is many layouts per objdump call.
 * Returns the object and a -j selection of about half its sections.
 */
function mergeLayouts(layouts: readonly Layout[], order: 'le' | 'be'): { bytes: Uint8Array; picked: string[] } {
  const sections: RawSection[] = [];
  const symbols: RawSymbol[] = [];
  const rels = new Map<number, RawReloc[]>();
  const picked: string[] = [];
  layouts.forEach((l, k) => {
    const secBase = sections.length;
    const symBase = symbols.length;
    l.sections.forEach((s, i) => {
      const name = `${s.name}${k}_${i}`;
      sections.push({ ...s, name });
      if (l.pick[i]) picked.push(name);
    });
    for (const s of l.symbols) symbols.push({ ...s, shndx: s.shndx === 0xfff1 ? s.shndx : s.shndx + secBase });
    for (const [si, list] of l.rels) rels.set(si + secBase, list.map((r) => ({ ...r, symbol: r.symbol === 0 ? 0 : r.symbol + symBase })));
  });
  picked.push('.symtab', 'missing');
  return { bytes: buildElf(order, sections, symbols, rels), picked };
}

describe.skipIf(!ok)('random object layouts against llvm-objdump-19', () => {
  it('600 random section layouts list identically with -r, without -r and with -j selections', () => {
    const seed = Date.now() % 100000;
    const layouts = fc.sample(layoutArb, { numRuns: 600, seed });
    try {
      for (let k = 0; k < layouts.length; k += 30) {
        const { bytes, picked } = mergeLayouts(layouts.slice(k, k + 30), (k / 30) % 2 === 0 ? 'le' : 'be');
        expectSameListings([bytes], { relocations: true });
        expectSameListings([bytes], { relocations: false });
        expectSameListings([bytes], { relocations: true, sections: picked });
      }
    } catch (e) {
      throw new Error(`fc.sample seed ${seed}: ${e instanceof Error ? e.message : String(e)}`);
    }
  });

  const slot = (...b: number[]): number[] => [...b, ...new Array(8 - b.length).fill(0)];
  const text = (code: number[], symbols: RawSymbol[] = [], rels: RawReloc[] = []): Uint8Array =>
    buildElf('le', [{ name: '.text', data: new Uint8Array(code), flags: 6, type: 1 }], symbols, new Map(rels.length > 0 ? [[1, rels]] : []));

  it('skips zero runs like objdump, stopping at relocations and region ends', () => {
    const z = (n: number): number[] => new Array(n).fill(0);
    const code = [...slot(0xb7), ...z(8), ...slot(0xb7), ...z(12), ...slot(0xb7), ...z(7), ...slot(0x95), ...z(16),
      ...slot(0xb7, 1), ...z(9), ...slot(0xb7, 1), ...z(8)];
    const listing = expectSameListings([text(code, [{ name: 'f', value: 0, bind: 1, type: 2, shndx: 1 }, { name: 'g', value: 0x20, bind: 1, type: 2, shndx: 1 }],
      [{ offset: 0x58, type: 1, symbol: 1 }])], { relocations: true });
    expect(listing).toContain('\t\t...\n');
    expectSameListings([text(code)], { relocations: false });
  });

  it('dumps STT_OBJECT regions as data and drops their relocations', () => {
    const code = [...slot(0xb7, 1, 0, 0, 0x41), ...slot(0xb7, 1, 0, 0, 0x7e), ...slot(0x95)];
    expectSameListings([text(code, [{ name: 'o', value: 0, bind: 1, type: 1, shndx: 1 }, { name: 'f', value: 16, bind: 1, type: 2, shndx: 1 }],
      [{ offset: 4, type: 1, symbol: 1 }, { offset: 16, type: 10, symbol: 2 }])], { relocations: true });
  });

  it('prints a truncated ld_imm64 and a ragged tail byte by byte', () => {
    expectSameListings([text([...slot(0x95), 0x18, 1, 0, 0, 5, 0, 0, 0])], { relocations: false });
    expectSameListings([text([0x18, 1, 0, 0, 5, 0, 0, 0, 0, 0, 0])], { relocations: false });
    expectSameListings([text([...slot(0x95), 0x07, 0x01, 0x00])], { relocations: false });
  });
});

// ---------------------------------------------------------------------------
// CO-RE relocation lines (issue 16).

const FIXTURES = join(__dirname, '..', 'fixtures', 'obj');
const fixturePaths = [FIXTURES, join(FIXTURES, 'link')]
  .flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.o')).map((f) => join(d, f)));

function objdumpFile(path: string): string {
  const r = spawnSync('llvm-objdump-19', ['-d', '-r', '--mcpu=v4', path], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`llvm-objdump-19 failed: ${r.stderr}`);
  return r.stdout;
}

function expectSameFile(path: string, bytes: Uint8Array = new Uint8Array(readFileSync(path))): string {
  const want = objdumpFile(path);
  const diff = firstDifference(want, disassembleFile(bytes, path, { relocations: true }));
  if (diff !== null) throw new Error(`${path}: ${diff}`);
  return want;
}

const coreLines = (listing: string): string[] => listing.split('\n').filter((l) => l.includes('CO-RE '));

describe.skipIf(!ok)('CO-RE relocation lines against llvm-objdump-19 -d -r', () => {
  it('the issue reproducer: core_fields.bpf.o lists its CO-RE records', () => {
    const path = join(FIXTURES, 'core_fields.bpf.o');
    const got = disassembleFile(new Uint8Array(readFileSync(path)), path, { relocations: true });
    expect(got).toContain(
      '       9:\tb7 01 00 00 f0 04 00 00\tr1 = 0x4f0\n\t\t0000000000000048:  CO-RE <byte_off> [21] struct task_struct::pid (0:92)\n');
    expect(coreLines(got)).toHaveLength(7);
    // Without -r there are none, as with objdump -d.
    expect(coreLines(disassembleFile(new Uint8Array(readFileSync(path)), path))).toEqual([]);
    expectSameFile(path);
  });

  it('prints the first record of an instruction only, before its ELF relocation lines; warns on a bad .BTF.ext', () => {
    const bytes = new Uint8Array(readFileSync(join(FIXTURES, 'core_fields.bpf.o')));
    const elf = readElf(bytes);
    const ext = elf.sections.find((x) => x.name === '.BTF.ext')!;
    const at = [...btfExtRecordOffsets(ext.data, 'le').coreRelocations.values()][0]!;
    const view = new DataView(bytes.buffer, bytes.byteOffset + ext.offset, ext.size);
    view.setUint32(at[1]!, 0x278, true); // onto `r1 = infos ll` (R_BPF_64_64)
    view.setUint32(at[2]!, 0x278, true); // a second record there: not shown
    view.setUint32(at[3]!, 0x27c, true); // inside the ld_imm64: not shown
    const path = join(dir, 'dup.o');
    writeFileSync(path, bytes);
    const listing = expectSameFile(path, bytes);
    expect(listing).toContain('r1 = 0x0 ll\n\t\t0000000000000278:  CO-RE <byte_off> [21] struct task_struct::real_parent (0:95)\n'
      + '\t\t0000000000000278:  R_BPF_64_64\tinfos\n');
    expect(coreLines(listing)).toHaveLength(5);

    bytes[ext.offset] = 0; // bad magic: no CO-RE lines, one warning
    const warnings: string[] = [];
    const got = disassembleFile(bytes, path, { relocations: true, onWarning: (m) => warnings.push(m) });
    expect(coreLines(got)).toEqual([]);
    expect(warnings).toEqual(['CO-RE relocations not shown: .BTF.ext byte offset 0: bad magic 0xeb00, expected 0xeb9f']);
    writeFileSync(path, bytes);
    expect(got).toBe(objdumpFile(path));
  });

  it(`every fixture object (${fixturePaths.length}) lists line for line like objdump`, () => {
    let core = 0;
    for (const path of fixturePaths) core += coreLines(expectSameFile(path)).length;
    expect(core).toBeGreaterThan(100);
  }, 120_000);

  it('random C programs with CO-RE accesses compiled by clang-19 list like objdump', () => {
    const seed = Date.now() % 100000;
    const seeds = fc.sample(fc.integer({ min: 0, max: 0x7fffffff }), { numRuns: 24, seed });
    let core = 0;
    const kinds = new Set<string>();
    for (const s of seeds) {
      const c = join(dir, `core${s}.c`);
      const o = join(dir, `core${s}.o`);
      writeFileSync(c, randomCoreProgram(s));
      const cc = spawnSync('clang-19', ['-O2', '-g', '-target', 'bpf', `-I/usr/include/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`,
        '-c', c, '-o', o], { encoding: 'utf8' });
      if (cc.status !== 0) throw new Error(`program seed ${s}: clang-19: ${cc.stderr}`);
      try {
        const lines = coreLines(expectSameFile(o));
        core += lines.length;
        for (const l of lines) kinds.add(/CO-RE (<[a-z_0-9]+>)/.exec(l)![1]!);
      } catch (e) {
        throw new Error(`fc.sample seed ${seed}, program seed ${s}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    expect(core).toBeGreaterThan(50);
    expect(kinds.size).toBeGreaterThanOrEqual(8);
  }, 120_000);

  it('mutated CO-RE records (any type id, access string, kind, instruction offset) list like objdump', () => {
    const sources = ['core_types.bpf.o', 'core_enum.bpf.o', 'core_bitfields.bpf.o', 'core_fields.bpf.o', 'core_flavors.bpf.o', 'example_execparents.bpf.o']
      .map((f) => new Uint8Array(readFileSync(join(FIXTURES, f))));
    const seed = Date.now() % 100000;
    const rng = fc.sample(fc.integer({ min: 0, max: 0x7fffffff }), { numRuns: 1, seed })[0]!;
    let state = rng;
    const next = (n: number): number => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return Math.floor(((state >>> 8) / (1 << 24)) * n);
    };
    const texts = new Set<string>();
    try {
      for (let round = 0; round < 36; round++) {
        const bytes = sources[round % sources.length]!.slice();
        const elf = readElf(bytes);
        const btfSec = elf.sections.find((x) => x.name === '.BTF')!;
        const extSec = elf.sections.find((x) => x.name === '.BTF.ext')!;
        const btf = decodeBtf(btfSec.data);
        const strings = [...btf.raw!.strings.entries()].map(([off]) => off);
        const code = elf.sections.filter((x) => (x.flags & 4) !== 0 && x.size > 0);
        const view = new DataView(bytes.buffer, bytes.byteOffset + extSec.offset, extSec.size);
        for (const records of btfExtRecordOffsets(extSec.data, 'le').coreRelocations.values()) {
          for (const at of records) {
            const field = next(6);
            if (field === 0) view.setUint32(at + 4, next(btf.lastId + 3), true);
            else if (field === 1) view.setUint32(at + 8, next(3) === 0 ? next(btf.raw!.strings.end + 8) : strings[next(strings.length)]!, true);
            else if (field === 2) view.setUint32(at + 12, next(4) === 0 ? [13, 99, 4000000000][next(3)]! : next(13), true);
            else if (field === 3) view.setUint32(at, next(3) === 0 ? next(code[0]!.size) : next(code[0]!.size >> 3) * 8, true);
          }
        }
        const path = join(dir, `mut${round}.o`);
        writeFileSync(path, bytes);
        for (const l of coreLines(expectSameFile(path, bytes))) texts.add(l.replace(/^.*CO-RE /, ''));
      }
    } catch (e) {
      throw new Error(`fc.sample seed ${seed}: ${e instanceof Error ? e.message : String(e)}`);
    }
    // The mutations reach the unsymbolizable forms, not only the good ones.
    expect([...texts].some((t) => / '[^']*' <.*>$/.test(t))).toBe(true);
    expect([...texts].some((t) => t.includes('::'))).toBe(true);
  }, 120_000);
});

describe.skipIf(!ok)('bare bytecode', () => {
  it('prints the instruction lines objdump prints for the same bytes, without headers and annotations', () => {
    const code = new Uint8Array([
      0xb7, 0x01, 0, 0, 7, 0, 0, 0, 0x05, 0, 0xfe, 0xff, 0, 0, 0, 0, 0x18, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0,
      0x07, 0x0c, 0, 0, 1, 0, 0, 0, ...new Array(16).fill(0), 0x95, 0, 0, 0, 0, 0, 0, 0,
    ]);
    const path = join(dir, 'raw.o');
    const elf = buildElf('le', [{ name: '.text', data: code, flags: 6, type: 1 }], [], new Map());
    writeFileSync(path, elf);
    const r = spawnSync('llvm-objdump-19', ['-d', '--mcpu=v4', path], { encoding: 'utf8' });
    const lines = r.stdout.split('\n').filter((l) => /^ +\d+:\t|^\t\t\.\.\.$/.test(l)).map((l) => l.replace(/ <[^<>]*>$/, ''));
    expect(disassembleFile(code, 'raw.bin')).toBe(`${lines.join('\n')}\n`);
  });
});

describe('kernel format and byte output of files', () => {
  const exec = 6;
  const code = (...slots: number[][]): Uint8Array => new Uint8Array(slots.flatMap((b) => [...b, ...new Array(8 - b.length).fill(0)]));

  it('prints each executable section as `name:` and kernel lines numbered per section', () => {
    const obj = buildElf('le', [
      { name: 'socket', data: code([0xb7, 0, 0, 0, 1], [0x95]), flags: exec, type: 1 },
      { name: '.data', data: code([1, 2]), flags: 3, type: 1 },
      { name: 'xdp', data: code([0x18, 1, 0, 0, 0xff, 0xff, 0xff, 0xff], [0, 0, 0, 0, 0, 0, 0, 0], [0x85, 0, 0, 0, 7], [0x95]), flags: exec, type: 1 },
    ], [], new Map());
    expect(disassembleFile(obj, 'k.o', { format: 'kernel' })).toBe(
      'socket:\n0: (b7) r0 = 1\n1: (95) exit\n\nxdp:\n0: (18) r1 = 0xffffffff\n2: (85) call bpf_get_prandom_u32#7\n3: (95) exit\n');
    expect(disassembleFile(obj, 'k.o', { format: 'kernel', sections: ['xdp'] })).toMatch(/^xdp:\n/);
    expect(disassembleFile(code([0xb7, 0, 0, 0, 1], [0x95]), 'k.bin', { format: 'kernel' })).toBe('0: (b7) r0 = 1\n1: (95) exit\n');
  });

  it('names the section of an invalid instruction in the kernel format', () => {
    const obj = buildElf('le', [{ name: 'socket', data: code([0x95], [0x8f]), flags: exec, type: 1 }], [], new Map());
    expect(() => disassembleFile(obj, 'k.o', { format: 'kernel' })).toThrow(/section socket: unknown opcode 0x8f/);
  });

  it('disassembleFileBytes is the UTF-8 encoding of disassembleFile', () => {
    const obj = buildElf('le', [{ name: 'sécu', data: code([0xb7, 0, 0, 0, 1], [0x05, 0, 0xff, 0xff], [0x95]), flags: exec, type: 1 }],
      [{ name: 'prög', value: 8, bind: 1, type: 2, shndx: 1 }], new Map());
    for (const format of ['llvm', 'kernel'] as const) {
      const text = disassembleFile(obj, 'u.o', { format });
      expect(Array.from(disassembleFileBytes(obj, 'u.o', { format }))).toEqual(Array.from(new TextEncoder().encode(text)));
    }
    expect(disassembleFile(obj, 'u.o')).toContain('<prög>:');
  });
});

describe('errors', () => {
  it('throws DecodeError for bytecode that is not whole slots', () => {
    const e = (() => { try { disassembleFile(new Uint8Array(12), 'x.bin'); } catch (err) { return err; } })();
    expect(e).toBeInstanceOf(DecodeError);
    expect(e).toMatchObject({ index: 1, byteOffset: 8 });
  });

  it('throws DecodeError with the slot in the kernel format', () => {
    const code = new Uint8Array([0xb7, 0, 0, 0, 0, 0, 0, 0, 0x07, 0x01, 0x05, 0, 0, 0, 0, 0]);
    const e = (() => { try { disassembleFile(code, 'x.bin', { format: 'kernel' }); } catch (err) { return err; } })();
    expect(e).toBeInstanceOf(DecodeError);
    expect(e).toMatchObject({ index: 1, byteOffset: 8 });
  });

  it('throws ElfError for a malformed or non-BPF object', () => {
    const bad = new Uint8Array(64);
    bad.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
    bad[40] = 0xff; bad[41] = 0xff; // section headers far beyond the file
    bad[58] = 64; bad[60] = 3;
    expect(() => disassembleFile(bad, 'bad.o')).toThrow(ElfError);
    const x86 = buildElf('le', [{ name: '.text', data: new Uint8Array(8), flags: 6, type: 1 }], [], new Map());
    x86[18] = 62;
    expect(() => disassembleFile(x86, 'x86.o')).toThrow(ElfError);
  });
});
