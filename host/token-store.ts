import type { Logger, TokenStore } from '../core/ports.ts';
import type { StoredSession } from '../core/types.ts';
import { readPrivateFile, withFileQueue, writePrivateJsonFile } from './private-file.ts';

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
    return (await readPrivateFile(path, parse, { logger, now })) ?? { version: 1, sessions: {} };
  }

  const write = (file: TokenFile) => writePrivateJsonFile(path, file);

  return {
    path,
    load(key) {
      return withFileQueue(path, async () => {
        const session = (await read()).sessions[key];
        return session && session.version === 1 ? session : undefined;
      });
    },
    save(key, value) {
      return withFileQueue(path, async () => {
        const file = await read();
        file.sessions[key] = value;
        await write(file);
      });
    },
    remove(key) {
      return withFileQueue(path, async () => {
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
