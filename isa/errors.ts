// Typed errors of the isa subsystem. Each says what is wrong and where.

import { escapeControls } from './quote-source.js';
import { TsbpfError } from './tsbpf-error.js';

export { TsbpfError };

/** An instruction value that cannot be encoded (a field out of range). */
export class EncodeError extends TsbpfError {
  override readonly name = 'EncodeError';
  constructor(
    readonly reason: string,
    /** Index of the instruction in the encoded sequence. */
    readonly index: number,
  ) {
    super(`instruction ${index}: ${reason}`);
  }
}

/** Bytes that are not a valid instruction. */
export class DecodeError extends TsbpfError {
  override readonly name = 'DecodeError';
  constructor(
    readonly reason: string,
    /** Slot index of the offending instruction. */
    readonly index: number,
    /** Byte offset of the offending instruction in the decoded buffer. */
    readonly byteOffset: number,
  ) {
    super(`instruction ${index} (byte offset ${byteOffset}): ${reason}`);
  }
}

/** Longest reason an AsmError keeps (a backstop: messages quote input through shown()). */
const REASON_MAX = 300;

/**
 * Malformed assembly text. Rendered as `file:line:col: error: message`, always
 * one line: control characters in the reason and file name are escaped.
 */
export class AsmError extends TsbpfError {
  override readonly name = 'AsmError';
  readonly reason: string;
  constructor(
    reason: string,
    readonly file: string,
    /** 1-based line. */
    readonly line: number,
    /** 1-based column. */
    readonly column: number,
  ) {
    const why = escapeControls(reason.length > REASON_MAX ? `${reason.slice(0, REASON_MAX)}…` : reason);
    super(`${escapeControls(file)}:${line}:${column}: error: ${why}`);
    this.reason = why;
  }
}
