// linkObjects: libbpf's static linker (what `bpftool gen object` runs) over our ELF, BTF and
// .BTF.ext codecs. Sections of the same name are concatenated (each input aligned), global
// symbols resolved across inputs (a strong definition beats weak ones and externs; two strong
// definitions are an error; unresolved externs stay extern), relocations re-targeted, BTF merged
// and deduplicated, .BTF.ext records moved with their instructions.

import { LinkError } from './errors.js';
import { emitElf } from './finalize.js';
import { loadObject } from './input.js';
import { Linker } from './linker.js';

export interface LinkInput {
  /** Name used in error messages (a file path). */
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** Links relocatable eBPF objects into one; inputs are bytes (named input-0, …) or named inputs. */
export function linkObjects(inputs: readonly (Uint8Array | LinkInput)[]): Uint8Array {
  if (inputs.length === 0) throw new LinkError('no input objects', '');
  const linker = new Linker();
  inputs.forEach((input, i) => {
    const { name, bytes } = input instanceof Uint8Array ? { name: `input-${i}`, bytes: input } : input;
    const obj = loadObject(bytes, name);
    linker.appendSectionData(obj);
    linker.appendSymbols(obj);
    linker.appendRelocations(obj);
    linker.appendBtf(obj);
    linker.appendBtfExt(obj);
  });
  return emitElf(linker);
}
