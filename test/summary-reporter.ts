import type { Reporter, TestModule, TestSuite } from 'vitest/node';

/** Marks the reason in the title of a suite skipped for a missing system part (test/fixtures/needs.ts). */
export const SKIP_MARK = ' [skipped: ';

/**
 * Prints one plain closing line, `N passed, N failed, N skipped`, that any CI can read, and above it
 * the reasons for skips. "failed" counts every failure the runner counts, not only failed tests: a
 * file that failed to load, a `beforeAll`/`afterAll` hook that threw (its tests may all have passed),
 * and every unhandled error. A run that vitest ends non-zero never closes on `0 failed`.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const reasons = new Map<string, number>();
    for (const mod of testModules) {
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else {
          skipped++;
          const at = test.fullName.indexOf(SKIP_MARK);
          if (at >= 0) {
            const reason = test.fullName.slice(at + SKIP_MARK.length).replace(/\].*$/s, '');
            reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
          }
        }
      }
      // Errors of the file or a suite itself: an import that failed, a hook that threw.
      const suites: Array<TestModule | TestSuite> = [mod, ...mod.children.allSuites()];
      failed += suites.filter((suite) => suite.errors().length > 0).length;
      // A file that failed without an error of its own (and without tests) still counts.
      if (mod.state() === 'failed' && mod.errors().length === 0 && !hasTests(mod)) failed++;
    }
    failed += unhandledErrors.length;
    for (const [reason, count] of reasons) process.stdout.write(`\nskipped ${count}: ${reason}`);
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}

function hasTests(mod: TestModule): boolean {
  return !mod.children.allTests().next().done;
}
