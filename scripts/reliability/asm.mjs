// Mutation campaign generator for `tsbpf asm` (issue 12): the programs of
// fixtures/obj/*.o, decoded and printed back in LLVM and in uBPF syntax, plus
// examples/hello.s, then mutated — random byte and token edits, huge directive
// counts, deep expression nesting, long tokens, control bytes, stray `%r`
// registers, comments, millions of lines. See scripts/reliability/run.mjs.
//
// Checks (a silently wrong output is a failure): a program printed from its
// instructions, with comments or blank lines added, must assemble to exactly
// encodeInstructions(those instructions); a stray `%rN` line in an LLVM file
// must be an error at that line; an accepted size directive must not write
// an object beyond the documented limits (docs/isa.md).

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const area = 'asm';
export const description = 'tsbpf asm on mutated LLVM and uBPF assembly (fixture programs, hostile directives, nesting, tokens, comments)';

const HERE = dirname(fileURLToPath(import.meta.url));
const MAX_OBJECT = 32 * 1024 * 1024;

// ---- seeds ------------------------------------------------------------------

/** Loads the library from dist (the runner needs a build anyway); null when it is not built. */
async function loadLibrary(repo) {
  const isa = join(repo, 'dist', 'isa.js');
  const elf = join(repo, 'dist', 'elf.js');
  if (!existsSync(isa) || !existsSync(elf)) return null;
  return { isa: await import(pathToFileURL(isa).href), elf: await import(pathToFileURL(elf).href) };
}

const LIB = await loadLibrary(join(HERE, '..', '..'));

const SHF_EXECINSTR = 4;

/**
 * Programs of the fixture objects as instruction lists, each instruction LLVM
 * 19 cannot spell on one line (local calls...) replaced by `r0 = 0`, so that
 * every seed assembles to one .text without relocations.
 */
function fixturePrograms(repo) {
  if (LIB === null) return [];
  const { isa, elf } = LIB;
  const dir = join(repo, 'fixtures', 'obj');
  if (!existsSync(dir)) return [];
  const out = [];
  for (const f of readdirSync(dir).sort()) {
    if (!f.endsWith('.o')) continue;
    let file;
    try { file = elf.readElf(new Uint8Array(readFileSync(join(dir, f)))); } catch { continue; }
    for (const s of file.sections) {
      if ((s.flags & SHF_EXECINSTR) === 0 || s.data.length === 0 || s.data.length > 64 * 1024) continue;
      let insns;
      try { insns = isa.decodeInstructions(s.data, { byteOrder: file.byteOrder }); } catch { continue; }
      const filler = { kind: 'alu', width: 64, op: 'mov', dst: 0, src: { kind: 'imm', value: 0 } };
      const fixed = insns.map((i) => (isa.llvmExpressible(i) === null ? i : filler));
      // Same slot count: a two-slot instruction that was replaced by one slot would shift every jump.
      if (isa.encodeInstructions(fixed).length !== s.data.length) continue;
      out.push({ name: `${f.replace(/\.bpf\.o$|\.o$/, '')}/${s.name}`, insns: fixed });
    }
  }
  return out;
}

let seedCache = null;

function seeds(repo) {
  if (seedCache !== null) return seedCache;
  const programs = fixturePrograms(repo);
  const texts = [];
  const hello = join(repo, 'examples', 'hello.s');
  if (existsSync(hello)) texts.push({ name: 'hello.s', text: readFileSync(hello, 'latin1') });
  for (const p of programs) {
    const llvm = p.insns.map((i) => `\t${LIB.isa.formatAsmLlvm(i)}\n`).join('');
    const expected = LIB.isa.encodeInstructions(p.insns);
    const spellable = p.insns.every((i) => LIB.isa.ubpfUnsupportedReason(i) === undefined);
    const ubpf = spellable ? LIB.isa.formatUbpfProgram(p.insns) : null;
    texts.push({ name: p.name, text: llvm, expected, ubpf });
  }
  if (texts.length === 0) texts.push({ name: 'minimal', text: '\tr0 = 0\n\texit\n', expected: Uint8Array.of(0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0) });
  seedCache = texts;
  return texts;
}

// ---- helpers ----------------------------------------------------------------

const pick = (rng, xs) => xs[Math.floor(rng() * xs.length)];
const int = (rng, lo, hi) => lo + Math.floor(rng() * (hi - lo + 1));

