// tsbpf run --interp: the JSON shape, the exit statuses (0 after a run, 1 on a fault, 2 for bad
// input), objects, DSL programs and raw bytecode; and, as root, the same retval and data out as
// the kernel's test run (tsbpf run without --interp) on the same object and packet.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseInstructionLlvm } from '../elf/index.js';
import { encodeInstructions } from '../isa/index.js';
import { requireRoot } from './support/references.js';

const bin = (JSON.parse(readFileSync('package.json', 'utf8')) as { bin: { tsbpf: string } }).bin.tsbpf;
const dir = mkdtempSync(join(tmpdir(), 'tsbpf-vm-cli-'));

function tsbpf(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('node', [bin, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function bin8(name: string, lines: string[]): string {
  const p = join(dir, name);
  writeFileSync(p, encodeInstructions(lines.map((l) => parseInstructionLlvm(l))));
  return p;
}

function udp(): string {
  const b = Buffer.alloc(46);
  b.fill(2, 0, 6); b.fill(4, 6, 12); b.writeUInt16BE(0x0800, 12); b.writeUInt8(0x45, 14); b.writeUInt16BE(32, 16);
  b.writeUInt8(64, 22); b.writeUInt8(17, 23); b.writeUInt16BE(1234, 34); b.writeUInt16BE(9, 36); b.writeUInt16BE(12, 38);
  const p = join(dir, 'udp.bin');
  writeFileSync(p, b);
  return p;
}

describe('tsbpf run --interp', () => {
  it('raw bytecode with --type: the documented JSON, exit 0', () => {
    const f = bin8('ret.bin', ['r0 = 7', 'r0 *= 6', 'exit']);
    const r = tsbpf('run', f, '--interp', '--type', 'syscall', '--json');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ program: 'program', retval: 42, fault: null, insnsExecuted: 3, printk: [] });
  });

  it('a fault: exit 1, with the instruction and the message naming region and offset', () => {
    const f = bin8('fault.bin', ['r0 = *(u32 *)(r1 + 8)', 'exit']);
    const data = join(dir, 'four');
    writeFileSync(data, Buffer.alloc(4));
    const r = tsbpf('run', f, '--interp', '--type', 'raw', '--data', data, '--json');
    expect(r.status).toBe(1);
    const j = JSON.parse(r.stdout) as { fault: { insn: number; message: string }; dataOut: string };
    expect(j.fault).toEqual({ insn: 0, message: 'read of 4 bytes at mem+8 is out of bounds (mem has 4 bytes)' });
    expect(j.dataOut).toBe('00000000');
  });

  it('bad input: exit 2 and one line on stderr (no --type for .bin, unknown type, several programs without --prog)', () => {
    const f = bin8('r.bin', ['r0 = 0', 'exit']);
    for (const args of [[f], [f, '--type', 'bogus'], ['fixtures/obj/prog_xdp.bpf.o']]) {
      const r = tsbpf('run', ...args, '--interp');
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stdout).toBe('');
    }
  });

  it('an object: printk captured as the kernel formats it', () => {
    const r = tsbpf('run', 'fixtures/obj/example_hello.bpf.o', '--interp', '--json');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ program: 'hello', retval: 0, fault: null, printk: ['Hello, BPF world!'] });
  });

  it('a DSL program is built, then run', () => {
    const r = tsbpf('run', 'examples/register-level/hello-world.ts', '--interp', '--json');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ retval: 0, fault: null, printk: [expect.stringMatching(/hello/i)] });
  });

  const root = requireRoot();
  it.skipIf(!root)('prog_xdp.bpf.o xdp_count: the vm gives the kernel test run\'s retval and data out', () => {
    const data = udp();
    const k = tsbpf('run', 'fixtures/obj/prog_xdp.bpf.o', '--prog', 'xdp_count', '--data', data, '--json');
    expect(k.status).toBe(0);
    const v = tsbpf('run', 'fixtures/obj/prog_xdp.bpf.o', '--prog', 'xdp_count', '--data', data, '--json', '--interp');
    expect(v.status).toBe(0);
    const kj = JSON.parse(k.stdout) as { retval: number; dataOut: string };
    const vj = JSON.parse(v.stdout) as { retval: number; dataOut: string };
    expect({ retval: vj.retval, dataOut: vj.dataOut }).toEqual({ retval: kj.retval, dataOut: kj.dataOut });
  });
});
