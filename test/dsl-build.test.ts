// `tsbpf build` of a user project that is not tsbpf's: a program under a folder named `src/dsl/`
// (which must not be mistaken for tsbpf's own DSL frames: its line_info names the user's file and
// lines), importing `tsbpf` without having it installed (the running tsbpf is used), a relative
// module and a package of its own node_modules — in a directory made read-only (a read-only bind
// mount when root), so that nothing may be written beside the module. The same user path is
// checked in-process against the DSL's sources.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type BpfObject, readObject } from '../elf/index.js';
import type { DslObject } from '../src/dsl/index.js';
import { isRoot } from './support/references.js';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { bin: { tsbpf: string } };
const root = mkdtempSync(join(tmpdir(), 'tsbpf-dsl-build-'));
let mounted: string | undefined;
afterAll(() => {
  if (mounted !== undefined) spawnSync('umount', [mounted]);
  rmSync(root, { recursive: true, force: true });
});

/** line_info of an object as `file:line text`. */
function lines(obj: BpfObject): string[] {
  const btf = obj.btf!;
  return obj.programs.flatMap((p) => p.instructions.flatMap((i) => (i.lineInfo === undefined ? [] : [`${btf.string(i.lineInfo.fileNameOffset)}:${i.lineInfo.line} ${btf.string(i.lineInfo.lineOffset).trim()}`])));
}

const PROGRAM = (tsbpf: string): string => `import { defineObject, program } from '${tsbpf}';
import { MESSAGE } from './message.js';
import { exitCode } from 'user-helpers';

export default defineObject({
  license: 'GPL',
  programs: {
    hello: program('tracepoint/syscalls/sys_enter_execve', (b) => {
      b.printk(MESSAGE);
      b.return(exitCode);
    }),
  },
});
`;

function project(dir: string, tsbpf: string): string {
  mkdirSync(join(dir, 'src', 'dsl'), { recursive: true });
  mkdirSync(join(dir, 'node_modules', 'user-helpers'), { recursive: true });
  writeFileSync(join(dir, 'node_modules', 'user-helpers', 'package.json'), '{ "name": "user-helpers", "type": "module", "exports": "./index.js" }\n');
  writeFileSync(join(dir, 'node_modules', 'user-helpers', 'index.js'), 'export const exitCode = 7;\n');
  writeFileSync(join(dir, 'src', 'dsl', 'message.ts'), "export const MESSAGE = 'from a user project';\n");
  const file = join(dir, 'src', 'dsl', 'prog.ts');
  writeFileSync(file, PROGRAM(tsbpf));
  return file;
}

function expectUserLines(obj: BpfObject, file: string): void {
  expect(lines(obj)).toEqual([`${file}:9 b.printk(MESSAGE);`, `${file}:10 b.return(exitCode);`]);
}

describe('tsbpf build of a user project', () => {
  it('builds from a read-only directory under src/dsl/, with the running tsbpf, relative imports and packages', () => {
    const dir = join(root, 'ro-project');
    const file = project(dir, 'tsbpf');
    // A read-only bind mount stops root too; without root the listing check below still holds.
    if (isRoot()) {
      const a = spawnSync('mount', ['--bind', dir, dir]);
      const b = a.status === 0 ? spawnSync('mount', ['-o', 'remount,bind,ro', dir]) : a;
      if (a.status === 0) mounted = dir;
      if (b.status === 0) {
        const w = spawnSync('touch', [join(dir, 'src', 'dsl', 'probe')]);
        expect(w.status).not.toBe(0);
      }
    }
    const before = readdirSync(join(dir, 'src', 'dsl')).sort();
    const out = join(root, 'prog.o');
    const r = spawnSync('node', [resolve(pkg.bin.tsbpf), 'build', file, '-o', out], { encoding: 'utf8', cwd: root });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(readdirSync(join(dir, 'src', 'dsl')).sort()).toEqual(before);
    const obj = readObject(readFileSync(out));
    expectUserLines(obj, file);
    // The package's value (7) is what the program returns; the relative module's string is in .rodata.
    expect(obj.programs[0]!.instructions.some((i) => i.insn.kind === 'alu' && i.insn.op === 'mov' && i.insn.src.kind === 'imm' && i.insn.src.value === 7)).toBe(true);
    expect(new TextDecoder().decode(obj.globals.find((g) => g.name === '.rodata')!.data)).toContain('from a user project');
  });

  it('keeps line_info of a user file under src/dsl/ when the DSL runs from its sources', async () => {
    const dir = join(root, 'src-project');
    const file = project(dir, resolve('src/index.js'));
    const mod = await import(file) as { default: DslObject };
    expectUserLines(readObject(mod.default.build()), file);
  });
});
