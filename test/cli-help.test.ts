// The CLI in-process (main/mainAsync with buffers for stdout and stderr): every command and
// subcommand prints its own usage for --help/-h with exit 0 (issue 12: `tsbpf asm --help` said
// "Unknown option '--help'"), and an error names the input file it is about, wherever that file
// is among the arguments (`tsbpf asm -o out.o in.s` blames in.s, not out.o).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliIo, loadCommands, main, mainAsync } from '../src/cli/main.js';
import { USAGE } from '../src/cli/usage.js';

const dir = mkdtempSync(join(tmpdir(), 'tsbpf-cli-help-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// The synchronous main runs only commands whose modules are loaded (mainAsync loads its own).
beforeAll(() => loadCommands());

async function cli(...argv: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (t) => { stdout += typeof t === 'string' ? t : Buffer.from(t).toString('latin1'); }, stderr: (t) => { stderr += t; } };
  const status = await mainAsync(argv, io);
  return { status, stdout, stderr };
}

function file(name: string, content: string | Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

const COMMANDS: readonly string[][] = [
  ['asm'], ['disasm'], ['btf', 'dump'], ['btf', 'gen-ts'], ['link'], ['build'], ['load'], ['maps', 'dump'], ['run'], ['trace'], ['probe'], ['gen', 'skeleton'], ['verify'],
];

describe('--help of every command', () => {
  for (const c of COMMANDS) {
    for (const flag of ['--help', '-h']) {
      it(`tsbpf ${c.join(' ')} ${flag}: its usage on stdout, exit 0`, async () => {
        const r = await cli(...c, flag);
        expect(r.stderr).toBe('');
        expect(r.status).toBe(0);
        expect(r.stdout).toBe(USAGE[c.join(' ')]);
        expect(r.stdout.startsWith(`Usage: tsbpf ${c.join(' ')}`)).toBe(true);
      });
    }
  }

  it('--help wins over missing operands and sits anywhere among the flags', async () => {
    const r = await cli('asm', '-o', 'x.o', '--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(USAGE.asm);
    // A bad flag next to --help still gets the usage.
    const bad = await cli('disasm', '--bogus', '-h');
    expect(bad.status).toBe(0);
    expect(bad.stdout).toBe(USAGE.disasm);
  });

  it('commands with subcommands list them', async () => {
    for (const [group, subs] of [['btf', ['dump', 'gen-ts']], ['maps', ['dump']], ['gen', ['skeleton']]] as const) {
      const r = await cli(group, '--help');
      expect(r.status).toBe(0);
      for (const s of subs) expect(r.stdout).toContain(`Usage: tsbpf ${group} ${s}`);
    }
  });

  it('tsbpf help CMD is the same as CMD --help; unknown flags point at --help', async () => {
    expect((await cli('help', 'link')).stdout).toBe(USAGE.link);
    const r = await cli('asm', '--bogus', 'x.s');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^tsbpf: error: Unknown option '--bogus'.*\(try tsbpf asm --help\)\n$/);
  });

  it('the synchronous main refuses the asynchronous commands instead of starting them', () => {
    let stderr = '';
    const status = main(['build', 'x.ts', '-o', 'x.o'], { stdout: () => {}, stderr: (t) => { stderr += t; } });
    expect(status).toBe(2);
    expect(stderr).toMatch(/build runs asynchronously/);
  });
});

describe('errors name the input file', () => {
  const badElf = Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, ...new Array(40).fill(0)]);

  it('asm -o out.o in.s blames in.s', async () => {
    const src = file('in.s', 'r0 = \n');
    const r = await cli('asm', '-o', join(dir, 'out.o'), src);
    expect(r.status).toBe(2);
    expect(r.stderr.startsWith(`${src}:1:`)).toBe(true);
  });

  it('every command reading an object blames the object, whatever comes first', async () => {
    const obj = file('bad.o', badElf);
    const cases: string[][] = [
      ['disasm', '-j', '.text', obj],
      ['disasm', '--format', 'kernel', obj],
      ['btf', 'dump', '--format', 'c', obj],
      ['btf', 'gen-ts', '--type', 'task_struct', obj],
      ['gen', 'skeleton', '--name', 'x', obj],
      ['load', '--prog', 'p', obj],
      ['run', '--prog', 'p', obj],
    ];
    for (const argv of cases) {
      const r = await cli(...argv);
      expect(r.status, argv.join(' ')).toBe(2);
      expect(r.stderr.split('\n').filter((l) => l !== ''), argv.join(' ')).toHaveLength(1);
      expect(r.stderr.startsWith(`${obj}: error: `), `${argv.join(' ')}: ${r.stderr}`).toBe(true);
    }
  });

  it('run reads --data first but blames the object for a bad object', async () => {
    const obj = file('bad2.o', badElf);
    const data = file('data.bin', new Uint8Array(64));
    const r = await cli('run', '--data', data, '--prog', 'p', obj);
    expect(r.status).toBe(2);
    expect(r.stderr.startsWith(`${obj}: error: `)).toBe(true);
  });

  it('btf dump --base BASE FILE blames the file that is bad', async () => {
    const good = 'fixtures/obj/map_array.bpf.o';
    const bad = file('bad3.o', badElf);
    const r = await cli('btf', 'dump', '--base', bad, good);
    expect(r.status).toBe(2);
    expect(r.stderr.startsWith(`${bad}: error: `), r.stderr).toBe(true);
  });

  it('link -o out.o good.o bad.o blames bad.o', async () => {
    const bad = file('bad4.o', badElf);
    const r = await cli('link', '-o', join(dir, 'linked.o'), 'fixtures/obj/map_array.bpf.o', bad);
    expect(r.status).toBe(2);
    expect(r.stderr.startsWith(`${bad}: error: `), r.stderr).toBe(true);
  });

  it('build -o out.o prog.ts blames prog.ts', async () => {
    const prog = file('prog.ts', 'export default 42;\n');
    const r = await cli('build', '-o', join(dir, 'prog.o'), prog);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`${prog}: error: the module must \`export default defineObject({ ... })\`\n`);
  });
});

