// The CLI as CommonJS (tsup.config.ts runs this after the CLI's ES module build): each chunk of
// the ES build (ESM_DIR) becomes dist/cli-*.cjs, loaded by dist/cli.cjs (src/cli/boot.ts) with
// V8's code cache. esbuild splits code only for ES modules, hence the conversion:
//   import("./cli-X.js")   → __tsbpfChunk("./cli-X.cjs")   (a command's chunk, loaded when it runs)
//   import(anything else)  → __tsbpfImport(…)              (vm.Script code cannot import() in Node 20)
//   import.meta.url        → __tsbpfUrl                     (dist/cli.cjs: the same directory)
// and dist/cli.js, the ES module executable tests and scripts name, becomes a shim requiring cli.cjs.

import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync, transformSync } from 'esbuild';

/** Converts the ES build in `esmDir` (entry cli.js) into `dist`'s CommonJS CLI, then removes `esmDir`. */
export function convertCli(esmDir, dist) {
  const files = readdirSync(esmDir).filter((f) => f.endsWith('.js'));
  const entry = readFileSync(join(esmDir, 'cli.js'), 'utf8');
  const main = `cli-main-${createHash('sha256').update(entry).digest('hex').slice(0, 8).toUpperCase()}.cjs`;
  for (const f of readdirSync(dist)) if (/^cli-.*\.c?js$/.test(f)) rmSync(join(dist, f));
  for (const f of files) {
    let code = readFileSync(join(esmDir, f), 'utf8').replace(/^#!.*\n/, '');
    code = code.replace(/\bimport\("\.\/(cli-[\w-]+)\.js"\)/g, '__tsbpfChunk("./$1.cjs")');
    code = code.replace(/\bimport\(/g, '__tsbpfImport(');
    code = code.replace(/(\bfrom |^import )"\.\/(cli-[\w-]+)\.js"/gm, '$1"./$2.cjs"');
    const out = transformSync(code, { format: 'cjs', platform: 'node', target: 'node20', define: { 'import.meta.url': '__tsbpfUrl' }, logLevel: 'error' });
    if (/\bimport\.meta\b/.test(out.code)) throw new Error(`scripts/cli-cjs.mjs: ${f} still uses import.meta`);
    // esbuild's module.exports copies each export into a getter reading the original's getter by
    // key: two calls and a keyed load at every use of another chunk's function, which showed in
    // the profile of btf dump. The original's getters (one closure each) are enough.
    const exportsObject = out.code.replace('module.exports = __toCommonJS(stdin_exports);', 'module.exports = __defProp(stdin_exports, "__esModule", { value: true });');
    writeFileSync(join(dist, f === 'cli.js' ? main : f.replace(/\.js$/, '.cjs')), exportsObject);
  }
  buildSync({
    entryPoints: ['src/cli/boot.ts'], outfile: join(dist, 'cli.cjs'), bundle: true, format: 'cjs', platform: 'node', target: 'node20',
    banner: { js: '#!/usr/bin/env node' }, define: { TSBPF_CLI_MAIN: JSON.stringify(main) }, logLevel: 'error',
  });
  writeFileSync(join(dist, 'cli.js'), [
    '#!/usr/bin/env node',
    '// The CLI is dist/cli.cjs (package.json bin: CommonJS starts faster); this name runs it too.',
    "import { createRequire } from 'node:module';",
    "createRequire(import.meta.url)('./cli.cjs');",
    '',
  ].join('\n'));
  rmSync(esmDir, { recursive: true, force: true });
}
