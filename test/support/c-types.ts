// Helpers for the DSL type-layer tests: C source for a descriptor (to compile with clang-19 as
// the reference), the .BTF of a compiled object, and a canonical text of a BTF type graph so that
// our graph and clang's can be compared independent of type ids and emission order.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BpfObject, type Btf, readObject } from '../../elf/index.js';
import type { CType, StructType, UnionType } from '../../src/dsl/types/index.js';
import { run } from './references.js';

/** `T inner` in C declarator syntax. */
export function cDeclarator(t: CType, inner: string): string {
  switch (t.kind) {
    case 'int': return `${t.name} ${inner}`;
    case 'void': return `void ${inner}`;
    case 'enum': return `enum ${t.name} ${inner}`;
    case 'struct': case 'union': return `${t.kind} ${t.name} ${inner}`;
    case 'fwd': return `${t.union ? 'union' : 'struct'} ${t.name} ${inner}`;
    case 'typedef': return `${t.name} ${inner}`;
    case 'const': case 'volatile': return cDeclarator(t.type, `${t.kind} ${inner}`);
    case 'ptr': {
      const tk = t.target.kind;
      return cDeclarator(t.target, tk === 'array' || tk === 'func_proto' ? `(*${inner})` : `*${inner}`);
    }
    case 'func_proto': return cDeclarator(t.returns, `${inner}(${t.params.length === 0 ? 'void' : t.params.map((p) => cDeclarator(p, '')).join(', ')})`);
    case 'array': return cDeclarator(t.elem, `${inner}[${t.length}]`);
  }
}

/** C definition of a named struct or union (members as laid out; anonymous members inline). */
export function cDefinition(t: StructType | UnionType, packed = false): string {
  return `${cBody(t)}${packed ? ' __attribute__((packed))' : ''};\n`;
}

function cBody(t: StructType | UnionType): string {
  const lines = t.members.map((m) => {
    if (m.bitSize !== 0) return `  ${cDeclarator(m.type, m.name)} : ${m.bitSize};`;
    if (m.name === '') return `  ${cBody(m.type as StructType | UnionType).replace(/\n/g, '\n  ')};`;
    return `  ${cDeclarator(m.type, m.name)};`;
  });
  return `${t.kind}${t.name === '' ? '' : ` ${t.name}`} {\n${lines.join('\n')}\n}`;
}

/** Compiles C with clang-19 -g -O2 -target bpf and returns the object. */
export function clangObject(source: string): BpfObject {
  const dir = mkdtempSync(join(tmpdir(), 'tsbpf-ctypes-'));
  try {
    writeFileSync(join(dir, 'a.c'), source);
    run('clang-19', ['-g', '-O2', '-target', 'bpf', '-c', join(dir, 'a.c'), '-o', join(dir, 'a.o')]);
    return readObject(readFileSync(join(dir, 'a.o')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The object's BTF. */
export function clangBtf(source: string): Btf {
  const obj = clangObject(source);
  if (obj.btf === undefined) throw new Error('clang-19 emitted no .BTF');
  return obj.btf;
}

/** The bytes of a global variable of a compiled object (.data, .rodata or .bss). */
export function globalBytes(obj: BpfObject, name: string): Uint8Array {
  for (const sec of obj.globals) {
    const v = sec.variables.find((x) => x.name === name);
    if (v !== undefined) return sec.kind === 'bss' ? new Uint8Array(v.size) : sec.data.subarray(v.offset, v.offset + v.size);
  }
  throw new Error(`no global '${name}' in the object`);
}

/**
 * Canonical text of a type: kinds, names, sizes, encodings, member names/offsets/bitfield sizes
 * and kind_flag, recursively; a named struct/union/enum seen before prints as its name only.
 */
export function canonical(btf: Btf, id: number, seen = new Set<string>()): string {
  if (id === 0) return 'void';
  const t = btf.requireType(id);
  switch (t.kind) {
    case 'INT': return `INT '${t.name}' ${t.size} enc=${t.encoding} bits=${t.bitsOffset}+${t.bits}`;
    case 'PTR': return `PTR(${canonical(btf, t.type, seen)})`;
    case 'TYPEDEF': return `TYPEDEF '${t.name}'(${canonical(btf, t.type, seen)})`;
    case 'CONST': case 'VOLATILE': case 'RESTRICT': return `${t.kind}(${canonical(btf, t.type, seen)})`;
    case 'ARRAY': return `ARRAY[${t.nelems}] idx=${canonical(btf, t.indexType, seen)} of ${canonical(btf, t.type, seen)}`;
    case 'FWD': return `FWD '${t.name}' union=${t.union}`;
    case 'FUNC_PROTO': return `FUNC_PROTO(${[t.returnType, ...t.params.map((p) => p.type)].map((x) => canonical(btf, x, seen)).join(', ')})`;
    case 'ENUM': case 'ENUM64': {
      const key = `enum ${t.name}`;
      if (t.name !== '' && seen.has(key)) return key;
      seen.add(key);
      return `${t.kind} '${t.name}' ${t.size} signed=${t.signed} {${t.values.map((v) => `${v.name}=${v.value}`).join(',')}}`;
    }
    case 'STRUCT': case 'UNION': {
      const key = `${t.kind} ${t.name}`;
      if (t.name !== '' && seen.has(key)) return key;
      seen.add(key);
      const ms = t.members.map((m) => `${m.name}@${m.bitsOffset}${m.bitfieldSize ? `:${m.bitfieldSize}` : ''} ${canonical(btf, m.type, seen)}`);
      return `${t.kind} '${t.name}' ${t.size} kf=${t.kindFlag} {${ms.join('; ')}}`;
    }
    default: return `${t.kind} '${t.name}'`;
  }
}

/** Id of the one struct/union/enum named `name` in a graph. */
export function idByName(btf: Btf, name: string, kind: 'STRUCT' | 'UNION' | 'ENUM' | 'TYPEDEF' = 'STRUCT'): number {
  const id = btf.findOne(name, kind);
  if (id === undefined) throw new Error(`no ${kind} '${name}'`);
  return id;
}
