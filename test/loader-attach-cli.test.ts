// The CLI commands of the attach work, through the built executable: run, probe, gen skeleton
// and load --attach. Exit codes: 0 ok, 1 negative verdict, 2 bad input.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSkeleton, probeHelper, probeMapType, probeProgramType, ProgType } from '../loader/index.js';
import { requireReferences, requireRoot, run } from './support/references.js';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { bin: { tsbpf: string } };
const bin = pkg.bin.tsbpf;
const dir = mkdtempSync(join(tmpdir(), 'tsbpf-attach-cli-'));

function tsbpf(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('node', [bin, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: npm test builds it first (npm run build)`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('CLI usage errors (no kernel needed)', () => {
  it('exit 2 with one line for bad usage', () => {
    for (const args of [['run', 'x.o'], ['run'], ['probe', '--prog-type', 'nope'], ['probe', 'extra'], ['gen', 'nope'], ['trace', '--count', 'x'], ['run', 'x.o', '--prog', 'p', '--repeat', '-1']]) {
      const r = tsbpf(...args);
      expect([args.join(' '), r.status]).toEqual([args.join(' '), 2]);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('gen skeleton prints what generateSkeleton returns', () => {
    const r = tsbpf('gen', 'skeleton', 'fixtures/obj/global_data.bpf.o');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(generateSkeleton(readFileSync('fixtures/obj/global_data.bpf.o'), 'fixtures/obj/global_data.bpf.o'));
    expect(tsbpf('gen', 'skeleton', 'README.md').status).toBe(2);
  });
});

const ok = requireReferences('bpftool') && requireRoot();

describe.skipIf(!ok)('CLI on the live kernel', () => {
  it('run: retval, duration and data out match bpftool prog run of the same program', () => {
    const pkt = Buffer.alloc(42);
    pkt.writeUInt16BE(0x0800, 12); pkt.writeUInt8(0x45, 14); pkt.writeUInt8(17, 23); pkt.writeUInt16BE(9, 36);
    const data = join(dir, 'pkt');
    writeFileSync(data, pkt);
    const r = tsbpf('run', 'fixtures/obj/prog_xdp.bpf.o', '--prog', 'xdp_count', '--data', data, '--repeat', '3', '--json');
    expect(r.status).toBe(0);
    const ours = JSON.parse(r.stdout) as { program: string; retval: number; durationNs: number; dataOut: string };
    const pin = `/sys/fs/bpf/tsbpf_cli_run_${process.pid}`;
    try {
      run('bpftool', ['prog', 'load', 'fixtures/obj/prog_xdp.bpf.o', pin, 'type', 'xdp']);
      const out = join(dir, 'out');
      const text = run('bpftool', ['prog', 'run', 'pinned', pin, 'data_in', data, 'data_out', out]);
      expect(ours.retval).toBe(Number(/Return value: (\d+)/.exec(text)![1]));
      expect(ours.dataOut).toBe(readFileSync(out).toString('hex'));
    } finally {
      rmSync(pin, { force: true });
    }
    const textRun = tsbpf('run', 'fixtures/obj/prog_xdp.bpf.o', '--prog', 'xdp_count', '--data', data);
    expect(textRun.stdout).toMatch(new RegExp(`^retval ${ours.retval}\\nduration \\d+ ns\\ndata_out 42 ${ours.dataOut}\\n$`));
    // No data for an XDP program: the kernel refuses; one line, exit 2.
    const bad = tsbpf('run', 'fixtures/obj/prog_xdp.bpf.o', '--prog', 'xdp_count');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/EINVAL.*needs data in/);
  });

  it('probe: single features answer with the exit status, as the library probe does', () => {
    expect(tsbpf('probe', '--prog-type', 'xdp').status).toBe(probeProgramType(ProgType.XDP).supported ? 0 : 1);
    expect(tsbpf('probe', '--prog-type', 'lirc_mode2').status).toBe(probeProgramType(ProgType.LIRC_MODE2).supported ? 0 : 1);
    expect(tsbpf('probe', '--map-type', 'ringbuf').status).toBe(probeMapType(27).supported ? 0 : 1);
    const h = tsbpf('probe', '--helper', 'bpf_skb_store_bytes', '--prog-type', 'kprobe', '--json');
    expect(h.status).toBe(1);
    expect(JSON.parse(h.stdout)).toEqual({ feature: 'helper bpf_skb_store_bytes from kprobe', ...probeHelper(ProgType.KPROBE, 9) });
    const all = JSON.parse(tsbpf('probe', '--json').stdout) as { programTypes: Record<string, boolean>; mapTypes: Record<string, boolean> };
    expect(all.programTypes.xdp).toBe(true);
    expect(Object.keys(all.mapTypes)).toHaveLength(33);
  });

  it('load --attach: pins the links (bpftool lists them); without --pin or a needed --iface it refuses', () => {
    const pinDir = `/sys/fs/bpf/tsbpf_cli_attach_${process.pid}`;
    try {
      const r = tsbpf('load', 'fixtures/obj/map_hash.bpf.o', '--pin', pinDir, '--attach');
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(`count_execve\tattached tracepoint syscalls/sys_enter_execve\tlink pinned ${pinDir}/count_execve_link`);
      const link = JSON.parse(run('bpftool', ['-j', 'link', 'show', 'pinned', `${pinDir}/count_execve_link`])) as { type: string };
      expect(link.type).toBe('perf_event');
      const noPin = tsbpf('load', 'fixtures/obj/map_hash.bpf.o', '--attach');
      expect(noPin.status).toBe(2);
      const noIface = tsbpf('load', 'fixtures/obj/prog_xdp.bpf.o', '--prog', 'xdp_count', '--pin', `${pinDir}/x`, '--attach');
      expect(noIface.status).toBe(2);
      expect(noIface.stderr).toMatch(/needs an interface \(--iface\)/);
    } finally {
      rmSync(pinDir, { recursive: true, force: true });
    }
  });
});
