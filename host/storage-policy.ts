// How the TV app keeps tokens, decided once at start-up from what the system keyring offers. On Linux
// without a keyring, Electron falls back to the `basic_text` backend, whose key is a constant: that is
// obfuscation, not protection, so tokens are then kept in memory only unless the user opts in with
// allowPlaintextTokenStorage.
import type { Logger, TokenStore } from '../core/ports.ts';
import type { NoticeCode } from './contract.ts';
import { createMemoryTokenStore } from './memory-token-store.ts';
import { createFileTokenStore, type SessionCodec } from './token-store.ts';

/** A codec backed by the system keyring (Electron's safeStorage), which says whether it can seal here. */
export interface KeyringCodec extends SessionCodec {
  available(): Promise<boolean>;
  /** Asked on Linux only: the secret store behind it (`basic_text` is none). */
  backend(): string;
}

/** How tokens are kept. */
export type StoragePolicy =
  | { mode: 'encrypted'; backend: string }
  /** basic_text on Linux, opted in: encrypted with a constant key. */
  | { mode: 'weakly-encrypted'; backend: string; warning: string }
  /** No encryption at all, opted in: the plain JSON file of host/token-store.ts. */
  | { mode: 'plaintext'; warning: string }
  /** Refused: tokens live as long as the process; the reason is logged and the TV says so. */
  | { mode: 'memory-only'; reason: string };

const OPT_IN = 'Start with --allow-plaintext-token-storage (or DEVICE_LOGIN_ALLOW_PLAINTEXT_TOKEN_STORAGE=1) to store them anyway';

/** Decides how tokens may be stored, from what the keyring offers on this machine and the user's opt-in. */
export async function chooseStoragePolicy(options: {
  keyring: KeyringCodec;
  platform: NodeJS.Platform;
  allowPlaintextTokenStorage: boolean;
}): Promise<StoragePolicy> {
  const { keyring, platform, allowPlaintextTokenStorage: allow } = options;
  const available = await keyring.available().catch(() => false);
  if (!available) {
    return allow
      ? { mode: 'plaintext', warning: 'Encryption is not available here; tokens are stored unencrypted because allowPlaintextTokenStorage is on.' }
      : {
          mode: 'memory-only',
          reason: `Encryption is not available here, so tokens are kept in memory only and you will sign in again after a restart. ${OPT_IN}.`,
        };
  }
  if (platform !== 'linux') return { mode: 'encrypted', backend: platform };
  let backend: string;
  try {
    backend = keyring.backend();
  } catch {
    backend = 'unknown';
  }
  if (backend !== 'basic_text' && backend !== 'unknown') return { mode: 'encrypted', backend };
  return allow
    ? {
        mode: 'weakly-encrypted',
        backend,
        warning:
          'No system keyring (libsecret or KWallet) was found: tokens are stored with a fixed key, readable by anyone who can read your files, because allowPlaintextTokenStorage is on.',
      }
    : {
        mode: 'memory-only',
        reason: `No system keyring (libsecret or KWallet) was found, so tokens are kept in memory only and you will sign in again after a restart. ${OPT_IN} (readable by anyone who can read your files).`,
      };
}

/** Options of openTokenStorage. */
export interface TokenStorageOptions {
  keyring: KeyringCodec;
  platform: NodeJS.Platform;
  allowPlaintextTokenStorage: boolean;
  /** The sealed file (in the app's data directory). */
  path: string;
  /** The unsealed file, used only in `plaintext` mode. */
  plaintextPath: string;
  logger: Pick<Logger, 'info' | 'warn'>;
}

/**
 * Opens the store the policy allows (sealed file, plain file or memory), logs how tokens are kept
 * (with the flag that changes it, for whoever set the TV up) and returns the notice the TV words for
 * the viewer when they are not kept safely.
 */
export async function openTokenStorage(
  options: TokenStorageOptions,
): Promise<{ policy: StoragePolicy; store: TokenStore; notice?: NoticeCode }> {
  const { keyring, logger } = options;
  const policy = await chooseStoragePolicy(options);
  switch (policy.mode) {
    case 'encrypted':
      logger.info('tokens are encrypted with the system keyring', { backend: policy.backend });
      return { policy, store: createFileTokenStore({ path: options.path, codec: keyring, logger }) };
    case 'weakly-encrypted':
      logger.warn(policy.warning);
      return { policy, store: createFileTokenStore({ path: options.path, codec: keyring, logger }), notice: 'tokens_unencrypted' };
    case 'plaintext':
      logger.warn(policy.warning);
      return { policy, store: createFileTokenStore({ path: options.plaintextPath, logger }), notice: 'tokens_unencrypted' };
    case 'memory-only':
      logger.warn(policy.reason);
      return { policy, store: createMemoryTokenStore(), notice: 'tokens_memory_only' };
  }
}
