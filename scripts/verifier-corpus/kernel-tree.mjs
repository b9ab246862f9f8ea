// The Debian linux-source-6.12 tree the corpus is converted from: extracted once (only the
// directories the converters read) into the system temporary directory.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const TARBALL = '/usr/src/linux-source-6.12.tar.xz';
const PARTS = ['tools', 'include', 'scripts/bpf_doc.py', 'kernel/bpf', 'kernel/trace/bpf_trace.c', 'net/core/filter.c'];

/** Returns the root of an extracted tree, or throws a one-line reason. */
export function kernelTree() {
  const given = process.env.TSBPF_KERNEL_SRC;
  if (given !== undefined) return given;
  if (!existsSync(TARBALL)) throw new Error(`${TARBALL} is missing: apt-get install linux-source-6.12 (or set TSBPF_KERNEL_SRC)`);
  const root = join(tmpdir(), 'tsbpf-linux-source-6.12');
  const tree = join(root, 'linux-source-6.12');
  if (existsSync(join(tree, '.complete'))) return tree;
  rmSync(root, { recursive: true, force: true });
  const part = `${root}.partial`;
  rmSync(part, { recursive: true, force: true });
  mkdirSync(part, { recursive: true });
  execFileSync('tar', ['-xJf', TARBALL, '-C', part, ...PARTS.map((p) => `linux-source-6.12/${p}`)], { stdio: 'inherit' });
  execFileSync('touch', [join(part, 'linux-source-6.12', '.complete')]);
  renameSync(part, root);
  return tree;
}

export const selftestsDir = (tree) => join(tree, 'tools/testing/selftests/bpf');
export const listDir = (dir, suffix) => readdirSync(dir).filter((f) => f.endsWith(suffix)).sort();
