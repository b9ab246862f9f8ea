// Type cycles in `tsbpf btf dump --format c` and `tsbpf btf gen-ts` (issue 12): an unsatisfiable
// cycle is one line on stderr and exit 2 naming the type id bpftool names (bpftool: "unsatisfiable type
// cycle, id:[N]"), never a header with types silently missing; gen-ts never overflows the stack, refuses
// a type that holds itself by value, and for legal self-reference through pointers writes a module
// that imports (compiled with esbuild, then imported) and type-checks under tsc --strict.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Btf, BtfError, type BtfType, decodeBtf, encodeBtf, formatBtfC } from '../elf/index.js';
import { BtfBuilder, type CType, GenTsError, generateTypesModule } from '../src/dsl/types/index.js';
import { requireReferences } from './support/references.js';

const VMLINUX = '/sys/kernel/btf/vmlinux';
const ok = requireReferences('bpftool');
const bin = resolve('dist/cli.js');
const dir = mkdtempSync(join(tmpdir(), 'tsbpf-btf-cycles-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tsbpf(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('node', [bin, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function bpftoolC(file: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('bpftool', ['btf', 'dump', 'file', file, 'format', 'c'], { encoding: 'utf8', maxBuffer: 1 << 30 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const INT: BtfType = { kind: 'INT', name: 'int', size: 4, encoding: 1, bitsOffset: 0, bits: 32 };
const m = (name: string, type: number, bitsOffset = 0): { name: string; type: number; bitsOffset: number; bitfieldSize: number } =>
  ({ name, type, bitsOffset, bitfieldSize: 0 });
const struct = (name: string, size: number, ...members: ReturnType<typeof m>[]): BtfType => ({ kind: 'STRUCT', name, size, kindFlag: false, members });

function writeBtf(name: string, types: readonly BtfType[]): string {
  const file = join(dir, name);
  writeFileSync(file, encodeBtf(Btf.fromTypes(types)));
  return file;
}

describe.skipIf(!ok)('btf dump --format c on an unsatisfiable type cycle', () => {
  it.skipIf(!existsSync(VMLINUX))('a vmlinux copy whose list_head holds itself: exit 2, one line, the id bpftool names', () => {
    const bytes = new Uint8Array(readFileSync(VMLINUX));
    const vmlinux = decodeBtf(bytes, { validation: 'structure' });
    const id = vmlinux.findOne('list_head', 'STRUCT')!;
    const copy = bytes.slice();
    // The first member's type word: 12-byte record, then name_off and type of member 0.
    const at = vmlinux.byteOffsetOf(id);
    new DataView(copy.buffer).setUint32(at + 16, id, true);
    const file = join(dir, 'vmlinux-list-head');
    writeFileSync(file, copy);

    const theirs = bpftoolC(file);
    expect(theirs.status).not.toBe(0);
    expect(theirs.stderr).toContain(`unsatisfiable type cycle, id:[${id}]`);

    const r = tsbpf('btf', 'dump', file, '--format', 'c');
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toBe(`${file}: error: BTF byte offset ${at}: type [${id}] STRUCT 'list_head': Loop detected (the kernel's BTF check refuses it)\n`);
    // The kernel-accepted check aside (a graph decoded for the kernel's own BTF), the C writer itself
    // refuses the cycle, on the same type as libbpf.
    expect(() => formatBtfC(decodeBtf(copy, { validation: 'structure' }))).toThrow(new BtfError(
      `unsatisfiable type cycle, id:[${id}] (STRUCT 'list_head': C cannot declare it before itself)`, at));
  });

  it('an anonymous struct that points to itself (the kernel accepts it, C cannot declare it): the same id as bpftool', () => {
    const file = writeBtf('anon-ptr.btf', [INT, struct('', 8, m('self', 3)), { kind: 'PTR', name: '', type: 2 }, { kind: 'TYPEDEF', name: 'T', type: 2 }]);
    const theirs = bpftoolC(file);
    expect(theirs.status).not.toBe(0);
    expect(theirs.stderr).toContain('unsatisfiable type cycle, id:[2]');
    const r = tsbpf('btf', 'dump', file, '--format', 'c');
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    // Offset 40: the 24-byte header and the INT's 16-byte record come before type 2.
    expect(r.stderr).toBe(`${file}: error: BTF byte offset 40: unsatisfiable type cycle, id:[2] (STRUCT '': C cannot declare it before itself)\n`);
  });

  it('a named struct that points to itself is printed, as bpftool prints it', () => {
    const file = writeBtf('list.btf', [INT, struct('list_head', 16, m('next', 3), m('prev', 3, 64)), { kind: 'PTR', name: '', type: 2 }]);
    const r = tsbpf('btf', 'dump', file, '--format', 'c');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(bpftoolC(file).stdout);
  });

  it('graphs built in memory: a typedef of itself is a BtfError naming the type, not a stack overflow', () => {
    expect(() => formatBtfC(Btf.fromTypes([INT, { kind: 'TYPEDEF', name: 'T', type: 2 }]))).toThrow(BtfError);
    expect(() => formatBtfC(Btf.fromTypes([INT, { kind: 'TYPEDEF', name: 'T', type: 3 }, { kind: 'PTR', name: '', type: 2 }]))).toThrow(/type \[\d\]/);
  });
});

describe('btf gen-ts on self-referencing types', () => {
  const illegal: Record<string, [readonly BtfType[], string, RegExp]> = {
    'a pointer to itself': [[INT, struct('S', 8, m('p', 3)), { kind: 'PTR', name: '', type: 3 }], 'S', /^type \[3\] PTR: .*reference loop/],
    'an array of itself': [[INT, struct('S', 8, m('a', 3)), { kind: 'ARRAY', name: '', type: 3, indexType: 1, nelems: 1 }], 'S', /^type \[3\] ARRAY: .*reference loop/],
    'a const of itself': [[INT, struct('S', 8, m('c', 3)), { kind: 'CONST', name: '', type: 3 }], 'S', /^type \[3\] CONST: .*reference loop/],
    'a type tag of itself': [[INT, struct('S', 8, m('c', 3)), { kind: 'TYPE_TAG', name: 'user', type: 3, kindFlag: false }], 'S', /^type \[3\] TYPE_TAG 'user': a chain of more than 32 modifiers/],
    'a typedef of itself': [[INT, { kind: 'TYPEDEF', name: 'T', type: 2 }], 'T', /^type \[2\] TYPEDEF 'T': contains itself by value/],
    'a struct holding itself': [[INT, struct('list_head', 16, m('next', 2))], 'list_head', /^type \[2\] STRUCT 'list_head': contains itself by value/],
    'a typedef of a pointer to a typedef of it': [[INT, struct('S', 8, m('f', 3)), { kind: 'TYPEDEF', name: 'T', type: 4 }, { kind: 'PTR', name: '', type: 5 }, { kind: 'TYPEDEF', name: 'U', type: 3 }], 'S', /reference loop|modifiers/],
  };
  for (const [what, [types, root, message]] of Object.entries(illegal)) {
    it(`${what}: a GenTsError naming the type (in memory), exit 2 from the CLI`, () => {
      let error: unknown;
      try { generateTypesModule(Btf.fromTypes(types), [root]); } catch (e) { error = e; }
      expect(error).toBeInstanceOf(GenTsError);
      expect((error as GenTsError).message).toMatch(message);
      const file = writeBtf(`${root}-${what.replace(/\W+/g, '-')}.btf`, types);
      const r = tsbpf('btf', 'gen-ts', file, '--type', root);
      expect(r.stdout).toBe('');
      expect(r.status).toBe(2);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/: error: .*type \[\d+\]/);
    });
  }

  // Legal self-reference (the kernel accepts every one of these graphs).
  const legal: Record<string, [readonly BtfType[], string[]]> = {
    list: [[INT, struct('list_head', 16, m('next', 3), m('prev', 3, 64)), { kind: 'PTR', name: '', type: 2 }], ['list_head']],
    typedefAndStruct: [[INT, struct('node', 16, m('next', 4), m('v', 1, 64)), { kind: 'TYPEDEF', name: 'node_t', type: 2 }, { kind: 'PTR', name: '', type: 3 }], ['node', 'node_t']],
    typedefOfPointer: [[INT, struct('S', 8, m('next', 3)), { kind: 'TYPEDEF', name: 'Sp', type: 4 }, { kind: 'PTR', name: '', type: 2 }], ['S']],
    pointerToPointer: [[INT, struct('S', 8, m('pp', 3)), { kind: 'PTR', name: '', type: 4 }, { kind: 'PTR', name: '', type: 2 }], ['S']],
    callback: [[INT, struct('ops', 8, m('cb', 3)), { kind: 'PTR', name: '', type: 4 }, { kind: 'FUNC_PROTO', name: '', returnType: 1, params: [{ name: 'o', type: 5 }] }, { kind: 'PTR', name: '', type: 2 }], ['ops']],
    functionTakingItself: [[INT, struct('S', 8, m('f', 3)), { kind: 'PTR', name: '', type: 4 }, { kind: 'FUNC_PROTO', name: '', returnType: 3, params: [{ name: 'x', type: 3 }] }], ['S']],
  };
  const gen = join(dir, 'gen');

  it('legal self-reference through pointers: generated by the CLI, imports (esbuild, then import) and type-checks (tsc --strict)', async () => {
    spawnSync('mkdir', ['-p', gen]);
    writeFileSync(join(gen, 'package.json'), '{ "type": "module" }\n');
    const files: string[] = [];
    for (const [name, [types, roots]] of Object.entries(legal)) {
      const btfFile = writeBtf(`${name}.btf`, types);
      expect(decodeBtf(readFileSync(btfFile)).length).toBe(types.length); // the full (kernel's) check accepts it
      const ts = join(gen, `${name}.ts`);
      const r = tsbpf('btf', 'gen-ts', btfFile, ...roots.flatMap((n) => ['--type', n]), '-o', ts, '--import', resolve('dist/index.js'));
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      files.push(ts);
      const js = join(gen, `${name}.mjs`);
      const b = spawnSync(resolve('node_modules/.bin/esbuild'), [ts, '--format=esm', '--log-level=error', `--outfile=${js}`], { encoding: 'utf8' });
      expect(b.stderr).toBe('');
      const mod = await import(js) as Record<string, unknown>;
      // Every pointer's target resolves: BTF built from the descriptors names each root.
      const builder = new BtfBuilder();
      for (const root of roots) {
        const d = mod[root] as CType;
        expect(d.name).toBe(root);
        builder.add(d);
      }
      const built = builder.build();
      for (const root of roots) expect(built.findByName(root).length).toBeGreaterThan(0);
    }
    const tsc = spawnSync(resolve('node_modules/.bin/tsc'), [
      '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck', ...files,
    ], { encoding: 'utf8' });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  }, 60_000);
});
