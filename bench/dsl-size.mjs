// The DSL's output size against clang-19 -O2, for docs/benchmarks.md: every examples/*.ts is built
// with buildProgramFile (what `tsbpf build` runs) and each of its programs is matched by name with
// the program of its C twin: the fixtures/src/example_*.bpf.c whose header says "C twin of
// examples/X.ts", or the fixture the example's header names ("C twin: fixtures/src/X.bpf.c"),
// built by fixtures/build.sh into fixtures/obj/.
// Instructions are counted as the kernel counts them (ld_imm64 = 2). Not timed.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

export async function dslSizeSection() {
  const { buildProgramFile } = await import(join(root, 'dist', 'index.js'));
  const { readObject } = await import(join(root, 'dist', 'elf.js'));
  const count = (bytes) => new Map(readObject(bytes).programs.map((p) => [p.name, p.instructions.reduce((n, i) => n + (i.insn.kind === 'ldImm64' ? 2 : 1), 0)]));
  // A twin names its example in its header ("C twin of examples/X.ts"), or the example names its twin.
  const examples = readdirSync(join(root, 'examples', 'register-level')).filter((f) => f.endsWith('.ts')).sort();
  const named = new Map(examples.map((ex) => [/C twin: fixtures\/src\/([\w.-]+\.bpf\.c)/.exec(readFileSync(join(root, 'examples', 'register-level', ex), 'utf8'))?.[1], ex]));
  const twins = readdirSync(join(root, 'fixtures', 'src')).filter((f) => f.endsWith('.bpf.c')).map((f) => {
    const example = /C twin of examples\/([\w.-]+\.ts)/.exec(readFileSync(join(root, 'fixtures', 'src', f), 'utf8'))?.[1] ?? named.get(f);
    const file = f.replace(/\.c$/, '.o');
    return example === undefined ? undefined : { example, file, counts: count(readFileSync(join(root, 'fixtures', 'obj', file))) };
  }).filter((t) => t !== undefined);
  const rows = [];
  for (const ex of examples) {
    const ours = count(await buildProgramFile(join(root, 'examples', 'register-level', ex)));
    for (const [prog, n] of ours) {
      const twin = twins.find((t) => t.example === ex && t.counts.has(prog));
      rows.push(`| examples/register-level/${ex} | ${prog} | ${n} | ${twin === undefined ? '— (no C twin)' : `${twin.counts.get(prog)} (${twin.file})`} |`);
    }
  }
  return [
    '## DSL output size against clang-19 -O2',
    '',
    'Instructions per program of each DSL example (examples/*.ts, built with `buildProgramFile`, as `tsbpf build`)',
    'and of the program of the same name in its C twin (fixtures/src/*.bpf.c, built by fixtures/build.sh',
    'with clang-19 -O2). Counted as the kernel counts them (ld_imm64 is two). Not timed; test/dsl-examples.test.ts',
    'fails when the DSL needs more than 10% more instructions than clang.',
    '',
    '| example | program | DSL | clang-19 -O2 (C twin) |',
    '|---|---|---:|---:|',
    ...rows,
    '',
  ];
}
