// The typed error of the DSL: what is wrong and the TypeScript source location that caused it.

import type { SourceLocation } from './line-info.js';
import { TsbpfError } from '../../isa/index.js';

export class DslError extends TsbpfError {
  override readonly name = 'DslError';
  constructor(
    readonly reason: string,
    /** Where in the user's TypeScript the offending builder was called, when known. */
    readonly location?: SourceLocation,
  ) {
    super(location === undefined ? reason : `${location.file}:${location.line}:${location.column}: ${reason}`);
  }
}
