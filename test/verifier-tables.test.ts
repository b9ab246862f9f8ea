// The verifier model's tables against the running kernel: the context access tables
// (verifier/tables/ctx-access.generated.ts) are re-measured by loading one tiny program per access
// and must be what is stored (npm run verifier:tables -- --check).

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CTX_ACCESS } from '../verifier/tables/ctx-access.generated.js';
import { isRoot } from './support/references.js';

const REPO = join(import.meta.dirname, '..');

describe('verifier tables', () => {
  it('ctx access: every probed program type has reads, and the known anchors hold', () => {
    expect(Object.keys(CTX_ACCESS).length).toBeGreaterThanOrEqual(20);
    // xdp_md: data, data_end, data_meta are packet pointers; __sk_buff of tc: data at 76.
    expect(CTX_ACCESS.xdp!.reads.find(([o, s]) => o === 0 && s === 4)?.[2]).toBe('pkt(r=0)');
    expect(CTX_ACCESS.xdp!.reads.find(([o, s]) => o === 4 && s === 4)?.[2]).toBe('pkt_end()');
    expect(CTX_ACCESS.sched_cls!.reads.find(([o, s]) => o === 76 && s === 4)?.[2]).toBe('pkt(r=0)');
    // socket filters may not read packet pointers directly.
    expect(CTX_ACCESS.socket_filter!.reads.some(([o]) => o === 76)).toBe(false);
  });

  it.skipIf(!isRoot())('ctx access tables are what the live kernel accepts (--check)', () => {
    const r = spawnSync('node', [join(REPO, 'scripts/run-ts.mjs'), 'test/support/tables/main.ts', '--check'], { cwd: REPO, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  }, 300_000);
});
