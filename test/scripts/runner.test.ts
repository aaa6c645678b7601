// The launcher's choice of Node.js (bin/runtime.js) and the closing line of `npm test` (scripts/test.ts).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chooseRuntime, isSupported } from '../../bin/runtime.js';
import { closingCounts, combine } from '../../scripts/test.ts';

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** A project folder, with or without the pinned node_modules/node/bin/node. */
function project(withPinned: boolean): string {
  const root = mkdtempSync(join(tmpdir(), 'runtime-'));
  roots.push(root);
  if (withPinned) {
    mkdirSync(join(root, 'node_modules', 'node', 'bin'), { recursive: true });
    writeFileSync(join(root, 'node_modules', 'node', 'bin', 'node'), '');
  }
  return root;
}

const node = (version: string, typescript: boolean) => ({
  version: `v${version}`,
  versions: { node: version },
  execPath: `/usr/bin/node-${version}`,
  features: { typescript },
});

describe('choosing the Node.js that runs device-login', () => {
  it('knows 22.12 as the oldest', () => {
    expect([isSupported('20.20.2'), isSupported('22.11.0'), isSupported('22.12.0'), isSupported('24.0.0')]).toEqual([false, false, true, true]);
  });

  it('runs on a recent Node.js as it is', () => {
    expect(chooseRuntime('cli.js', ['--version'], node('24.21.0', true), project(false))).toEqual({
      node: '/usr/bin/node-24.21.0',
      argv: ['cli.js', '--version'],
      asIs: true,
    });
  });

  it('adds the flags that 22.12 to 22.17 need', () => {
    const choice = chooseRuntime('cli.js', [], node('22.12.0', false), project(false));
    expect(choice.asIs).toBe(false);
    expect(choice.argv).toEqual(['--experimental-strip-types', '--experimental-sqlite', '--disable-warning=ExperimentalWarning', 'cli.js']);
  });

  it('moves from an old Node.js to the pinned one that npm install brought', () => {
    const root = project(true);
    expect(chooseRuntime('cli.js', ['a'], node('20.20.2', false), root)).toEqual({
      node: join(root, 'node_modules', 'node', 'bin', 'node'),
      argv: ['cli.js', 'a'],
      asIs: false,
    });
  });

  it('says in one sentence what to do when there is none', () => {
    const root = project(false);
    const { error } = chooseRuntime('cli.js', [], node('20.20.2', false), root);
    expect(error).toContain('needs Node.js 22.12 or newer, and this is Node.js v20.20.2');
    expect(error).toContain(`run \`npm install\` in ${root}`);
    expect(error?.split('\n')).toHaveLength(1);
  });
});

describe("npm test's closing line", () => {
  it('reads the last closing line of a runner', () => {
    expect(closingCounts('x\n3 passed, 1 failed, 2 skipped\nmore\n5 passed, 0 failed, 1 skipped\n')).toEqual({ passed: 5, failed: 0, skipped: 1 });
    expect(closingCounts('no line here')).toBeUndefined();
  });

  it('adds up both runners', () => {
    const { counts, ok, notes } = combine([
      { name: 'vitest', exitCode: 0, counts: { passed: 10, failed: 0, skipped: 2 } },
      { name: 'playwright', exitCode: 0, counts: { passed: 8, failed: 0, skipped: 2 } },
    ]);
    expect({ counts, ok, notes }).toEqual({ counts: { passed: 18, failed: 0, skipped: 4 }, ok: true, notes: [] });
  });

  it('never says 0 failed when a runner ended non-zero', () => {
    const { counts, ok, notes } = combine([{ name: 'vitest', exitCode: 1, counts: { passed: 10, failed: 0, skipped: 0 } }]);
    expect(counts.failed).toBe(1);
    expect(ok).toBe(false);
    expect(notes[0]).toContain('vitest ended with exit 1');
  });

  it('counts a runner that printed no closing line as failed', () => {
    const { counts, ok } = combine([{ name: 'playwright', exitCode: 0 }]);
    expect(counts.failed).toBe(1);
    expect(ok).toBe(false);
  });
});

describe('a machine without a part', () => {
  it('skips the tests that need Chromium, naming it and its install command in the closing lines', async () => {
    const { execFile } = await import('node:child_process');
    const root = join(import.meta.dirname, '..', '..');
    const output = await new Promise<string>((resolve) => {
      execFile(
        process.execPath,
        [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', 'test/server/pages.test.ts', '-t', 'Chromium'],
        { cwd: root, env: { ...process.env, CHROMIUM_PATH: join(root, 'no-such-chromium') }, timeout: 120_000 },
        (_err, stdout) => resolve(stdout),
      );
    });
    expect(output).toMatch(/^skipped \d+: Chromium is not installed: `sudo apt-get install chromium`/m);
    expect(output).toMatch(/^0 passed, 0 failed, \d+ skipped$/m);
  }, 150_000);
});
