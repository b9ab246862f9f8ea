// A tsbpf/lang module and its C twin side by side: the TypeScript compiled by src/compiler, the C
// by clang-19 -O2 against the UAPI headers; per program the instruction slots (ld_imm64 counts
// two, as the kernel counts them) and the instructions with registers left out, to compare with
// clang's "modulo register choice".

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { readObject } from '../../elf/index.js';
import { compileSource } from '../../src/compiler/index.js';
import { run } from './references.js';

export interface Twins {
  readonly dir: string;
  /** The object of a module in the language (no type check). */
  ts(name: string, source: string): Uint8Array;
  /** clang-19 -O2 -g of the C source (linux/bpf.h and bpf/bpf_helpers.h on the include path). */
  c(name: string, source: string): Uint8Array;
  remove(): void;
}

export function twinsDir(prefix: string): Twins {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    ts: (name, source) => compileSource(ts, source, `${name}.ts`).build(),
    c(name, source) {
      const file = join(dir, `${name}.bpf.c`);
      writeFileSync(file, source);
      run('clang-19', ['-O2', '-g', '-target', 'bpf', '-I/usr/include/x86_64-linux-gnu', '-c', file, '-o', join(dir, `${name}.o`)]);
      return new Uint8Array(readFileSync(join(dir, `${name}.o`)));
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The instruction slots of each program of an object. */
export function slots(object: Uint8Array): Record<string, number> {
  return Object.fromEntries(readObject(object).programs.map((p) => [p.name, p.instructions.reduce((n, i) => n + (i.insn.kind === 'ldImm64' ? 2 : 1), 0)]));
}

/** A program's instructions as text without registers or jump offsets (`ldx 4 +8`, `stx 4 +72`, `alu add imm 1`), sorted: the same multiset as clang's modulo register choice and order. */
export function shapes(object: Uint8Array, program: string): string[] {
  const p = readObject(object).programs.find((x) => x.name === program);
  if (p === undefined) throw new Error(`no program ${program}`);
  return p.instructions.map(({ insn: i }) => {
    const rest = Object.entries(i).filter(([k]) => !['dst', 'src', 'kind', 'offset', 'width'].includes(k) || (k === 'offset' && i.kind !== 'jump'))
      .map(([k, v]) => `${k}=${typeof v === 'object' && v !== null ? JSON.stringify(v).replace(/"reg":\d+/g, '"reg"') : String(v)}`);
    const src = 'src' in i && typeof i.src === 'object' && i.src !== null && 'kind' in i.src ? `src=${(i.src as { kind: string }).kind}` : '';
    return [i.kind, src, ...rest].filter((x) => x !== '').join(' ');
  }).sort();
}
