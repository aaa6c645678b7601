// A lock across processes, on a file beside the token store: `<store>.lock`, created exclusively
// (O_EXCL) and holding its owner's pid. Refresh tokens rotate and one used twice revokes the grant,
// so the programs that share a token store take turns to refresh (TokenStore.exclusive). A lock whose
// owner died (a crash, a kill -9) is taken over: its pid is gone, or it is older than any refresh.
import { open, readFile, rm, stat } from 'node:fs/promises';
import { DeviceLoginError } from '../core/errors.ts';

/** How long a caller waits for the lock before giving up with a `store` error. */
const WAIT_MS = 30_000;
/** A lock older than this is a leftover whatever its pid says (a refresh takes seconds; pids are reused). */
const STALE_MS = 120_000;
/** A lock file still empty this long after its creation belongs to a process that died creating it. */
const EMPTY_STALE_MS = 5_000;

/** Runs `work` holding the lock file at `lockPath`; waits (bounded) while another process holds it. */
export async function withLockFile<T>(lockPath: string, work: () => Promise<T>): Promise<T> {
  await acquire(lockPath);
  try {
    return await work();
  } finally {
    await rm(lockPath, { force: true });
  }
}

async function acquire(lockPath: string): Promise<void> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(lockPath, 'wx', 0o600);
      try {
        await handle.writeFile(JSON.stringify({ pid: process.pid, at: Date.now() }));
      } finally {
        await handle.close();
      }
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new DeviceLoginError('store', `Could not lock the token store (${lockPath}): ${(err as Error).message}`, { cause: err });
      }
    }
    if (await isStale(lockPath)) {
      await rm(lockPath, { force: true });
      continue;
    }
    if (Date.now() - started > WAIT_MS) {
      throw new DeviceLoginError(
        'store',
        `Another program has held the token store's lock for over ${WAIT_MS / 1000} s (${lockPath}). ` +
          'If no device-login program is running, remove that file.',
      );
    }
    // Short, jittered waits: a refresh holds the lock for one round trip.
    await new Promise((resolve) => setTimeout(resolve, Math.min(250, 20 * 2 ** Math.min(attempt, 4)) + Math.random() * 20));
  }
}

async function isStale(lockPath: string): Promise<boolean> {
  let text: string;
  let age: number;
  try {
    [text, age] = await Promise.all([readFile(lockPath, 'utf8'), stat(lockPath).then((s) => Date.now() - s.mtimeMs)]);
  } catch {
    return false; // released meanwhile: the next attempt takes it
  }
  if (age > STALE_MS) return true;
  let owner: { pid?: unknown };
  try {
    owner = JSON.parse(text) as { pid?: unknown };
  } catch {
    return age > EMPTY_STALE_MS;
  }
  if (typeof owner.pid !== 'number') return age > EMPTY_STALE_MS;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (err) {
    // EPERM: alive but another user's; only ESRCH says the owner is gone.
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
