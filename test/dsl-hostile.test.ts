// Program modules that misbehave (issue 12, part 4): `tsbpf build` answers each with exit 2 and
// one line naming the module — never a stack trace, exit 1/3/13, a silent exit 0 or a temporary
// directory left behind — and the DSL refuses programs past the kernel's instruction limit
// (part 3), which the running kernel confirms with a real BPF_PROG_LOAD.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeInstructions, type Instruction } from '../isa/index.js';
import { SyscallError } from '../loader/index.js';
import { sys } from '../src/internal.js';
import { asm, defineObject, DslError, fn, program, R0 } from '../src/dsl/index.js';
import { MAX_INSNS, MAX_NESTING } from '../src/dsl/program/limits.js';
import { requireRoot } from './support/references.js';

const asRoot = requireRoot();

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { bin: { tsbpf: string } };
const bin = resolve(pkg.bin.tsbpf);
const root = mkdtempSync(join(tmpdir(), 'tsbpf-dsl-hostile-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const HEAD = "import { defineObject, program, R0 } from 'tsbpf';\n";
const object = (body: string): string => `export default defineObject({ license: 'GPL', programs: { p: program('xdp', (b) => {\n${body}\n}) } });\n`;

/** Builds `source` with a private TMPDIR (to see what the build leaves there). */
function build(name: string, source: string, flags: string[] = []): { status: number | null; stderr: string; stdout: string; temps: string[]; out: boolean } {
  const dir = join(root, name);
  const tmp = join(dir, 'tmp');
  mkdirSync(tmp, { recursive: true });
  const file = join(dir, 'prog.ts');
  writeFileSync(file, source);
  const out = join(dir, 'prog.o');
  const r = spawnSync('node', [bin, 'build', file, '-o', out, ...flags], { encoding: 'utf8', env: { ...process.env, TMPDIR: tmp }, timeout: 60_000 });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout, temps: readdirSync(tmp), out: existsSync(out) };
}

function expectRefused(r: ReturnType<typeof build>, message: RegExp): void {
  expect(r.stderr).toMatch(message);
  expect(r.stderr.split('\n').filter((l) => l !== '')).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at |internal error/);
  expect(r.status).toBe(2);
  expect(r.temps).toEqual([]);
  expect(r.out).toBe(false);
}

