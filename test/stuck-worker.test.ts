// When the run's watch calls a file stuck (test/stuck-worker.ts): only past every timeout the file has,
// plus the grace. The reporter's end-to-end behaviour on real stuck workers is in summary-reporter.test.ts.
import { describe, expect, it } from 'vitest';
import { StuckWatch } from './stuck-worker.ts';

const HOOK = 30_000;
const GRACE = 120_000;
const watch = () => new StuckWatch({ hookTimeoutMs: HOOK, graceMs: GRACE });

/** A watch over a run of two files, a.test.ts and b.test.ts, started at 0. */
function runOfTwo(): StuckWatch {
  const w = watch();
  w.runStarted(
    [
      { id: '/a', file: 'a.test.ts' },
      { id: '/b', file: 'b.test.ts' },
    ],
    0,
  );
  return w;
}

describe('the stuck-worker watch', () => {
  it('gives a test under way its own timeout, two hook timeouts and the grace', () => {
    const w = watch();
    w.runStarted([{ id: '/a', file: 'a.test.ts' }], 0);
    w.fileStarted('/a', 'a.test.ts', 0);
    w.testStarted('/a', 't1', 'a slow one', 240_000, 1_000);
    const deadline = 1_000 + 240_000 + 2 * HOOK + GRACE;
    expect(w.stuck(deadline)).toEqual([]);
    expect(w.stuck(deadline + 1)).toEqual([{ file: 'a.test.ts', silentMs: deadline + 1 - 1_000, tests: ['a slow one'] }]);
  });

  it('gives a file between tests (its import, its hooks) one hook timeout and the grace', () => {
    const w = watch();
    w.runStarted([{ id: '/a', file: 'a.test.ts' }], 0);
    w.fileStarted('/a', 'a.test.ts', 5_000);
    expect(w.stuck(5_000 + HOOK + GRACE)).toEqual([]);
    expect(w.stuck(5_001 + HOOK + GRACE).map((s) => s.file)).toEqual(['a.test.ts']);
    // A test that ended moves the file's clock on.
    w.testStarted('/a', 't1', 'quick', 30_000, 100_000);
    w.testEnded('/a', 't1', 101_000);
    expect(w.stuck(101_000 + HOOK + GRACE)).toEqual([]);
  });

  it('never calls a file stuck that a worker has not taken while another file is under way', () => {
    const w = runOfTwo();
    w.fileStarted('/a', 'a.test.ts', 0);
    w.testStarted('/a', 't1', 'long', 600_000, 0);
    expect(w.stuck(600_000)).toEqual([]);
  });

  it('calls the files still to come stuck when nothing has been heard of the run for a hook timeout and the grace', () => {
    const w = runOfTwo();
    w.fileStarted('/a', 'a.test.ts', 0);
    w.fileEnded('/a', 10_000);
    expect(w.stuck(10_000 + HOOK + GRACE)).toEqual([]);
    expect(w.stuck(10_001 + HOOK + GRACE)).toEqual([{ file: 'b.test.ts', silentMs: HOOK + GRACE + 1, tests: [] }]);
    w.fileEnded('/b', 200_000);
    expect(w.stuck(10_000_000)).toEqual([]);
  });

  it('forgets what an ended or replaced run left (watch mode)', () => {
    const w = watch();
    w.runStarted([{ id: '/a', file: 'a.test.ts' }], 0);
    w.fileStarted('/a', 'a.test.ts', 0);
    w.runStarted([{ id: '/b', file: 'b.test.ts' }], 1_000);
    w.fileStarted('/b', 'b.test.ts', 1_000);
    w.fileEnded('/b', 2_000);
    expect(w.stuck(10_000_000)).toEqual([]);
    w.runStarted([{ id: '/c', file: 'c.test.ts' }], 0);
    w.runEnded();
    expect(w.stuck(10_000_000)).toEqual([]);
  });
});
