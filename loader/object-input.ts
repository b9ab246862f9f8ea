// Reading an object for loadObject: the file's bytes and the object name libbpf derives from its path.

import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { ObjectInputError } from './object-errors.js';

/** The object's bytes: the file at `input`, or `input` itself. */
export function readObjectBytes(input: Uint8Array | string): Uint8Array {
  if (typeof input !== 'string') return input;
  try {
    return new Uint8Array(readFileSync(input));
  } catch (e) {
    throw new ObjectInputError(`cannot read ${input}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Object name as libbpf derives it from a path: the base name up to the first dot. */
export function objectNameOf(path: string): string {
  const b = basename(path);
  const dot = b.indexOf('.');
  return dot < 0 ? b : b.slice(0, dot);
}
