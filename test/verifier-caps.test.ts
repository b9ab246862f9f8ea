// The verifier model for a loader with CAP_BPF but without CAP_PERFMON/CAP_SYS_ADMIN (`tsbpf verify
// --caps bpf`) against the live kernel: a child whose capabilities setpriv(1) drops loads each
// program (test/support/cap-bpf-live.ts). Without CAP_BPF (`--caps unpriv`): verifier-unpriv.test.ts. Where the model
// gives a verdict it must be the kernel's, with its errno, final message and failing instruction;
// it must never accept what the kernel refuses.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeInstructions } from '../isa/index.js';
import { verifyProgram } from '../verifier/index.js';
import { kernelVerifyWithCaps } from './support/cap-bpf-live.js';
import { requireReferences, requireRoot } from './support/references.js';
import { capsCases } from './support/verifier-cases-caps.js';
import { assembleCase, createLiveMaps, type KernelVerdict } from './support/verifier-live.js';

const canDrop = requireReferences('setpriv') && requireRoot();

function comparable(k: KernelVerdict): Record<string, unknown> {
  if (k.accepted) return { verdict: 'accept' };
  return { verdict: 'reject', errno: k.errno, message: k.message, insnIndex: k.insnIndex };
}

describe.skipIf(!canDrop)('verifier model for a CAP_BPF-only loader against the live kernel', () => {
  const kernel = canDrop ? kernelVerifyWithCaps(capsCases, 'bpf') : [];
  capsCases.forEach((c, i) => {
    it(`${c.type}: ${c.name}`, () => {
      const k = kernel[i]!;
      const maps = createLiveMaps(c.maps ?? []);
      try {
        const insns = assembleCase(c.asm.map((l) => l.replace(/map_(fd|value)\((\d+)\)/, (_, kind: string, n: string) => `map_${kind}(${maps.fds[Number(n)]})`)));
        const m = verifyProgram(encodeInstructions(insns), { progType: c.type, maps: maps.info, capBpfOnly: true });
        expect(m.verdict === 'accept' && !k.accepted, `unsound accept; kernel: ${k.message}`).toBe(false);
        // `decided` marks exactly the cases the model decides, so that a case it stops deciding and
        // one it starts deciding both show here.
        expect(m.verdict !== 'unknown', `not modelled: ${m.notModelled}`).toBe(c.decided === true);
        if (m.verdict === 'unknown') return;
        const got = m.verdict === 'accept' ? { verdict: 'accept' } : { verdict: 'reject', errno: m.errno, message: m.message, insnIndex: m.insnIndex };
        expect(got).toEqual(comparable(k));
      } finally {
        maps.close();
      }
    });
  });
});

const CLI = join(import.meta.dirname, '../dist/cli.js');

describe.skipIf(!canDrop)('tsbpf verify --caps against the live kernel', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsbpf-verify-caps-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const programs = [
    { name: 'ok', type: 'socket_filter', asm: ['r0 = 0', 'exit'] },
    { name: 'xdp', type: 'xdp', asm: ['r0 = 2', 'exit'] },
    { name: 'leak', type: 'socket_filter', asm: ['r0 = r1', 'exit'] },
    { name: 'uninit', type: 'cgroup_skb', asm: ['r0 = *(u32 *)(r10 - 4)', 'exit'] },
    { name: 'printk', type: 'socket_filter', asm: ['*(u64 *)(r10 - 8) = 0', 'r1 = r10', 'r1 += -8', 'r2 = 8', 'call 6', 'r0 = 0', 'exit'] },
  ];
  const verifyCli = (p: (typeof programs)[number], caps: string) => {
    const file = join(dir, `${p.name}.bin`);
    writeFileSync(file, encodeInstructions(assembleCase(p.asm)));
    const r = spawnSync(process.execPath, [CLI, 'verify', file, '--type', p.type, '--caps', caps, '--json', '--log-level', '0'], { encoding: 'utf8' });
    return { status: r.status, program: (JSON.parse(r.stdout) as { programs: Record<string, unknown>[] }).programs[0]! };
  };

  it('--caps bpf gives the verdict of a CAP_BPF-only load', () => {
    const kernel = kernelVerifyWithCaps(programs, 'bpf');
    programs.forEach((p, i) => {
      const k = kernel[i]!;
      const { status, program } = verifyCli(p, 'bpf');
      expect(status, p.name).toBe(k.accepted ? 0 : 1);
      expect(program, p.name).toMatchObject(k.accepted ? { accepted: true } : { accepted: false, errno: k.errno });
      if (!k.accepted) expect(program.error, p.name).toEqual(k.message === undefined ? null : { insn: k.insnIndex, message: k.message });
    });
  });
});
