// Prints the closing line CI reads ("N passed, N failed, N skipped") and, under
// CI=true, turns any skipped test into a failure: a reference that is missing
// in CI must not pass silently.

import type { Reporter, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const skippedNames: string[] = [];
    for (const m of modules) {
      if (m.state() === 'failed' && [...m.children.allTests()].length === 0) failed++;
      for (const t of m.children.allTests()) {
        const state = t.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else if (state === 'skipped') { skipped++; skippedNames.push(t.fullName); }
      }
    }
    const ci = process.env.CI === 'true' || process.env.CI === '1';
    if (ci && skipped > 0) {
      process.stdout.write(`CI=true: ${skipped} skipped test(s) count as failures:\n${skippedNames.map((n) => `  ${n}`).join('\n')}\n`);
      failed += skipped;
      skipped = 0;
      process.exitCode = 1;
    }
    process.stdout.write(`\n${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}\n`);
  }
}
