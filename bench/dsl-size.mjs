// The DSL's output size against clang-19 -O2, for docs/benchmarks.md: every examples/*.ts is built
// with buildProgramFile (what `tsbpf build` runs) and each of its programs is matched by name with
// the program of its C twin: the fixtures/src/example_*.bpf.c whose header says "C twin of
// examples/X.ts", built by fixtures/build.sh into fixtures/obj/.
// Instructions are counted as the kernel counts them (ld_imm64 = 2). Not timed.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

export async function dslSizeSection() {
  const { buildProgramFile, readObject } = await import(join(root, 'dist', 'index.js'));
  const count = (bytes) => new Map(readObject(bytes).programs.map((p) => [p.name, p.instructions.reduce((n, i) => n + (i.insn.kind === 'ldImm64' ? 2 : 1), 0)]));
  // A twin names its example in its header: "C twin of examples/X.ts".
  const twins = readdirSync(join(root, 'fixtures', 'src')).filter((f) => /^example_.*\.bpf\.c$/.test(f)).map((f) => {
    const example = /C twin of examples\/([\w.-]+\.ts)/.exec(readFileSync(join(root, 'fixtures', 'src', f), 'utf8'))?.[1];
    const file = f.replace(/\.c$/, '.o');
    return { example, file, counts: count(readFileSync(join(root, 'fixtures', 'obj', file))) };
  });
  const rows = [];
  for (const ex of readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.ts')).sort()) {
    const ours = count(await buildProgramFile(join(root, 'examples', ex)));
    for (const [prog, n] of ours) {
      const twin = twins.find((t) => t.example === ex && t.counts.has(prog));
      rows.push(`| examples/${ex} | ${prog} | ${n} | ${twin === undefined ? '— (no C twin)' : `${twin.counts.get(prog)} (${twin.file})`} |`);
    }
  }
  return [
    '## DSL output size against clang-19 -O2',
    '',
    'Instructions per program of each DSL example (examples/*.ts, built with `buildProgramFile`, as `tsbpf build`)',
    'and of the program of the same name in its C twin (fixtures/src/example_*.bpf.c, built by fixtures/build.sh',
    'with clang-19 -O2). Counted as the kernel counts them (ld_imm64 is two). Not timed; test/dsl-examples.test.ts',
    'fails when the DSL needs more than 10% more instructions than clang.',
    '',
    '| example | program | DSL | clang-19 -O2 (C twin) |',
    '|---|---|---:|---:|',
    ...rows,
    '',
  ];
}
