// tsbpf verify: the model's verdict without a kernel. The exit status and JSON contract of
// docs/cli.md; the same verdict, errno, message and insn as the live kernel on programs the
// structural stage decides; and no bpf(2): it runs as an unprivileged user the kernel refuses.

import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lastLogLine, LoadError, loadProgram } from '../loader/index.js';
import { sys } from '../src/internal.js';
import { requireRoot } from './support/references.js';

const asRoot = requireRoot();

const CLI = join(import.meta.dirname, '../dist/cli.js');
const dir = mkdtempSync(join(tmpdir(), 'tsbpf-cli-verify-'));
chmodSync(dir, 0o755);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tsbpf = (...args: string[]) => spawnSync('node', [CLI, 'verify', ...args], { encoding: 'utf8' });

function bin(name: string, slots: readonly [number, number, number, number, number][]): string {
  const b = Buffer.alloc(slots.length * 8);
  slots.forEach(([op, dst, src, off, imm], i) => {
    b.writeUInt8(op, i * 8); b.writeUInt8((src << 4) | dst, i * 8 + 1); b.writeInt16LE(off, i * 8 + 2); b.writeInt32LE(imm, i * 8 + 4);
  });
  const p = join(dir, name);
  writeFileSync(p, b);
  chmodSync(p, 0o644);
  return p;
}

const EXIT: [number, number, number, number, number] = [0x95, 0, 0, 0, 0];
const MOV0: [number, number, number, number, number] = [0xb7, 0, 0, 0, 0];
const cases = {
  accepted: bin('ok.bin', [MOV0, EXIT]),
  outOfRange: bin('range.bin', [MOV0, [0x05, 0, 0, 5, 0], EXIT]),
  unreachable: bin('unreach.bin', [MOV0, EXIT, EXIT]),
  unknownOpcode: bin('opcode.bin', [MOV0, [0xff, 0, 0, 0, 0], EXIT]),
};

describe('tsbpf verify', () => {
  it('exit 0 on accept, 1 on reject, 2 on bad input (one line on stderr)', () => {
    expect(tsbpf(cases.accepted, '--type', 'xdp').status).toBe(0);
    expect(tsbpf(cases.outOfRange, '--type', 'xdp').status).toBe(1);
    const noType = tsbpf(cases.accepted);
    expect(noType.status).toBe(2);
    expect(noType.stderr.trim().split('\n')).toHaveLength(1);
    expect(noType.stderr).toContain('needs --type');
    const odd = join(dir, 'odd.bin');
    writeFileSync(odd, Buffer.alloc(12));
    const r = tsbpf(odd, '--type', 'xdp');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('12 bytes is not a whole number of 8-byte instructions');
    expect(tsbpf(join(import.meta.dirname, '../fixtures/obj/prog_xdp.bpf.o'), '--prog', 'nope').status).toBe(2);
    expect(tsbpf(cases.accepted, '--type', 'xdp', '--log-level', '7').status).toBe(2);
  });

  it('--json has the contract shape, one entry per program of each file', () => {
    const xdp = join(import.meta.dirname, '../fixtures/obj/prog_xdp.bpf.o');
    const r = tsbpf(xdp, cases.accepted, '--type', 'xdp', '--json');
    const j = JSON.parse(r.stdout) as { programs: Record<string, unknown>[] };
    expect(Object.keys(j)).toEqual(['programs']);
    expect(j.programs.map((p) => [p.file, p.name, p.section])).toEqual([[xdp, 'xdp_count', 'xdp'], [xdp, 'xdp_frags_pass', 'xdp.frags'], [cases.accepted, cases.accepted, null]]);
    for (const p of j.programs) {
      expect(Object.keys(p).sort()).toEqual(['accepted', 'errno', 'error', 'file', 'insnsProcessed', 'log', 'name', 'notModelled', 'section', 'source', 'type']);
    }
    expect(j.programs[0]).toMatchObject({ type: 'xdp', accepted: true, errno: null, error: null });
    expect(j.programs[0]!.insnsProcessed).toBeGreaterThan(0);
    const rej = JSON.parse(tsbpf(cases.outOfRange, '--type', 'xdp', '--json', '--log-level', '0').stdout) as { programs: Record<string, unknown>[] };
    expect(rej.programs[0]).toMatchObject({ file: cases.outOfRange, name: cases.outOfRange, accepted: false, errno: 'EINVAL', error: { insn: 1, message: 'jump out of range from insn 1 to 7' }, log: [] });
  });

  // --caps bpf and unpriv against the kernel: test/verifier-caps.test.ts, test/verifier-unpriv.test.ts.
  it('--caps: root is the default; bad values are usage errors', () => {
    expect(tsbpf(cases.accepted, '--type', 'xdp', '--caps', 'root').status).toBe(0);
    const bad = tsbpf(cases.accepted, '--type', 'xdp', '--caps', 'admin');
    expect([bad.status, bad.stderr.trim().split('\n').length]).toEqual([2, 1]);
    expect(tsbpf(cases.accepted, '--type', 'xdp', '--reporter', 'html').status).toBe(2);
    expect(tsbpf(cases.accepted, '--type', 'xdp', '--reporter', 'sarif', '--json').status).toBe(2);
    expect(tsbpf('--type', 'xdp').status).toBe(2);
  });

  it.skipIf(!asRoot)('says what the live kernel says on programs the model decides', () => {
    for (const [name, file] of Object.entries(cases)) {
      const bytes = new Uint8Array(spawnSync('cat', [file]).stdout);
      let kernel: { verdict: string; errno: string | null; message: string | null };
      try {
        loadProgram({ name: 'verify_test', section: 'xdp', type: 6, insns: bytes, license: 'GPL' }).fd.close();
        kernel = { verdict: 'accept', errno: null, message: null };
      } catch (e) {
        if (!(e instanceof LoadError)) throw e;
        kernel = { verdict: 'reject', errno: sys.errnoName(e.errno), message: lastLogLine(e.log) };
      }
      const p = (JSON.parse(tsbpf(file, '--type', 'xdp', '--json').stdout) as { programs: { accepted: boolean | null; errno: string | null; error: { message: string } | null }[] }).programs[0]!;
      const model = { verdict: p.accepted === true ? 'accept' : p.accepted === false ? 'reject' : 'unknown', errno: p.errno, message: p.error?.message ?? null };
      expect({ name, ...model }, name).toEqual({ name, ...kernel });
    }
  });

  it.skipIf(!asRoot)('runs where bpf(2) is refused: as an unprivileged user', () => {
    // unprivileged_bpf_disabled and no CAP_BPF: this user cannot call bpf(2) at all.
    const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'node', CLI, 'verify', cases.unreachable, '--type', 'socket_filter', '--json'],
      { encoding: 'utf8', cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout).programs[0]).toMatchObject({ accepted: false, errno: 'EINVAL', error: { insn: 2, message: 'unreachable insn 2' } });
  });
});
