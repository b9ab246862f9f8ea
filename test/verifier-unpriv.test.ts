// The verifier model for a loader without CAP_BPF (`tsbpf verify --caps unpriv`, verify() with
// privileged false) against the live kernel: an ordinary user with no capability loads each
// program while kernel.unprivileged_bpf_disabled is 0 (test/support/cap-bpf-live.ts sets it and
// puts it back). Where the model gives a verdict it must be the kernel's, with its errno, final
// message and failing instruction; it must never accept what the kernel refuses.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, type TestContext } from 'vitest';
import { encodeInstructions, KERNEL_HELPER_NAMES } from '../isa/index.js';
import { kernelBtf } from '../loader/index.js';
import { verifyProgram } from '../verifier/index.js';
import { unprivilegedHelperAvailable } from '../verifier/tables/cap-bpf.js';
import { kernelVerifyUnprivileged } from './support/cap-bpf-live.js';
import { notAvailable, type Refusal } from './support/kernel-features.js';
import { requireReferences, requireRoot } from './support/references.js';
import { capsCases, type CapsCase } from './support/verifier-cases-caps.js';
import { unprivCases } from './support/verifier-cases-unpriv.js';
import { assembleCase, createLiveMaps, type KernelVerdict } from './support/verifier-live.js';
import type { ModelCase } from './support/verifier-cases.js';

const canDrop = requireReferences('setpriv') && requireRoot();

/**
 * The kernel's verdicts; undefined without root or setpriv; a refusal when this machine does not
 * let unprivileged users call bpf(2) (the sysctl is 1 or cannot be written: proven by trying).
 */
function labelled(cases: readonly ModelCase[]): KernelVerdict[] | Refusal | undefined {
  if (!canDrop) return undefined;
  const k = kernelVerifyUnprivileged(cases);
  return 'reason' in k ? { refused: true, detail: k.reason } : k;
}

/** Skips the test with a probe-proven note when unprivileged BPF cannot be enabled here. */
function verdictsOrSkip(labels: KernelVerdict[] | Refusal | undefined, ctx: TestContext): KernelVerdict[] {
  if (labels !== undefined && !Array.isArray(labels)) ctx.skip(notAvailable('unprivileged BPF', labels));
  return labels as KernelVerdict[];
}

// The failing instruction is the last one the kernel's log printed: structural refusals print none.
function comparable(k: KernelVerdict): Record<string, unknown> {
  if (k.accepted) return { verdict: 'accept' };
  return { verdict: 'reject', errno: k.errno, message: k.message, ...(k.insnIndex === undefined ? {} : { insnIndex: k.insnIndex }) };
}

function modelVerdict(c: ModelCase) {
  const maps = createLiveMaps(c.maps ?? []);
  try {
    const insns = assembleCase(c.asm.map((l) => l.replace(/map_(fd|value)\((\d+)\)/, (_, kind: string, n: string) => `map_${kind}(${maps.fds[Number(n)]})`)));
    return verifyProgram(encodeInstructions(insns), { progType: c.type, maps: maps.info, privileged: false, kernelBtf: kernelBtf() });
  } finally {
    maps.close();
  }
}

const cases: readonly CapsCase[] = [...unprivCases, ...capsCases.map((c) => ({ ...c, decided: undefined }))];
const kernel = labelled(cases);

describe.skipIf(kernel === undefined)('verifier model for an unprivileged loader against the live kernel', () => {
  cases.forEach((c, i) => {
    it(`${c.type}: ${c.name}`, (ctx) => {
      const k = verdictsOrSkip(kernel, ctx)[i]!;
      const m = modelVerdict(c);
      expect(m.verdict === 'accept' && !k.accepted, `unsound accept; kernel: ${k.message}`).toBe(false);
      // The unprivileged cases mark exactly the ones the model decides; the CAP_BPF ones are checked where it does.
      if (unprivCases.includes(c)) expect(m.verdict !== 'unknown', `not modelled: ${m.notModelled}`).toBe(c.decided === true);
      if (m.verdict === 'unknown') return;
      const want = comparable(k);
      const got = m.verdict === 'accept' ? { verdict: 'accept' } : { verdict: 'reject', errno: m.errno, message: m.message, ...('insnIndex' in want ? { insnIndex: m.insnIndex } : {}) };
      expect(got).toEqual(want);
    });
  });
});

