// tsbpf build loads TypeScript with V8's code cache ($XDG_CACHE_HOME/tsbpf): the cache changes
// how fast the build is, never what it writes, and a damaged cache file is ignored and replaced.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'tsbpf-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `tsbpf build` of an example with its own cache folder: the object's bytes. */
function build(example: string, cacheHome: string, out: string): Buffer {
  const r = spawnSync('node', ['dist/cli.js', 'build', `examples/lang/${example}.ts`, '-o', out], {
    env: { ...process.env, XDG_CACHE_HOME: cacheHome }, encoding: 'utf8',
  });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return readFileSync(out);
}

// The code cache's files (the folder also holds the records of clean type checks).
const cacheFiles = (home: string): string[] => readdirSync(join(home, 'tsbpf')).filter((f) => f.endsWith('.v8cache')).map((f) => join(home, 'tsbpf', f));

describe('the TypeScript code cache of tsbpf build', () => {
  const home = join(dir, 'cache');
  let reference: Buffer;
  let file: string;
  let intact: Buffer;

  it('is written by a build without one, and a build using it writes the same object', () => {
    reference = build('exec-parents', home, join(dir, 'first.o'));
    const files = cacheFiles(home);
    expect(files).toHaveLength(1);
    file = files[0]!;
    intact = readFileSync(file);
    expect(build('exec-parents', home, join(dir, 'second.o'))).toEqual(reference);
    // Used, not rewritten.
    expect(readFileSync(file)).toEqual(intact);
    // Another example with the same cache: the same bytes as with none.
    expect(build('xdp-firewall', home, join(dir, 'x1.o'))).toEqual(build('xdp-firewall', join(dir, 'none'), join(dir, 'x2.o')));
  });

  it('ignores a truncated or corrupted cache file and writes an intact one again', () => {
    for (const damage of [
      (b: Buffer) => b.subarray(0, b.length >> 1),
      (b: Buffer) => { const c = Buffer.from(b); for (let i = c.length >> 1; i < c.length; i += 4096) c[i] = c[i]! ^ 0xff; return c; },
      () => Buffer.from('not a cache'),
    ]) {
      writeFileSync(file, damage(intact));
      expect(build('exec-parents', home, join(dir, 'damaged.o'))).toEqual(reference);
      const again = readFileSync(file);
      expect(again.subarray(0, 32)).toEqual(intact.subarray(0, 32));
      expect(build('exec-parents', home, join(dir, 'repaired.o'))).toEqual(reference);
    }
  });

  it('ignores bytecode V8 refuses even when the file\'s own checksum is right', () => {
    // The file's layout: the key's text, a SHA-256 of the bytecode, the bytecode.
    const keyEnd = intact.indexOf('\n', intact.lastIndexOf(`${process.arch}`)) + 1;
    expect(keyEnd).toBeGreaterThan(0);
    const junk = Buffer.alloc(intact.length - keyEnd - 32, 0x5a);
    writeFileSync(file, Buffer.concat([intact.subarray(0, keyEnd), createHash('sha256').update(junk).digest(), junk]));
    expect(build('exec-parents', home, join(dir, 'refused.o'))).toEqual(reference);
    expect(readFileSync(file).subarray(keyEnd + 32, keyEnd + 64)).not.toEqual(junk.subarray(0, 32));
  });
});

describe('the type check of tsbpf build, reused when nothing it depends on changed', () => {
  const home = join(dir, 'check-cache');
  const src = join(dir, 'src');
  mkdirSync(src);
  for (const f of ['exec-parents.ts', 'vmlinux.ts']) copyFileSync(join('examples', 'lang', f), join(src, f));
  const vmlinux = readFileSync(join(src, 'vmlinux.ts'), 'utf8');

  /** `tsbpf build --verbose` of the copy of exec-parents: its status, its stderr, the object. */
  function verbose(out: string, cacheHome = home): { status: number | null; stderr: string; object?: Buffer } {
    const r = spawnSync('node', ['dist/cli.js', 'build', join(src, 'exec-parents.ts'), '-o', out, '--verbose'], {
      env: { ...process.env, XDG_CACHE_HOME: cacheHome }, encoding: 'utf8',
    });
    return { status: r.status, stderr: r.stderr, ...(r.status === 0 ? { object: readFileSync(out) } : {}) };
  }

  it('is run, then reused, and the object is the one a build without any cache writes', () => {
    const reference = verbose(join(dir, 'fresh.o'), join(dir, 'fresh')).object;
    expect(reference).toBeDefined();
    const first = verbose(join(dir, 'c1.o'));
    expect(first.stderr).toBe('type check: run\n');
    expect(first.object).toEqual(reference);
    const second = verbose(join(dir, 'c2.o'));
    expect(second.stderr).toMatch(/^type check: reused /);
    expect(second.object).toEqual(reference);
  });

  it('is run again when an imported file changes, and an error is never reused', () => {
    writeFileSync(join(src, 'vmlinux.ts'), `${vmlinux}\n// changed\n`);
    expect(verbose(join(dir, 'c3.o')).stderr).toBe('type check: run\n');
    expect(verbose(join(dir, 'c4.o')).stderr).toMatch(/^type check: reused /);
    // task_struct loses the member the program reads: the same error every time.
    writeFileSync(join(src, 'vmlinux.ts'), vmlinux.replaceAll('real_parent', 'real_parnet'));
    for (let i = 0; i < 2; i++) {
      const r = verbose(join(dir, 'c5.o'));
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/exec-parents\.ts:\d+:\d+: .*real_parent/);
    }
    writeFileSync(join(src, 'vmlinux.ts'), `${vmlinux}\n// changed\n`);
    expect(verbose(join(dir, 'c6.o')).stderr).toMatch(/^type check: reused /);
  });
});
