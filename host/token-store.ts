// The token file: the sessions, and what each login signed in with (server, client, scope; never a
// secret), so that status, token, logout and the next login find their way back without flags. With a
// codec, each session is sealed before it is written (the TV app seals with Electron's safeStorage).
import type { Logger, TokenStore } from '../core/ports.ts';
import type { StoredSession } from '../core/types.ts';
import type { RememberedSignIn } from './config.ts';
import { readPrivateFile, withFileQueue, writePrivateJsonFile } from './private-file.ts';
import { withLockFile } from './store-lock.ts';

/** The file's shape: one map of store key -> session, and one of store key -> what its login used. */
interface TokenFile {
  version: 1;
  /** The codec's name when sessions are sealed: a file sealed another way (or not at all) is not ours to read. */
  format?: string;
  /** A StoredSession each, or with a codec the sealed text of one. */
  sessions: Record<string, unknown>;
  /** Read as it is: host/config.ts validates an entry before it uses one. */
  signIns?: Record<string, unknown>;
}

/** Seals a session's JSON before it is written and opens it when read (a system keyring, for one). */
export interface SessionCodec {
  /** Written into the file and required when it is read. */
  readonly format: string;
  seal(text: string): Promise<string>;
  /** Throws when the text cannot be opened; `reseal` when it was sealed with a key since rotated. */
  unseal(sealed: string): Promise<{ text: string; reseal: boolean }>;
}

/** Options of the file TokenStore. */
export interface FileTokenStoreOptions {
  /** The JSON file (see host/paths.ts for the default in the user's config directory). */
  path: string;
  /** Told when a corrupt file is moved aside. */
  logger?: Pick<Logger, 'warn'>;
  /** For the name of a moved-aside corrupt file. */
  now?: () => number;
  /** Seals every session written; without one, sessions are plain JSON in the file. */
  codec?: SessionCodec;
}

/** A TokenStore that also says where it keeps its file, and remembers what each login signed in with. */
export interface FileTokenStore extends TokenStore {
  readonly path: string;
  /** What earlier logins signed in with, by store key, as written (validate before use: host/config.ts). */
  signIns(): Promise<Record<string, unknown>>;
  /** Remembers what a login signed in with under its store key; only the fields of RememberedSignIn are written. */
  rememberSignIn(key: string, signIn: RememberedSignIn): Promise<void>;
}

/**
 * The TokenStore port on one JSON file: mode 0600 in a 0700 directory, written atomically (a temp file
 * in the same directory, fsync, rename), saves serialised within the process. A file that is not ours
 * to read (corrupt JSON, wrong shape) is moved aside to `<file>.corrupt-<time>` with a warning, never
 * overwritten. Across processes the last writer wins, but no reader ever sees a half-written file;
 * a refresh runs under the store's lock file (`exclusive`), so programs sharing the file take turns.
 */
export function createFileTokenStore(options: FileTokenStoreOptions): FileTokenStore {
  const { path, logger, codec } = options;
  const now = options.now ?? Date.now;
  const format = codec ? { format: codec.format } : {};

  async function read(): Promise<TokenFile> {
    const file = await readPrivateFile(path, (text) => parse(text, codec?.format), { logger, now });
    return file ?? { version: 1, ...format, sessions: {} };
  }

  const write = (file: TokenFile) => writePrivateJsonFile(path, file);
  const seal = async (value: StoredSession) => (codec ? codec.seal(JSON.stringify(value)) : value);

  /** The session behind one entry; a sealed one rotated to a new key is sealed again in `file`. */
  async function open(file: TokenFile, key: string): Promise<StoredSession | undefined> {
    const entry = file.sessions[key];
    if (!codec) return isSession(entry) ? entry : undefined;
    if (typeof entry !== 'string') return undefined;
    let opened: { text: string; reseal: boolean };
    try {
      opened = await codec.unseal(entry);
    } catch {
      // A reset keyring or a copied profile: the session cannot be recovered, so sign in again.
      logger?.warn('A stored session could not be decrypted (was the system keyring reset?); sign in again.');
      return undefined;
    }
    const session = parseSession(opened.text);
    if (session && opened.reseal) {
      file.sessions[key] = await seal(session);
      await write(file);
    }
    return session;
  }

  return {
    path,
    load(key) {
      return withFileQueue(path, async () => open(await read(), key));
    },
    save(key, value) {
      return withFileQueue(path, async () => {
        const file = await read();
        file.sessions[key] = await seal(value);
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
    // The lock file beside the store, for the programs that share it (a refresh must not run twice).
    exclusive: (work) => withLockFile(`${path}.lock`, work),
    // Kept after a logout: it holds no secret, and `login` with no flags signs in to the same server again.
    signIns() {
      return withFileQueue(path, async () => ({ ...(await read()).signIns }));
    },
    rememberSignIn(key, signIn) {
      return withFileQueue(path, async () => {
        const file = await read();
        file.signIns = { ...file.signIns, [key]: onlyRemembered(signIn) };
        await write(file);
      });
    },
  };
}

/**
 * The fields of a RememberedSignIn and nothing else, built anew: whatever else a caller's object
 * carries at run time (a client secret in a ClientSettings passed where it should not be) stays out.
 */
function onlyRemembered(signIn: RememberedSignIn): RememberedSignIn {
  const { provider, client } = signIn;
  const endpoints = provider.endpoints;
  return JSON.parse(
    JSON.stringify({
      provider: {
        provider: provider.provider,
        issuer: provider.issuer,
        baseUrl: provider.baseUrl,
        tenant: provider.tenant,
        domain: provider.domain,
        realm: provider.realm,
        region: provider.region,
        startUrl: provider.startUrl,
        endpoints: endpoints && {
          deviceAuthorizationEndpoint: endpoints.deviceAuthorizationEndpoint,
          tokenEndpoint: endpoints.tokenEndpoint,
          userinfoEndpoint: endpoints.userinfoEndpoint,
          revocationEndpoint: endpoints.revocationEndpoint,
        },
      },
      client: { clientId: client.clientId, scope: client.scope, audience: client.audience },
      clientSecret: signIn.clientSecret === 'required' ? 'required' : undefined,
      usedAt: signIn.usedAt,
    }),
  ) as RememberedSignIn;
}

/** The file as written by this store (with `format` exactly when a codec sealed it), or undefined. */
function parse(text: string, format: string | undefined): TokenFile | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(value)) return undefined;
  const { version, sessions, signIns } = value as Partial<TokenFile>;
  if (version !== 1 || value.format !== format || !isRecord(sessions)) return undefined;
  // A signIns member of the wrong shape is dropped, not the file: it holds no tokens, only a convenience.
  const remembered = isRecord(signIns) ? { signIns: { ...signIns } } : {};
  return { version: 1, ...(format ? { format } : {}), sessions: { ...sessions }, ...remembered };
}

function parseSession(text: string): StoredSession | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isSession(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function isSession(value: unknown): value is StoredSession {
  return isRecord(value) && value.version === 1;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return Boolean(value) && typeof value === 'object' && !Array.isArray(value);
}
