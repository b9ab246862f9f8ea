// The published types against the API report checked in under docs/api/ (one file per subpath):
// a change to a public signature fails here until `npm run api:report` rewrites the report, so it
// shows in review. Runs on dist/, which `npm test` builds first.

import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const API = join(ROOT, 'docs', 'api');

describe('the API report', () => {
  it('matches the built package types', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'api-report.mjs'), '--check'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  }, 600_000);

  it('has one report per subpath, and no internals in them', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
    const subpaths = Object.keys(pkg.exports).filter((k) => k !== './package.json');
    expect(readdirSync(API).sort()).toEqual(subpaths.map((k) => (k === '.' ? 'tsbpf.api.md' : `tsbpf-${k.slice(2)}.api.md`)).sort());
    const all = readdirSync(API).map((f) => readFileSync(join(API, f), 'utf8')).join('\n');
    // Internals named by issue 14: tagged @internal (stripped) or reachable only from src/internal.ts.
    for (const internal of ['fromRaw(', 'interface BtfRaw', 'setLineInfoCapture', '## sys\n', 'function address(', ', depth?: number)']) {
      expect(all, internal).not.toContain(internal);
    }
    // The CLI's commands are not library API.
    for (const command of ['assembleSource', 'disassembleFile', 'loadProgramModule']) expect(all, command).not.toContain(command);
  });
});
