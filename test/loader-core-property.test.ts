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
import { CoreError, type CoreRelocationResult, loadKernelCoreTarget, relocateObjectCore } from '../loader/index.js';
import { expectSameAsLibbpf, parseLibbpfCoreLog } from './loader-core-libbpf-log.js';
import { type CoreCase, coreCase, emitLocal, emitTarget } from './loader-core-layouts.js';
import { requireReferences, requireRoot, run } from './support/references.js';

const ok = requireReferences('clang-19') && requireRoot('the libbpf harness creates maps: needs root');

const CFLAGS = ['-O2', '-g', '-target', 'bpf', '-I/usr/include/x86_64-linux-gnu', '-Wno-unused-value', '-c'];

describe.skipIf(!ok)('CO-RE against generated kernel layouts: offline == libbpf 1.1 (btf_custom_path)', () => {
  let dir = '';
  let harness = '';
  const byKind: Record<string, { same: number; changed: number; poisoned: number }> = {};
  const totals = { batches: 0, cases: 0, relocations: 0, poisoned: 0, refused: 0 };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tsbpf-core-'));
    harness = join(dir, 'core-custom-btf');
    run('clang-19', ['-O1', new URL('./harness/core-custom-btf.c', import.meta.url).pathname, '-lbpf', '-o', harness]);
  });
  afterAll(() => { if (dir !== '') rmSync(dir, { recursive: true, force: true }); });

  /**
   * Compiles a local object and a target, runs libbpf (harness) and relocateObjectCore against the
   * same target BTF, and compares: the same decision for every relocation, or — where libbpf
   * refuses the object — a CoreError at the same program and relocation. Returns our results.
   */
  function compare(localC: string, targetC: string, where: string): CoreRelocationResult[] | CoreError {
    const local = join(dir, 'local.bpf.c'); const localObj = join(dir, 'local.bpf.o');
    const targ = join(dir, 'target.c'); const targObj = join(dir, 'target.o');
    writeFileSync(local, localC); writeFileSync(targ, targetC);
    const cc = spawnSync('clang-19', [...CFLAGS, local, '-o', localObj], { encoding: 'utf8' });
    if (cc.status !== 0) throw new Error(`${cc.stderr.split('\n')[0]}\n${localC}`);
    run('clang-19', [...CFLAGS, targ, '-o', targObj]);
    const libbpf = spawnSync(harness, [localObj, targObj], { encoding: 'utf8' });
    expect(libbpf.status, libbpf.stderr.slice(-3000)).toBe(0);
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
      return error as CoreError;
    }
    const { results } = relocateObjectCore(object, target);
    expectSameAsLibbpf(results, parseLibbpfCoreLog(libbpf.stderr), where);
    return results;
  }

  function check(cases: readonly CoreCase[]): void {
    const r = compare(emitLocal(cases), emitTarget(cases), `batch ${totals.batches}\n${emitTarget(cases)}`);
    totals.batches++;
    totals.cases += cases.length;
    if (r instanceof CoreError) { totals.refused++; return; }
    totals.relocations += r.length;
    totals.poisoned += r.filter((x) => !x.ok).length;
    for (const x of r) {
      // How often each kind moved, stayed, or was poisoned: the generator must reach every outcome.
      const outcome = !x.ok ? 'poisoned' : x.original === x.patched ? 'same' : 'changed';
      const k = (byKind[x.kind] ??= { same: 0, changed: 0, poisoned: 0 });
      k[outcome]++;
    }
  }

  it('every relocation of generated layouts resolves as libbpf resolves it', () => {
    fc.assert(fc.property(fc.array(coreCase, { minLength: 4, maxLength: 8 }), (cases) => { check(cases); }), { numRuns: 15 });
    console.log(`CO-RE layout oracle: ${JSON.stringify(totals)}\n${JSON.stringify(byKind)}`);
    expect(totals.relocations).toBeGreaterThan(0);
  });

  const prelude = '#include <linux/types.h>\n#include <bpf/bpf_helpers.h>\n#include <bpf/bpf_core_read.h>\n__u64 out[8];\n';
  const program = (body: string): string =>
    `${prelude}SEC("tracepoint/c/x")\nint probe(void *ctx)\n{\n\tstruct p___l *q = (void *)bpf_get_current_task();\n${body}\n\treturn 0;\n}\nchar LICENSE[] SEC("license") = "GPL";\n`;

  it('prunes candidates: a later relocation only sees the flavors that matched earlier ones', () => {
    // Both p and p___x are candidates; only p has `a`, so after relo #0 only p is left, and `b`
    // (which only p___x has) does not exist — as libbpf decides.
    const local = `struct p___l { int a; int b; } __attribute__((preserve_access_index));\n${program('\tout[0] = q->a;\n\tout[1] = bpf_core_field_exists(q->b);')}`;
    const r = compare(local, 'struct p { long z; int a; }; struct p___x { int b; }; struct p t1; struct p___x t2;\n', 'pruning');
    expect(r).not.toBeInstanceOf(CoreError);
    expect((r as CoreRelocationResult[]).map((x) => [x.kind, x.patched])).toEqual([['field_byte_offset', 8], ['field_exists', 0]]);
  });

  it('refuses candidates that disagree (field offset ambiguity), as libbpf does', () => {
    const local = `struct p___l { int a; } __attribute__((preserve_access_index));\n${program('\tout[0] = q->a;')}`;
    const r = compare(local, 'struct p { long z; int a; }; struct p___x { int a; }; struct p t1; struct p___x t2;\n', 'ambiguity');
    expect(r).toBeInstanceOf(CoreError);
    expect((r as CoreError).reason).toMatch(/ambiguity/);
  });

  it('accepts several candidates that agree', () => {
    const local = `struct p___l { int a; } __attribute__((preserve_access_index));\n${program('\tout[0] = q->a;\n\tout[1] = bpf_core_type_size(struct p___l);')}`;
    const r = compare(local, 'struct p { long z; int a; }; struct p___x { long y; int a; }; struct p t1; struct p___x t2;\n', 'agreement');
    expect(r).not.toBeInstanceOf(CoreError);
  });
});
