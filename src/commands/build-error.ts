// The error of `tsbpf build` for a program module that does not compile, fails while loading or
// building, or exports no object: exit status 2, since the user's code failed, not tsbpf.

import { TsbpfError } from '../../isa/index.js';

export class BuildError extends TsbpfError {
  override readonly name = 'BuildError';
  constructor(readonly file: string, readonly reason: string, readonly line?: number, readonly column?: number) {
    super(`${file}${line === undefined ? '' : `:${line}:${column ?? 1}`}: ${reason}`);
  }
  /** `FILE[:LINE:COL]: error: reason`, the CLI's line. */
  get line1(): string { return `${this.file}${this.line === undefined ? '' : `:${this.line}:${this.column ?? 1}`}: error: ${this.reason}`; }
}
