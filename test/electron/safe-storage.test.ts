// Electron's safeStorage as the token file's codec (electron/safe-storage.ts), through the real store
// and real files. safeStorage lives in the Electron binary, which cannot run on this machine: a
// stand-in with the same four calls encrypts for real (AES-256-GCM, test/fixtures/keyring.ts).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoredSession } from '../../core/types.ts';
import { chooseStoragePolicy } from '../../host/storage-policy.ts';
import { createFileTokenStore } from '../../host/token-store.ts';
import { safeStorageCodec, type SafeStorageLike } from '../../electron/safe-storage.ts';
import { testKeyring } from '../fixtures/keyring.ts';

function standIn(options: { backend?: 'basic_text' | 'gnome_libsecret'; shouldReEncrypt?: boolean } = {}) {
  const keyring = testKeyring();
  const safeStorage: SafeStorageLike = {
    isAsyncEncryptionAvailable: async () => true,
    getSelectedStorageBackend: () => options.backend ?? 'gnome_libsecret',
    encryptStringAsync: async (text) => keyring.encrypt(text),
    decryptStringAsync: async (sealed) => ({ result: keyring.decrypt(sealed), shouldReEncrypt: options.shouldReEncrypt ?? false }),
  };
  return { safeStorage, keyring };
}

const session: StoredSession = { version: 1, tokens: { accessToken: 'at-9f8e7d6c5b4a', tokenType: 'Bearer' }, profile: { sub: 'u1' } };

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'safe-storage-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('safeStorage as the token codec', () => {
  it('reads the file the Electron store wrote before the codec existed (base64 of safeStorage ciphertext)', async () => {
    const { safeStorage, keyring } = standIn();
    const path = join(dir, 'tokens.safe.json');
    const sealed = keyring.encrypt(JSON.stringify(session)).toString('base64');
    await writeFile(path, JSON.stringify({ version: 1, format: 'electron-safe-storage', sessions: { k: sealed } }));
    expect(await createFileTokenStore({ path, codec: safeStorageCodec(safeStorage) }).load('k')).toEqual(session);
  });

  it('writes what safeStorage sealed, and seals again when safeStorage says the key was rotated', async () => {
    const { safeStorage, keyring } = standIn({ shouldReEncrypt: true });
    const path = join(dir, 'tokens.safe.json');
    const store = createFileTokenStore({ path, codec: safeStorageCodec(safeStorage) });
    await store.save('k', session);
    const first = JSON.parse(await readFile(path, 'utf8')) as { sessions: { k: string } };
    expect(JSON.parse(keyring.decrypt(Buffer.from(first.sessions.k, 'base64')))).toEqual(session);
    expect(await store.load('k')).toEqual(session);
    const second = JSON.parse(await readFile(path, 'utf8')) as { sessions: { k: string } };
    expect(second.sessions.k).not.toBe(first.sessions.k);
  });

  it("passes safeStorage's Linux backend to the policy: basic_text keeps tokens in memory", async () => {
    const { safeStorage } = standIn({ backend: 'basic_text' });
    const policy = await chooseStoragePolicy({ keyring: safeStorageCodec(safeStorage), platform: 'linux', allowPlaintextTokenStorage: false });
    expect(policy.mode).toBe('memory-only');
  });
});
