import { defineConfig } from 'vitest/config';

export default defineConfig({
  // examples/testing/ imports the kit as users do ('tsbpf/testing'); here that is the source.
  resolve: { alias: { 'tsbpf/testing': new URL('./src/testing/index.ts', import.meta.url).pathname } },
  test: {
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: 'forks',
    // Two files at a time: most tests wait on clang, bpftool or the kernel, so one worker (the
    // default on 2 cores) leaves a core idle. Kernel objects are named per process (pins, maps).
    maxWorkers: 2,
  },
});
