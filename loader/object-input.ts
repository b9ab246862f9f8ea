// Reading an object for loadObject: the file's bytes and the object name libbpf derives from its path.

import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { ObjectInputError } from './object-errors.js';

/** The object's bytes: the file at `input`, or `input` itself. */
export function readObjectBytes(input: Uint8Array | string): Uint8Array {
  if (typeof input !== 'string') return input;
  try {
    const b = readFileSync(input);
    // A view when the Buffer has its memory to itself (a regular file: fstat gave the size); a
    // copy when it may share Node's pool (files read in chunks, such as procfs).
    return b.byteOffset === 0 && b.buffer.byteLength === b.length ? new Uint8Array(b.buffer, 0, b.length) : new Uint8Array(b);
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
