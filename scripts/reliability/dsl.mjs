// Campaign generator for `tsbpf build` (issue 12, part 4): mutations of the DSL examples
// (examples/*.ts) — unknown helper names, wrong argument counts and types, deleted, duplicated
// and truncated lines, flipped characters, throws of every kind of value, huge loops, deep
// nesting, runaway recursion, a top-level await that never settles, process.exit. Every case is
// one `tsbpf build` process (~1.5 s: Node and esbuild start-up), so the programs stay small.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const area = 'dsl';
export const description = 'tsbpf build of mutated DSL example modules (helpers, arguments, throws, loops, nesting, TLA, process.exit)';

const pick = (rng, list) => list[Math.floor(rng() * list.length)];
const int = (rng, lo, hi) => lo + Math.floor(rng() * (hi - lo + 1));

/** The examples, importing the running tsbpf (`tsbpf`) instead of the repository's sources. */
function examples(repo) {
  const dir = join(repo, 'examples');
  return readdirSync(dir).filter((f) => f.endsWith('.ts')).sort().map((f) => ({
    name: f.replace(/\.ts$/, ''),
    text: readFileSync(join(dir, f), 'utf8').replace(/from '\.\.\/src\/index\.js'/g, "from 'tsbpf'"),
  }));
}

/** Lines inside a program body (`(b) => {` … `})`): where builder calls go. */
function bodyLines(lines) {
  const out = [];
  let inside = 0;
  lines.forEach((l, i) => {
    if (/\(b\) => \{\s*$/.test(l)) { inside++; return; }
    if (inside > 0 && /^\s*\}\)/.test(l)) { inside--; return; }
    if (inside > 0) out.push(i);
  });
  return out;
}

const THROWN = ['null', 'undefined', '42', "'a\\nmultiline\\u0007string'", "new Error('boom')", "new RangeError('nope')", '{}', "Symbol('s')",
  "Object.create(null)", "{ get message() { throw new Error('getter'); } }", "new (class extends Error { name = 'DslError'; })('fake')"];
const BAD_ARGS = ['null as any', 'undefined as any', "'str' as any", '({}) as any', '-1', '1e20', 'NaN', '2 ** 53', '-0', '[] as any', '(() => 1) as any', '12345678901234567890n as any'];
const HELPER_NAMES = ['nope', 'map_lookup_elm', 'bpf_map_lookup_elem', '', ' ', 'toString', '__proto__', 'constructor', 'x'.repeat(300), 'trace_printk\u0000', 'ktime_get_ns ', '\u00e9t\u00e9'];

