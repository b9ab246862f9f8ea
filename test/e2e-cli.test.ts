// The DSL's hello world through the CLI alone: `tsbpf build examples/register-level/hello-world.ts -o X.o` then
// `tsbpf load X.o --attach`. The load command is short-lived, so it pins each link (`--pin DIR`
// is required with `--attach`): the attachment outlives the command and ends when the pins are
// removed. Checked with bpf_printk lines read through tsbpf's trace_pipe reader.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readObject } from '../elf/index.js';
import { e2eAvailable, findTraceLine, traceInstance } from './support/e2e-kernel.js';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { bin: { tsbpf: string } };
const dir = mkdtempSync(join(tmpdir(), 'tsbpf-e2e-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tsbpf(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('node', [pkg.bin.tsbpf, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const ok = e2eAvailable();

describe.skipIf(!ok)('tsbpf build → tsbpf load --attach (hello world)', () => {
  it('attaches through pinned links that outlive the command; removing the pins detaches', async () => {
    const obj = join(dir, 'hello-world.o');
    const b = tsbpf('build', 'examples/register-level/hello-world.ts', '-o', obj);
    expect(b.stderr).toBe('');
    expect(b.status).toBe(0);
    const insns = readObject(readFileSync(obj)).programs.find((p) => p.name === 'hello')!.instructions
      .reduce((n, i) => n + (i.insn.kind === 'ldImm64' ? 2 : 1), 0);

    // Without a pin directory the links would die with the process: refused, exit 2, one line.
    const bare = tsbpf('load', obj, '--attach');
    expect(bare.status).toBe(2);
    expect(bare.stdout).toBe('');
    expect(bare.stderr.trim().split('\n')).toEqual(['tsbpf: error: --attach needs --pin DIR (the links are pinned there)']);

    const pin = `/sys/fs/bpf/tsbpf-e2e-cli-${process.pid}`;
    const inst = traceInstance('e2e-cli');
    try {
      const r = tsbpf('load', obj, '--attach', '--pin', pin);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout.trimEnd().split('\n')).toEqual([
        `hello\ttracepoint/syscalls/sys_enter_execve\t${insns} insns\tpinned ${pin}/hello`,
        `hello\tattached tracepoint syscalls/sys_enter_execve\tlink pinned ${pin}/hello_link`,
      ]);
      expect(existsSync(`${pin}/hello_link`)).toBe(true);

      // The command has exited; the pinned link keeps the program on the tracepoint.
      const pid = spawnSync('/bin/true').pid!;
      const line = await findTraceLine(inst.pipe, (l) => l.pid === pid && l.message === 'Hello, BPF world!');
      expect(line, `no trace line from pid ${pid} after tsbpf load exited`).toBeDefined();

      // Removing the pins drops the last reference: an execve after that prints nothing. The
      // release is asynchronous in the kernel, so a few execs may still print; one must not.
      rmSync(pin, { recursive: true });
      let detached = false;
      for (let i = 0; i < 10 && !detached; i++) {
        const p = spawnSync('/bin/true').pid!;
        detached = await findTraceLine(inst.pipe, (l) => l.pid === p && l.message === 'Hello, BPF world!', 1500) === undefined;
      }
      expect(detached).toBe(true);
    } finally {
      rmSync(pin, { recursive: true, force: true });
      inst.remove();
    }
  });
});
