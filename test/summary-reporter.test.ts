// The closing line counts every failure the runner counts (issue: a run that vitest ended non-zero
// once closed on "0 failed"). Real vitest runs in a child process over the fixtures in
// test/fixtures/reporter, with the project's summary reporter.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..');
const CONFIG = join(ROOT, 'test', 'fixtures', 'reporter', 'vitest.config.ts');

async function closingLine(filter: string): Promise<{ line: string; code: number }> {
  const vitest = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
  const { stdout, code } = await run(process.execPath, [vitest, 'run', '--config', CONFIG, filter], { cwd: ROOT, timeout: 60_000 }).then(
    ({ stdout: out }) => ({ stdout: out, code: 0 }),
    (err: { stdout?: string; code?: number }) => ({ stdout: err.stdout ?? '', code: err.code ?? 1 }),
  );
  const lines = stdout.split('\n').filter((line) => /^\d+ passed, \d+ failed, \d+ skipped$/.test(line));
  return { line: lines.at(-1) ?? '(no closing line)', code };
}

describe('the closing line', () => {
  it('says 0 failed for a file that passes (control)', async () => {
    expect(await closingLine('passes.fixture')).toEqual({ line: '1 passed, 0 failed, 0 skipped', code: 0 });
  });

  it('counts an afterAll hook that throws, though every test passed', async () => {
    const { line, code } = await closingLine('after-all-throws.fixture');
    expect(code).not.toBe(0);
    expect(line).toBe('1 passed, 1 failed, 0 skipped');
  });

  it('counts a test file whose import fails', async () => {
    const { line, code } = await closingLine('import-fails.fixture');
    expect(code).not.toBe(0);
    expect(line).toBe('0 passed, 1 failed, 0 skipped');
  });
});
