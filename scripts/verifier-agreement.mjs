#!/usr/bin/env node
// npm run verifier:agreement [-- --write-docs]: bundles the TypeScript harness
// (test/support/agreement/main.ts) with esbuild and runs it. Needs root (it loads every corpus
// program into the running kernel).
import { build } from 'esbuild';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
// Inside node_modules so that the bundle resolves koffi from the repository.
mkdirSync(join(repo, 'node_modules/.cache'), { recursive: true });
const out = mkdtempSync(join(repo, 'node_modules/.cache/tsbpf-agreement-'));
const entry = join(repo, 'test/support/agreement/main.ts');
try {
  await build({
    entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: join(out, 'main.mjs'),
    external: ['koffi', 'esbuild'], logLevel: 'error',
    // import.meta.dirname must name the source folder, not the bundle's.
    define: { 'import.meta.dirname': JSON.stringify(dirname(entry)) },
  });
  await import(pathToFileURL(join(out, 'main.mjs')).href);
} finally {
  rmSync(out, { recursive: true, force: true });
}
