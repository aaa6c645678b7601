// The token file: the sessions, and what each login signed in with (server, client, scope; never a
// secret), so that status, token, logout and the next login find their way back without flags.
import type { Logger, TokenStore } from '../core/ports.ts';
import type { StoredSession } from '../core/types.ts';
import type { RememberedSignIn } from './config.ts';
import { readPrivateFile, withFileQueue, writePrivateJsonFile } from './private-file.ts';

/** The file's shape: one map of store key -> StoredSession, and one of store key -> what its login used. */
interface TokenFile {
  version: 1;
  sessions: Record<string, StoredSession>;
  /** Read as it is: host/config.ts validates an entry before it uses one. */
  signIns?: Record<string, unknown>;
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

function parse(text: string): TokenFile | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const { version, sessions, signIns } = value as Partial<TokenFile>;
  if (version !== 1 || !sessions || typeof sessions !== 'object' || Array.isArray(sessions)) return undefined;
  // A signIns member of the wrong shape is dropped, not the file: it holds no tokens, only a convenience.
  const remembered = signIns && typeof signIns === 'object' && !Array.isArray(signIns) ? { signIns: { ...signIns } } : {};
  return { version: 1, sessions: { ...sessions }, ...remembered };
}
