// Source locations of builder calls: every emitted instruction remembers the TypeScript line
// that produced it, taken from a stack trace at build time, so that line_info in .BTF.ext points
// at the user's program (bpftool prog dump xlated linum, verifier logs).

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface SourceLocation {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
}

/** Frames inside the DSL itself (sources or the built library) are not the user's line. */
const INTERNAL = /[/\\]src[/\\]dsl[/\\]|[/\\]dist[/\\](?:index|chunk-[\w-]+|cli)\.c?js$|[/\\]node_modules[/\\]|^node:|^internal[/\\]/;

let enabled = true;
/** Turns stack capture off (faster builds, no line_info). */
export function setLineInfoCapture(on: boolean): void { enabled = on; }

/** The first stack frame outside the DSL: the user's call. */
export function callerLocation(): SourceLocation | undefined {
  if (!enabled) return undefined;
  const saved = Error.stackTraceLimit;
  Error.stackTraceLimit = 40;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = saved;
  for (const line of stack.split('\n').slice(1)) {
    const m = /\(?((?:file:\/\/)?[^()\s]+?):(\d+):(\d+)\)?\s*$/.exec(line);
    if (m === null) continue;
    let file = m[1]!;
    if (file.startsWith('file://')) file = fileURLToPath(file);
    if (INTERNAL.test(file)) continue;
    return { file, line: Number(m[2]), column: Number(m[3]) };
  }
  return undefined;
}

const sources = new Map<string, readonly string[] | null>();
/** The text of a source line (without the newline), or '' when the file cannot be read. */
export function sourceLine(loc: SourceLocation): string {
  let lines = sources.get(loc.file);
  if (lines === undefined) {
    try { lines = readFileSync(loc.file, 'utf8').split(/\r?\n/); } catch { lines = null; }
    sources.set(loc.file, lines);
  }
  return lines?.[loc.line - 1] ?? '';
}
