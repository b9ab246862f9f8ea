// File input and stdout output for the CLI (output files: output-file.ts).

import { isAscii } from 'node:buffer';
import { readFileSync, writeSync } from 'node:fs';
import { UsageError } from './usage-error.js';

export function readInput(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : code;
    throw new UsageError(`${path}: cannot read: ${why}`);
  }
}

/**
 * A source file's text (UTF-8, a leading BOM dropped, bad sequences as U+FFFD: TextDecoder's
 * reading). Plain ASCII, the usual case, is read as Latin-1, which gives the same string several
 * times faster than the UTF-8 decoder on a large file.
 */
export function utf8Text(bytes: Uint8Array): string {
  if (isAscii(bytes)) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
  return new TextDecoder().decode(bytes);
}

/** The bytes when they are all ASCII (utf8Text then reads one character per byte), else undefined. */
export function asciiOnly(bytes: Uint8Array): Uint8Array | undefined {
  return isAscii(bytes) ? bytes : undefined;
}

/** Stdout was closed by its reader. */
export class StdoutClosed extends Error {
  override readonly name = 'StdoutClosed';
}

/** Writes to stdout without the per-call overhead of console.log on big outputs. */
export function writeStdout(text: string | Uint8Array): void {
  writeAllSync(1, typeof text === 'string' ? Buffer.from(text) : text);
}

function writeAllSync(fd: number, buf: Uint8Array): void {
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(fd, buf, off, buf.length - off);
    } catch (e) {
      // A non-blocking pipe that is full: wait a moment and go on.
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') continue;
      // The reader went away (`tsbpf … | head`): nothing more to say, and nothing wrong.
      if (code === 'EPIPE') throw new StdoutClosed();
      throw e;
    }
  }
}
