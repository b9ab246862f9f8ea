// The minimal ELF reader/writer against llvm-mc-19 objects and llvm-readelf-19.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ElfError, readElf, toRelocatableObject, writeElf } from '../elf/index.js';
import { requireReferences, run } from './support/references.js';

const ok = requireReferences('llvm-mc-19', 'llvm-readelf-19', 'llvm-objdump-19');
const dir = mkdtempSync(join(tmpdir(), 'tsbpf-elf-'));

const multiSection = `
	.text
	.globl	prog
	.type	prog,@function
prog:
	r1 = counts ll
	call sub
	call ext
	r2 = .Ldata ll
	goto .Lx
.Lx:
	r0 = 0
	exit
sub:
	r0 = 1
	exit
	.section	.maps,"aw",@progbits
	.globl counts
	.p2align 3
counts:
	.quad	prog
	.long   sub
.Ldata:
	.long 7
	.section	"tracepoint/syscalls/sys_enter_execve","ax",@progbits
	.globl tp
	.type tp,@function
tp:
	r0 = 0
	exit
	.section license,"aw",@progbits
	.asciz "GPL"
	.bss
	.globl zeroes
zeroes:
	.zero 16
`;

function assemble(name: string, source: string, triple = 'bpf'): string {
  const s = join(dir, `${name}.s`);
  const o = join(dir, `${name}.o`);
  writeFileSync(s, source);
  run('llvm-mc-19', ['-triple', triple, '-mcpu=v4', '-filetype=obj', s, '-o', o]);
  return o;
}

interface ReadelfJson {
  Sections: { Section: { Index: number; Name: { Name: string }; Type: { Value: number }; Flags: { Value: number }; Offset: number; Size: number; Link: number; Info: number; AddressAlignment: number; EntrySize: number } }[];
  Symbols: { Symbol: { Name: { Name: string }; Value: number; Size: number; Type: { Value: number }; Binding: { Value: number }; Section: { Value: number } } }[];
  Relocations: { SectionIndex: number; Relocs: { Relocation: { Offset: number; Type: { Value: number }; Symbol: { Name: string } } }[] }[];
}

function readelf(path: string): ReadelfJson {
  return (JSON.parse(run('llvm-readelf-19', ['--elf-output-style=JSON', '-S', '-s', '-r', path])) as ReadelfJson[])[0]!;
}

const references = ok
  ? [
      ['all-insns', readFileSync('test/data/isa/all-insns.s', 'utf8'), 'bpf'],
      ['multi', multiSection, 'bpf'],
      ['multi-be', multiSection, 'bpfeb'],
    ].map(([name, src, triple]) => assemble(name!, src!, triple))
  : [];

describe.skipIf(!ok)('readElf agrees with llvm-readelf-19', () => {
  it.each(references)('%s', (path) => {
    const ours = readElf(readFileSync(path));
    const ref = readelf(path);
    expect(ours.sections.map((s) => [s.index, s.name, s.type, s.flags, s.offset, s.size, s.link, s.info, s.addralign, s.entsize]))
      .toEqual(ref.Sections.map(({ Section: s }) => [s.Index, s.Name.Name, s.Type.Value, s.Flags.Value, s.Offset, s.Size, s.Link, s.Info, s.AddressAlignment, s.EntrySize]));
    // llvm-readelf leaves out the null symbol.
    expect(ours.symbols.map((s) => [s.type === 3 ? ours.sections[s.shndx]!.name : s.name, s.value, s.size, s.type, s.binding, s.shndx]))
      .toEqual(ref.Symbols.map(({ Symbol: s }) => [s.Name.Name, s.Value, s.Size, s.Type.Value, s.Binding.Value, s.Section.Value]));
    const relocs = [...ours.relocations].map(([target, list]) => [target, list.map((r) => [r.offset, r.type, ours.symbols[r.symbol]!.name || ours.sections[ours.symbols[r.symbol]!.shndx]!.name])]);
    const refRelocs = ref.Relocations.map((r) => [
      ours.sections[r.SectionIndex]!.info,
      r.Relocs.map(({ Relocation: x }) => [x.Offset, x.Type.Value, x.Symbol.Name]),
    ]);
    expect(relocs).toEqual(refRelocs);
  });
});

