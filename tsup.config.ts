import { defineConfig } from 'tsup';
// @ts-expect-error: a build script without declarations
import { convertCli } from './scripts/cli-cjs.mjs';

/** Where the CLI's ES module build goes before scripts/cli-cjs.mjs makes it CommonJS in dist/. */
const CLI_ESM = 'dist/.cli-esm';

export default defineConfig([
  {
    // The library: one entry per public subsystem surface (subpath exports).
    entry: {
      index: 'src/index.ts',
      isa: 'isa/index.ts',
      elf: 'elf/index.ts',
      loader: 'loader/index.ts',
      verifier: 'verifier/index.ts',
      vm: 'vm/index.ts',
      // The program language's declarations (tsbpf/lang), also read by tsbpf build's type check.
      lang: 'src/compiler/lang.ts',
      // The property-testing kit (tsbpf/testing): the only entry that imports fast-check.
      testing: 'src/testing/index.ts',
      // Not in package.json "exports" and without declarations: what tests and benches reach
      // beyond the API (src/internal.ts).
      internal: 'src/internal.ts',
    },
    format: ['esm', 'cjs'],
    // Declarations tagged @internal (used across tsbpf's own modules) stay out of the published types.
    dts: {
      entry: {
        index: 'src/index.ts', isa: 'isa/index.ts', elf: 'elf/index.ts', loader: 'loader/index.ts', verifier: 'verifier/index.ts',
        vm: 'vm/index.ts', lang: 'src/compiler/lang.ts',
      },
      compilerOptions: { stripInternal: true },
    },
    clean: true,
    target: 'node20',
    sourcemap: false,
    splitting: true,
    // import.meta.url in the CJS build (the syscall shim's createRequire of koffi).
    shims: true,
  },
  {
    // tsbpf/testing's declarations, rolled up on their own: in the library's declaration build
    // this entry made the root's `asm` namespace lose its `type` re-export modifiers.
    entry: { testing: 'src/testing/index.ts' },
    format: ['esm', 'cjs'],
    dts: { only: true, compilerOptions: { stripInternal: true } },
    clean: false,
    target: 'node20',
  },
  {
    // The CLI: chunks one per set of command modules it imports when a command runs, so that
    // start-up reads and compiles only what the command uses. Built as ES modules (esbuild splits
    // only those), then made CommonJS in dist/ (dist/cli.cjs, the executable, and dist/cli-*.cjs:
    // scripts/cli-cjs.mjs) so that they load with V8's code cache. The chunks end in dist/ itself:
    // build, line info and failure reports find tsbpf's own files from import.meta.url (the
    // directory of the code), which must be dist/.
    entry: { cli: 'src/cli/bin.ts' },
    outDir: CLI_ESM,
    format: ['esm'],
    target: 'node20',
    clean: true,
    splitting: true,
    esbuildOptions(options) { options.chunkNames = 'cli-[name]-[hash]'; },
    async onSuccess() { convertCli(CLI_ESM, 'dist'); },
  },
]);
