// Hostile objects through every command that reads one (issue 12, parts 3 and 4), in process
// (main() with stdout captured) so a few hundred cases take seconds: the reproducers
// (huge section alignment in `link`, a 2^28-byte .bss in `load`, bad BTF/.BTF.ext in `load` and
// `gen skeleton`, an unknown program section in `load`, errors naming "skeleton" or "kernel"
// instead of the input) and a seeded slice of the mutation campaign of
// scripts/reliability/objects.mjs. Each run ends with exit 0 (or 1, a verifier verdict), or exit 2
// and one line on stderr that names the input file; never exit 3, never more than ~2 s.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Case, cases, fixtures, reproducers, withSectionField } from '../scripts/reliability/objects.mjs';
import { seededRng } from './support/seeded-rng.js';

const stdout: string[] = [];
vi.mock('../src/cli/io.js', async (original) => ({
  ...(await original<typeof import('../src/cli/io.js')>()),
  writeStdout: (t: string | Uint8Array) => { stdout.push(typeof t === 'string' ? t : `<${t.length} bytes>`); },
}));
const { loadCommands, main } = await import('../src/cli/main.js');
await loadCommands();

const REPO = join(import.meta.dirname, '..');
const root = mkdtempSync(join(tmpdir(), 'tsbpf-hostile-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const isRoot = process.getuid?.() === 0;

interface Outcome { code: number; stderr: string; ms: number; dir: string }

let serial = 0;
/** Runs `tsbpf argv` in process on the case's files; stderr captured. */
function run(c: Case): Outcome {
  const dir = join(root, `c${serial++}`);
  mkdirSync(dir);
  for (const [f, d] of Object.entries(c.files)) writeFileSync(join(dir, f), d);
  let stderr = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => { stderr += String(s); return true; });
  const t0 = performance.now();
  let code: number;
  try {
    code = main(c.argv.map((a) => a.replaceAll('{dir}', dir)));
  } finally {
    spy.mockRestore();
  }
  return { code, stderr, ms: performance.now() - t0, dir };
}

/** What is wrong with an outcome (undefined: nothing). */
function fault(c: Case, r: Outcome): string | undefined {
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  if (r.code === 3 || /internal error/.test(r.stderr)) return `exit ${r.code}: ${r.stderr.trim()}`;
  if (r.code === 2 && (lines.length !== 1 || !r.stderr.endsWith('\n'))) return `exit 2 with ${lines.length} lines: ${JSON.stringify(r.stderr)}`;
  if (r.code === 2 && !lines[0]!.includes(join(r.dir, 'in.o'))) return `error does not name the input: ${lines[0]}`;
  if (r.code !== 0 && r.code !== 1 && r.code !== 2) return `exit ${r.code}`;
  if (r.ms > 5000) return `took ${Math.round(r.ms)} ms`;
  return c.check?.({ code: r.code, stdout: stdout.join(''), stderr: r.stderr, ms: r.ms, maxRssMB: 0, dir: r.dir });
}

const fx = fixtures(REPO);
const fixture = (f: string) => fx.find((o) => o.file === f)!;
const one = (argv: readonly string[], bytes: Uint8Array, extra: Record<string, Uint8Array> = {}): Case => ({ name: argv.join(' '), argv: [...argv], files: { 'in.o': bytes, ...extra } });

beforeEach(() => { stdout.length = 0; });

describe('the issue\'s reproducers', () => {
  it('link: section alignment 2^30, 2^31, 2^32, 2^63 — exit 2 at once, naming the input and the section', () => {
    for (const e of [30n, 31n, 32n, 63n]) {
      const c = one(['link', '{dir}/in.o', '-o', '{dir}/out.o'], withSectionField(fixture('global_data.bpf.o'), '.data', 'addralign', 1n << e));
      const rss = process.memoryUsage().rss;
      const r = run(c);
      expect(fault(c, r)).toBeUndefined();
      expect(r.code).toBe(2);
      // Beyond 2^53 the ELF reader refuses the field itself (at its byte offset).
      expect(r.stderr).toMatch(e < 53n
        ? new RegExp(`in\\.o: error: '\\.data': section #\\d+ alignment ${1n << e} is not a power of two up to 4096\\n$`)
        : new RegExp(`in\\.o: error: bad ELF: byte offset \\d+: section alignment ${1n << e} is too large\\n$`));
      expect(r.ms).toBeLessThan(2000);
      expect(process.memoryUsage().rss - rss).toBeLessThan(64 << 20);
    }
  });
  it('link: alignment 4096 (what readObject and the kernel honour) still links', () => {
    const r = run(one(['link', '{dir}/in.o', '-o', '{dir}/out.o'], withSectionField(fixture('global_data.bpf.o'), '.data', 'addralign', 4096n)));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(join(r.dir, 'out.o')).length).toBeLessThan(16384);
  });
  it.skipIf(!isRoot)('load: a .bss of 2^28 bytes (the kernel takes it) loads in bounded memory, without writing zeros', () => {
    const c = one(['load', '{dir}/in.o'], withSectionField(fixture('global_bss.bpf.o'), '.bss', 'size', 1n << 28n));
    const before = process.memoryUsage();
    const r = run(c);
    expect(fault(c, r)).toBeUndefined();
    expect(r.code).toBe(0);
    expect(stdout.join('')).toMatch(/on_fork\ttp\/sched\/sched_process_fork/);
    expect(r.ms).toBeLessThan(3000);
    expect(process.memoryUsage().arrayBuffers - before.arrayBuffers).toBeLessThan(64 << 20);
  });
  it('.bss larger than 2^28: exit 2 naming the input and .bss, in load, link, gen skeleton and disasm', () => {
    const bytes = withSectionField(fixture('global_bss.bpf.o'), '.bss', 'size', (1n << 28n) + 1n);
    for (const argv of [['load', '{dir}/in.o'], ['link', '{dir}/in.o', '-o', '{dir}/out.o'], ['gen', 'skeleton', '{dir}/in.o']]) {
      const c = one(argv, bytes);
      const r = run(c);
      expect(fault(c, r), argv[0]).toBeUndefined();
      expect(r.code, argv[0]).toBe(2);
      expect(r.stderr, argv[0]).toMatch(/\.bss.*268435457 exceeds 268435456/);
    }
  });
  it('load and gen skeleton on bad .BTF.ext / .BTF: exit 2 with the codec\'s message (was exit 3, "internal error")', () => {
    const o = fixture('prog_xdp.bpf.o');
    const ext = o.layout.sections.find((s) => s.name === '.BTF.ext')!;
    const v = new DataView(o.bytes.buffer, o.bytes.byteOffset);
    const hdr = v.getUint32(ext.offset + 4, true);
    // line_info record size (the first word of the line_info subsection) set to 1.
    const lineOff = ext.offset + hdr + v.getUint32(ext.offset + 16, true);
    const badExt = o.bytes.slice();
    new DataView(badExt.buffer).setUint32(lineOff, 1, true);
    // The first BTF type's name offset far outside the string section.
    const btf = o.layout.sections.find((s) => s.name === '.BTF')!;
    const badBtf = o.bytes.slice();
    const bv = new DataView(badBtf.buffer);
    bv.setUint32(btf.offset + bv.getUint32(btf.offset + 4, true) + bv.getUint32(btf.offset + 8, true), 0x7fffffff, true);
    const readers = [['gen', 'skeleton', '{dir}/in.o'], ...(isRoot ? [['load', '{dir}/in.o']] : []), ['link', '{dir}/in.o', '-o', '{dir}/out.o']];
    for (const [bytes, message, commands] of [
      [badExt, /\.BTF\.ext byte offset \d+: line_info record size 1 /, readers],
      [badBtf, /BTF byte offset \d+: string offset 2147483647/, [...readers, ['btf', 'dump', '{dir}/in.o']]],
    ] as const) {
      for (const argv of commands) {
        const c = one(argv, bytes);
        const r = run(c);
        expect(fault(c, r), argv.join(' ')).toBeUndefined();
        expect(r.code, argv.join(' ')).toBe(2);
        expect(r.stderr, argv.join(' ')).toMatch(message);
      }
    }
  });
  it.skipIf(!isRoot)('load: a program in a section libbpf knows no type for is exit 2 (was a plain Error, "internal error")', () => {
    // prog_xdp's section "xdp" renamed "xdq" in .strtab (the tail of ".relxdp") and in the BTF strings (.BTF.ext names it).
    const b = fixture('prog_xdp.bpf.o').bytes.slice();
    const text = Buffer.from(b).toString('latin1');
    for (let i = text.indexOf('xdp\0'); i >= 0; i = text.indexOf('xdp\0', i + 1)) b[i + 2] = 0x71;
    const c = one(['load', '{dir}/in.o'], b);
    const r = run(c);
    expect(fault(c, r)).toBeUndefined();
    expect(r.stderr).toMatch(/in\.o: error: program xdp_count: section xdq does not name a program type libbpf knows\n$/);
  });
  it('gen skeleton and disasm -r --format kernel name the input file, not "skeleton" or "kernel"', () => {
    const bad = fixture('map_hash.bpf.o').bytes.slice(0, 300);
    for (const argv of [['gen', 'skeleton', '{dir}/in.o'], ['disasm', '-r', '--format', 'kernel', '{dir}/in.o'], ['btf', 'dump', '--format', 'json', '{dir}/in.o']]) {
      const r = run(one(argv, bad));
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`${join(r.dir, 'in.o')}: error: byte offset 40: section header table (64 bytes at ${new DataView(bad.buffer).getUint32(40, true)}) lies outside the file of 300 bytes\n`);
    }
  });
  it('link: every error names the input it was found in, also the second of two inputs', () => {
    const bad = withSectionField(fixture('global_data.bpf.o'), '.data', 'addralign', 3n);
    const r = run(one(['link', '{dir}/other.o', '{dir}/in.o', '-o', '{dir}/out.o'], bad, { 'other.o': fixture('map_hash.bpf.o').bytes }));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^${join(r.dir, 'in.o')}: error: '\\.data': section #\\d+ alignment 3 is not a power of two`));
  });
  it('names from a damaged input are quoted on one line, control bytes escaped', () => {
    // The ELF symbol clamp_nr renamed "clamp\n\x11nr" in .strtab: its BTF no longer matches.
    const o = fixture('subprog_global.bpf.o');
    const strtab = o.layout.sections.find((x) => x.name === '.strtab')!;
    const b = o.bytes.slice();
    const at = Buffer.from(b.subarray(strtab.offset, strtab.offset + strtab.size)).indexOf('\0clamp_nr\0') + strtab.offset + 6;
    b[at] = 0x0a; b[at + 1] = 0x11;
    const c = one(['link', '{dir}/in.o', '-o', '{dir}/out.o'], b);
    const r = run(c);
    expect(fault(c, r)).toBeUndefined();
    expect(r.stderr).toBe(`${join(r.dir, 'in.o')}: error: 'clamp\\x0a\\x11r': failed to find BTF info for global/extern symbol\n`);
  });
  it('link: a wrong e_type or e_machine names the field', () => {
    const b = fixture('map_hash.bpf.o').bytes.slice();
    b[18] = 62; // EM_X86_64
    const r = run(one(['link', '{dir}/in.o', '-o', '{dir}/out.o'], b));
    expect(r.stderr).toBe(`${join(r.dir, 'in.o')}: error: byte offset 18: e_machine 62 is not EM_BPF (247)\n`);
  });
  it('every reproducer of the campaign module passes its own check', () => {
    const bad: string[] = [];
    for (const c of reproducers(fx)) {
      if (c.argv[0] === 'load' && !isRoot) continue;
      const r = run(c);
      const f = fault(c, r);
      if (f !== undefined) bad.push(`${c.name}: ${f}`);
    }
    expect(bad).toEqual([]);
  });
});

