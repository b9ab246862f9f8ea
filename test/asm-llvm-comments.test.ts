// Comments in LLVM-syntax assembly, against llvm-mc-19: `#` and `//` run to
// the end of the line; `/* */` may stand wherever llvm-mc's expression parser
// lexes (after the mnemonic, around expressions, in directives, across lines)
// but not right after a token the BPF operand loop lexes itself (a register,
// keyword, punctuation or comma), where llvm-mc says "unexpected token".
// Random programs get comments inserted at random token boundaries; both
// assemblers must accept with the same bytes, or both reject at the same place.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { AsmError, formatAsmLlvm, llvmExpressible } from '../isa/index.js';
import { assembleLlvm } from '../elf/index.js';
import { instruction } from './support/arbitraries.js';
import { requireReferences } from './support/references.js';

const ok = requireReferences('llvm-mc-19', 'llvm-objcopy-19');
const dir = mkdtempSync(join(tmpdir(), 'tsbpf-asm-comments-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;

type Outcome = { text: string } | { error: string; at: string };

/** llvm-mc-19's .text as hex, or its first error and its `line:col`. */
function llvm(source: string): Outcome {
  const n = counter++;
  const s = join(dir, `c${n}.s`);
  const o = join(dir, `c${n}.o`);
  const b = join(dir, `c${n}.bin`);
  writeFileSync(s, source);
  const mc = spawnSync('llvm-mc-19', ['-triple=bpfel', '-mcpu=v4', '-filetype=obj', '-o', o, s], { encoding: 'utf8' });
  if (mc.status !== 0) {
    const m = /:(\d+):(\d+): error: (.*)/.exec(mc.stderr);
    return m === null ? { error: mc.stderr.slice(0, 200), at: '?' } : { error: m[3]!, at: `${m[1]}:${m[2]}` };
  }
  const oc = spawnSync('llvm-objcopy-19', ['-O', 'binary', '--only-section=.text', o, b], { encoding: 'utf8' });
  if (oc.status !== 0) throw new Error(oc.stderr);
  return { text: Buffer.from(readFileSync(b)).toString('hex') };
}

function ours(source: string): Outcome {
  try {
    const obj = assembleLlvm(source, 'c.s');
    return { text: Buffer.from(obj.sections.find((s) => s.name === '.text')!.data).toString('hex') };
  } catch (e) {
    if (!(e instanceof AsmError)) throw e;
    return { error: e.reason, at: `${e.line}:${e.column}` };
  }
}

/**
 * Both accept with the same bytes, or both reject; when we blame a comment,
 * llvm-mc blames the same place. (llvm-mc matches operands only after the
 * whole statement is lexed, we as they come: for a statement that is wrong in
 * two ways, the first error reported can differ.)
 */
function expectSameOutcome(source: string): void {
  const mine = ours(source);
  const ref = llvm(source);
  if ('text' in ref) {
    expect(mine, source).toEqual(ref);
    return;
  }
  expect(mine, `llvm-mc-19 rejected it (${ref.at}: ${ref.error})`).toHaveProperty('error');
  if ('error' in mine && /comment/.test(mine.error)) expect(mine.at, `${source}\nllvm-mc-19: ${ref.error}`).toBe(ref.at);
}

const COMMENTS = ['/* c */', '/**/', '/* a\n b */', '/*\n*/', '// c\n', '# c\n', '/* x */ /* y */'];
const isWord = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_.$]/.test(c);

/** Offsets in `text` between tokens (not inside a word or number). */
function boundaries(text: string): number[] {
  const out: number[] = [];
  for (let i = 0; i <= text.length; i++) if (!(isWord(text[i - 1]) && isWord(text[i]))) out.push(i);
  return out;
}

const expressible = instruction.filter((i) => llvmExpressible(i) === null);

/** A program of a few instructions with comments at random token boundaries. */
const commented = fc.tuple(
  fc.array(expressible, { minLength: 1, maxLength: 6 }),
  fc.array(fc.tuple(fc.nat(), fc.constantFrom(...COMMENTS)), { minLength: 1, maxLength: 4 }),
).map(([insns, inserts]) => {
  let text = insns.map((i) => `\t${formatAsmLlvm(i)}\n`).join('');
  // Insert from the back so that earlier offsets stay valid.
  const spots = boundaries(text);
  const chosen = inserts.map(([k, c]) => [spots[k % spots.length]!, c] as const).sort((a, b) => b[0] - a[0]);
  for (const [at, c] of chosen) text = `${text.slice(0, at)}${c}${text.slice(at)}`;
  return text;
});

describe.skipIf(!ok)('comments, as llvm-mc-19 takes them', () => {
  it.each([
    // Accepted: after the mnemonic, after an expression, in directives, across lines, before a label's colon.
    '/* a */ exit\n',
    'r0 /**/= 1\nexit\n',
    'r0 = 1/*x*/+2\nexit\n',
    'r0 = 0 /* a */ ; exit\n',
    'r0 = 2 /*\n*/\nexit\n',
    'if r0 == 0 goto +1 /**/\nexit\nexit\n',
    'r0 = 1 /*x*/ ll\n',
    'r0 = 0 // hi\nexit\n',
    '\tr0 = 0\n/* a\nb */ exit\n',
    'foo/**/: exit\n',
    '.data\n.byte 1 /* x\n */, 2\n',
    '.section /**/ .text\nexit\n',
    // Rejected: right after a register, operator, keyword or `)`; unterminated; a newline inside does not end a statement.
    'r0 = r1 /* x */\nexit\n',
    'r0 = /* a */ 0\nexit\n',
    'r0 = /* a\n b */ 0\nexit\n',
    'r0 = - /* x */ 1\nexit\n',
    'r0 = -/**/1\nexit\n',
    'r0 = *(u32 *)(r1 + 4) /* x */\nexit\n',
    'r0 = *(u32 *)(r1 /**/+ 4)\nexit\n',
    'r0 = 1 ll /* x */\n',
    'r0 = 0 /* a\n b */ exit\n',
    '/* unterminated\nexit\n',
    'r0 = 0 # x /* y\nexit */\n',
  ])('%j', (source) => {
    const mine = ours(source);
    const ref = llvm(source);
    // Each of these is accepted, or rejected for its comment, by both at one place.
    expect('error' in mine ? mine.at : mine).toEqual('error' in ref ? ref.at : ref);
  });

  it('random programs with comments inserted: same bytes, or both reject (at the comment when we blame it)', () => {
    fc.assert(fc.property(commented, expectSameOutcome), { numRuns: 80, seed: 20261206 });
  });
});
