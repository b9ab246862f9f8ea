// Source locations of builder calls: every emitted instruction remembers the TypeScript line
// that produced it, taken from a stack trace at build time, so that line_info in .BTF.ext points
// at the user's program (bpftool prog dump xlated linum, verifier logs).

import { readFileSync } from 'node:fs';
import { findSourceMap } from 'node:module';
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
/** Runs `f` (one object build) with stack capture on or off (off: faster builds, no line_info). */
export function withLineInfoCapture<T>(on: boolean, f: () => T): T {
  const was = enabled;
  enabled = on;
  try { return f(); } finally { enabled = was; }
}

/**
 * Instructions of one function that get their source location (line_info): each costs a stack
 * capture (~10 µs), which past this many would make a program near the kernel's 1,000,000
 * instruction limit take tens of seconds to build. Later instructions have no line record of
 * their own (docs/dsl.md). Errors always name their line.
 */
export const LINE_INFO_INSNS = 100_000;
let located = 0;
/** Starts a function: its instructions get locations again. */
export function startLineInfo(): void { located = 0; }
/** The user's call that emits an instruction, within the per-function budget. */
export function instructionLocation(): SourceLocation | undefined {
  if (!enabled || located >= LINE_INFO_INSNS) return undefined;
  located++;
  return callerLocation();
}

type Prepare = (error: Error, sites: NodeJS.CallSite[]) => unknown;

/**
 * A call site's original position: through the source map Node loaded with the file (tsbpf
 * build's bundles), else through the stack formatter installed (a test runner's), else as it is.
 * Cached: a builder call in a loop asks for the same position each time.
 */
const mapped = new Map<string, SourceLocation>();
function mapPosition(site: NodeJS.CallSite, file: string, line: number, column: number, prepare: Prepare | undefined): SourceLocation {
  const key = `${file}:${line}:${column}`;
  let loc = mapped.get(key);
  if (loc !== undefined) return loc;
  const origin = findSourceMap(file)?.findOrigin(line, column) as { fileName?: string; lineNumber?: number; columnNumber?: number } | undefined;
  if (origin?.fileName !== undefined && origin.lineNumber !== undefined && origin.columnNumber !== undefined) {
    loc = { file: origin.fileName.startsWith('file://') ? fileURLToPath(origin.fileName) : origin.fileName, line: origin.lineNumber, column: origin.columnNumber };
  } else if (prepare !== undefined) {
    try {
      const text = prepare(new Error(), [site]);
      if (typeof text === 'string') loc = parseFrame(text.split('\n').at(-1) ?? '');
    } catch { /* the formatter failed: the raw position */ }
  }
  loc ??= { file: pathOf(file), line, column };
  if (mapped.size < 100_000) mapped.set(key, loc);
  return loc;
}

/** A frame's file as a path (ESM frames name file: URLs), cached. */
const paths = new Map<string, string>();
function pathOf(file: string): string {
  if (!file.startsWith('file://')) return file;
  let p = paths.get(file);
  if (p === undefined) { p = fileURLToPath(file); if (paths.size < 10_000) paths.set(file, p); }
  return p;
}

function userFrame(depth: number): SourceLocation | undefined {
  // V8's call sites, not the formatted stack: every emitted instruction asks, and formatting
  // (with source maps) the whole stack each time cost ~80 µs an instruction.
  const prepare = Error.prepareStackTrace as Prepare | undefined;
  const savedLimit = Error.stackTraceLimit;
  Error.prepareStackTrace = (_e, sites) => sites;
  Error.stackTraceLimit = depth;
  const holder: { stack?: NodeJS.CallSite[] } = {};
  Error.captureStackTrace(holder, callerLocation);
  const sites = holder.stack ?? [];
  (Error as { prepareStackTrace?: Prepare }).prepareStackTrace = prepare;
  Error.stackTraceLimit = savedLimit;
  for (const site of sites) {
    const file = site.getFileName() ?? site.getScriptNameOrSourceURL();
    const line = site.getLineNumber();
    const column = site.getColumnNumber();
    if (file == null || line == null || column == null || isInternal(pathOf(file))) continue;
    const loc = mapPosition(site, file, line, column, prepare);
    if (isInternal(loc.file)) continue;
    return loc;
  }
  return undefined;
}

/** The first stack frame outside the DSL: the user's call. */
export function callerLocation(): SourceLocation | undefined {
  if (!enabled) return undefined;
  // The user's frame is a few frames up; a short capture is much cheaper than a long one.
  return userFrame(8) ?? userFrame(40);
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
