// tsbpf link: static linking of eBPF objects (what `bpftool gen object` does).

import { linkObjects } from '../../elf/index.js';
import { readInput } from '../cli/io.js';

/** Reads and links the input files (in order); errors name the file and symbol. */
export function linkFiles(paths: readonly string[]): Uint8Array {
  return linkObjects(paths.map((name) => ({ name, bytes: readInput(name) })));
}
