// tsbpf build: load a TypeScript program module (compiled on the fly with esbuild, no separate
// step for the user) and write the object its default export describes.
//
// The module's contract: `export default defineObject({ ... })`. It is bundled in memory to one
// ESM file (its own relative imports included; packages stay external, `tsbpf` being the running
// tsbpf), written to a temporary directory, imported with source maps on (so line_info names the
// .ts lines), and deleted again. Nothing is written next to the module.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Plugin } from 'esbuild';
import { type DslObject, isDslObject } from '../dsl/object.js';
import { CompileError, compileFile, usesLanguage } from '../compiler/index.js';
import { BuildError } from './build-error.js';
import { pendingTemps } from './build-guard.js';
import { moduleFailure } from './module-failure.js';

export { BuildError } from './build-error.js';

/**
 * What `tsbpf` and `tsbpf/SUB` mean inside a program module: the running tsbpf's own files (the
 * built library next to this bundle, or the sources when run from them), so that the module
 * uses the same tsbpf as the command that builds it, wherever the module is.
 */
function selfModule(specifier: string): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  const sub = specifier === 'tsbpf' ? 'index' : specifier.slice('tsbpf/'.length);
  const candidates = [join(here, `${sub}.js`), sub === 'index' ? join(here, '..', 'index.ts') : join(here, '..', '..', sub, 'index.ts')];
  return candidates.find((c) => existsSync(c));
}

/**
 * Imports from packages are not bundled: each resolves as Node would from the importing file
 * (esbuild's resolver with the `import` condition) and stays external as an absolute file URL,
 * so that the bundle runs from a temporary directory.
 */
const externalPackages: Plugin = {
  name: 'tsbpf-external-packages',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.pluginData === SKIP || isBuiltin(args.path)) return undefined;
      if (/^tsbpf(?:\/|$)/.test(args.path)) {
        const self = selfModule(args.path);
        if (self !== undefined) return { path: pathToFileURL(self).href, external: true };
      }
      const r = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: SKIP });
      if (r.errors.length > 0) return { errors: r.errors };
      return { path: r.external ? r.path : pathToFileURL(r.path).href, external: true };
    });
  },
};
const SKIP = Symbol('skip');

/**
 * esbuild, loaded only here: it is an optional peer dependency (11 MB), so that a user of
 * tsbpf/isa or tsbpf/loader does not install it; without it `tsbpf build` is one line, exit 2.
 */
async function loadEsbuild(file: string): Promise<typeof import('esbuild')> {
  try {
    return await import('esbuild');
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new BuildError(file, 'building a TypeScript program needs esbuild, an optional peer dependency of tsbpf: npm install esbuild');
    }
    throw e;
  }
}

/** Compiles and imports a program module; returns its default export. */
export async function loadProgramModule(file: string, tmpDir?: string): Promise<DslObject> {
  const abs = resolve(file);
  if (!existsSync(abs)) throw new BuildError(file, 'no such file');
  const { build } = await loadEsbuild(file);
  // The bundle goes to a fresh temporary directory: the module's own directory may be read-only.
  // (Or the directory the caller made and removes: the build worker's, which may be stopped midway.)
  const tmp = tmpDir ?? mkdtempSync(join(tmpdir(), 'tsbpf-build-'));
  if (tmpDir === undefined) pendingTemps.add(tmp);
  const out = join(tmp, `${basename(abs)}.mjs`);
  try {
    let code: string;
    try {
      const r = await build({
        entryPoints: [abs], bundle: true, platform: 'node', format: 'esm', target: 'node20', sourcemap: 'inline',
        write: false, outfile: out, logLevel: 'silent', absWorkingDir: dirname(abs), plugins: [externalPackages],
      });
      code = r.outputFiles[0]!.text;
    } catch (e) {
      const first = (e as { errors?: { text: string; location?: { file: string; line: number; column: number } | null }[] }).errors?.[0];
      if (first === undefined) throw e;
      const loc = first.location;
      throw new BuildError(loc == null || loc.file === basename(abs) ? file : resolve(dirname(abs), loc.file), first.text, loc?.line, loc == null ? undefined : loc.column + 1);
    }
    process.setSourceMapsEnabled(true);
    writeFileSync(out, code);
    let mod: { default?: unknown };
    try {
      mod = await import(pathToFileURL(out).href) as { default?: unknown };
    } catch (e) {
      throw moduleFailure(e, file, 'loading') ?? e;
    }
    let value: unknown;
    try {
      value = mod.default;
      if (!isDslObject(value)) throw new BuildError(file, 'the module must `export default defineObject({ ... })`');
    } catch (e) {
      throw moduleFailure(e, file, 'loading') ?? e;
    }
    return value;
  } finally {
    if (tmpDir === undefined) {
      pendingTemps.delete(tmp);
      rmSync(tmp, { recursive: true, force: true });
    } else rmSync(out, { force: true });
  }
}

/** True when FILE is a module in the language (it imports tsbpf/lang): compiled, not run. */
export function isLanguageModule(file: string): boolean {
  try { return usesLanguage(readFileSync(file, 'utf8')); } catch { return false; }
}

/**
 * `tsbpf build FILE.ts`: the object's ELF bytes. Whatever the module's code throws while its
 * programs are built is the module's failure (exit 2), unless tsbpf's own code threw it.
 */
export async function buildProgramFile(file: string, tmpDir?: string, onTypeCheck?: (how: 'reused' | 'checked') => void): Promise<Uint8Array> {
  // A module in the language (it imports tsbpf/lang) is compiled, not run.
  let source: string | undefined;
  try { source = readFileSync(file, 'utf8'); } catch { /* loadProgramModule reports it */ }
  if (source !== undefined && usesLanguage(source)) {
    try {
      return await compileFile(file, onTypeCheck === undefined ? {} : { onTypeCheck });
    } catch (e) {
      if (e instanceof CompileError) throw new BuildError(e.location.file, e.reason, e.location.line, e.location.column);
      throw e;
    }
  }
  const object = await loadProgramModule(file, tmpDir);
  try {
    return object.build();
  } catch (e) {
    throw moduleFailure(e, file, 'building') ?? e;
  }
}
