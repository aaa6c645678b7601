// The Electron TokenStore: sessions encrypted with safeStorage's asynchronous API (the OS keychain on
// macOS, DPAPI on Windows, libsecret/KWallet on Linux). On Linux without a keyring, Electron falls
// back to the `basic_text` backend, whose key is a constant: that is obfuscation, not protection, so
// tokens are then kept in memory only unless the user opts in with allowPlaintextTokenStorage.
import type { Logger, TokenStore } from '../core/ports.ts';
import type { StoredSession } from '../core/types.ts';
import { readPrivateFile, withFileQueue, writePrivateJsonFile } from '../host/private-file.ts';
import { createFileTokenStore } from '../host/token-store.ts';

/** The part of Electron's safeStorage used here (a structural type, so tests can pass a stub). */
export interface SafeStorageLike {
  isAsyncEncryptionAvailable(): Promise<boolean>;
  encryptStringAsync(plainText: string): Promise<Buffer>;
  decryptStringAsync(encrypted: Buffer): Promise<{ result: string; shouldReEncrypt: boolean }>;
  /** Linux only. */
  getSelectedStorageBackend?(): string;
}

/** How tokens are kept, decided once at start-up. */
export type StoragePolicy =
  | { mode: 'encrypted'; backend: string }
  /** basic_text on Linux, opted in: encrypted with a constant key. */
  | { mode: 'weakly-encrypted'; backend: string; warning: string }
  /** No encryption at all, opted in: the plain JSON file of host/token-store.ts. */
  | { mode: 'plaintext'; warning: string }
  /** Refused: tokens live as long as the process; the reason is shown on screen. */
  | { mode: 'memory-only'; reason: string };

const OPT_IN = 'Start with --allow-plaintext-token-storage (or DEVICE_LOGIN_ALLOW_PLAINTEXT_TOKEN_STORAGE=1) to store them anyway';

/** Decides how tokens may be stored, from what safeStorage offers on this machine and the user's opt-in. */
export async function chooseStoragePolicy(options: {
  safeStorage: SafeStorageLike;
  platform: NodeJS.Platform;
  allowPlaintextTokenStorage: boolean;
}): Promise<StoragePolicy> {
  const { safeStorage, platform, allowPlaintextTokenStorage: allow } = options;
  let available: boolean;
  try {
    available = await safeStorage.isAsyncEncryptionAvailable();
  } catch {
    available = false;
  }
  const backend = platform === 'linux' ? (safeStorage.getSelectedStorageBackend?.() ?? 'unknown') : platform;

  if (!available) {
    if (allow) {
      return {
        mode: 'plaintext',
        warning: 'Encryption is not available here; tokens are stored unencrypted because allowPlaintextTokenStorage is on.',
      };
    }
    return {
      mode: 'memory-only',
      reason: `Encryption is not available here, so tokens are kept in memory only and you will sign in again after a restart. ${OPT_IN}.`,
    };
  }
  if (platform === 'linux' && (backend === 'basic_text' || backend === 'unknown')) {
    if (allow) {
      return {
        mode: 'weakly-encrypted',
        backend,
        warning:
          'No system keyring (libsecret or KWallet) was found: tokens are stored with a fixed key, readable by anyone who can read your files, because allowPlaintextTokenStorage is on.',
      };
    }
    return {
      mode: 'memory-only',
      reason: `No system keyring (libsecret or KWallet) was found, so tokens are kept in memory only and you will sign in again after a restart. ${OPT_IN} (readable by anyone who can read your files).`,
    };
  }
  return { mode: 'encrypted', backend };
}

/** The encrypted file's shape: store key -> base64 of safeStorage's ciphertext of the session JSON. */
interface EncryptedFile {
  version: 1;
  format: 'electron-safe-storage';
  sessions: Record<string, string>;
}

/** Options of createSafeTokenStore. */
export interface SafeTokenStoreOptions {
  policy: StoragePolicy;
  safeStorage: SafeStorageLike;
  /** The encrypted file (in Electron's userData directory). */
  path: string;
  /** The unencrypted file used only in `plaintext` mode. */
  plaintextPath: string;
  logger: Pick<Logger, 'warn' | 'info'>;
}

/** A TokenStore that follows the policy: encrypted file, plain file (opted in) or memory only. */
export function createSafeTokenStore(options: SafeTokenStoreOptions): TokenStore {
  const { policy } = options;
  if (policy.mode === 'memory-only') return createMemoryTokenStore();
  if (policy.mode === 'plaintext') return createFileTokenStore({ path: options.plaintextPath, logger: options.logger });
  return createEncryptedFileStore(options);
}

/** Sessions held for the life of the process only. */
export function createMemoryTokenStore(): TokenStore {
  const sessions = new Map<string, StoredSession>();
  return {
    load: async (key) => structuredClone(sessions.get(key)),
    save: async (key, value) => {
      sessions.set(key, structuredClone(value));
    },
    remove: async (key) => {
      sessions.delete(key);
    },
  };
}

function createEncryptedFileStore(options: SafeTokenStoreOptions): TokenStore {
  const { path, safeStorage, logger } = options;
  const serialised = <T>(task: () => Promise<T>) => withFileQueue(path, task);
  const read = async () => (await readPrivateFile(path, parseFile, { logger })) ?? empty();
  const write = (file: EncryptedFile) => writePrivateJsonFile(path, file);

  async function encrypt(value: StoredSession): Promise<string> {
    return (await safeStorage.encryptStringAsync(JSON.stringify(value))).toString('base64');
  }

  const store: TokenStore = {
    load(key) {
      return serialised(async () => {
        const sealed = (await read()).sessions[key];
        if (sealed === undefined) return undefined;
        let decrypted: { result: string; shouldReEncrypt: boolean };
        try {
          decrypted = await safeStorage.decryptStringAsync(Buffer.from(sealed, 'base64'));
        } catch {
          // A reset keyring or a copied profile: the session cannot be recovered, so sign in again.
          logger.warn('A stored session could not be decrypted (was the system keyring reset?); sign in again.');
          return undefined;
        }
        let session: StoredSession | undefined;
        try {
          const value = JSON.parse(decrypted.result) as StoredSession;
          session = value && value.version === 1 ? value : undefined;
        } catch {
          session = undefined;
        }
        if (session && decrypted.shouldReEncrypt) {
          // The key was rotated: seal it again with the current one.
          const file = await read();
          file.sessions[key] = await encrypt(session);
          await write(file);
          logger.info('A stored session was re-encrypted with the current key.');
        }
        return session;
      });
    },
    save(key, value) {
      return serialised(async () => {
        const sealed = await encrypt(value);
        const file = await read();
        file.sessions[key] = sealed;
        await write(file);
      });
    },
    remove(key) {
      return serialised(async () => {
        const file = await read();
        if (!(key in file.sessions)) return;
        delete file.sessions[key];
        await write(file);
      });
    },
  };
  return store;
}

function empty(): EncryptedFile {
  return { version: 1, format: 'electron-safe-storage', sessions: {} };
}

function parseFile(text: string): EncryptedFile | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const { version, format, sessions } = value as Partial<EncryptedFile>;
  if (version !== 1 || format !== 'electron-safe-storage' || !sessions || typeof sessions !== 'object') return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(sessions)) if (typeof v === 'string') out[k] = v;
  return { version: 1, format: 'electron-safe-storage', sessions: out };
}
