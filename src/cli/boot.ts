// The `tsbpf` executable (dist/cli.cjs, CommonJS). It loads the CLI's chunks (dist/cli-*.cjs, made
// from the ES module build by scripts/cli-cjs.mjs) with V8's code cache, which Node 20 keeps for
// no user code: each chunk is compiled through vm.Script with the cached data of an earlier run of
// the same command, kept in the user's cache directory, so that start-up deserializes the code the
// command ran instead of compiling it again. A missing, stale or unwritable cache costs only the
// compilation it would have saved. CommonJS, because the ES module loader alone costs a start-up
// about 10 ms (bench/where-the-time-goes.md). TSBPF_CODE_CACHE=0 turns the cache off.

import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Script } from 'node:vm';

/** The entry chunk's file name (dist/cli-main-HASH.cjs), set by scripts/cli-cjs.mjs. */
declare const TSBPF_CLI_MAIN: string;

/** The wrapper's parameters after CommonJS's own: what the converted chunks use for import.meta.url and import(). */
const WRAPPER = '(function (exports, require, module, __filename, __dirname, __tsbpfUrl, __tsbpfImport, __tsbpfChunk) {';

interface Loaded { exports: Record<string, unknown> }

const here = __dirname;
// import.meta.url of every chunk: this file (bin.ts starts the build worker from it; the rest
// only takes its directory, dist/, where the chunks are too).
const selfUrl = pathToFileURL(__filename).href;
const cacheDir = codeCacheDirectory();
const loaded = new Map<string, Loaded>();
/** Scripts compiled without usable cached data: their cache is written when the process exits. */
const fresh: { script: Script; file: string }[] = [];

/** `…/tsbpf/code-cache/NODE-ARCH/BUILD/COMMAND`, or undefined when the cache is off. */
function codeCacheDirectory(): string | undefined {
  if (process.env.TSBPF_CODE_CACHE === '0') return undefined;
  const base = process.env.XDG_CACHE_HOME || (process.env.HOME ? join(process.env.HOME, '.cache') : undefined);
  if (base === undefined) return undefined;
  // The functions a command runs differ: one cache per command, each holding what it compiled.
  const command = /^[a-z][a-z-]{0,31}$/.test(process.argv[2] ?? '') ? process.argv[2]! : '_';
  return join(base, 'tsbpf', 'code-cache', `${process.version}-${process.arch}`, TSBPF_CLI_MAIN.replace(/\.cjs$/, ''), command);
}

function readCache(name: string): Buffer | undefined {
  if (cacheDir === undefined) return undefined;
  try { return readFileSync(join(cacheDir, `${name}.cache`)); } catch { return undefined; }
}

/**
 * mkdir -p, one level at a time: Node 20's mkdirSync({ recursive: true }) never returns under
 * /proc (XDG_CACHE_HOME=/proc/x spun for minutes); here every step fails or succeeds once.
 */
function makeDirectories(path: string): void {
  const missing: string[] = [];
  for (let p = path; ; p = dirname(p)) {
    try { statSync(p); break; } catch { missing.push(p); }
    if (dirname(p) === p) break;
  }
  for (const p of missing.reverse()) {
    try { mkdirSync(p); } catch (e) { if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e; }
  }
}

/** Writes the caches of the chunks compiled from source (atomically: other runs may read them now). */
function saveCaches(): void {
  if (cacheDir === undefined || fresh.length === 0) return;
  try {
    const build = dirname(cacheDir);
    let created = false;
    try { readdirSync(build); } catch { created = true; }
    makeDirectories(cacheDir);
    // A new build: the caches of builds not written to for a week go (not all others: several
    // checkouts of tsbpf may share the directory, each keeping its own).
    if (created) {
      const weekAgo = Date.now() - 7 * 24 * 3600 * 1000;
      for (const other of readdirSync(dirname(build))) {
        const path = join(dirname(build), other);
        if (path !== build && statSync(path).mtimeMs < weekAgo) rmSync(path, { recursive: true, force: true });
      }
    }
    for (const { script, file } of fresh) {
      const target = join(cacheDir, `${file}.cache`);
      const tmp = `${target}.${process.pid}.tmp`;
      writeFileSync(tmp, script.createCachedData());
      renameSync(tmp, target);
    }
  } catch {
    // A read-only or full cache directory: the next run compiles again.
  }
}

/** The exports of chunk `name` (a file in dist/), loading it on first use. */
function load(name: string): Record<string, unknown> {
  const had = loaded.get(name);
  if (had !== undefined) return had.exports;
  const file = join(here, name);
  const module: Loaded = { exports: {} };
  loaded.set(name, module);
  const cachedData = readCache(name);
  const script = new Script(`${WRAPPER}${readFileSync(file, 'utf8')}\n})`, { filename: file, cachedData });
  if (cachedData === undefined || script.cachedDataRejected === true) fresh.push({ script, file: name });
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(module.exports, module.exports, requireFrom, module, file, here, selfUrl, importModule, importChunk);
  return module.exports;
}

/** `require` in a chunk: another chunk, or anything else as this file would require it. */
function requireFrom(id: string): unknown {
  return id.startsWith('./cli-') ? load(id.slice(2)) : require(id);
}

/** `import()` of another chunk (a command's modules, loaded when it runs). */
function importChunk(id: string): Promise<Record<string, unknown>> {
  return Promise.resolve().then(() => load(id.slice(2)));
}

/**
 * `import()` of anything else (the program module tsbpf build runs): code compiled by vm.Script
 * from cached data cannot import() in Node 20, this file can.
 */
function importModule(specifier: string): Promise<unknown> {
  return import(specifier);
}

process.on('exit', saveCaches);
load(TSBPF_CLI_MAIN);
