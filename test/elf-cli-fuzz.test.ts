// The CLI on mutated objects: every command that reads an object (`disasm`, `disasm --format
// kernel`, `btf dump` in raw, c and json) either succeeds (exit 0, nothing on stderr) or prints
// exactly one line on stderr and exits 2 — never a stack trace or an internal error (exit 3).
// The CLI runs in-process (main with buffers for stdout and stderr: the same code as the
// executable's, without a Node start-up per case), so a run affords a few hundred objects; a few
// go through the built executable too. A fresh sample each run (fast-check's seed, printed on failure).

import { spawn } from 'node:child_process';
import { loadCommands, main } from '../src/cli/main.js';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fieldsOf, lie, withLies } from './support/object-mutations.js';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { bin: { tsbpf: string } };
const bin = pkg.bin.tsbpf;
const FIX = join(import.meta.dirname, '..', 'fixtures', 'obj');
const files = readdirSync(FIX).filter((f) => f.endsWith('.bpf.o')).sort();
const objects = files.map((f) => new Uint8Array(readFileSync(join(FIX, f))));
const fields = objects.map(fieldsOf);
const OBJECTS = Number(process.env.TSBPF_CLI_FUZZ_OBJECTS ?? 200);
/** Of which this many also through the built executable. */
const SPAWNED = 6;
const COMMANDS = [['disasm'], ['disasm', '--format', 'kernel'], ['btf', 'dump'], ['btf', 'dump', '--format', 'c'], ['btf', 'dump', '--format', 'json']];

const mutated = fc.oneof(
  fc.tuple(fc.nat(objects.length - 1), fc.array(fc.tuple(fc.nat(), lie), { minLength: 1, maxLength: 2 }))
    .map(([k, lies]) => ({ from: files[k]!, bytes: withLies(objects[k]!, fields[k]!, lies) })),
  fc.tuple(fc.nat(objects.length - 1), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 3 }))
    .map(([k, flips]) => {
      const b = objects[k]!.slice();
      for (const [p, x] of flips) b[p % b.length] = b[p % b.length]! ^ x;
      return { from: files[k]!, bytes: b };
    }),
);

interface Outcome { readonly status: number | null; readonly stderr: string }

/** The CLI in-process: exit status and stderr (stdout is discarded, as the spawned one's). */
function inProcess(args: string[]): Outcome {
  let stderr = '';
  const status = main(args, { stdout: () => {}, stderr: (t) => { stderr += t; } });
  return { status, stderr };
}

function tsbpf(args: string[]): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const p = spawn('node', [bin, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    p.on('error', reject);
    p.on('close', (status) => resolve({ status, stderr }));
  });
}

const dir = mkdtempSync(join(tmpdir(), 'tsbpf-cli-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The synchronous main runs only commands whose modules are loaded.
beforeAll(() => loadCommands());

describe('the CLI on mutated objects', () => {
  it(`${OBJECTS} mutated objects × ${COMMANDS.length} commands: exit 0, or exit 2 with one line`, async () => {
    expect(existsSync(bin), `${bin} is missing: npm test builds it first`).toBe(true);
    const sample = fc.sample(mutated, OBJECTS);
    const jobs: { file: string; from: string; args: string[] }[] = [];
    sample.forEach((m, i) => {
      const file = join(dir, `m${i}.o`);
      writeFileSync(file, m.bytes);
      for (const c of COMMANDS) jobs.push({ file, from: m.from, args: [...c, file] });
    });
    const bad: string[] = [];
    const seen = { ok: 0, rejected: 0 };
    // In-process, and the first few objects' commands through the executable as well.
    for (let i = 0; i < jobs.length; i += 2) {
      const batch = jobs.slice(i, i + 2);
      const results = i < SPAWNED * COMMANDS.length ? await Promise.all(batch.map((j) => tsbpf(j.args))) : batch.map((j) => inProcess(j.args));
      results.forEach((r, k) => {
        const j = batch[k]!;
        const lines = r.stderr.split('\n').filter((l) => l !== '');
        if (r.status === 0 && lines.length === 0) seen.ok++;
        else if (r.status === 2 && lines.length === 1 && r.stderr.endsWith('\n') && !/\n\s+at /.test(r.stderr)) seen.rejected++;
        else {
          const copy = join(tmpdir(), `tsbpf-cli-fuzz-${j.from}-${i + k}.o`);
          writeFileSync(copy, readFileSync(j.file));
          bad.push(`tsbpf ${j.args.slice(0, -1).join(' ')} ${copy} (mutated ${j.from}): exit ${r.status}, stderr ${JSON.stringify(r.stderr.slice(0, 300))}`);
        }
      });
    }
    expect(bad).toEqual([]);
    expect(seen.ok + seen.rejected).toBe(OBJECTS * COMMANDS.length);
  }, 240_000);
});