describe('the exit status follows the class of the error', () => {
  // The io target is where a command's output goes: a target that throws stands in for a failure
  // anywhere in a command.
  const run = (thrown: unknown, env: string | undefined): { status: number; stderr: string } => {
    let stderr = '';
    const saved = process.env.TSBPF_DEBUG;
    if (env === undefined) delete process.env.TSBPF_DEBUG; else process.env.TSBPF_DEBUG = env;
    try {
      const status = main(['--version'], { stdout: () => { throw thrown; }, stderr: (t) => { stderr += t; } });
      return { status, stderr };
    } finally {
      if (saved === undefined) delete process.env.TSBPF_DEBUG; else process.env.TSBPF_DEBUG = saved;
    }
  };

  it('a TsbpfError is bad input (2), a LoadError a verdict (1), whatever their messages say', async () => {
    const { TsbpfError } = await import('../isa/index.js');
    const { LoadError } = await import('../loader/index.js');
    class SomeInputError extends TsbpfError { override readonly name = 'SomeInputError'; }
    const bad = run(new SomeInputError('internal error: looks like a bug but is not'), undefined);
    expect(bad).toEqual({ status: 2, stderr: 'tsbpf: error: internal error: looks like a bug but is not\n' });
    const verdict = Object.create(LoadError.prototype) as Error;
    Object.defineProperty(verdict, 'message', { value: 'program p (section xdp) rejected: EACCES' });
    expect(run(verdict, undefined).status).toBe(1);
  });

  it('anything else is an internal error (3) on one line; TSBPF_DEBUG=1 adds the stack', () => {
    const plain = run(new TypeError("Cannot read properties of undefined (reading 'variadic')"), undefined);
    expect(plain.status).toBe(3);
    expect(plain.stderr).toBe("tsbpf: internal error: TypeError: Cannot read properties of undefined (reading 'variadic') (please report it; TSBPF_DEBUG=1 shows where)\n");
    const nul = run(null, undefined);
    expect(nul).toEqual({ status: 3, stderr: 'tsbpf: internal error: null (please report it; TSBPF_DEBUG=1 shows where)\n' });
    const debug = run(new RangeError('x\ny'), '1');
    expect(debug.status).toBe(3);
    expect(debug.stderr.split('\n')[0]).toBe('tsbpf: internal error: RangeError: x\\x0ay (please report it; TSBPF_DEBUG=1 shows where)');
    expect(debug.stderr).toMatch(/\n\s+at .*cli-help\.test\.ts/);
  });
});
