// The executable's code cache (src/cli/boot.ts): written by a first run, read by later ones, and
// never a reason for a command to fail or change its output — damaged, unwritable or turned off.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const bin = (JSON.parse(readFileSync('package.json', 'utf8')) as { bin: { tsbpf: string } }).bin.tsbpf;
const object = 'fixtures/obj/bpf_loop.bpf.o';

function disasm(env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  // A timeout: a cache directory the runtime mishandles must not hang the command.
  const r = spawnSync('node', [bin, 'disasm', object], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The cache files under `home` for the disasm command. */
function cacheFiles(home: string): string[] {
  const root = join(home, 'tsbpf', 'code-cache', `${process.version}-${process.arch}`);
  if (!existsSync(root)) return [];
  return readdirSync(root).flatMap((build) => {
    const d = join(root, build, 'disasm');
    return existsSync(d) ? readdirSync(d).map((f) => join(d, f)) : [];
  });
}

describe('tsbpf code cache', () => {
  const reference = disasm({ TSBPF_CODE_CACHE: '0' });

  it('TSBPF_CODE_CACHE=0 reads and writes none', () => {
    const home = mkdtempSync(join(tmpdir(), 'tsbpf-cc-'));
    expect(reference.status).toBe(0);
    expect(disasm({ TSBPF_CODE_CACHE: '0', XDG_CACHE_HOME: home }).stdout).toBe(reference.stdout);
    expect(cacheFiles(home)).toEqual([]);
  });

  it('is written by the first run and read by the next, the output unchanged', () => {
    const home = mkdtempSync(join(tmpdir(), 'tsbpf-cc-'));
    const first = disasm({ XDG_CACHE_HOME: home });
    expect(first).toEqual(reference);
    const files = cacheFiles(home);
    expect(files.length).toBeGreaterThan(0);
    const before = files.map((f) => readFileSync(f));
    expect(disasm({ XDG_CACHE_HOME: home })).toEqual(reference);
    // Accepted, so not written again.
    expect(files.map((f) => readFileSync(f))).toEqual(before);
  });

  it('a damaged cache is compiled past and replaced', () => {
    const home = mkdtempSync(join(tmpdir(), 'tsbpf-cc-'));
    disasm({ XDG_CACHE_HOME: home });
    const files = cacheFiles(home);
    const garbage = Buffer.from('not a V8 code cache'.repeat(8));
    for (const f of files) writeFileSync(f, garbage);
    expect(disasm({ XDG_CACHE_HOME: home })).toEqual(reference);
    for (const f of files) expect(readFileSync(f).equals(garbage)).toBe(false);
  });

  it('an unwritable cache directory changes nothing', () => {
    expect(disasm({ XDG_CACHE_HOME: '/proc/tsbpf-no-such-directory' })).toEqual(reference);
  });
});