/** A number a hostile size directive might carry. */
function hugeNumber(rng) {
  return pick(rng, [
    () => String(2 ** int(rng, 20, 62)),
    () => String(2 ** int(rng, 23, 31) + int(rng, -1, 1)),
    () => `0x${'f'.repeat(int(rng, 6, 16))}`,
    () => String(int(rng, 16_000_000, 17_000_000)),
    () => `-${int(rng, 1, 2 ** 31)}`,
    () => '2000000000',
    () => '100000000, 8, 1',
    () => `${int(rng, 1, 1 << 20)} * ${int(rng, 1, 1 << 20)}`,
    () => '18446744073709551615',
    () => `(1 << ${int(rng, 0, 70)})`,
  ])();
}

const SIZE_DIRECTIVES = ['.zero', '.space', '.skip', '.fill', '.p2align', '.balign', '.align', '.lcomm buf,', '.comm buf,', '.sleb128', '.uleb128'];
const SECTIONS = ['\t.data\n', '\t.bss\n', '\t.text\n', '\t.section .rodata,"a"\n', '\t.section maps,"aw",@nobits\n', ''];

const TOKENS = [
  'r0', 'r10', 'r11', 'r12', 'w1', 'R1', '%r1', '%r10', '%r99', 'exit', 'call', 'goto', 'if', 'll', 'lock', '*', '(', ')',
  '=', '==', '+=', '<<=', 's>>=', ',', '-', '+', '~', '!', '0', '-1', '0x', '08', '0b2', '18446744073709551616', "'a'", "'",
  '"', '"str"', '@', '$', '\\', '.', '.L1', '1b', '1f', 'sym', 'skb', 'u64', '#', '//', '/*', '*/', ';', ':', '\t', '\n',
  '\x00', '\x1b[31m', '\x7f', '\u00e9', '\u2028', '\ufffd',
];

/** Random byte-level edits (insert, delete, replace), at most `n`. */
function byteEdits(rng, text, n) {
  let t = text;
  for (let k = 0; k < n; k++) {
    const at = int(rng, 0, t.length);
    const ch = String.fromCharCode(rng() < 0.7 ? int(rng, 0, 127) : int(rng, 128, 255));
    const op = int(rng, 0, 2);
    t = op === 0 ? t.slice(0, at) + ch + t.slice(at) : op === 1 ? t.slice(0, at) + t.slice(at + 1) : t.slice(0, at) + ch + t.slice(at + 1);
  }
  return t;
}

/** Random token-level edits: a token of TOKENS inserted or written over a word. */
function tokenEdits(rng, text, n) {
  let t = text;
  for (let k = 0; k < n; k++) {
    const words = [...t.matchAll(/[A-Za-z0-9_.%]+|[^\sA-Za-z0-9_.%]/g)];
    if (words.length === 0) break;
    const w = pick(rng, words);
    const tok = pick(rng, TOKENS);
    t = rng() < 0.5 ? t.slice(0, w.index) + tok + t.slice(w.index + w[0].length) : t.slice(0, w.index) + tok + ' ' + t.slice(w.index);
  }
  return t;
}

/** Lines of `text` with the n-th (0-based) line replaced by `f(line)`. */
function editLine(text, n, f) {
  const lines = text.split('\n');
  lines[n] = f(lines[n] ?? '');
  return lines.join('\n');
}

/** Comments where llvm-mc-19 always takes them: own lines, line ends, after the mnemonic. */
function withSafeComments(rng, text) {
  return text.split('\n').map((line) => {
    if (line.trim() === '') return line;
    const r = rng();
    if (r < 0.15) return `${line} # c`;
    if (r < 0.3) return `${line} // c /* not a block */`;
    if (r < 0.45) return `/* before */${line}`;
    if (r < 0.55) return `/* multi\n   line */\n${line}`;
    if (r < 0.65) return `# own line\n${line}`;
    // The first token only (a word or the `*` of a store): `*(u32` would put it after a keyword.
    if (r < 0.75) return line.replace(/^(\s*(?:[A-Za-z_][A-Za-z0-9_]*|\*))/, '$1 /* after the mnemonic */');
    return line;
  }).join('\n');
}

