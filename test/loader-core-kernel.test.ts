// CO-RE against the live kernel's BTF, checked two ways for every fixture with CO-RE relocations:
// 1. libbpf's own decisions: `bpftool -d prog loadall` (libbpf 1.1) logs every relocation it
//    applies ("patched insn #N ... A -> B", "substituting insn #N w/ invalid insn"); our offline
//    relocation against /sys/kernel/btf/vmlinux must say the same for each one.
// 2. The issue's acceptance: the instructions the kernel holds after libbpf's load
//    (`bpftool prog dump xlated ... file`) equal our relocated instructions at the CO-RE sites.
//    The verifier removes dead code (poisoned branches), inlines helpers and rewrites map loads,
//    so instruction indices do not correspond; we align the two streams with a longest common
//    subsequence whose keys leave out exactly the relocated fields (imm/off/size at CO-RE sites)
//    plus what the kernel always rewrites (call imms, ld_imm64 map references, jump offsets), then
//    compare the aligned CO-RE sites field by field. Loads from UAPI context structs (__sk_buff,
//    xdp_md, ...) are rewritten by the verifier's convert_ctx_accesses and are not compared.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readObject } from '../elf/index.js';
import { decodeInstructions, type Instruction } from '../isa/index.js';
import { type CoreRelocationResult, type CoreTarget, loadKernelCoreTarget, relocateObjectCore } from '../loader/index.js';
import { expectSameAsLibbpf, parseLibbpfCoreLog } from './loader-core-libbpf-log.js';
import { requireReferences, requireRoot } from './support/references.js';

interface ManifestFixture { name: string; file: string; core_relos: unknown[]; loads: boolean }
const manifest = JSON.parse(readFileSync(new URL('../fixtures/manifest.json', import.meta.url), 'utf8')) as { fixtures: ManifestFixture[] };
const coreFixtures = manifest.fixtures.filter((f) => f.core_relos.length > 0);
const fixturePath = (f: ManifestFixture): string => new URL(`../fixtures/${f.file}`, import.meta.url).pathname;

const ok = requireReferences('bpftool') && requireRoot('CO-RE kernel oracle needs root');

/** UAPI context structs whose loads the verifier rewrites (convert_ctx_accesses). */
const CTX_TYPES = new Set(['__sk_buff', 'xdp_md', 'bpf_sock_addr', 'bpf_sock_ops', 'sk_msg_md', 'bpf_sk_lookup',
  'bpf_perf_event_data', 'bpf_sock', 'sk_reuseport_md', 'bpf_sysctl', 'bpf_sockopt', 'bpf_cgroup_dev_ctx', 'bpf_nf_ctx']);

/** Alignment key: what the kernel keeps of an instruction; `site` also drops the relocated imm/off/size. */
function key(insn: Instruction | undefined, site: boolean): string {
  if (insn === undefined) return 'kernel-internal';
  switch (insn.kind) {
    case 'call': return 'call';
    case 'ldImm64': return site || insn.pseudo !== 0 ? `ldimm64 r${insn.dst}` : JSON.stringify(insn);
    case 'ja': case 'gotol': return 'ja';
    case 'jump': return `jump ${insn.width} ${insn.op} r${insn.dst} ${insn.src.kind === 'reg' ? `r${insn.src.reg}` : insn.src.value}`;
    case 'alu': return site ? `alu ${insn.width} ${insn.op} r${insn.dst} ${insn.src.kind}` : JSON.stringify(insn);
    case 'ldx': case 'st': case 'stx': case 'atomic': return site ? `${insn.kind} r${insn.dst} ${'src' in insn ? insn.src : ''}` : JSON.stringify(insn);
    default: return JSON.stringify(insn);
  }
}

/** Decodes the kernel's dump slot by slot; kernel-internal encodings (percpu movs, ...) become undefined. */
function decodeXlated(bytes: Uint8Array): (Instruction | undefined)[] {
  const out: (Instruction | undefined)[] = [];
  for (let off = 0; off < bytes.length;) {
    const len = bytes[off] === 0x18 ? 16 : 8;
    try { out.push(...decodeInstructions(bytes.subarray(off, off + len))); } catch { out.push(undefined); }
    off += len;
  }
  return out;
}

/**
 * Longest common subsequence where our instruction i and the kernel's j correspond when their keys
 * agree — at CO-RE sites the key leaves out the relocated value, elsewhere it keeps it.
 */
