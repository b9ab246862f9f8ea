#!/usr/bin/env node
// Converts the kernel's old-format verifier selftests (tools/testing/selftests/bpf/verifier/*.c of
// Debian's linux-source-6.12) into corpus data: per test, the instructions, where maps and kfuncs
// are patched in, the BTF it loads and 6.12's annotation (kept only to record where 6.18 differs).
// The C side (dump-test-verifier.c) is compiled against the tree's test_verifier.c, so the
// instruction macros and fill helpers are the kernel's own, not a re-implementation.
//   node scripts/verifier-corpus/build-old.mjs          write test/data/verifier-corpus/test_verifier.json
//   node scripts/verifier-corpus/build-old.mjs --check  regenerate and compare with the stored file
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kernelTree, listDir, selftestsDir } from './kernel-tree.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const OUT = join(here, '../../test/data/verifier-corpus/test_verifier.json');
/** Generated programs longer than this are not stored (the scale tests reach 1,000,000 slots). */
export const MAX_STORED_SLOTS = 4096;

/** Marks where each file's tests start in the one tests array the dumper is compiled with. */
const FILE_MARK = '@tsbpf-file ';

function compileDumper(tree, work, files) {
  const st = selftestsDir(tree);
  mkdirSync(join(work, 'verifier'), { recursive: true });
  const body = files.map((f) => `{ .descr = "${FILE_MARK}${f}" },\n#include <verifier/${f}>\n`).join('');
  writeFileSync(join(work, 'verifier/tests.h'), `#ifdef FILL_ARRAY\n${body}#endif\n`);
  const inc = [`-I${work}`, `-I${st}`, `-I${tree}/tools/include`, `-I${tree}/tools/include/uapi`, `-I${tree}/tools/lib`];
  const obj = join(work, 'dump.o');
  execFileSync('gcc', ['-O0', '-w', ...inc, '-c', '-o', obj, join(here, 'dump-test-verifier.c')]);
  // test_verifier.c calls libbpf and the selftests' helpers; the dumper never reaches those calls,
  // so each undefined symbol gets a stub that aborts.
  const undef = execFileSync('nm', ['-u', obj], { encoding: 'utf8' })
    .split('\n').map((l) => l.trim().replace(/^U\s+/, '')).filter((s) => s !== '');
  const stubs = undef.filter((s) => /^(bpf_|btf__|libbpf_|cap_|get_unpriv|get_xlated|is_jit|load_bpf_testmod|unload_bpf_testmod|testing_prog_flags)/.test(s));
  writeFileSync(join(work, 'stubs.c'), `#include <stdlib.h>\n${stubs.map((s) => `void ${s}(void) { abort(); }`).join('\n')}\n`);
  const exe = join(work, 'dump');
  execFileSync('gcc', ['-o', exe, obj, join(work, 'stubs.c')]);
  return exe;
}

export function convert(tree) {
  const st = selftestsDir(tree);
  const work = mkdtempSync(join(tmpdir(), 'tsbpf-tv-'));
  const programs = [];
  const omitted = [];
  const names = new Map();
  try {
    const exe = compileDumper(tree, work, listDir(join(st, 'verifier'), '.c'));
    const out = execFileSync(exe, { cwd: st, encoding: 'utf8', maxBuffer: 1 << 30 });
    let file = '';
    {
      for (const line of out.split('\n')) {
        if (line === '') continue;
        const t = JSON.parse(line);
        if (t.descr.startsWith(FILE_MARK)) {
          file = t.descr.slice(FILE_MARK.length);
          continue;
        }
        const slots = t.insns.length / 16;
        const base = `${file.replace(/\.c$/, '')}/${t.descr}`;
        const seen = (names.get(base) ?? 0) + 1;
        names.set(base, seen);
        // A few descriptions repeat within a file; the corpus needs unique names.
        const name = seen === 1 ? base : `${base} #${seen}`;
        if (slots > MAX_STORED_SLOTS) {
          omitted.push({ name, slots, why: 'generated program too large to store' });
          continue;
        }
        const { index: _index, descr, ...rest } = t;
        programs.push({ name, file: `verifier/${file}`, descr, ...rest });
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return {
    source: 'Debian linux-source-6.12: tools/testing/selftests/bpf/verifier/*.c (test_verifier format)',
    licence: 'GPL-2.0-only (data derived from the Linux kernel selftests; see README.md)',
    generator: 'scripts/verifier-corpus/build-old.mjs',
    programs,
    omitted,
  };
}

function serialise(corpus) {
  // One program a line: diffs stay readable and the file stays small.
  const lines = corpus.programs.map((p) => `    ${JSON.stringify(p)}`);
  const { programs: _p, ...head } = corpus;
  const headText = JSON.stringify(head, null, 2).replace(/\n}$/, '');
  return `${headText},\n  "programs": [\n${lines.join(',\n')}\n  ]\n}\n`;
}

const main = () => {
  const text = serialise(convert(kernelTree()));
  if (process.argv.includes('--check')) {
    const stored = readFileSync(OUT, 'utf8');
    if (stored !== text) {
      console.error(`${OUT} differs from a fresh conversion: run node scripts/verifier-corpus/build-old.mjs`);
      process.exit(1);
    }
    console.log('test_verifier corpus: up to date');
    return;
  }
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, text);
  console.log(`wrote ${OUT}`);
};

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
