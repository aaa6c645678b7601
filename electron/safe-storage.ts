// Electron's safeStorage as the token file's codec (host/storage-policy.ts decides whether to use it):
// the OS keychain on macOS, DPAPI on Windows, libsecret/KWallet on Linux.
import type { KeyringCodec } from '../host/storage-policy.ts';

/** The calls of safeStorage used here (structural, so that a test can hand in its own). */
export type SafeStorageLike = Pick<
  Electron.SafeStorage,
  'isAsyncEncryptionAvailable' | 'getSelectedStorageBackend' | 'encryptStringAsync' | 'decryptStringAsync'
>;

/** Seals sessions with safeStorage's asynchronous API, as base64 in the file. */
export function safeStorageCodec(safeStorage: SafeStorageLike): KeyringCodec {
  return {
    // The name files written before the codec existed carry, so that they are still read.
    format: 'electron-safe-storage',
    available: () => safeStorage.isAsyncEncryptionAvailable(),
    backend: () => safeStorage.getSelectedStorageBackend(),
    seal: async (text) => (await safeStorage.encryptStringAsync(text)).toString('base64'),
    async unseal(sealed) {
      const { result, shouldReEncrypt } = await safeStorage.decryptStringAsync(Buffer.from(sealed, 'base64'));
      return { text: result, reseal: shouldReEncrypt };
    },
  };
}
