// The token store's lock across processes (host/store-lock.ts): turns are taken, one at a time, and a
// lock left behind by a program that died is taken over instead of blocking every later refresh.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withLockFile } from '../../host/store-lock.ts';
import { cleanupAfterEach } from '../fixtures/lifecycle.ts';

const { tempDir } = cleanupAfterEach();

describe('the token store lock', () => {
  it('lets one holder work at a time and removes the lock file after', async () => {
    const lock = join(await tempDir('store-lock-'), 'tokens.json.lock');
    let inside = 0;
    let most = 0;
    const turn = () =>
      withLockFile(lock, async () => {
        inside += 1;
        most = Math.max(most, inside);
        await new Promise((resolve) => setTimeout(resolve, 30));
        inside -= 1;
      });
    await Promise.all([turn(), turn(), turn(), turn()]);
    expect(most).toBe(1);
    expect(existsSync(lock)).toBe(false);
  });

  it('takes over a lock whose owner died (its pid is gone)', async () => {
    const lock = join(await tempDir('store-lock-'), 'tokens.json.lock');
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    await writeFile(lock, JSON.stringify({ pid: dead, at: Date.now() }));
    const started = Date.now();
    await expect(withLockFile(lock, async () => 'mine')).resolves.toBe('mine');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('releases the lock when the work fails', async () => {
    const lock = join(await tempDir('store-lock-'), 'tokens.json.lock');
    await expect(withLockFile(lock, async () => Promise.reject(new Error('refresh failed')))).rejects.toThrow('refresh failed');
    expect(existsSync(lock)).toBe(false);
  });
});