/** Checks that the raw output is exactly `expected`. */
function sameBytes(expected) {
  return (r) => {
    if (r.code !== 0) return `exit ${r.code} for a valid program: ${r.stderr.split('\n')[0]}`;
    const got = new Uint8Array(readFileSync(join(r.dir, 'out.bin')));
    if (got.length !== expected.length) return `${got.length} bytes, expected ${expected.length}`;
    for (let i = 0; i < got.length; i++) if (got[i] !== expected[i]) return `byte ${i} is 0x${got[i].toString(16)}, expected 0x${expected[i].toString(16)}`;
    return undefined;
  };
}

/** An accepted object stays within the documented limits. */
function boundedObject(r) {
  if (r.code !== 0) return undefined;
  const size = statSync(join(r.dir, 'out.o')).size;
  return size > MAX_OBJECT + 1024 * 1024 ? `accepted, and wrote ${size} bytes (over the 32 MiB limit)` : undefined;
}

const asmObj = (extra = []) => ['asm', '{dir}/in.s', '-o', '{dir}/out.o', ...extra];
const asmRaw = (extra = []) => ['asm', '{dir}/in.s', '-o', '{dir}/out.bin', '--format', 'raw', ...extra];

// ---- cases ------------------------------------------------------------------

const KINDS = [
  // [weight, name, make(rng, seed) → case]
  [4, 'identity', (rng, s) => (s.expected === undefined ? null : { argv: asmRaw(), files: { 'in.s': s.text }, check: sameBytes(s.expected) })],
  [6, 'comments', (rng, s) => (s.expected === undefined ? null : { argv: asmRaw(), files: { 'in.s': withSafeComments(rng, s.text) }, check: sameBytes(s.expected) })],
  [12, 'byte-edits', (rng, s) => ({ argv: asmObj(), files: { 'in.s': byteEdits(rng, s.text, int(rng, 1, 8)) } })],
  [12, 'token-edits', (rng, s) => ({ argv: asmObj(), files: { 'in.s': tokenEdits(rng, s.text, int(rng, 1, 4)) } })],
  [8, 'size-directive', (rng, s) => {
    const d = pick(rng, SIZE_DIRECTIVES);
    const line = `${pick(rng, SECTIONS)}\t${d} ${hugeNumber(rng)}\n`;
    const lines = s.text.split('\n');
    const at = int(rng, 0, lines.length);
    return { argv: asmObj(), files: { 'in.s': [...lines.slice(0, at), line, ...lines.slice(at)].join('\n') }, check: boundedObject };
  }],
  [3, 'size-repeated', (rng) => {
    const n = int(rng, 2, 40);
    const text = Array.from({ length: n }, () => `${pick(rng, SECTIONS)}\t${pick(rng, ['.zero', '.skip', '.space'])} ${int(rng, 1, 4_000_000)}\n`).join('');
    return { argv: asmObj(), files: { 'in.s': text }, check: boundedObject };
  }],
  [6, 'deep-nesting', (rng) => {
    const depth = pick(rng, [int(rng, 1, 1000), int(rng, 900, 1100), int(rng, 1000, 120_000)]);
    const form = pick(rng, [
      (d) => `${'('.repeat(d)}1${')'.repeat(d)}`, (d) => `${'-'.repeat(d)}1`, (d) => `${'~'.repeat(d)}1`, (d) => `${'!'.repeat(d)}1`,
      (d) => `${'(-'.repeat(d)}1${')'.repeat(d)}`, (d) => `1${'+1'.repeat(d)}`, (d) => `${'('.repeat(d)}1`,
    ]);
    const where = pick(rng, [(e) => `\t.data\n\t.long ${e}\n`, (e) => `\tr0 = ${e}\n\texit\n`, (e) => `\tr0 = 1 + ${e}\n\texit\n`, (e) => `\t.set x, ${e}\n`]);
    return { argv: asmObj(), files: { 'in.s': where(form(depth)) } };
  }],
  [6, 'long-token', (rng, s) => {
    // Mostly short; one in five a megabyte (the 10 MB token is a test in test/asm-hostile.test.ts).
    const len = rng() < 0.2 ? int(rng, 500_000, 1_200_000) : pick(rng, [int(rng, 41, 200), int(rng, 1000, 100_000)]);
    const ch = pick(rng, ['x', '9', '%', '\x07', '"', "'", '(', 'é', ' ', '\n', '#', '/*']);
    const token = ch.repeat(Math.ceil(len / ch.length));
    const where = pick(rng, [(t) => `${t}\n`, (t) => `\t.${t} 1\n`, (t) => `\tr0 = ${t}\n`, (t) => `\t.section ${t}\n\texit\n`, (t) => `\tgoto ${t}\n`,
      (t) => `\t.ascii "${t}\n`, (t) => `mov %r0, ${t}\nexit\n`, (t) => `${t}:\n`]);
    const lines = s.text.split('\n');
    const at = int(rng, 0, lines.length);
    return { argv: asmObj(), files: { 'in.s': [...lines.slice(0, at), where(token), ...lines.slice(at)].join('\n') } };
  }],
  [6, 'stray-register', (rng, s) => {
    // Only into LLVM-syntax seeds whose lines vote for LLVM (hello.s has comments and directives too).
    const lines = s.text.split('\n');
    if (lines.length < 4) return null;
    const at = int(rng, 1, lines.length - 1);
    const stray = pick(rng, ['  %r1', '%r0', '\t%r10 = 1', '  %r1, %r2']);
    const text = [...lines.slice(0, at), stray, ...lines.slice(at)].join('\n');
    const col = stray.indexOf('%') + 1;
    return {
      argv: asmObj(), files: { 'in.s': text },
      check: (r) => {
        const want = `in.s:${at + 1}:${col}: error:`;
        return r.code === 2 && r.stderr.includes(want) ? undefined : `expected '${want} …', got exit ${r.code}: ${r.stderr.split('\n')[0]}`;
      },
    };
  }],
  [3, 'many-lines', (rng, s) => {
    if (s.expected === undefined) return null;
    const n = rng() < 0.25 ? int(rng, 300_000, 1_200_000) : int(rng, 1000, 100_000);
    const filler = pick(rng, ['\n', '#\n', '//\n', ';', ' \n', '/**/\n', '\r\n']);
    const text = rng() < 0.5 ? filler.repeat(n) + s.text : s.text + filler.repeat(n);
    return { argv: asmRaw(), files: { 'in.s': text }, check: sameBytes(s.expected) };
  }],
  [5, 'ubpf', (rng, s) => {
    if (s.ubpf === null || s.ubpf === undefined) return null;
    const r = rng();
    if (r < 0.3) return { argv: asmRaw(['--syntax', 'ubpf']), files: { 'in.s': s.ubpf }, check: sameBytes(s.expected) };
    if (r < 0.45) return { argv: asmRaw(), files: { 'in.s': `# detected by its lines\n${s.ubpf}` }, check: sameBytes(s.expected) };
    const text = r < 0.7 ? byteEdits(rng, s.ubpf, int(rng, 1, 6)) : tokenEdits(rng, s.ubpf, int(rng, 1, 3));
    return { argv: asmObj(['--syntax', 'ubpf']), files: { 'in.s': text } };
  }],
  [2, 'ubpf-data', (rng, s) => {
    if (s.ubpf === null || s.ubpf === undefined) return null;
    const body = rng() < 0.5 ? s.ubpf : byteEdits(rng, s.ubpf, int(rng, 1, 4));
    const header = pick(rng, ['-- asm', '--asm', '  -- asm', `-- ${'x'.repeat(int(rng, 1, 100_000))}`, `--${' '.repeat(int(rng, 1, 100_000))}asm`]);
    return { argv: ['asm', '{dir}/in.data', '-o', '{dir}/out.bin', '--format', 'raw'], files: { 'in.data': `${header}\n${body}-- result\n0x0\n` } };
  }],
];

const TOTAL_WEIGHT = KINDS.reduce((a, [w]) => a + w, 0);

export function* cases(rng, n, repo) {
  const list = seeds(repo);
  let made = 0;
  let attempts = 0;
  while (made < n && attempts < n * 20) {
    attempts++;
    let r = rng() * TOTAL_WEIGHT;
    let kind = KINDS[0];
    for (const k of KINDS) { r -= k[0]; if (r < 0) { kind = k; break; } }
    const seed = pick(rng, list);
    const c = kind[2](rng, seed);
    if (c === null) continue;
    made++;
    yield { name: `${kind[1]}:${seed.name}`, ...c };
  }
}
