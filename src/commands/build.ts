// tsbpf build: load a TypeScript program module (compiled on the fly with esbuild, no separate
// step for the user) and write the object its default export describes.
//
// The module's contract: `export default defineObject({ ... })`. It is bundled to one ESM file
// next to the source (so that its `tsbpf` import resolves as it would for the user), imported
// with source maps on (so line_info names the .ts lines), and deleted again.

import { randomBytes } from 'node:crypto';
import { existsSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type DslObject, isDslObject } from '../dsl/object.js';

/** A module that does not compile, throws while loading, or exports no object. */
export class BuildError extends Error {
  override readonly name = 'BuildError';
  constructor(readonly file: string, readonly reason: string, readonly line?: number, readonly column?: number) {
    super(`${file}${line === undefined ? '' : `:${line}:${column ?? 1}`}: ${reason}`);
  }
}

/** Compiles and imports a program module; returns its default export. */
export async function loadProgramModule(file: string): Promise<DslObject> {
  const abs = resolve(file);
  if (!existsSync(abs)) throw new BuildError(file, 'no such file');
  const { build } = await import('esbuild');
  const out = join(dirname(abs), `.${basename(abs)}.tsbpf-${process.pid}-${randomBytes(4).toString('hex')}.mjs`);
  let code: string;
  try {
    const r = await build({
      entryPoints: [abs], bundle: true, platform: 'node', format: 'esm', target: 'node20', sourcemap: 'inline',
      write: false, outfile: out, external: ['tsbpf', 'tsbpf/*', 'esbuild'], logLevel: 'silent', absWorkingDir: dirname(abs),
      packages: 'external',
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
    if (e instanceof Error && (e.name === 'DslError' || e.name === 'CTypeError')) throw e;
    throw new BuildError(file, `the module threw while loading: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    try { unlinkSync(out); } catch { /* already gone */ }
  }
  if (!isDslObject(mod.default)) throw new BuildError(file, 'the module must `export default defineObject({ ... })`');
  return mod.default;
}

/** `tsbpf build FILE.ts`: the object's ELF bytes. */
export async function buildProgramFile(file: string): Promise<Uint8Array> {
  return (await loadProgramModule(file)).build();
}
