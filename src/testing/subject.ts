// What a test puts under test: a program of an object (DSL object, object model or ELF bytes,
// or a file: .o, a DSL module or a tsbpf/lang module) or raw instructions with a program type
// and the maps their ld_imm64 map references index (what arbProgram generates).

import { readFileSync } from 'node:fs';
import { type BpfObject, isElf, readObject, writeObject } from '../../elf/index.js';
import type { Instruction } from '../../isa/index.js';
import type { VmMapSpec, VmProgramType } from '../../vm/index.js';
import { buildProgramFile } from '../commands/build.js';
import { type DslObject, isDslObject } from '../dsl/object.js';
import { TestingError } from './errors.js';

/**
 * Raw instructions of one program. An ld_imm64 map reference (pseudo 1, or 2 for an array
 * map's value) carries the index of its map in `maps` as imm.
 */
export interface RawTestProgram {
  readonly type: VmProgramType;
  readonly insns: readonly Instruction[];
  readonly maps?: readonly VmMapSpec[];
  /** Default 'GPL'. */
  readonly license?: string;
  /** Default 'prog'. */
  readonly name?: string;
}

/** One entry program of an object, with the object's maps and global data. */
export interface ObjectTestProgram {
  readonly object: BpfObject;
  readonly elf: Uint8Array;
  readonly program: string;
}

export type TestSubject = RawTestProgram | ObjectTestProgram;

export function isObjectProgram(s: TestSubject): s is ObjectTestProgram {
  return (s as ObjectTestProgram).object !== undefined && typeof (s as ObjectTestProgram).program === 'string';
}

export function isTestSubject(v: unknown): v is TestSubject {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Partial<RawTestProgram & ObjectTestProgram>;
  return (typeof s.type === 'string' && Array.isArray(s.insns)) || (s.object !== undefined && typeof s.program === 'string' && s.elf instanceof Uint8Array);
}

export function subjectName(s: TestSubject): string {
  return isObjectProgram(s) ? s.program : s.name ?? 'prog';
}

/** The entry program `name` (default: the only one) of a DSL object, an object model or ELF bytes. */
export function programOf(source: DslObject | BpfObject | Uint8Array, name?: string): ObjectTestProgram {
  let object: BpfObject;
  let elf: Uint8Array;
  if (source instanceof Uint8Array) {
    if (!isElf(source)) throw new TestingError('programOf: the bytes are not an ELF object');
    elf = source;
    object = readObject(source);
  } else if (isDslObject(source)) {
    object = source.toBpfObject();
    elf = writeObject(object);
  } else {
    object = source;
    elf = writeObject(object);
  }
  const entries = object.programs.filter((p) => !p.subprogram).map((p) => p.name);
  if (name === undefined) {
    if (entries.length !== 1) throw new TestingError(`programOf: the object has ${entries.length} programs; name one (${entries.join(', ') || 'none'})`);
    return { object, elf, program: entries[0]! };
  }
  if (!entries.includes(name)) throw new TestingError(`programOf: the object has no program ${name} (programs: ${entries.join(', ') || 'none'})`);
  return { object, elf, program: name };
}

/**
 * The entry program of a file: an object (.o), a DSL module (.ts with `export default
 * defineObject`, needs esbuild) or a tsbpf/lang module (.ts importing tsbpf/lang).
 */
export async function programFromFile(file: string, name?: string): Promise<ObjectTestProgram> {
  const bytes = file.endsWith('.ts') ? await buildProgramFile(file) : new Uint8Array(readFileSync(file));
  return programOf(bytes, name);
}
