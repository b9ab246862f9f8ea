// Shared by the DSL's kernel tests: root/bpffs gating in the style of the other kernel tests,
// writing a DslObject to a file, and bpftool loadall into a fresh pin directory.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireReferences, requireRoot } from './references.js';

export function kernelAvailable(...tools: string[]): boolean {
  if (!requireReferences('bpftool', ...tools)) return false;
  if (!requireRoot()) return false;
  if (!/ \/sys\/fs\/bpf bpf /.test(readFileSync('/proc/mounts', 'utf8'))) {
    const r = spawnSync('mount', ['-t', 'bpf', 'bpf', '/sys/fs/bpf'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`cannot mount bpffs on /sys/fs/bpf: ${r.stderr}`);
  }
  return true;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeTemp(dir: string, name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

export interface Loaded { readonly pin: string; readonly maps: string; cleanup(): void }

/** `bpftool prog loadall OBJ PIN pinmaps MAPS`; throws with bpftool's output when it fails. */
export function loadAll(obj: string): Loaded {
  const tag = `tsbpf-dsl-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const pin = `/sys/fs/bpf/${tag}`;
  const maps = `/sys/fs/bpf/${tag}-maps`;
  const r = spawnSync('bpftool', ['prog', 'loadall', obj, pin, 'pinmaps', maps], { encoding: 'utf8' });
  const cleanup = (): void => { rmSync(pin, { recursive: true, force: true }); rmSync(maps, { recursive: true, force: true }); };
  if (r.status !== 0) { cleanup(); throw new Error(`bpftool prog loadall ${obj} failed:\n${r.stderr.slice(-4000)}`); }
  return { pin, maps, cleanup };
}

export function bpftoolJson(args: string[]): unknown {
  const r = spawnSync('bpftool', ['-j', ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`bpftool ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}
