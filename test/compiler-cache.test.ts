// tsbpf build loads TypeScript with V8's code cache ($XDG_CACHE_HOME/tsbpf): the cache changes
// how fast the build is, never what it writes, and a damaged cache file is ignored and replaced.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

const cacheFiles = (home: string): string[] => readdirSync(join(home, 'tsbpf')).map((f) => join(home, 'tsbpf', f));

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
  }, 60_000);

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
  }, 120_000);

  it('ignores bytecode V8 refuses even when the file\'s own checksum is right', () => {
    // The file's layout: the key's text, a SHA-256 of the bytecode, the bytecode.
    const keyEnd = intact.indexOf('\n', intact.lastIndexOf(`${process.arch}`)) + 1;
    expect(keyEnd).toBeGreaterThan(0);
    const junk = Buffer.alloc(intact.length - keyEnd - 32, 0x5a);
    writeFileSync(file, Buffer.concat([intact.subarray(0, keyEnd), createHash('sha256').update(junk).digest(), junk]));
    expect(build('exec-parents', home, join(dir, 'refused.o'))).toEqual(reference);
    expect(readFileSync(file).subarray(keyEnd + 32, keyEnd + 64)).not.toEqual(junk.subarray(0, 32));
  }, 60_000);
});
