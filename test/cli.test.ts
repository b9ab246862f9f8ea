// The CLI contract: `node <package.json bin.tsbpf>` after the build, exit codes,
// one-line errors, atomic output, and agreement with llvm-mc-19/llvm-objdump-19.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readElf } from '../elf/index.js';
import { requireReferences, run } from './support/references.js';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string; bin: { tsbpf: string } };
const bin = pkg.bin.tsbpf;
const dir = mkdtempSync(join(tmpdir(), 'tsbpf-cli-'));
const ok = requireReferences('llvm-mc-19', 'llvm-objdump-19');

function tsbpf(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('node', [bin, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function file(name: string, content: string | Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

beforeAll(() => {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: npm test builds it first (npm run build)`);
});

describe('tsbpf (built CLI)', () => {
  it('prints its version, equal to package.json', () => {
    const r = tsbpf('--version');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('exits 2 with one line for usage errors', () => {
    for (const args of [['frobnicate'], ['constructor'], ['toString'], ['asm'], ['asm', 'x.s'], ['asm', '--bogus', 'x.s'], ['disasm', '--format', 'pdp11', 'x.o'], []]) {
      const r = tsbpf(...args);
      expect(r.status, args.join(' ')).toBe(2);
      if (args.length > 0) expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(tsbpf('asm', join(dir, 'missing.s'), '-o', join(dir, 'x.o')).stderr).toMatch(/missing\.s: cannot read: no such file/);
  });

  it('reports malformed assembly as FILE:LINE:COL: error and leaves no output file', () => {
    const src = file('bad.s', 'r0 = 0\n\tr1 = *(u64 *)(r2 + 40000)\nexit\n');
    const out = join(dir, 'bad.o');
    const r = tsbpf('asm', src, '-o', out);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^.+:2:19: error: memory offset must be a constant in \[-32768, 32767\]\n$/);
    expect(r.stderr.startsWith(`${src}:`)).toBe(true);
    // llvm-mc-19 rejects the same line at the same place.
    if (ok) {
      const ref = spawnSync('llvm-mc-19', ['-triple', 'bpf', '-filetype=obj', src, '-o', join(dir, 'bad.ref.o')], { encoding: 'utf8' });
      expect(ref.status).not.toBe(0);
      expect(ref.stderr).toContain(`${src}:2:19: error:`);
    }
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('reports invalid bytecode with the instruction index and byte offset', () => {
    const raw = file('bad.bin', Uint8Array.from([0x95, 0, 0, 0, 0, 0, 0, 0, 0x8f, 0, 0, 0, 0, 0, 0, 0]));
    const r = tsbpf('disasm', '--format', 'kernel', raw);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/instruction 1 \(byte offset 8\): unknown opcode 0x8f\n$/);
  });

  it('stops quietly with status 0 when its reader closes the pipe', () => {
    const big = file('big-for-pipe.bin', new Uint8Array(8 * 200_000).fill(0).map((_, i) => (i % 8 === 0 ? 0xb7 : 0)));
    const r = spawnSync('bash', ['-c', `node ${bin} disasm ${big} | head -n 1 >/dev/null; echo "status=\${PIPESTATUS[0]}"`], { encoding: 'utf8' });
    expect(r.stdout.trim()).toBe('status=0');
    expect(r.stderr).toBe('');
  });

  it('reports a damaged ELF file with a byte offset', () => {
    const obj = file('trunc.o', Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, ...new Array(40).fill(0)]));
    const r = tsbpf('disasm', obj);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/trunc\.o: error: byte offset 0: file of 48 bytes is shorter than an ELF header\n$/);
  });
});

describe.skipIf(!ok)('tsbpf asm / disasm against llvm-mc-19 and llvm-objdump-19', () => {
  const example = 'examples/hello.s';

  it('assembles the example to the bytes, symbols and relocations llvm-mc writes', () => {
    const ours = join(dir, 'hello.o');
    const ref = join(dir, 'hello.ref.o');
    expect(tsbpf('asm', example, '-o', ours).status).toBe(0);
    run('llvm-mc-19', ['-triple', 'bpf', '-mcpu=v4', '-filetype=obj', example, '-o', ref]);
    const listing = (p: string) => run('llvm-objdump-19', ['-d', '-r', '-t', '-s', '--mcpu=v4', p]).split('\n').slice(2).join('\n');
    expect(listing(ours)).toBe(listing(ref));
  });

  it('disassembles exactly like llvm-objdump-19, with and without -r', () => {
    const ref = join(dir, 'hello.ref2.o');
    run('llvm-mc-19', ['-triple', 'bpf', '-mcpu=v4', '-filetype=obj', example, '-o', ref]);
    for (const flags of [['-d'], ['-d', '-r']]) {
      const theirs = run('llvm-objdump-19', [...flags, '--mcpu=v4', ref]);
      const r = tsbpf('disasm', ...flags.filter((f) => f !== '-d'), ref);
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(theirs);
    }
  });

  it('writes raw and hex bytecode equal to the code llvm-mc assembles', () => {
    const src = file('plain.s', 'r0 = 1\nr1 = 0x1122334455667788 ll\nif r1 > r0 goto +1\nr0 += 2\nexit\n');
    const ref = join(dir, 'plain.ref.o');
    run('llvm-mc-19', ['-triple', 'bpf', '-mcpu=v4', '-filetype=obj', src, '-o', ref]);
    const text = readElf(readFileSync(ref)).sections.find((s) => s.name === '.text')!.data;
    const rawOut = join(dir, 'plain.bin');
    expect(tsbpf('asm', src, '-o', rawOut, '--format', 'raw').status).toBe(0);
    expect(Buffer.from(readFileSync(rawOut)).equals(Buffer.from(text))).toBe(true);
    const hex = tsbpf('asm', src, '-o', '-', '--format', 'hex');
    expect(hex.status).toBe(0);
    const lines = hex.stdout.trim().split('\n');
    expect(lines).toHaveLength(text.length / 8);
    expect(Buffer.from(lines.join(' ').split(' ').map((h) => parseInt(h, 16))).equals(Buffer.from(text))).toBe(true);
    // Raw bytecode disassembles to objdump's instruction lines for the same code.
    const ours = tsbpf('disasm', rawOut).stdout.trimEnd().split('\n');
    const theirs = run('llvm-objdump-19', ['-d', '--mcpu=v4', ref]).trim().split('\n').filter((l) => /^\s+\d+:\t/.test(l));
    expect(ours.map((l) => l.replace(/ <[^>]*>$/, ''))).toEqual(theirs.map((l) => l.replace(/ <[^>]*>$/, '')));
  });

  it('refuses raw output for code with relocations', () => {
    const r = tsbpf('asm', example, '-o', join(dir, 'x.bin'), '--format', 'raw');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/raw output needs exactly one non-empty code section|cannot hold the \d+ relocation/);
    expect(existsSync(join(dir, 'x.bin'))).toBe(false);
  });

  it('assembles conformance files (detected uBPF syntax) and names error lines in the whole file', () => {
    const data = 'test/vendor/bpf-conformance/tests/lddw.data';
    const out = join(dir, 'lddw.bin');
    expect(tsbpf('asm', data, '-o', out, '--format', 'raw').status).toBe(0);
    // The file's own -- raw section is the expected encoding.
    const expected = Buffer.alloc(24);
    [0x5566778800000018n, 0x1122334400000000n, 0x0000000000000095n].forEach((v, i) => expected.writeBigUInt64LE(v, i * 8));
    expect(Buffer.from(readFileSync(out)).equals(expected)).toBe(true);
    const bad = tsbpf('asm', 'test/vendor/bpf-conformance/negative/invalid_register.data', '-o', join(dir, 'y.bin'));
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/invalid_register\.data:\d+:\d+: error: Invalid register: %r50\n$/);
  });

  it('prints the kernel form', () => {
    const src = file('k.s', 'r0 = 0\nexit\n');
    const o = join(dir, 'k.o');
    expect(tsbpf('asm', src, '-o', o).status).toBe(0);
    const r = tsbpf('disasm', '--format', 'kernel', o);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('0: (b7) r0 = 0');
    expect(r.stdout).toContain('1: (95) exit');
  });
});
