// `-o PATH` never destroys data (issue 12): regular files are replaced atomically and nothing is
// left behind by a failure or a signal; devices and FIFOs are written through; symlinks are
// followed (a dangling one is refused, as GNU cp does). Runs the built CLI.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireRoot } from './support/references.js';

const asRoot = requireRoot();

const bin = (JSON.parse(readFileSync('package.json', 'utf8')) as { bin: { tsbpf: string } }).bin.tsbpf;
const root = mkdtempSync(join(tmpdir(), 'tsbpf-out-'));
let n = 0;
const PROGRAM = 'r0 = 0\nexit\n';

function tsbpf(...args: string[]): { status: number | null; stdout: Buffer; stderr: string } {
  const r = spawnSync('node', [bin, ...args], { maxBuffer: 1 << 28 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}

/** A fresh directory with the program source in it. */
function caseDir(): string {
  const d = join(root, `c${n++}`);
  mkdirSync(d);
  writeFileSync(join(d, 'in.s'), PROGRAM);
  return d;
}

/** What `asm in.s` writes, from `-o -` (the reference bytes). */
let expected: Buffer;

beforeAll(() => {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: build first (npx tsup)`);
  const d = caseDir();
  const r = tsbpf('asm', join(d, 'in.s'), '-o', '-');
  expect(r.status).toBe(0);
  expected = r.stdout;
  expect(expected.length).toBeGreaterThan(64);
});

afterAll(() => {
  spawnSync('umount', [join(root, 'small')]);
  rmSync(root, { recursive: true, force: true });
});

describe('-o PATH: regular files', () => {
  it('creates a new file with the bytes and leaves nothing else', () => {
    const d = caseDir();
    const r = tsbpf('asm', join(d, 'in.s'), '-o', join(d, 'out.o'));
    expect(r.status).toBe(0);
    expect(readFileSync(join(d, 'out.o'))).toEqual(expected);
    expect(readdirSync(d).sort()).toEqual(['in.s', 'out.o']);
  });

  it('replaces an existing file by a new inode and keeps its permission bits', () => {
    const d = caseDir();
    const out = join(d, 'out.o');
    writeFileSync(out, 'old');
    chmodSync(out, 0o600);
    const before = statSync(out).ino;
    expect(tsbpf('asm', join(d, 'in.s'), '-o', out).status).toBe(0);
    const st = statSync(out);
    expect(readFileSync(out)).toEqual(expected);
    expect(st.ino).not.toBe(before);
    expect(st.mode & 0o777).toBe(0o600);
    expect(readdirSync(d).sort()).toEqual(['in.s', 'out.o']);
  });

  it.skipIf(!asRoot)('a write that fails (ENOSPC) exits 2 with one line, leaves the old file and no temporary', () => {
    const small = join(root, 'small');
    mkdirSync(small);
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tsbpf-test', small]).status).toBe(0);
    writeFileSync(join(small, 'big.s'), '.zero 1000000\n');
    writeFileSync(join(small, 'out.o'), 'old');
    const r = tsbpf('asm', join(small, 'big.s'), '-o', join(small, 'out.o'), '--format', 'raw');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`tsbpf: error: ${join(small, 'out.o')}: cannot write: no space left on the device\n`);
    expect(readFileSync(join(small, 'out.o'), 'utf8')).toBe('old');
    expect(readdirSync(small).sort()).toEqual(['big.s', 'out.o']);
  });

  it('a directory is refused', () => {
    const d = caseDir();
    const r = tsbpf('asm', join(d, 'in.s'), '-o', d);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`tsbpf: error: ${d}: cannot write: is a directory\n`);
  });

  it('removes the temporaries of dead writers of the same path, not those of live ones', () => {
    const d = caseDir();
    const dead = spawnSync('true').pid!; // exited: its pid is free (not reused within this test)
    writeFileSync(join(d, `.out.o.${dead}.tmp`), 'left by kill -9');
    writeFileSync(join(d, `.out.o.${process.pid}.tmp`), 'a live writer');
    writeFileSync(join(d, `.other.o.${dead}.tmp`), 'another path');
    expect(tsbpf('asm', join(d, 'in.s'), '-o', join(d, 'out.o')).status).toBe(0);
    expect(readdirSync(d).sort()).toEqual([`.other.o.${dead}.tmp`, `.out.o.${process.pid}.tmp`, 'in.s', 'out.o']);
  });
});

describe('-o PATH: devices, FIFOs, symlinks', () => {
  it.skipIf(!asRoot)('a character device is written through and stays a device (a /dev/null made with mknod)', () => {
    const d = caseDir();
    const dev = join(d, 'null');
    expect(spawnSync('mknod', ['-m', '666', dev, 'c', '1', '3']).status).toBe(0);
    const before = statSync(dev);
    const r = tsbpf('asm', join(d, 'in.s'), '-o', dev);
    expect(r.status).toBe(0);
    const after = lstatSync(dev);
    expect(after.isCharacterDevice()).toBe(true);
    expect([after.ino, after.rdev]).toEqual([before.ino, before.rdev]);
    expect(readdirSync(d).sort()).toEqual(['in.s', 'null']);
  });

  it('a FIFO is written through: its reader receives exactly the bytes', async () => {
    const d = caseDir();
    const fifo = join(d, 'fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const reader = spawn('cat', [fifo]);
    const chunks: Buffer[] = [];
    reader.stdout.on('data', (c: Buffer) => chunks.push(c));
    const done = new Promise<number | null>((res) => reader.on('close', res));
    const w = spawn('node', [bin, 'asm', join(d, 'in.s'), '-o', fifo]);
    const status = await new Promise<number | null>((res) => w.on('close', res));
    // A FIFO replaced by a regular file would leave the reader waiting for a writer for ever.
    const stuck = setTimeout(() => reader.kill(), 10_000);
    expect(status).toBe(0);
    expect(await done).toBe(0);
    clearTimeout(stuck);
    expect(Buffer.concat(chunks)).toEqual(expected);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });

  it('a symlink is followed: the target gets the bytes, the link stays the same link', () => {
    const d = caseDir();
    mkdirSync(join(d, 'real'));
    writeFileSync(join(d, 'real', 'target.o'), 'old');
    symlinkSync('real/target.o', join(d, 'link.o'));
    expect(tsbpf('asm', join(d, 'in.s'), '-o', join(d, 'link.o')).status).toBe(0);
    expect(lstatSync(join(d, 'link.o')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(d, 'link.o'))).toBe('real/target.o');
    expect(readFileSync(join(d, 'real', 'target.o'))).toEqual(expected);
    expect(readdirSync(join(d, 'real'))).toEqual(['target.o']);
  });

  it('a dangling symlink is refused as GNU cp refuses it, and nothing is created', () => {
    const d = caseDir();
    symlinkSync('missing.o', join(d, 'link.o'));
    const cp = spawnSync('cp', [join(d, 'in.s'), join(d, 'link.o')], { encoding: 'utf8' });
    expect(cp.status).toBe(1);
    expect(cp.stderr).toContain('not writing through dangling symlink');
    const r = tsbpf('asm', join(d, 'in.s'), '-o', join(d, 'link.o'));
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`tsbpf: error: ${join(d, 'link.o')}: not writing through dangling symlink (to "missing.o")\n`);
    expect(readdirSync(d).sort()).toEqual(['in.s', 'link.o']);
  });
});

// Signals during a large write: the child is signalled while it holds its nameless temporary
// (seen in /proc/PID/fd as `DIR/#INODE (deleted)`), that is, mid-write.
// The largest object the assembler writes (two sections of 16 MB; docs/isa.md limits).
const BIG = '.section .data.a\n.zero 16000000\n.section .data.b\n.zero 16000000\n';

async function signalMidWrite(signal: NodeJS.Signals): Promise<{ dir: string; status: number | null; signal: NodeJS.Signals | null; caught: boolean }> {
  const d = caseDir();
  writeFileSync(join(d, 'big.s'), BIG);
  writeFileSync(join(d, 'out.o'), 'old');
  const child: ChildProcess = spawn('node', [bin, 'asm', join(d, 'big.s'), '-o', join(d, 'out.o')], { stdio: 'ignore' });
  const exited = new Promise<{ status: number | null; signal: NodeJS.Signals | null }>((res) => child.on('exit', (status, sig) => res({ status, signal: sig })));
  let running = true;
  void exited.then(() => { running = false; });
  let caught = false;
  while (running && !caught) {
    try {
      for (const fd of readdirSync(`/proc/${child.pid}/fd`)) {
        let target = '';
        try { target = readlinkSync(`/proc/${child.pid}/fd/${fd}`); } catch { continue; }
        if (target.startsWith(`${d}/#`)) { caught = true; break; }
      }
    } catch { /* not started yet, or gone */ }
    if (caught) child.kill(signal);
    else await new Promise((res) => setTimeout(res, 1));
  }
  return { dir: d, ...(await exited), caught };
}

describe('-o PATH: signals and kill -9 mid-write', () => {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGKILL'] as const) {
    it(`${signal}: the process dies of the signal, the old file stays, no temporary is left`, async () => {
      const r = await signalMidWrite(signal);
      expect(r.caught).toBe(true);
      // Dying of the signal is the conventional status: a shell reports 128+N (130, 143, 137).
      expect([r.status, r.signal]).toEqual([null, signal]);
      expect(readdirSync(r.dir).sort()).toEqual(['big.s', 'in.s', 'out.o']);
      expect(readFileSync(join(r.dir, 'out.o'), 'utf8')).toBe('old');
    }, 60_000);
  }

  it('a shell sees 143 after SIGTERM', async () => {
    const d = caseDir();
    writeFileSync(join(d, 'big.s'), BIG);
    // The shell starts the writer, signals it once its nameless temporary is open, reports $?.
    const script = `node ${bin} asm ${d}/big.s -o ${d}/out.o & p=$!
      while ! ls -l /proc/$p/fd 2>/dev/null | grep -q '${d}/#'; do kill -0 $p 2>/dev/null || break; done
      kill -TERM $p; wait $p; echo $?`;
    const r = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
    expect(r.stdout.trim()).toBe('143');
    expect(readdirSync(d).sort()).toEqual(['big.s', 'in.s']);
  }, 60_000);
});

describe('-o PATH: the named fallback (TSBPF_OUTPUT_NAMED_TEMP=1, as without O_TMPFILE)', () => {
  const env = { ...process.env, TSBPF_OUTPUT_NAMED_TEMP: '1' };

  it('writes the bytes through .NAME.PID.tmp and leaves nothing else', () => {
    const d = caseDir();
    const r = spawnSync('node', [bin, 'asm', join(d, 'in.s'), '-o', join(d, 'out.o')], { env });
    expect(r.status).toBe(0);
    expect(readFileSync(join(d, 'out.o'))).toEqual(expected);
    expect(readdirSync(d).sort()).toEqual(['in.s', 'out.o']);
  });

  it('kill -9 mid-write leaves .out.o.PID.tmp (nothing in-process can run); the next write removes it', async () => {
    const d = caseDir();
    writeFileSync(join(d, 'big.s'), BIG);
    writeFileSync(join(d, 'out.o'), 'old');
    const child = spawn('node', [bin, 'asm', join(d, 'big.s'), '-o', join(d, 'out.o')], { stdio: 'ignore', env });
    const exited = new Promise<NodeJS.Signals | null>((res) => child.on('exit', (_s, sig) => res(sig)));
    const temp = `.out.o.${child.pid}.tmp`;
    for (let i = 0; i < 30_000 && !readdirSync(d).includes(temp); i++) await new Promise((res) => setTimeout(res, 1));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(readdirSync(d).sort()).toEqual([temp, 'big.s', 'in.s', 'out.o']);
    expect(readFileSync(join(d, 'out.o'), 'utf8')).toBe('old');
    const r = spawnSync('node', [bin, 'asm', join(d, 'in.s'), '-o', join(d, 'out.o')], { env });
    expect(r.status).toBe(0);
    expect(readdirSync(d).sort()).toEqual(['big.s', 'in.s', 'out.o']);
    expect(readFileSync(join(d, 'out.o'))).toEqual(expected);
  }, 60_000);
});
