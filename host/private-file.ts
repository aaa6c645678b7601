// Files that hold secrets (token stores): read with care, written atomically with owner-only modes.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DeviceLoginError } from '../core/errors.ts';
import type { Logger } from '../core/ports.ts';

// One queue per file path for the whole process: two stores on the same file must not interleave
// their read-modify-write cycles, or one save would silently drop the other's key.
const queues = new Map<string, Promise<unknown>>();

/** Runs `task` after every earlier task on the same path has settled. */
export function withFileQueue<T>(path: string, task: () => Promise<T>): Promise<T> {
  const previous = queues.get(path) ?? Promise.resolve();
  const next = previous.then(task, task);
  const tail = next.catch(() => undefined);
  queues.set(path, tail);
  void tail.then(() => {
    if (queues.get(path) === tail) queues.delete(path);
  });
  return next;
}

/**
 * Reads a file that `parse` understands. A missing file gives `undefined`. A file that `parse`
 * rejects is moved aside to `<file>.corrupt-<time>` with a warning, never overwritten; when it
 * cannot be moved, this throws rather than let the next write destroy it.
 */
export async function readPrivateFile<T>(
  path: string,
  parse: (text: string) => T | undefined,
  options: { logger?: Pick<Logger, 'warn'> | undefined; now?: () => number } = {},
): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new DeviceLoginError('store', `Cannot read the token store ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const parsed = parse(text);
  if (parsed !== undefined) return parsed;
  const now = options.now ?? Date.now;
  const aside = `${path}.corrupt-${new Date(now()).toISOString().replace(/[:.]/g, '-')}`;
  try {
    await rename(path, aside);
  } catch (err) {
    throw new DeviceLoginError(
      'store',
      `The token store ${path} is not valid JSON of device-login, and it could not be moved aside (${(err as Error).message}). Move or delete it, then try again.`,
      { cause: err },
    );
  }
  options.logger?.warn(`The token store ${path} was unreadable; it was moved to ${aside} and a new one is started.`);
  return undefined;
}

/** Writes `value` as JSON atomically (temp file in the same directory, fsync, rename): mode 0600, directory 0700. */
export async function writePrivateJsonFile(path: string, value: unknown): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(value, null, 2)}\n`, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    // The mode given to open() is reduced by the umask only, never widened; chmod makes it exact.
    await chmod(temp, 0o600);
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw new DeviceLoginError('store', `Cannot write the token store ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}
