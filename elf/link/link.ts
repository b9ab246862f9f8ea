// linkObjects: libbpf's static linker (what `bpftool gen object` runs) over our ELF, BTF and
// .BTF.ext codecs. Sections of the same name are concatenated (each input aligned), global
// symbols resolved across inputs (a strong definition beats weak ones and externs; two strong
// definitions are an error; unresolved externs stay extern), relocations re-targeted, BTF merged
// and deduplicated, .BTF.ext records moved with their instructions.

import { type BpfObject, readObject, writeObject } from '../object/index.js';
import { LinkError } from './errors.js';
import { emitElf } from './finalize.js';
import { loadObject } from './input.js';
import { Linker } from './linker.js';

export interface LinkInput {
  /** Name used in error messages (a file path). */
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** An object file's bytes, named bytes, or an object model (written with writeObject first). */
export type LinkSource = Uint8Array | LinkInput | BpfObject;

function bytesOf(input: LinkSource, i: number): LinkInput {
  if (input instanceof Uint8Array) return { name: `input-${i}`, bytes: input };
  if ('bytes' in input) return input;
  return { name: `input-${i}`, bytes: writeObject(input) };
}

/** Links relocatable eBPF objects into one ELF object, in input order. */
export function linkObjects(inputs: readonly LinkSource[]): Uint8Array {
  if (inputs.length === 0) throw new LinkError('no input objects', '');
  const linker = new Linker();
  inputs.forEach((input, i) => {
    const { name, bytes } = bytesOf(input, i);
    const obj = loadObject(bytes, name);
    linker.appendSectionData(obj);
    linker.appendSymbols(obj);
    linker.appendRelocations(obj);
    linker.appendBtf(obj);
    linker.appendBtfExt(obj);
  });
  return emitElf(linker);
}

/** linkObjects, read back as an object model. */
export function linkToObject(inputs: readonly LinkSource[]): BpfObject {
  return readObject(linkObjects(inputs));
}
