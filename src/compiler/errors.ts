// The typed error of the TypeScript-to-eBPF compiler: what is outside the language, and where.

import { TsbpfError } from '../../isa/index.js';
import type { SourceLocation } from '../dsl/index.js';

export class CompileError extends TsbpfError {
  override readonly name = 'CompileError';
  constructor(readonly reason: string, readonly location: SourceLocation) {
    super(`${location.file}:${location.line}:${location.column}: error: ${reason}`);
  }
}
