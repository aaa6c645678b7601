import { relative } from 'node:path';
import type { Reporter, TestCase, TestModule, TestSpecification, TestSuite, Vitest } from 'vitest/node';
import { describeWorker, StuckWatch, workerPids, type StuckFile } from './stuck-worker.ts';

/** Marks the reason in the title of a suite skipped for a missing system part (test/fixtures/needs.ts). */
export const SKIP_MARK = ' [skipped: ';

/**
 * Prints one plain closing line, `N passed, N failed, N skipped`, that any CI can read, and above it
 * the reasons for skips. "failed" counts every failure the runner counts, not only failed tests: a
 * file that failed to load, a `beforeAll`/`afterAll` hook that threw (its tests may all have passed),
 * and every unhandled error. A run that vitest ends non-zero never closes on `0 failed`.
 *
 * A file whose worker stops running its event loop would keep vitest waiting forever: the reporter
 * watches for one (test/stuck-worker.ts), names it with what its worker was doing, and ends the run
 * with it counted as failed.
 */
export default class SummaryReporter implements Reporter {
  #watch: StuckWatch | undefined;
  #timer: NodeJS.Timeout | undefined;
  #testTimeoutMs = 5_000;
  #root = process.cwd();
  /** Results so far, for the closing line of a run that a stuck worker ends. */
  readonly #sofar = { passed: 0, failed: 0, skipped: 0 };

  onInit(vitest: Vitest): void {
    this.#testTimeoutMs = vitest.config.testTimeout;
    this.#root = vitest.config.root;
    this.#watch = new StuckWatch({ hookTimeoutMs: vitest.config.hookTimeout });
    this.#timer = setInterval(() => this.#checkStuck(), 5_000);
    this.#timer.unref();
  }

  onTestRunStart(specifications: ReadonlyArray<TestSpecification>): void {
    const root = this.#root;
    this.#watch?.runStarted(
      specifications.map((spec) => ({ id: spec.moduleId, file: relative(root, spec.moduleId) })),
      Date.now(),
    );
  }

  /** A worker has taken the file (its import, which vitest gives no timeout, is watched too). */
  onTestModuleQueued(mod: TestModule): void {
    this.#watch?.fileStarted(mod.moduleId, mod.relativeModuleId, Date.now());
  }

  onTestModuleStart(mod: TestModule): void {
    this.#watch?.fileStarted(mod.moduleId, mod.relativeModuleId, Date.now());
  }

  onTestCaseReady(test: TestCase): void {
    this.#watch?.testStarted(test.module.moduleId, test.id, test.fullName, test.options.timeout ?? this.#testTimeoutMs, Date.now());
  }

  onTestCaseResult(test: TestCase): void {
    this.#watch?.testEnded(test.module.moduleId, test.id, Date.now());
    const state = test.result().state;
    if (state === 'passed' || state === 'failed') this.#sofar[state]++;
    else this.#sofar.skipped++;
  }

  onTestModuleEnd(mod: TestModule): void {
    this.#watch?.fileEnded(mod.moduleId, Date.now());
  }

  #checkStuck(): void {
    const stuck = this.#watch?.stuck(Date.now()) ?? [];
    if (stuck.length === 0) return;
    clearInterval(this.#timer);
    void this.#endStuck(stuck);
  }

  /** Says which files are stuck and what their workers were doing, then ends the run as failed. */
  async #endStuck(stuck: StuckFile[]): Promise<void> {
    const say = (line: string) => process.stdout.write(`${line}\n`);
    say('');
    for (const file of stuck) {
      const under = file.tests.length > 0 ? ` during ${file.tests.map((name) => `"${name}"`).join(', ')}` : '';
      say(`STUCK: ${file.file} has reported nothing for ${Math.round(file.silentMs / 1000)} s${under}, past every timeout it has: its worker is stuck. Ending the run.`);
    }
    for (const pid of workerPids()) {
      try {
        for (const line of await describeWorker(pid)) say(line);
      } catch (err) {
        say(`worker ${pid}: could not be described (${err instanceof Error ? err.message : String(err)})`);
      }
      // Ends it, so that the next worker's inspector can open on the same port.
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    const { passed, failed, skipped } = this.#sofar;
    say(`\n${passed} passed, ${failed + stuck.length} failed, ${skipped} skipped`);
    process.exit(1);
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    this.#watch?.runEnded();
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
