#!/usr/bin/env node
// node scripts/run-ts.mjs ENTRY.ts [ARGS…]: bundles a TypeScript tool of the repository with
// esbuild and runs it (used by npm run verifier:agreement and the verifier table generators).
import { build } from 'esbuild';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
// Inside node_modules so that the bundle resolves koffi from the repository.
mkdirSync(join(repo, 'node_modules/.cache'), { recursive: true });
const out = mkdtempSync(join(repo, 'node_modules/.cache/tsbpf-run-ts-'));
const entry = join(process.cwd(), process.argv[2] ?? '');
process.argv.splice(2, 1);
try {
  await build({
    entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: join(out, 'main.mjs'),
    external: ['koffi', 'esbuild'], logLevel: 'error',
    // import.meta.dirname must name each source file's folder, not the bundle's.
    plugins: [{
      name: 'source-dirname',
      setup(b) {
        b.onLoad({ filter: /\.ts$/ }, (args) => ({
          contents: readFileSync(args.path, 'utf8').replaceAll('import.meta.dirname', JSON.stringify(dirname(args.path))),
          loader: 'ts',
        }));
      },
    }],
  });
  await import(pathToFileURL(join(out, 'main.mjs')).href);
} finally {
  rmSync(out, { recursive: true, force: true });
}
