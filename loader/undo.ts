// Undoing kernel state a failed multi-step operation created (pins, attachments), and saying so
// in the error: a caller must be able to tell that nothing of the failed call stays behind.

import { unlinkSync } from 'node:fs';

/** Removes the pins at `paths`, last first; returns those removed (one already gone is not listed). */
export function unpinAll(paths: readonly string[]): string[] {
  const removed: string[] = [];
  for (const p of [...paths].reverse()) {
    try {
      unlinkSync(p);
      removed.push(p);
    } catch {
      // Removed by someone else meanwhile: nothing of ours is left there.
    }
  }
  return removed.reverse();
}

/**
 * The error, its message extended by what was undone (`…; undone: unpinned /sys/fs/bpf/x`). The
 * error keeps its class, so callers that tell errors apart by class are not affected.
 */
export function withUndone<E>(e: E, undone: readonly string[]): E {
  if (undone.length > 0 && e instanceof Error) e.message = `${e.message}; undone: ${undone.join(', ')}`;
  return e;
}

/** Steps of a multi-step operation with how to undo each: undone last first when a later step fails. */
export class UndoLog {
  readonly #steps: { what: string; undo: () => void }[] = [];

  /** Records a step that took effect; `what` says what undoing it did (`unpinned /sys/fs/bpf/x`). */
  add(what: string, undo: () => void): void {
    this.#steps.push({ what, undo });
  }

  get size(): number {
    return this.#steps.length;
  }

  /** Undoes every step, last first; returns what was undone, and what could not be. */
  run(): string[] {
    const done: string[] = [];
    for (const s of this.#steps.splice(0).reverse()) {
      try {
        s.undo();
        done.push(s.what);
      } catch (e) {
        done.push(`could not undo (${(e as { code?: string }).code ?? (e as Error).message}): ${s.what}`);
      }
    }
    return done;
  }
}
