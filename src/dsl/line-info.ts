// Source locations of builder calls: every emitted instruction remembers the TypeScript line
// that produced it, taken from a stack trace at build time, so that line_info in .BTF.ext points
// at the user's program (bpftool prog dump xlated linum, verifier logs).

import { readFileSync } from 'node:fs';
import { dirname, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface SourceLocation {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
}

/** A stack frame's file and position, or undefined for a frame without one. */
function parseFrame(line: string): SourceLocation | undefined {
  const m = /\(?((?:file:\/\/)?[^()\s]+?):(\d+):(\d+)\)?\s*$/.exec(line);
  if (m === null) return undefined;
  let file = m[1]!;
  if (file.startsWith('file://')) file = fileURLToPath(file);
  return { file, line: Number(m[2]), column: Number(m[3]) };
}

/**
 * tsbpf's own code: the directory this module is in as stack traces show it (taken from a
 * stack trace, so that it is the same path — source-mapped or not — as later frames): the DSL's
 * sources (`…/src/dsl/`, which holds this file) or the built library (`…/dist/`, where the
 * bundles are). Frames there are not the user's line, whatever the user's own folders are called.
 */
function ownDirectory(): string | undefined {
  const here = (new Error().stack ?? '').split('\n').slice(1).map(parseFrame).find((f) => f !== undefined);
  let file = here?.file;
  if (file === undefined) {
    try { file = fileURLToPath(import.meta.url); } catch { return undefined; }
  }
  return dirname(file) + sep;
}
const OWN = ownDirectory();
const RUNTIME = /^node:|^internal[/\\]/;

function isInternal(file: string): boolean {
  return RUNTIME.test(file) || (OWN !== undefined && file.startsWith(OWN));
}

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
    const loc = parseFrame(line);
    if (loc === undefined || isInternal(loc.file)) continue;
    return loc;
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
