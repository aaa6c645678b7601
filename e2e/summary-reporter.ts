import type { FullResult, Reporter, TestCase, TestResult } from '@playwright/test/reporter';

/**
 * Prints one plain closing line, `N passed, N failed, N skipped`, like test/summary-reporter.ts, and
 * above it the reason of every skip (a missing Chromium, a missing Electron binary).
 */
export default class SummaryReporter implements Reporter {
  #passed = 0;
  #failed = 0;
  #skipped = 0;
  #reasons = new Map<string, number>();

  onTestEnd(test: TestCase, result: TestResult): void {
    // Count each test once, by its final attempt.
    if (result.retry !== test.retries && result.status !== 'passed' && result.status !== 'skipped') return;
    const outcome = test.outcome();
    if (outcome === 'expected') this.#passed++;
    else if (outcome === 'skipped') {
      this.#skipped++;
      const reason = test.annotations.find((note) => note.type === 'skip')?.description;
      if (reason) this.#reasons.set(reason, (this.#reasons.get(reason) ?? 0) + 1);
    } else this.#failed++;
  }

  onEnd(result: FullResult): void {
    // A run that broke before its tests (a config or global-setup error) must not look green.
    if (result.status !== 'passed' && this.#failed === 0) this.#failed = 1;
    for (const [reason, count] of this.#reasons) process.stdout.write(`\nskipped ${count}: ${reason}`);
    process.stdout.write(`\n${this.#passed} passed, ${this.#failed} failed, ${this.#skipped} skipped\n`);
  }
}
