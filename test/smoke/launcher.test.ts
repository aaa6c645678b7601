import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('the device-login launcher', () => {
  it('runs the TypeScript CLI unbuilt and answers --version with the package version', async () => {
    const { stdout } = await run(process.execPath, ['bin/device-login.js', '--version']);
    const pkg = (await import('../../package.json', { with: { type: 'json' } })).default;
    expect(stdout.trim()).toBe(pkg.version);
  });
});