describe('tsbpf build of hostile program modules', () => {
  it('a builder that throws null: exit 2, naming the module', () => {
    const r = build('throw-null', HEAD + object('throw null;'));
    expectRefused(r, /prog\.ts: error: the module threw null while building\n$/);
  });

  it('a module that throws an Error at the top level: the file:line:col of the throw', () => {
    const r = build('throw-top', `${HEAD}\nthrow new TypeError('no way');\n`);
    expectRefused(r, /prog\.ts:3:7: error: the module threw while loading: TypeError: no way\n$/);
  });

  it('a builder that throws a string: exit 2, the string quoted and escaped', () => {
    const r = build('throw-string', HEAD + object("throw 'line1\\nline2';"));
    expectRefused(r, /the module threw the string 'line1\\x0aline2' while building\n$/);
  });

  it('an unknown helper name is a DslError naming the helper and the .ts line', () => {
    const call = build('unknown-call', HEAD + object("  (b as any).call('nope', 1);"));
    expectRefused(call, /prog\.ts:3:14: error: unknown helper 'nope'\n$/);
    const viaHelpers = build('unknown-helpers', HEAD + object('  (b.helpers as any).bpf_no_such_helper();'));
    expectRefused(viaHelpers, /prog\.ts:3:\d+: error: unknown helper 'bpf_no_such_helper'\n$/);
  });

  it('3,000 nested b.if: a DslError naming the depth limit and the line, not a RangeError', () => {
    const src = `${HEAD}function nest(b: any, n: number): void {\n  if (n === 0) { b.return(1); return; }\n  b.if(R0, '==', n, () => nest(b, n - 1));\n}\n${object('  nest(b, 3000);')}`;
    const r = build('deep-if', src);
    expectRefused(r, new RegExp(`prog\\.ts:4:\\d+: error: blocks nested more than ${MAX_NESTING} deep`));
  });

  it('user recursion that overflows the stack: exit 2 at the module line', () => {
    const src = `${HEAD}function f(n: number): number { return f(n + 1) + 1; }\n${object('  f(0);')}`;
    const r = build('recursion', src);
    expectRefused(r, /prog\.ts:2:\d+: error: JavaScript stack overflow while building the module/);
  });

  it('a top-level await that never settles: one line, exit 2 (not 13), no temporary directory left', () => {
    const r = build('tla', `${HEAD}await new Promise(() => {});\n${object('  b.return(0);')}`);
    expectRefused(r, /prog\.ts: error: the module never finished loading or building/);
  });

  it('process.exit(0) in the module or in a builder: exit 2, saying so', () => {
    const top = build('exit-top', `${HEAD}process.exit(0);\n${object('  b.return(0);')}`);
    expectRefused(top, /prog\.ts: error: the module ended the process \(process\.exit\(0\)\) before the object was written\n$/);
    const inBody = build('exit-body', HEAD + object('  process.exit(7);'));
    expectRefused(inBody, /\(process\.exit\(7\)\) before the object was written\n$/);
  });

  it('a module whose timers would keep the process alive still exits once the object is written', () => {
    const r = build('timer', `${HEAD}setInterval(() => {}, 1000);\n${object('  b.return(0);')}`);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.out).toBe(true);
  });

  it('a module waiting on a long timer, or looping forever, is stopped at --timeout: one line, exit 2, nothing left', () => {
    const timer = build('long-timer', `${HEAD}await new Promise((r) => setTimeout(r, 1e9));\n${object('  b.return(0);')}`, ['--timeout', '2']);
    expectRefused(timer, /prog\.ts: error: the module did not finish loading or building within 2 s \(a timer or a loop that does not end; --timeout SECONDS allows longer\)\n$/);
    const loop = build('endless-loop', HEAD + object('  for (;;) { /* never ends */ }'), ['--timeout', '2']);
    expectRefused(loop, /prog\.ts: error: the module did not finish loading or building within 2 s/);
  }, 60_000);

  it('a module whose heap grows without end is stopped at --max-heap: one line, exit 2', () => {
    const r = build('heap-bomb', `${HEAD}const keep: number[][] = [];\nfor (;;) keep.push(new Array(1e6).fill(1));\n${object('  b.return(0);')}`, ['--max-heap', '128']);
    expectRefused(r, /prog\.ts: error: the module needed more than 128 MB of heap while loading or building \(--max-heap MB allows more\)\n$/);
  }, 60_000);

  it('a program past the instruction limit: refused at the line of the instruction that crosses it', () => {
    const src = `import { asm, defineObject, program, R0 } from 'tsbpf';
const insn = asm.mov(R0, 0);
export default defineObject({ license: 'GPL', programs: { p: program('xdp', (b) => {
  for (let i = 0; i < ${MAX_INSNS + 100}; i++) b.emit(insn);
  b.return(0);
}) } });
`;
    const r = build('too-long', src);
    expectRefused(r, /prog\.ts:4:\d+: error: 'p' is longer than 1,000,000 instructions, the kernel's limit \(BPF_PROG_LOAD refuses it with E2BIG\)\n$/);
  }, 120_000);

  it('a program of 1.1 million distinct instructions is refused within a 96 MB heap', () => {
    // Each emitted instruction is a new object: the builder must not keep them all (they took
    // ~160 bytes each, 266 MB at the limit). The build stops if the heap outgrows the cap.
    const src = `import { asm, defineObject, program, R0 } from 'tsbpf';
export default defineObject({ license: 'GPL', programs: { p: program('xdp', (b) => {
  for (let i = 0; i < 1_100_000; i++) b.emit(asm.add(R0, i & 0xff));
  b.return(0);
}) } });
`;
    const r = build('too-long-distinct', src, ['--max-heap', '96']);
    expectRefused(r, /prog\.ts:3:\d+: error: 'p' is longer than 1,000,000 instructions, the kernel's limit \(BPF_PROG_LOAD refuses it with E2BIG\)\n$/);
  }, 120_000);
});

describe('the instruction limit in the DSL', () => {
  const NO_LINES = { lineInfo: false };
  const insn = asm.mov(R0, 0);
  const straight = (n: number) => program('xdp', (b) => { for (let i = 0; i < n; i++) b.emit(insn); b.emit(asm.exit()); });

  it(`builds a program of exactly ${MAX_INSNS} instructions and refuses one more`, () => {
    const ok = defineObject({ license: 'GPL', programs: { p: straight(MAX_INSNS - 1) } }).toBpfObject(NO_LINES);
    expect(ok.programs[0]!.instructions).toHaveLength(MAX_INSNS);
    expect(() => defineObject({ license: 'GPL', programs: { p: straight(MAX_INSNS) } }).toBpfObject(NO_LINES)).toThrow(DslError);
  }, 120_000);

  it('counts a 64-bit immediate load as two instructions', () => {
    const wide = asm.lddw(R0, 0x1122334455667788n);
    const p = program('xdp', (b) => { for (let i = 0; i < MAX_INSNS / 2; i++) b.emit(wide); b.emit(asm.exit()); });
    expect(() => defineObject({ license: 'GPL', programs: { p } }).toBpfObject(NO_LINES)).toThrow(/longer than 1,000,000 instructions/);
  }, 120_000);

  it('counts the functions an entry program calls, as the loader appends them', () => {
    const half = fn('half', {}, (b) => { for (let i = 0; i < MAX_INSNS / 2; i++) b.emit(insn); b.emit(asm.exit()); });
    const p = program('xdp', (b) => { b.callFunction(half); for (let i = 0; i < MAX_INSNS / 2; i++) b.emit(insn); b.emit(asm.exit()); });
    expect(() => defineObject({ license: 'GPL', programs: { p } }).toBpfObject(NO_LINES))
      .toThrow(/program 'p' is 1,000,003 instructions with the functions it calls; the kernel's limit is 1,000,000/);
  }, 120_000);
});

describe.skipIf(!asRoot)('the kernel agrees on the limit (BPF_PROG_LOAD)', () => {
  /** errno of loading `count` instructions: `r0 = 0; exit` and then dead code. */
  function loadErrno(count: number): string {
    const insns: Instruction[] = [{ kind: 'alu', op: 'mov', width: 64, dst: 0, src: { kind: 'imm', value: 0 } } as Instruction, { kind: 'exit' } as Instruction];
    const body = Buffer.from(encodeInstructions(insns));
    const code = Buffer.alloc(count * 8);
    for (let i = 0; i < count; i++) body.copy(code, i * 8, (i === 1 ? 8 : 0), (i === 1 ? 16 : 8));
    const license = Buffer.from('GPL\0');
    try {
      const fd = sys.bpf(sys.BpfCommand.PROG_LOAD, sys.encodeAttr(sys.ProgLoadAttr, {
        prog_type: 6 /* XDP */, insn_cnt: count, insns: sys.pointee(code), license: sys.pointee(license),
      }));
      sys.close(fd);
      return 'OK';
    } catch (e) {
      if (e instanceof SyscallError) return e.code;
      throw e;
    }
  }

  it('refuses 1,000,001 instructions with E2BIG and gets past the size check with 1,000,000', () => {
    expect(loadErrno(MAX_INSNS + 1)).toBe('E2BIG');
    // The size check passes; the verifier then refuses the dead code after the exit.
    expect(loadErrno(MAX_INSNS)).toBe('EINVAL');
  }, 60_000);
});