function align(ours: readonly Instruction[], sites: ReadonlySet<number>, kernel: readonly (Instruction | undefined)[]): Map<number, number> {
  const a = ours.map((insn, i) => key(insn, sites.has(i)));
  const b = kernel.map((insn) => key(insn, false));
  const bShape = kernel.map((insn) => key(insn, true));
  const eq = (i: number, j: number): boolean => (sites.has(i) ? a[i] === bShape[j] : a[i] === b[j]);
  const n = a.length; const m = b.length;
  const dp = Array.from({ length: n + 1 }, () => new Int32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) {
    dp[i]![j] = eq(i, j) ? dp[i + 1]![j + 1]! + 1 : Math.max(dp[i + 1]![j]!, dp[i]![j + 1]!);
  }
  const out = new Map<number, number>();
  for (let i = 0, j = 0; i < n && j < m;) {
    if (eq(i, j) && dp[i]![j] === dp[i + 1]![j + 1]! + 1) { out.set(i, j); i++; j++; } else if (dp[i + 1]![j]! >= dp[i]![j + 1]!) i++; else j++;
  }
  return out;
}

describe.skipIf(!ok)('CO-RE against /sys/kernel/btf/vmlinux: offline == libbpf 1.1 == the kernel', () => {
  let target: CoreTarget;
  const unaligned: string[] = [];
  const totals = { fixtures: 0, relocations: 0, poisoned: 0, xlatedCompared: 0, ctxRewritten: 0, notAligned: 0 };

  it.each(coreFixtures.map((f) => [f.name, f] as const))('%s', (name, fixture) => {
    target ??= loadKernelCoreTarget();
    const object = readObject(readFileSync(fixturePath(fixture)));
    const { object: relocated, results } = relocateObjectCore(object, target);
    const dir = mkdtempSync('/sys/fs/bpf/tsbpf-core-');
    try {
      const load = spawnSync('bpftool', ['-d', 'prog', 'loadall', fixturePath(fixture), dir], { encoding: 'utf8' });
      const log = parseLibbpfCoreLog(load.stderr);
      totals.relocations += expectSameAsLibbpf(results, log, name);
      totals.poisoned += results.filter((r) => !r.ok).length;
      totals.fixtures++;
      expect(load.status, `${name}: bpftool loadall\n${load.stderr.slice(-2000)}`).toBe(0);
      // Oracle 2: the kernel's copy of each entry program.
      for (const [pi, program] of relocated.programs.entries()) {
        if (program.subprogram) continue;
        const sites = new Map<number, CoreRelocationResult>();
        // Our instruction indices after patching: a poisoned ld_imm64 became two instructions.
        const originalProgram = object.programs[pi]!;
        const shift: number[] = [];
        let extra = 0;
        originalProgram.instructions.forEach((bi, i) => { shift[i] = i + extra; if (bi.insn.kind === 'ldImm64' && relocated.programs[pi]!.instructions[i + extra]?.insn.kind === 'call') extra++; });
        for (const r of results) if (r.program === program.name && r.ok) sites.set(shift[r.insnIndex]!, r);
        if (sites.size === 0) continue;
        const file = join(mkdtempSync(join(tmpdir(), 'tsbpf-xlated-')), 'prog.bin');
        const dump = spawnSync('bpftool', ['prog', 'dump', 'xlated', 'pinned', join(dir, program.name), 'file', file], { encoding: 'utf8' });
        expect(dump.status, `${name}/${program.name}: ${dump.stderr}`).toBe(0);
        const xlated = decodeXlated(readFileSync(file));
        rmSync(file);
        const ours = program.instructions.map((bi) => bi.insn);
        const pairs = align(ours, new Set(sites.keys()), xlated);
        for (const [i, r] of sites) {
          const ctx = CTX_TYPES.has(r.localType.replace(/^struct /, '')) && ours[i]!.kind !== 'alu';
          if (ctx) { totals.ctxRewritten++; continue; }
          const j = pairs.get(i);
          if (j === undefined) { totals.notAligned++; unaligned.push(`${name}/${program.name}#${r.relocationIndex} ${r.kind} ${r.localType} ${r.accessString}`); continue; }
          expect(xlated[j], `${name}/${program.name} insn ${i} (${r.kind} ${r.localType} ${r.accessString})`).toEqual(ours[i]);
          totals.xlatedCompared++;
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('covered every CO-RE fixture', () => {
    console.log(`CO-RE kernel oracle: ${JSON.stringify(totals)}; not found in the kernel's copy (dead code): ${unaligned.join('; ')}`);
    expect(totals.fixtures).toBe(coreFixtures.length);
    expect(totals.xlatedCompared).toBeGreaterThan(totals.relocations / 2);
    // Sites missing from the kernel's copy are in branches the verifier proved dead (see the log line).
    expect(totals.notAligned).toBeLessThanOrEqual(totals.relocations / 10);
  });
});
