// What went wrong when a program module failed while tsbpf build loaded or built it: the user's
// code (a throw of anything, a stack overflow from its recursion), a DSL error (maybe from another
// copy of tsbpf the module bundled or imported), or a bug in tsbpf (a throw from tsbpf's own code).

import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TsbpfError } from '../../isa/index.js';
import { quoted } from '../dsl/quote.js';
import { BuildError } from './build-error.js';

interface Frame { readonly file: string; readonly line: number; readonly column: number }

/** The package's root: this file is in `<root>/dist/` (built) or `<root>/src/commands/` (sources). */
const here = dirname(fileURLToPath(import.meta.url));
const root = here.endsWith(`${sep}dist`) ? dirname(here) : join(here, '..', '..');
/** tsbpf's own code as stack frames name it (the built bundles, or the sources through source maps). */
const OWN = ['dist', 'src', 'isa', 'elf', 'loader', 'verifier'].map((d) => join(root, d) + sep);

function isOwn(file: string): boolean { return OWN.some((d) => file.startsWith(d)); }
function isRuntime(file: string): boolean { return /^node:|^internal[/\\]|^<anonymous>$|^native$/.test(file); }

function framesOf(e: Error): Frame[] {
  let stack: unknown;
  try { stack = e.stack; } catch { return []; }
  if (typeof stack !== 'string') return [];
  const frames: Frame[] = [];
  for (const l of stack.split('\n')) {
    const m = /^\s+at (?:.*?\()?((?:file:\/\/)?[^()\s]+?):(\d+):(\d+)\)?\s*$/.exec(l);
    if (m === null) continue;
    const file = m[1]!.startsWith('file://') ? fileURLToPath(m[1]!) : m[1]!;
    frames.push({ file, line: Number(m[2]), column: Number(m[3]) });
  }
  return frames;
}

/** A TsbpfError of another copy of tsbpf (the module's import of tsbpf's library or sources). */
function isOtherTsbpfError(e: unknown): e is Error & { location?: Frame; reason?: unknown } {
  if (!(e instanceof Error)) return false;
  for (let p = Object.getPrototypeOf(e) as object | null; p !== null && p !== Error.prototype; p = Object.getPrototypeOf(p) as object | null) {
    const c = (p as { constructor?: { name?: unknown } }).constructor;
    if (typeof c?.name === 'string' && /^TsbpfError\d*$/.test(c.name)) return true;
  }
  return false;
}

function describeValue(v: unknown): string {
  if (v === null || v === undefined || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (typeof v === 'string') return `the string '${quoted(v)}'`;
  if (typeof v === 'symbol') return 'a symbol';
  if (typeof v === 'function') return 'a function';
  return 'an object';
}

/**
 * The error to report for `e`, thrown while `phase` (loading or building) the module `file`;
 * undefined when it came from tsbpf's own code (a bug: the caller reports it as internal).
 */
export function moduleFailure(e: unknown, file: string, phase: 'loading' | 'building'): TsbpfError | undefined {
  if (e instanceof TsbpfError) return e;
  if (isOtherTsbpfError(e)) {
    const loc = e.location;
    if (loc !== undefined && typeof loc.file === 'string' && typeof e.reason === 'string') return new BuildError(loc.file, e.reason, loc.line, loc.column);
    return new BuildError(file, quoted(e.message, 200));
  }
  if (!(e instanceof Error)) return new BuildError(file, `the module threw ${describeValue(e)} while ${phase}`);
  const frames = framesOf(e).filter((f) => !isRuntime(f.file));
  if (e instanceof RangeError && /call stack/i.test(e.message)) {
    // Deep recursion is the module's: tsbpf's own nesting is bounded (MAX_NESTING).
    const user = frames.find((f) => !isOwn(f.file));
    return new BuildError(user?.file ?? file, `JavaScript stack overflow while ${phase} the module (recursion too deep)`, user?.line, user?.column);
  }
  const top = frames[0];
  if (top !== undefined && isOwn(top.file)) return undefined;
  let what: string;
  try { what = `${e.name}: ${e.message}`; } catch { what = 'an error'; }
  return new BuildError(top?.file ?? file, `the module threw while ${phase}: ${quoted(what, 120)}`, top?.line, top?.column);
}
