// The closing line counts every failure the runner counts (issue: a run that vitest ended non-zero
// once closed on "0 failed"), and a worker stuck for good ends the run, named, instead of holding it
// until CI's time limit. Real vitest runs in a child process over the fixtures in
// test/fixtures/reporter, with the project's summary reporter.
import { execFile, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..');
const CONFIG = join(ROOT, 'test', 'fixtures', 'reporter', 'vitest.config.ts');

async function closingLine(filter: string): Promise<{ line: string; code: number; stdout: string }> {
  const vitest = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
  // A short grace, so that the stuck fixtures are found stuck within seconds.
  const env = { ...process.env, DEVICE_LOGIN_STUCK_GRACE_MS: '2000' };
  const { stdout, code } = await run(process.execPath, [vitest, 'run', '--config', CONFIG, filter], { cwd: ROOT, env, timeout: 60_000 }).then(
    ({ stdout: out }) => ({ stdout: out, code: 0 }),
    (err: { stdout?: string; code?: number }) => ({ stdout: err.stdout ?? '', code: err.code ?? 1 }),
  );
  const lines = stdout.split('\n').filter((line) => /^\d+ passed, \d+ failed, \d+ skipped$/.test(line));
  return { line: lines.at(-1) ?? '(no closing line)', code, stdout };
}

describe('the closing line', () => {
  it('says 0 failed for a file that passes (control)', async () => {
    expect(await closingLine('passes.fixture')).toMatchObject({ line: '1 passed, 0 failed, 0 skipped', code: 0 });
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

  // A worker that runs no event loop fires none of its timeouts; vitest alone would wait for ever.
  it('ends a run whose worker spins in JavaScript, naming the file and the function it spins in', async () => {
    const { line, code, stdout } = await closingLine('stuck.fixture');
    expect(code).not.toBe(0);
    expect(stdout).toMatch(/^STUCK: stuck\.fixture\.ts has reported nothing for \d+ s/m);
    expect(stdout).toContain('test file: ' + join(ROOT, 'test', 'fixtures', 'reporter', 'stuck.fixture.ts'));
    expect(stdout).toMatch(/at spinForever \(.*stuck\.fixture\.ts:\d+:\d+\)/);
    expect(line).toMatch(/^\d+ passed, 1 failed, 0 skipped$/);
  }, 60_000);

  it('ends a run whose worker waits in a native call, with its native stack where gdb is installed', async () => {
    const { line, code, stdout } = await closingLine('blocked.fixture');
    expect(code).not.toBe(0);
    expect(stdout).toMatch(/^STUCK: blocked\.fixture\.ts has reported nothing/m);
    expect(stdout).toContain('it is blocked outside JavaScript');
    // Where gdb may not attach (not root, ptrace restricted) it says so instead.
    if (spawnSync('gdb', ['--version']).status === 0) expect(stdout).toMatch(/native stack:\n\s+#0 |\(no native stack: gdb could not/);
    else expect(stdout).toContain('(no native stack: gdb is not installed)');
    expect(line).toBe('0 passed, 1 failed, 0 skipped');
  }, 60_000);

  it('ends a run whose file never finishes importing, which vitest gives no timeout', async () => {
    const { line, code, stdout } = await closingLine('idle.fixture');
    expect(code).not.toBe(0);
    expect(stdout).toMatch(/^STUCK: idle\.fixture\.ts has reported nothing/m);
    expect(stdout).toContain('it runs no JavaScript, waiting on something no timeout covers');
    expect(line).toBe('0 passed, 1 failed, 0 skipped');
  }, 60_000);
});
