#!/usr/bin/env node
// Compiles the kernel's annotated verifier selftests (tools/testing/selftests/bpf/progs/verifier_*.c
// of Debian's linux-source-6.12) with clang-19 and the selftests Makefile's flags (-O2 -mcpu=v3),
// against the project's vendored kernel BTF (fixtures/btf/vmlinux.btf.gz), and keeps the objects
// with DWARF stripped (BTF and .BTF.ext stay) in test/data/verifier-corpus/progs/.
//   node scripts/verifier-corpus/build-progs.mjs          (re)build the objects
//   node scripts/verifier-corpus/build-progs.mjs --check  rebuild into a temporary folder and compare
// Objects are byte-identical across runs when built from the same tree path (clang orders some
// forward-declared BTF types by path length), so the tree is always extracted to the same place.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { kernelTree, listDir, selftestsDir } from './kernel-tree.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '../..');
const OUT = join(repo, 'test/data/verifier-corpus/progs');
/** 6.18's vmlinux.h makes file->f_path const, which these two files write through (a warning). */
const NO_WERROR = new Set(['verifier_vfs_accept.c', 'verifier_vfs_reject.c']);

function headers(tree) {
  const inc = join(tree, 'tsbpf-gen/include');
  if (existsSync(join(inc, '.complete'))) return inc;
  mkdirSync(join(inc, 'bpf'), { recursive: true });
  for (const h of listDir(join(tree, 'tools/lib/bpf'), '.h')) copyFileSync(join(tree, 'tools/lib/bpf', h), join(inc, 'bpf', h));
  writeFileSync(join(inc, 'bpf/bpf_helper_defs.h'), execFileSync('python3', [join(tree, 'scripts/bpf_doc.py'), '--header', '--file', join(tree, 'include/uapi/linux/bpf.h')], { maxBuffer: 1 << 28 }));
  const btf = join(inc, 'vmlinux.btf');
  writeFileSync(btf, gunzipSync(readFileSync(join(repo, 'fixtures/btf/vmlinux.btf.gz'))));
  writeFileSync(join(inc, 'vmlinux.h'), execFileSync('bpftool', ['btf', 'dump', 'file', btf, 'format', 'c'], { maxBuffer: 1 << 28 }));
  writeFileSync(join(inc, '.complete'), '');
  return inc;
}

export function build(tree, outDir) {
  const st = selftestsDir(tree);
  const inc = headers(tree);
  const sys = ['/usr/lib/llvm-19/lib/clang/19/include', '/usr/local/include', '/usr/include/x86_64-linux-gnu', '/usr/include'];
  mkdirSync(outDir, { recursive: true });
  const failed = [];
  for (const file of listDir(join(st, 'progs'), '.c').filter((f) => f.startsWith('verifier_'))) {
    // Always compiled at the same path, then copied: clang's output path must not vary either.
    const obj = join(tree, 'tsbpf-gen', file.replace(/\.c$/, '.o'));
    const flags = ['-g', '-Wall', NO_WERROR.has(file) ? '-Wno-error' : '-Werror', '-D__TARGET_ARCH_x86', '-mlittle-endian', `-I${inc}`, '-I.',
      `-I${join(tree, 'tools/include/uapi')}`, '-Wno-compare-distinct-pointer-types', ...sys.flatMap((d) => ['-idirafter', d]),
      '-fdebug-compilation-dir=.', '-O2', '--target=bpf', '-mcpu=v3'];
    try {
      execFileSync('clang-19', [...flags, '-c', `progs/${file}`, '-o', obj], { cwd: st, stdio: ['ignore', 'ignore', 'pipe'] });
      execFileSync('llvm-strip-19', ['-g', obj]);
      copyFileSync(obj, join(outDir, file.replace(/\.c$/, '.o')));
    } catch (e) {
      failed.push(`${file}: ${String(e.stderr ?? e.message).split('\n')[0]}`);
    }
  }
  return failed;
}

const main = () => {
  const tree = kernelTree();
  if (process.argv.includes('--check')) {
    const tmp = mkdtempSync(join(tmpdir(), 'tsbpf-progs-'));
    try {
      const failed = build(tree, tmp);
      const differ = listDir(tmp, '.o').filter((o) => !existsSync(join(OUT, o)) || !readFileSync(join(OUT, o)).equals(readFileSync(join(tmp, o))));
      const missing = listDir(OUT, '.o').filter((o) => !existsSync(join(tmp, o)));
      if (failed.length + differ.length + missing.length > 0) {
        console.error(`progs corpus differs from a fresh build: ${[...failed, ...differ, ...missing.map((m) => `${m} (no longer built)`)].join('; ')}`);
        process.exit(1);
      }
      console.log(`progs corpus: ${listDir(OUT, '.o').length} objects up to date`);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    return;
  }
  rmSync(OUT, { recursive: true, force: true });
  const failed = build(tree, OUT);
  if (failed.length > 0) { console.error(failed.join('\n')); process.exit(1); }
  console.log(`wrote ${listDir(OUT, '.o').length} objects to ${OUT}`);
};

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