/** mulberry32, so a failure names a seed that reproduces it. */
const seeded = seededRng;

describe('a seeded slice of the mutation campaign (scripts/reliability/objects.mjs)', () => {
  const SEED = Number(process.env.TSBPF_OBJECTS_SEED ?? 20261206);
  const N = Number(process.env.TSBPF_OBJECTS_CASES ?? 400);
  it(`seed ${SEED}: ${N} mutated objects through disasm, btf dump, link, gen skeleton${isRoot ? ', load' : ''}`, () => {
    const bad: string[] = [];
    const seen: Record<string, number> = {};
    const all = [...cases(seeded(SEED), N, REPO)].slice(reproducers(fx).length);
    for (const c of all) {
      if (c.argv[0] === 'load' && !isRoot) continue;
      stdout.length = 0;
      const r = run(c);
      seen[`${c.argv[0]} ${r.code}`] = (seen[`${c.argv[0]} ${r.code}`] ?? 0) + 1;
      const f = fault(c, r);
      if (f !== undefined) {
        const keep = join(tmpdir(), `tsbpf-hostile-${SEED}-${c.name.replace(/[^\w.-]+/g, '_')}.o`);
        writeFileSync(keep, c.files['in.o']!);
        bad.push(`${c.argv.join(' ')} (${c.name}, kept as ${keep}): ${f}`);
      }
    }
    expect(bad).toEqual([]);
    // The mutations reach past the first check: both outcomes for the commands that read everything.
    for (const k of ['disasm 0', 'disasm 2', 'link 0', 'link 2', 'gen 0', 'gen 2']) expect(seen[k], `${k} in ${JSON.stringify(seen)}`).toBeGreaterThan(5);
  });
});
