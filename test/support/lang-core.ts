// A workspace for tsbpf/lang programs on kernel types and their C twins: declarations generated
// (gen-ts --lang) from the vendored kernel BTF next to each program module, and vmlinux.h from
// the same BTF (bpftool) for clang-19, so that both sides see one kernel's layout.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import ts from 'typescript';
import { type Btf, decodeBtf } from '../../elf/index.js';
import { compileSource, generateKernelDeclarations } from '../../src/compiler/index.js';
import { run } from './references.js';

export const VENDORED_BTF = new Uint8Array(gunzipSync(readFileSync('fixtures/btf/vmlinux.btf.gz')));

export interface LangCoreDir {
  readonly dir: string;
  /** Writes `name.ts` next to vmlinux.ts (the given kernel types) and returns its path. */
  moduleFile(name: string, source: string): string;
  /** The object `tsbpf build` writes for a module (no type check). */
  compile(file: string): Uint8Array;
  /** clang-19 -O2 -g of `name.bpf.c` against vmlinux.h of the vendored BTF. */
  clang(name: string, source: string): Uint8Array;
  remove(): void;
}

export function langCoreDir(prefix: string, types: readonly string[]): LangCoreDir {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  let header = false;
  return {
    dir,
    moduleFile(name, source) {
      writeFileSync(join(dir, 'vmlinux.ts'), generateKernelDeclarations(decodeBtf(VENDORED_BTF), types));
      const file = join(dir, `${name}.ts`);
      writeFileSync(file, source);
      return file;
    },
    compile: (file) => compileSource(ts, readFileSync(file, 'utf8'), file).build(),
    clang(name, source) {
      if (!header) {
        writeFileSync(join(dir, 'vmlinux.btf'), VENDORED_BTF);
        writeFileSync(join(dir, 'vmlinux.h'), run('bpftool', ['btf', 'dump', 'file', join(dir, 'vmlinux.btf'), 'format', 'c']));
        header = true;
      }
      writeFileSync(join(dir, `${name}.bpf.c`), source);
      run('clang-19', ['-O2', '-g', '-target', 'bpf', '-D__TARGET_ARCH_x86', '-I/usr/include/x86_64-linux-gnu', `-I${dir}`, '-c', join(dir, `${name}.bpf.c`), '-o', join(dir, `${name}.o`)]);
      return new Uint8Array(readFileSync(join(dir, `${name}.o`)));
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A BTF type as text, through pointers, qualifiers and typedefs (typedefs by name). */
export function btfTypeText(btf: Btf, id: number): string {
  if (id === 0) return 'void';
  const t = btf.requireType(id);
  switch (t.kind) {
    case 'PTR': return `${btfTypeText(btf, t.type)} *`;
    case 'CONST': return `const ${btfTypeText(btf, t.type)}`;
    case 'VOLATILE': return `volatile ${btfTypeText(btf, t.type)}`;
    case 'TYPEDEF': return t.name;
    case 'FUNC_PROTO': return `${btfTypeText(btf, t.returnType)} (${t.params.map((p) => btfTypeText(btf, p.type)).join(', ')})`;
    case 'FUNC': case 'VAR': return `${t.kind} ${t.linkage} ${t.name}: ${btfTypeText(btf, t.type)}`;
    default: return `${t.kind.toLowerCase()} ${t.name}`;
  }
}
