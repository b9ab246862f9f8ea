// CO-RE against other kernels' layouts (what CO-RE is for), checked against libbpf 1.1 itself.
// Each run generates a batch of cases (test/loader-core-layouts.ts): a BPF object whose programs
// read a local struct/enum in every CO-RE way, and a target BTF (clang-19 -g of C declaring the
// same names with another layout). The C harness test/harness/core-custom-btf.c opens the object
// with libbpf's btf_custom_path = that BTF and prints libbpf's debug log (the kernel load that
// follows may fail; the CO-RE lines come first). relocateObjectCore against the same BTF file
// must make the same decision for every relocation: value, poison, access size.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readObject } from '../elf/index.js';
import { CoreError, loadKernelCoreTarget, relocateObjectCore } from '../loader/index.js';
import { expectSameAsLibbpf, parseLibbpfCoreLog } from './loader-core-libbpf-log.js';
import { type CoreCase, coreCase, emitLocal, emitTarget } from './loader-core-layouts.js';
import { inCI, isRoot, requireReferences, run } from './support/references.js';

const ok = requireReferences('clang-19') && (isRoot() || (!inCI && (console.warn('SKIP: the libbpf harness creates maps: needs root'), false)));
if (inCI && !isRoot()) throw new Error('CI=true requires root for the CO-RE layout oracle');

const CFLAGS = ['-O2', '-g', '-target', 'bpf', '-I/usr/include/x86_64-linux-gnu', '-Wno-unused-value', '-c'];

describe.skipIf(!ok)('CO-RE against generated kernel layouts: offline == libbpf 1.1 (btf_custom_path)', () => {
  let dir = '';
  let harness = '';
  const totals = { batches: 0, cases: 0, relocations: 0, poisoned: 0, refused: 0 };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tsbpf-core-'));
    harness = join(dir, 'core-custom-btf');
    run('clang-19', ['-O1', new URL('./harness/core-custom-btf.c', import.meta.url).pathname, '-lbpf', '-o', harness]);
  });
  afterAll(() => { if (dir !== '') rmSync(dir, { recursive: true, force: true }); });

  /** Compiles a batch, runs libbpf and our resolver, compares them. */
  function check(cases: readonly CoreCase[]): void {
    const local = join(dir, 'local.bpf.c'); const localObj = join(dir, 'local.bpf.o');
    const targ = join(dir, 'target.c'); const targObj = join(dir, 'target.o');
    writeFileSync(local, emitLocal(cases)); writeFileSync(targ, emitTarget(cases));
    const cc = spawnSync('clang-19', [...CFLAGS, local, '-o', localObj], { encoding: 'utf8' });
    if (cc.status !== 0) throw new Error(`${cc.stderr.split('\n')[0]}\n${emitLocal(cases)}`);
    run('clang-19', [...CFLAGS, targ, '-o', targObj]);
    const libbpf = spawnSync(harness, [localObj, targObj], { encoding: 'utf8' });
    expect(libbpf.status, libbpf.stderr.slice(-3000)).toBe(0);
    const log = parseLibbpfCoreLog(libbpf.stderr);
    const object = readObject(readFileSync(localObj));
    const target = loadKernelCoreTarget({ btfPath: targObj });
    const refused = /prog '([^']+)': relo #(\d+): failed to (?:relocate|patch insn)/.exec(libbpf.stderr);
    if (refused !== null) {
      // libbpf refuses the whole object at this relocation; so must we, at the same place.
      let error: unknown;
      try { relocateObjectCore(object, target); } catch (e) { error = e; }
      expect(error, libbpf.stderr.slice(-2000)).toBeInstanceOf(CoreError);
      expect({ program: (error as CoreError).location?.program, relo: (error as CoreError).location?.relocationIndex })
        .toEqual({ program: refused[1], relo: Number(refused[2]) });
      totals.refused++;
      return;
    }
    const { results } = relocateObjectCore(object, target);
    totals.relocations += expectSameAsLibbpf(results, log, `batch ${totals.batches}\n${emitTarget(cases)}`);
    totals.poisoned += results.filter((r) => !r.ok).length;
    totals.batches++;
    totals.cases += cases.length;
  }

  it('every relocation of generated layouts resolves as libbpf resolves it', () => {
    fc.assert(fc.property(fc.array(coreCase, { minLength: 4, maxLength: 8 }), (cases) => { check(cases); }), { numRuns: 15 });
    console.log(`CO-RE layout oracle: ${JSON.stringify(totals)}`);
    expect(totals.relocations).toBeGreaterThan(0);
  });
});
