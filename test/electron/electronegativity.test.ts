// The CI check of scripts/electronegativity.ts: it passes on the Electron shell as written and fails
// on a window that turns the protections off (electronegativity itself always exits 0).
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

async function check(input?: string): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run(process.execPath, ['scripts/electronegativity.ts', ...(input ? [input] : [])], { timeout: 60_000 });
    return { code: 0, stdout };
  } catch (err) {
    const e = err as { code?: number; stdout?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '' };
  }
}

describe('the electronegativity check', () => {
  it('passes on electron/ with no HIGH finding', async () => {
    const { code, stdout } = await check();
    expect(stdout).toContain('OK: no HIGH findings.');
    expect(stdout).not.toMatch(/^\s+HIGH/m);
    expect(code).toBe(0);
  });

  it('exits 1 on a window without context isolation and without navigation limits', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'eneg-'));
    try {
      await writeFile(
        join(dir, 'main.ts'),
        "import { BrowserWindow } from 'electron';\n" +
          'export const w = new BrowserWindow({ webPreferences: { nodeIntegration: true, contextIsolation: false, sandbox: false } });\n',
      );
      const { code, stdout } = await check(dir);
      expect(stdout).toMatch(/HIGH\s+\S+\s+CONTEXT_ISOLATION_JS_CHECK/);
      expect(stdout).toContain('FAIL:');
      expect(code).toBe(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
