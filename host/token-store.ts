import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DeviceLoginError } from '../core/errors.ts';
import type { Logger, TokenStore } from '../core/ports.ts';
import type { StoredSession } from '../core/types.ts';

/** The file's shape: one map of store key -> StoredSession. */
interface TokenFile {
  version: 1;
  sessions: Record<string, StoredSession>;
}

/** Options of the file TokenStore. */
export interface FileTokenStoreOptions {
  /** The JSON file (see host/paths.ts for the default in the user's config directory). */
  path: string;
  /** Told when a corrupt file is moved aside. */
  logger?: Pick<Logger, 'warn'>;
  /** For the name of a moved-aside corrupt file. */
  now?: () => number;
}

/** A TokenStore that also says where it keeps its file. */
export interface FileTokenStore extends TokenStore {
  readonly path: string;
}

// One queue per file path for the whole process: two stores on the same file must not interleave
// their read-modify-write cycles, or one save would silently drop the other's key.
const queues = new Map<string, Promise<unknown>>();

function serialised<T>(path: string, task: () => Promise<T>): Promise<T> {
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
 * The TokenStore port on one JSON file: mode 0600 in a 0700 directory, written atomically (a temp file
 * in the same directory, fsync, rename), saves serialised within the process. A file that is not ours
 * to read (corrupt JSON, wrong shape) is moved aside to `<file>.corrupt-<time>` with a warning, never
 * overwritten. Across processes the last writer wins, but no reader ever sees a half-written file.
 */
export function createFileTokenStore(options: FileTokenStoreOptions): FileTokenStore {
  const { path, logger } = options;
  const now = options.now ?? Date.now;

  async function read(): Promise<TokenFile> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, sessions: {} };
      throw new DeviceLoginError('store', `Cannot read the token store ${path}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    const parsed = parse(text);
    if (parsed) return parsed;
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
    logger?.warn(`The token store ${path} was unreadable; it was moved to ${aside} and a new one is started.`);
    return { version: 1, sessions: {} };
  }

  async function write(file: TokenFile): Promise<void> {
    const dir = dirname(path);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(file, null, 2)}\n`, 'utf8');
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

  return {
    path,
    load(key) {
      return serialised(path, async () => {
        const session = (await read()).sessions[key];
        return session && session.version === 1 ? session : undefined;
      });
    },
    save(key, value) {
      return serialised(path, async () => {
        const file = await read();
        file.sessions[key] = value;
        await write(file);
      });
    },
    remove(key) {
      return serialised(path, async () => {
        const file = await read();
        if (!(key in file.sessions)) return;
        delete file.sessions[key];
        await write(file);
      });
    },
  };
}

function parse(text: string): TokenFile | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const { version, sessions } = value as Partial<TokenFile>;
  if (version !== 1 || !sessions || typeof sessions !== 'object' || Array.isArray(sessions)) return undefined;
  return { version: 1, sessions: { ...sessions } };
}
