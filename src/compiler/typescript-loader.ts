// TypeScript for the compiler, loaded through V8's code cache: compiling typescript.js (9 MB of
// JavaScript) is most of a small build's time, and Node 20 has no module compile cache. The
// CommonJS file is run as require would run it, from a vm.Script given the bytecode V8 produced
// on an earlier build (a file under $XDG_CACHE_HOME/tsbpf or ~/.cache/tsbpf).
//
// The cache file is only a speed-up: missing, unreadable, corrupt, stale (another TypeScript,
// another Node) or refused by V8, it is ignored and written again; failing to write it is not an
// error. It names TypeScript's path and version and Node's version and carries a SHA-256 of the
// bytecode, checked before V8 sees it (V8 trusts bytecode whose header matches).

import { isAscii } from 'node:buffer';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import type TS from 'typescript';

const MAGIC = 'tsbpf-v8-cache 1';

/** The cache's folder: $XDG_CACHE_HOME/tsbpf, else ~/.cache/tsbpf. */
export function cacheDirectory(): string {
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.cache'), 'tsbpf');
}

interface Pending { readonly script: Script; readonly file: string; readonly key: string }
let pending: Pending | undefined;
let loaded: typeof TS | undefined;

/** What a cache file must say to be used for this TypeScript under this Node. */
function cacheKey(tsFile: string, source: string): string {
  const version = /\bvar version = "([^"]+)"/.exec(source)?.[1] ?? `${source.length}`;
  return `${MAGIC}\n${tsFile}\n${version}\n${process.version}\n${process.arch}\n`;
}

function cacheFile(key: string): string {
  return join(cacheDirectory(), `typescript-${createHash('sha256').update(key).digest('hex').slice(0, 16)}.v8cache`);
}

/** The bytecode in a cache file, or undefined when it is missing or is not this key's intact file. */
function readCache(file: string, key: string): Buffer | undefined {
  let bytes: Buffer;
  try { bytes = readFileSync(file); } catch { return undefined; }
  const head = Buffer.from(key);
  if (bytes.length < head.length + 32 || !bytes.subarray(0, head.length).equals(head)) return undefined;
  const sum = bytes.subarray(head.length, head.length + 32);
  const data = bytes.subarray(head.length + 32);
  return createHash('sha256').update(data).digest().equals(sum) ? data : undefined;
}

/**
 * A JavaScript file's text. typescript.js is ASCII: read as Latin-1 it is the same string, made
 * several times faster than by UTF-8 decoding (130 ms of a build otherwise).
 */
function readSource(file: string): string {
  const bytes = readFileSync(file);
  return isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
}

/**
 * TypeScript's module (resolved as `require('typescript')` from here would), compiled with the
 * cached bytecode when there is an intact one. Throws as require does when it is not installed.
 */
export function loadTypeScript(): typeof TS {
  if (loaded !== undefined) return loaded;
  const req = createRequire(import.meta.url);
  const tsFile = req.resolve('typescript');
  const source = readSource(tsFile);
  const key = cacheKey(tsFile, source);
  const file = cacheFile(key);
  const cachedData = readCache(file, key);
  // The same wrapper require gives a CommonJS file.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) { ${source}\n})`, {
    filename: tsFile, ...(cachedData === undefined ? {} : { cachedData }),
  });
  const module = { exports: {} as unknown };
  (script.runInThisContext() as (...a: unknown[]) => void).call(module.exports, module.exports, createRequire(tsFile), module, tsFile, dirname(tsFile));
  loaded = module.exports as typeof TS;
  if (cachedData === undefined || script.cachedDataRejected === true) pending = { script, file, key };
  return loaded;
}

/**
 * Writes the cache file when this process compiled TypeScript without one. Called after a build,
 * so that the bytecode includes the functions the build compiled lazily. Atomic: a temporary
 * file in the same folder renamed over the old one.
 */
export function saveTypeScriptCache(): void {
  const p = pending;
  if (p === undefined) return;
  pending = undefined;
  const data = p.script.createCachedData();
  writeCacheFile(p.file, Buffer.concat([Buffer.from(p.key), createHash('sha256').update(data).digest(), data]));
}

/**
 * Writes a file of the cache directory atomically (a temporary file in the same folder renamed over
 * the old one). Failing is not an error: with a read-only home or a full disk the next build does
 * the work again, nothing more.
 */
export function writeCacheFile(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(tmp, data);
    renameSync(tmp, file);
  } catch {
    try { rmSync(tmp, { force: true }); } catch { /* nothing to remove */ }
  }
}
