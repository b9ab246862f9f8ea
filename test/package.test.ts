// The package as users get it: `npm pack`, the tarball installed into a scratch project, every
// subpath imported with ESM and with CJS, the CLI run through its bin link, and the types checked
// by tsc with moduleResolution node16 (ESM and CJS files) and bundler.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; exports: Record<string, unknown> };
const ALL_SUBPATHS = Object.keys(pkg.exports).filter((k) => k !== './package.json').map((k) => (k === '.' ? 'tsbpf' : `tsbpf/${k.slice(2)}`));
// tsbpf/testing needs its optional peers (fast-check, vitest): checked last, once they are installed.
const SUBPATHS = ALL_SUBPATHS.filter((s) => s !== 'tsbpf/testing');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

let dir = '';
let files: string[] = [];

function sh(cmd: string, args: string[], cwd = dir): { status: number | null; out: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 1 << 26 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsbpf-pack-'));
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8' })) as
    { filename: string; files: { path: string }[] }[];
  files = packed[0]!.files.map((f) => f.path);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'scratch', version: '1.0.0', private: true }));
  // The dependencies come from npm's cache when `npm ci` just fetched them.
  const r = sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(dir, packed[0]!.filename)]);
  if (r.status !== 0) throw new Error(`npm install of the tarball failed:\n${r.out}`);
}, 300_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the published package', () => {
  it('ships the licence and the built library, no build leftovers or sources', () => {
    expect(files).toContain('LICENSE');
    expect(files).toContain('package.json');
    expect(files).toContain('dist/cli.js');
    expect(files.filter((f) => !/^(LICENSE|README\.md|package\.json|dist\/[^/]+\.(js|cjs|d\.ts|d\.cts))$/.test(f))).toEqual([]);
  });

  it('every subpath imports with ESM and with CJS, to the same names', () => {
    const names = (kind: 'esm' | 'cjs', spec: string): string[] => {
      const code = kind === 'esm'
        ? `import * as m from '${spec}'; console.log(JSON.stringify(Object.keys(m).filter((k) => k !== 'default').sort()));`
        : `console.log(JSON.stringify(Object.keys(require('${spec}')).sort()));`;
      const r = sh('node', kind === 'esm' ? ['--input-type=module', '-e', code] : ['-e', code]);
      expect(r.status, `${kind} ${spec}: ${r.out}`).toBe(0);
      return JSON.parse(r.out) as string[];
    };
    expect(ALL_SUBPATHS).toEqual(['tsbpf', 'tsbpf/isa', 'tsbpf/elf', 'tsbpf/loader', 'tsbpf/verifier', 'tsbpf/vm', 'tsbpf/lang', 'tsbpf/testing']);
    for (const spec of SUBPATHS) {
      const esm = names('esm', spec);
      expect(esm.length, spec).toBeGreaterThan(0);
      expect(names('cjs', spec), spec).toEqual(esm);
    }
    // And they work: one instruction encoded through ESM and decoded through CJS.
    const enc = sh('node', ['--input-type=module', '-e', "import { encodeInstructions } from 'tsbpf/isa'; console.log(Buffer.from(encodeInstructions([{ kind: 'exit' }])).toString('hex'));"]);
    expect(enc.out.trim()).toBe('9500000000000000');
    const dec = sh('node', ['-e', "const { decodeInstructions } = require('tsbpf/isa'); console.log(decodeInstructions(Buffer.from('9500000000000000', 'hex'))[0].kind);"]);
    expect(dec.out.trim()).toBe('exit');
  });

  it('the bin runs the CLI', () => {
    const r = sh(join(dir, 'node_modules', '.bin', 'tsbpf'), ['--version']);
    expect(r.status).toBe(0);
    expect(r.out).toContain(pkg.version);
  });

  it('installs without esbuild (an optional peer), and then `tsbpf build` says so in one line, exit 2', () => {
    expect(existsSync(join(dir, 'node_modules', 'esbuild'))).toBe(false);
    writeFileSync(join(dir, 'prog.ts'), "import { defineObject } from 'tsbpf';\nexport default defineObject({ programs: {} });\n");
    const r = spawnSync(join(dir, 'node_modules', '.bin', 'tsbpf'), ['build', 'prog.ts', '-o', 'prog.o'], { cwd: dir, encoding: 'utf8' });
    expect(r.stderr).toMatch(/^prog\.ts: error: .*needs esbuild.*npm install esbuild\n$/);
    expect(r.status).toBe(2);
    expect(existsSync(join(dir, 'prog.o'))).toBe(false);
  });

  it('type-checks with moduleResolution node16 (ESM and CJS files) and bundler', () => {
    const use = SUBPATHS.map((s, i) => `import * as m${i} from '${s}';`).join('\n');
    const body = `${use}\nimport { encodeInstructions, type Instruction } from 'tsbpf/isa';\nconst insn: Instruction = { kind: 'exit' };\nexport const bytes: Uint8Array = encodeInstructions([insn]);\nexport const all = [${SUBPATHS.map((_, i) => `m${i}`).join(', ')}];\n`;
    writeFileSync(join(dir, 'esm.mts'), body);
    writeFileSync(join(dir, 'cjs.cts'), body);
    writeFileSync(join(dir, 'bundler.ts'), body);
    const types = join(ROOT, 'node_modules', '@types');
    const base = { strict: true, noEmit: true, skipLibCheck: false, target: 'es2022', typeRoots: [types], types: ['node'] };
    writeFileSync(join(dir, 'tsconfig.node16.json'), JSON.stringify({ compilerOptions: { ...base, module: 'node16', moduleResolution: 'node16' }, files: ['esm.mts', 'cjs.cts'] }));
    writeFileSync(join(dir, 'tsconfig.bundler.json'), JSON.stringify({ compilerOptions: { ...base, module: 'esnext', moduleResolution: 'bundler' }, files: ['bundler.ts'] }));
    for (const config of ['tsconfig.node16.json', 'tsconfig.bundler.json']) {
      const r = sh('node', [TSC, '-p', config]);
      expect(r.out, config).toBe('');
      expect(r.status, config).toBe(0);
    }
    // The check can fail: a wrong use is an error under both resolutions.
    writeFileSync(join(dir, 'bundler.ts'), `${body}\nexport const wrong: string = encodeInstructions([insn]);\n`);
    expect(sh('node', [TSC, '-p', 'tsconfig.bundler.json']).status).not.toBe(0);
  });

  it('tsbpf/testing needs fast-check (an optional peer): without it the import names it; with it and vitest it imports and type-checks', () => {
    expect(existsSync(join(dir, 'node_modules', 'fast-check'))).toBe(false);
    const before = sh('node', ['--input-type=module', '-e', "import 'tsbpf/testing';"]);
    expect(before.status).not.toBe(0);
    expect(before.out).toMatch(/Cannot find package 'fast-check'/);
    const r = sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', 'fast-check', 'vitest']);
    expect(r.status, r.out).toBe(0);
    const esm = sh('node', ['--input-type=module', '-e', "import * as m from 'tsbpf/testing'; console.log(JSON.stringify(Object.keys(m).sort()));"]);
    expect(esm.status, esm.out).toBe(0);
    const cjs = sh('node', ['-e', "console.log(JSON.stringify(Object.keys(require('tsbpf/testing')).sort()));"]);
    expect(cjs.out).toBe(esm.out);
    expect(JSON.parse(esm.out)).toEqual(expect.arrayContaining(['arbPacket', 'arbProgram', 'bpfMatchers', 'MapHarness']));
    // The matchers' declarations extend vitest's expect: a use type-checks, a wrong one does not.
    const use = "import { expect } from 'vitest';\nimport { bpfMatchers, type RawTestProgram } from 'tsbpf/testing';\nexpect.extend(bpfMatchers);\nconst p: RawTestProgram = { type: 'xdp', insns: [{ kind: 'exit' }] };\nexpect(p).toBeRejectedWith('R0 !read_ok');\nexpect(p).toReturn(2, { data: new Uint8Array(14) });\nexport {};\n";
    writeFileSync(join(dir, 'kit.mts'), use);
    const types = join(ROOT, 'node_modules', '@types');
    writeFileSync(join(dir, 'tsconfig.kit.json'), JSON.stringify({ compilerOptions: { strict: true, noEmit: true, skipLibCheck: true, target: 'es2022', module: 'node16', moduleResolution: 'node16', typeRoots: [types], types: ['node'] }, files: ['kit.mts'] }));
    const ok = sh('node', [TSC, '-p', 'tsconfig.kit.json']);
    expect(ok.out).toBe('');
    writeFileSync(join(dir, 'kit.mts'), `${use}expect(p).toBeRejectedWith(42);\n`);
    expect(sh('node', [TSC, '-p', 'tsconfig.kit.json']).status).not.toBe(0);
  });
});