/** One mutation of a module's text, with the name and whether it must fail (never exit 0). */
const MUTATIONS = [
  ['helper-name', (rng, lines) => {
    const idx = lines.map((l, i) => (/bpf_\w+\(|call\('\w+'/.test(l) ? i : -1)).filter((i) => i >= 0);
    if (idx.length === 0) return undefined;
    const i = pick(rng, idx);
    const name = pick(rng, HELPER_NAMES);
    lines[i] = rng() < 0.5 && /bpf_\w+\(/.test(lines[i])
      ? lines[i].replace(/b\.helpers\.bpf_\w+\(/, `(b.helpers as any)[${JSON.stringify(`bpf_${name}`)}](`)
      : lines[i].replace(/(b\.call\()'\w+'/, `(b as any).call(${JSON.stringify(name)}`).replace(/\(b as any\)\.call\(b\.call\(/, '(b as any).call(');
    return { mustFail: false };
  }],
  ['arg-count', (rng, lines) => {
    const idx = lines.map((l, i) => (/\w\([^()]*,[^()]*\)/.test(l) ? i : -1)).filter((i) => i >= 0);
    if (idx.length === 0) return undefined;
    const i = pick(rng, idx);
    lines[i] = rng() < 0.5 ? lines[i].replace(/,\s*[^,()]+\)/, ')') : lines[i].replace(/(\w\([^()]*)\)/, '$1, 0, 0, 0, 0, 0, 0)');
    return { mustFail: false };
  }],
  ['arg-type', (rng, lines) => {
    const idx = lines.map((l, i) => (/\w\([^()]+\)/.test(l) ? i : -1)).filter((i) => i >= 0);
    if (idx.length === 0) return undefined;
    const i = pick(rng, idx);
    const args = [...lines[i].matchAll(/[(,]\s*([^,()]+?)\s*(?=[,)])/g)];
    if (args.length === 0) return undefined;
    const a = pick(rng, args);
    const at = a.index + a[0].indexOf(a[1]);
    lines[i] = `${lines[i].slice(0, at)}(${pick(rng, BAD_ARGS)})${lines[i].slice(at + a[1].length)}`;
    return { mustFail: false };
  }],
  ['number', (rng, lines) => {
    const idx = lines.map((l, i) => (/\b\d+\b/.test(l) && !/^import/.test(l) ? i : -1)).filter((i) => i >= 0);
    if (idx.length === 0) return undefined;
    const i = pick(rng, idx);
    const nums = [...lines[i].matchAll(/\b\d+\b/g)];
    const n = pick(rng, nums);
    const v = pick(rng, ['0', '-1', '513', '4096', '65536', '2147483648', '4294967296', '1e9', '0.5', '-2147483649', '9007199254740993']);
    lines[i] = `${lines[i].slice(0, n.index)}${v}${lines[i].slice(n.index + n[0].length)}`;
    return { mustFail: false };
  }],
  ['delete-line', (rng, lines) => { lines.splice(int(rng, 0, lines.length - 1), 1); return { mustFail: false }; }],
  ['duplicate-line', (rng, lines) => {
    const body = bodyLines(lines);
    if (body.length === 0) return undefined;
    const i = pick(rng, body);
    lines.splice(i, 0, lines[i]);
    return { mustFail: false };
  }],
  ['truncate', (rng, lines) => {
    const text = lines.join('\n');
    const cut = text.slice(0, int(rng, 0, text.length - 1));
    lines.length = 0;
    lines.push(...cut.split('\n'));
    return { mustFail: false };
  }],
  ['flip-char', (rng, lines) => {
    const i = int(rng, 0, lines.length - 1);
    if (lines[i].length === 0) return undefined;
    const k = int(rng, 0, lines[i].length - 1);
    const c = pick(rng, ['(', ')', '{', '}', ';', ',', '"', "'", '`', '\\', '\u0000', '\u2028', 'x', ' ', '0']);
    lines[i] = lines[i].slice(0, k) + c + lines[i].slice(k + 1);
    return { mustFail: false };
  }],
  ['throw', (rng, lines) => {
    const body = bodyLines(lines);
    const where = rng() < 0.7 && body.length > 0 ? pick(rng, body) : 0;
    lines.splice(where === 0 ? lines.findIndex((l) => !l.startsWith('import') && !l.startsWith('//')) : where, 0, `throw ${pick(rng, THROWN)};`);
    return { mustFail: true };
  }],
  ['huge-loop', (rng, lines) => {
    const body = bodyLines(lines);
    if (body.length === 0) return undefined;
    // Sizes a case can afford (each instruction of b.set costs a stack capture for its line);
    // sometimes past the kernel's limit with one shared instruction (refused at 1,000,000).
    const n = rng() < 0.3 ? 1_000_000 + int(rng, 1, 500_000) : int(rng, 1, 30_000);
    const emit = n > 1_000_000 ? 'b.emit(__insn)' : 'b.set(__t.R0, __i)';
    lines.splice(pick(rng, body), 0, `for (let __i = 0; __i < ${n}; __i++) ${emit};`);
    lines.unshift("import * as __t from 'tsbpf';", 'const __insn = __t.asm.mov(__t.R0, 0);');
    return { mustFail: n > 1_000_000 };
  }],
  ['deep-nesting', (rng, lines) => {
    const body = bodyLines(lines);
    if (body.length === 0) return undefined;
    const depth = pick(rng, [1, 10, 100, 255, 256, 257, 1000, 3000, 20000]);
    const kind = pick(rng, ['if', 'loop']);
    const block = kind === 'if' ? "b.if(__t.R0, '==', n, () => __nest(b, n - 1))" : 'b.loop(2, () => __nest(b, n - 1))';
    lines.splice(pick(rng, body), 0, `__nest(b, ${depth});`);
    lines.push(`function __nest(b: any, n: number): void { if (n === 0) return; ${block}; }`);
    lines.unshift("import * as __t from 'tsbpf';");
    return { mustFail: depth > 256 };
  }],
  ['recursion', (rng, lines) => {
    const body = bodyLines(lines);
    const at = rng() < 0.5 && body.length > 0 ? pick(rng, body) : lines.length;
    lines.splice(at, 0, rng() < 0.5 ? '(function __f(n: number): number { return __f(n + 1) + 1; })(0);' : 'JSON.stringify((function __o(n: number): unknown { return n === 0 ? {} : { a: __o(n - 1) }; })(100000));');
    return { mustFail: true };
  }],
  ['never-settles', (rng, lines) => {
    lines.push(pick(rng, ['await new Promise(() => {});', 'await new Promise((r) => setTimeout(r, 10));\nawait new Promise(() => {});', 'await import("node:fs").then(() => new Promise(() => {}));']));
    return { mustFail: true };
  }],
  ['process-exit', (rng, lines) => {
    const body = bodyLines(lines);
    const code = pick(rng, [0, 0, 1, 2, 3, 13, 255]);
    const stmt = pick(rng, [`process.exit(${code});`, `process.exitCode = ${code}; process.exit();`, 'process.kill(process.pid, "SIGTERM");', 'process.abort?.call(null) ?? 0;'].slice(0, 2));
    lines.splice(rng() < 0.5 && body.length > 0 ? pick(rng, body) : lines.length, 0, stmt);
    return { mustFail: true };
  }],
  ['bad-export', (rng, lines) => {
    const i = lines.findIndex((l) => l.startsWith('export default'));
    if (i < 0) return undefined;
    lines[i] = lines[i].replace('export default', pick(rng, ['export const notDefault =', 'export default 42 ?? ', 'export default new Proxy({}, { get() { throw null; } }) ?? ', 'const __x =']));
    return { mustFail: true };
  }],
];

/** The object is an ELF file whenever the build says it succeeded. */
function checkOutput(mustFail) {
  return (result) => {
    if (result.code !== 0) return undefined;
    if (mustFail) return 'exit 0 for a module that cannot produce an object';
    let bytes;
    try { bytes = readFileSync(join(result.dir, 'out.o')); } catch { return 'exit 0 but no output file'; }
    if (bytes.length < 64 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) return 'exit 0 but the output is not an ELF object';
    return undefined;
  };
}

export function* cases(rng, n, repo) {
  const sources = examples(repo);
  let made = 0;
  let attempts = 0;
  while (made < n && attempts < n * 20) {
    attempts++;
    const ex = pick(rng, sources);
    const lines = ex.text.split('\n');
    // One mutation, sometimes two.
    const count = rng() < 0.8 ? 1 : 2;
    const names = [];
    let mustFail = false;
    for (let k = 0; k < count; k++) {
      const [name, mutate] = pick(rng, MUTATIONS);
      const r = mutate(rng, lines);
      if (r === undefined) continue;
      names.push(name);
      mustFail ||= r.mustFail;
    }
    if (names.length === 0) continue;
    // A mutation that can only fail, combined with one that stops the module first, may fail
    // another way: still never exit 0.
    made++;
    yield {
      name: `${ex.name}:${names.join('+')}`,
      argv: ['build', '{dir}/prog.ts', '-o', '{dir}/out.o'],
      files: { 'prog.ts': lines.join('\n') },
      check: checkOutput(mustFail),
    };
  }
}