describe.skipIf(!ok)('writeElf rewrites llvm-mc-19 objects faithfully', () => {
  it.each(references)('%s: same sections, symbols, relocations and disassembly', (path) => {
    const original = readFileSync(path);
    const rewritten = writeElf(toRelocatableObject(readElf(original)));
    const out = `${path}.rewritten.o`;
    writeFileSync(out, rewritten);
    const a = readelf(path);
    const b = readelf(out);
    const sections = (j: ReadelfJson) => j.Sections.map(({ Section: s }) => [s.Name.Name, s.Type.Value, s.Flags.Value, s.Size, s.AddressAlignment, s.EntrySize]);
    expect(sections(b)).toEqual(sections(a));
    const symbols = (j: ReadelfJson) => j.Symbols.map(({ Symbol: s }) => [s.Name.Name, s.Value, s.Size, s.Type.Value, s.Binding.Value, s.Section.Value]);
    expect(symbols(b)).toEqual(symbols(a));
    const relocs = (j: ReadelfJson) => j.Relocations.map((r) => r.Relocs.map(({ Relocation: x }) => [x.Offset, x.Type.Value, x.Symbol.Name]));
    expect(relocs(b)).toEqual(relocs(a));
    const listing = (p: string) => run('llvm-objdump-19', ['-d', '-r', '-s', '--mcpu=v4', p]).split('\n').slice(2).join('\n');
    expect(listing(out)).toEqual(listing(path));
    // The layout (string table tail merging, symbol order, offsets) follows llvm-mc's too.
    expect(Buffer.from(rewritten).equals(original)).toBe(true);
  });
});

describe('readElf on damaged input', () => {
  const seeds = references.map((p) => new Uint8Array(readFileSync(p)));
  it.skipIf(!ok)('truncation at every length gives ElfError or a shorter valid view, never another exception', () => {
    for (const seed of seeds) {
      for (let len = 0; len < seed.length; len += 7) {
        try {
          readElf(seed.subarray(0, len));
        } catch (e) {
          expect(e).toBeInstanceOf(ElfError);
        }
      }
    }
  });
  it.skipIf(!ok)('random byte mutations give ElfError or a parse, never another exception', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: seeds.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        (which, edits) => {
          const bytes = new Uint8Array(seeds[which]!);
          for (const [pos, value] of edits) bytes[pos % bytes.length] = value;
          try {
            readElf(bytes);
          } catch (e) {
            if (!(e instanceof ElfError)) throw e;
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
  it.skipIf(!ok)('a relocation naming a missing symbol or a huge offset: the same ElfError read aligned or not', () => {
    // readElf checks relocations as words when the section is 4-byte aligned in host order, else
    // field by field: both must name the same field of the same relocation.
    const outcome = (bytes: Uint8Array): string => {
      try {
        readElf(bytes);
        return 'ok';
      } catch (e) {
        if (!(e instanceof ElfError)) throw e;
        return `${e.byteOffset}: ${e.reason}`;
      }
    };
    const shifted = (bytes: Uint8Array): Uint8Array => {
      const copy = new Uint8Array(bytes.length + 1).subarray(1);
      copy.set(bytes);
      return copy;
    };
    const withRelocations = seeds.map((seed) => {
      const elf = readElf(seed);
      const rel = elf.sections.filter((s) => s.type === 9 && s.size > 0);
      return { seed, le: elf.byteOrder === 'le', rel, symbols: elf.symbols.length };
    }).filter((x) => x.rel.length > 0);
    expect(withRelocations.map((x) => x.le)).toEqual([true, false]);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: withRelocations.length - 1 }), fc.nat(), fc.boolean(), fc.integer({ min: 0, max: 0xffffffff }),
        (which, pick, symbolField, value) => {
          const { seed, le, rel, symbols } = withRelocations[which]!;
          const section = rel[pick % rel.length]!;
          const at = section.offset + 16 * (Math.floor(pick / rel.length) % (section.size / 16));
          const bytes = new Uint8Array(seed);
          // The high half of r_info (the symbol) or of r_offset.
          new DataView(bytes.buffer).setUint32(le ? at + (symbolField ? 12 : 4) : at + (symbolField ? 8 : 0), value, le);
          const expected = symbolField
            ? value >= symbols ? `${at + 8}: relocation names symbol ${value} of ${symbols}` : 'ok'
            : value > 0x1fffff ? `${at}: relocation offset ${BigInt(value) * 2n ** 32n + BigInt(new DataView(bytes.buffer).getUint32(le ? at : at + 4, le))} is too large` : 'ok';
          expect(outcome(bytes)).toBe(expected);
          expect(outcome(shifted(bytes))).toBe(expected);
        },
      ),
      { numRuns: 500 },
    );
  });
  it('names the offset of a lying section header table', () => {
    const bytes = new Uint8Array(64);
    bytes.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
    const v = new DataView(bytes.buffer);
    v.setBigUint64(40, 0x1000n, true);
    v.setUint16(58, 64, true);
    v.setUint16(60, 0xffff, true);
    expect(() => readElf(bytes)).toThrow(/section header table \(64 bytes at 4096\) lies outside the file of 64 bytes/);
  });
});
