import { defineConfig } from 'tsup';

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
    // The CLI: dist/cli.js and its chunks (dist/cli-*.js), one per set of command modules it imports
    // when a command runs, so that start-up reads and compiles only what the command uses. The
    // chunks stay in dist/ itself: build, line info and failure reports find tsbpf's own files
    // from import.meta.url (the directory of the code), which must be dist/.
    entry: { cli: 'src/cli/bin.ts' },
    format: ['esm'],
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
    clean: false,
    splitting: true,
    esbuildOptions(options) { options.chunkNames = 'cli-[name]-[hash]'; },
  },
]);
