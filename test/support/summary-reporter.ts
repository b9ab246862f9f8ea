// Prints the closing line CI reads ("N passed, N failed, N skipped") and, under
// CI=true, turns any skipped test into a failure: a reference that is missing
// in CI must not pass silently. The one exception is a kernel feature the
// machine refuses by policy, proven by a probe (test/support/kernel-features.ts):
// such a test skips with a note starting "not available here:", and the summary
// lists each one with the probe's result.

import type { Reporter, TestModule } from 'vitest/node';
import { NOT_AVAILABLE } from './not-available.js';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const skippedNames: string[] = [];
    const notAvailable: string[] = [];
    for (const m of modules) {
      if (m.state() === 'failed' && [...m.children.allTests()].length === 0) failed++;
      for (const t of m.children.allTests()) {
        const result = t.result();
        const state = result.state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else if (state === 'skipped') {
          const note = result.state === 'skipped' ? result.note : undefined;
          if (note?.startsWith(NOT_AVAILABLE)) notAvailable.push(`${t.fullName}: ${note}`);
          else { skipped++; skippedNames.push(t.fullName); }
        }
      }
    }
    const ci = process.env.CI === 'true' || process.env.CI === '1';
    if (ci && skipped > 0) {
      process.stdout.write(`CI=true: ${skipped} skipped test(s) count as failures:\n${skippedNames.map((n) => `  ${n}`).join('\n')}\n`);
      failed += skipped;
      skipped = 0;
      process.exitCode = 1;
    }
    if (notAvailable.length > 0) {
      process.stdout.write(`\n${notAvailable.length} test(s) skipped because this machine refuses the feature (proven by a probe):\n${notAvailable.map((n) => `  ${n}`).join('\n')}\n`);
    }
    skipped += notAvailable.length;
    process.stdout.write(`\n${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}\n`);
  }
}
