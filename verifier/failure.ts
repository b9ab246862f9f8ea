// How the structural passes report: the first failure ends the load, exactly
// as each kernel pass returns on its first error.

import type { Errno } from './verdict.js';

export interface PassFailure {
  readonly errno: Errno;
  /** Log lines in order; the last one is the message (empty when the kernel logs nothing). */
  readonly log: readonly string[];
  readonly insnIndex?: number;
}

export function fail(errno: Errno, message: string | readonly string[], insnIndex?: number): PassFailure {
  const log = typeof message === 'string' ? [message] : message;
  return insnIndex === undefined ? { errno, log } : { errno, log, insnIndex };
}

/** Collects what a pass had to assume about the loading environment. */
export class Assumptions {
  private readonly items: string[] = [];

  add(text: string): void {
    if (!this.items.includes(text)) this.items.push(text);
  }

  list(): readonly string[] {
    return [...this.items];
  }
}
