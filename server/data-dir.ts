// The embedded server's data directory holds live secrets: the signing keys, the OAuth store (whose
// rows name sessions and grants), the users' password hashes and the demo password. Whoever creates
// it (`serve`, `web`, Electron, `users add --data NEW`) makes it 0700 and its files 0600, whatever
// the umask. A directory that already exists with group or other access is tightened when this user
// owns it: earlier versions made it 0755 (`users add`), and it holds nothing another user may read,
// so refusing would only make every upgrade a manual step. One that belongs to someone else is
// never changed behind their back: start-up refuses, saying why and the command that fixes it.
import { accessSync, chmodSync, closeSync, constants as fsConstants, existsSync, mkdirSync, openSync, readdirSync, statSync, type Stats } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

import { DeviceLoginError } from '../core/errors.ts';

/** Mode of the data directory: its owner only. */
export const PRIVATE_DIR_MODE = 0o700;
/** Mode of every file in it: its owner only. */
export const PRIVATE_FILE_MODE = 0o600;

// Windows has no POSIX modes (chmod there only toggles read-only) and no uids.
const POSIX = process.platform !== 'win32';

function octal(mode: number): string {
  return (mode & 0o777).toString(8).padStart(4, '0');
}

/** Quotes a path for a POSIX shell, so the fix we print can be pasted as it is. */
function shellQuote(path: string): string {
  return `'${path.replaceAll("'", "'\\''")}'`;
}

/**
 * Gives `path` exactly `mode` when it has more; true when it had to change. A path with group or
 * other access that another user owns is refused (root included: it is someone else's to change),
 * naming the command that fixes it.
 */
function tighten(path: string, mode: number, what: 'data directory' | 'file'): boolean {
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch (err) {
    // A -wal or -shm file that SQLite removed as another process closed the database.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  if (!POSIX || (stats.mode & 0o777 & ~mode) === 0) return false;
  const uid = process.getuid?.();
  if (uid !== undefined && stats.uid !== uid) {
    throw new DeviceLoginError(
      'configuration',
      `The ${what} ${path} is open to other users (mode ${octal(stats.mode)}) and belongs to another user (uid ${stats.uid}), ` +
        'so device-login will not change it, and will not keep tokens and password hashes where others can read them. ' +
        `Run as its owner: chmod ${octal(mode)} ${shellQuote(path)}; or choose a directory of your own with --data DIR.`,
    );
  }
  chmodSync(path, mode);
  return true;
}

/**
 * Makes sure the data directory exists, is writable and private: 0700, each file in it 0600. Returns
 * its absolute path; `warn` hears when an existing directory or file had to be tightened.
 */
export function preparePrivateDataDir(dataDir: string, warn?: (message: string) => void): string {
  const absolute = resolve(dataDir);
  try {
    // One level at a time: Node's recursive mkdir spins forever on some special file systems (/proc).
    const missing: string[] = [];
    for (let dir = absolute; !existsSync(dir); dir = dirname(dir)) missing.unshift(dir);
    // mkdir's mode is narrowed by the umask but never widened; tighten() below makes it exact.
    for (const dir of missing) mkdirSync(dir, { mode: PRIVATE_DIR_MODE });
    accessSync(absolute, fsConstants.W_OK);
  } catch (cause) {
    throw new DeviceLoginError('configuration', `The data directory ${absolute} cannot be created or is not writable.`, { cause });
  }
  const tightened: string[] = [];
  if (tighten(absolute, PRIVATE_DIR_MODE, 'data directory')) tightened.push('the directory');
  for (const entry of readdirSync(absolute, { withFileTypes: true })) {
    // Regular files only: the keys, the SQLite files with their -wal and -shm, the demo password.
    if (!entry.isFile()) continue;
    if (tighten(join(absolute, entry.name), PRIVATE_FILE_MODE, 'file')) tightened.push(entry.name);
  }
  if (tightened.length > 0 && warn) {
    warn(`The data directory ${absolute} was open to other users; made private (${tightened.join(', ')}: owner only).`);
  }
  return absolute;
}

/**
 * Opens a SQLite database whose file, and the -wal and -shm files SQLite makes beside it, only the
 * owner can read. SQLite gives a new -wal or -shm file the mode of the database file whatever the
 * umask, so creating the database 0600 first is what keeps them private; files left by an earlier
 * version are tightened here.
 */
export function openPrivateDatabase(file: string): DatabaseSync {
  if (file === ':memory:') return new DatabaseSync(file);
  mkdirSync(dirname(file), { recursive: true, mode: PRIVATE_DIR_MODE });
  closeSync(openSync(file, 'a', PRIVATE_FILE_MODE));
  tighten(file, PRIVATE_FILE_MODE, 'file');
  const db = new DatabaseSync(file);
  try {
    for (const companion of [`${file}-wal`, `${file}-shm`, `${file}-journal`]) tighten(companion, PRIVATE_FILE_MODE, 'file');
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}