// Every helper id: available to the unprivileged loader exactly where the kernel lets it be called.
const HELPER_TYPES = ['socket_filter', 'cgroup_skb'] as const;
const helperCases: ModelCase[] = HELPER_TYPES.flatMap((type) =>
  Array.from({ length: KERNEL_HELPER_NAMES.length - 1 }, (_, i) => ({ name: `${i + 1}`, type, asm: [`call ${i + 1}`, 'r0 = 0', 'exit'] })));
const helperKernel = labelled(helperCases);

describe.skipIf(helperKernel === undefined)('helpers of an unprivileged loader against the live kernel', () => {
  for (const type of HELPER_TYPES) {
    it(`${type}: the helpers the kernel lets it call`, (ctx) => {
      const labels = verdictsOrSkip(helperKernel, ctx);
      const refused = /^(program of this type cannot use helper|unknown func) /;
      const kernelHas = helperCases.flatMap((c, i) => (c.type === type && !refused.test(labels[i]!.message ?? '') ? [KERNEL_HELPER_NAMES[Number(c.name)]] : []));
      const modelHas = helperCases.flatMap((c) => (c.type === type && unprivilegedHelperAvailable(type, Number(c.name)) ? [KERNEL_HELPER_NAMES[Number(c.name)]] : []));
      expect(modelHas).toEqual(kernelHas);
    });
  }
});

const CLI = join(import.meta.dirname, '../dist/cli.js');
const cliPrograms = [
  { name: 'ok', type: 'socket_filter', asm: ['r0 = 0', 'exit'] },
  { name: 'xdp', type: 'xdp', asm: ['r0 = 2', 'exit'] },
  { name: 'leak', type: 'socket_filter', asm: ['r0 = r1', 'exit'] },
  { name: 'uninit', type: 'cgroup_skb', asm: ['r0 = *(u32 *)(r10 - 4)', 'exit'] },
  { name: 'printk', type: 'socket_filter', asm: ['*(u64 *)(r10 - 8) = 0', 'r1 = r10', 'r1 += -8', 'r2 = 8', 'call 6', 'r0 = 0', 'exit'] },
  { name: 'loop', type: 'socket_filter', asm: ['r1 = 0', 'r1 += 1', 'if r1 < 4 goto -2', 'r0 = 0', 'exit'] },
  { name: 'call', type: 'socket_filter', asm: ['call_local +2', 'r0 = 0', 'exit', 'r0 = 1', 'exit'] },
];
const cliKernel = labelled(cliPrograms);

describe.skipIf(cliKernel === undefined)('tsbpf verify --caps unpriv against the live kernel', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsbpf-verify-unpriv-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives the verdict of a load without capabilities', (ctx) => {
    const labels = verdictsOrSkip(cliKernel, ctx);
    cliPrograms.forEach((p, i) => {
      const k = labels[i]!;
      const file = join(dir, `${p.name}.bin`);
      writeFileSync(file, encodeInstructions(assembleCase(p.asm)));
      const r = spawnSync(process.execPath, [CLI, 'verify', file, '--type', p.type, '--caps', 'unpriv', '--json', '--log-level', '0'], { encoding: 'utf8' });
      const program = (JSON.parse(r.stdout) as { programs: Record<string, unknown>[] }).programs[0]!;
      expect(r.status, p.name).toBe(k.accepted ? 0 : 1);
      expect(program, p.name).toMatchObject(k.accepted ? { accepted: true } : { accepted: false, errno: k.errno });
      if (!k.accepted && k.message === undefined) expect(program.error, p.name).toBe(null);
      if (!k.accepted && k.message !== undefined) expect(program.error, p.name).toMatchObject({ message: k.message, ...(k.insnIndex === undefined ? {} : { insn: k.insnIndex }) });
    });
  });
});
