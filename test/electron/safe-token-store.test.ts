// The Electron token store (electron/safe-token-store.ts) against real files in a temp directory.
// safeStorage is a STUB here: it lives in the Electron binary, which cannot be downloaded on this
// machine. The stub encrypts with AES-256-GCM under a random key, so "the file holds no token" is a
// real check, and it can be told which backend to report and whether encryption is available.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoredSession } from '../../core/types.ts';
import {
  chooseStoragePolicy,
  createSafeTokenStore,
  type SafeStorageLike,
  type StoragePolicy,
} from '../../electron/safe-token-store.ts';

function stubSafeStorage(options: { backend?: string; available?: boolean; reEncrypt?: boolean } = {}) {
  const key = randomBytes(32);
  const calls = { encrypt: 0, decrypt: 0 };
  const stub: SafeStorageLike & { calls: typeof calls; rotateKey(): void } = {
    calls,
    async isAsyncEncryptionAvailable() {
      return options.available ?? true;
    },
    getSelectedStorageBackend: () => options.backend ?? 'gnome_libsecret',
    async encryptStringAsync(plain) {
      calls.encrypt++;
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]);
    },
    async decryptStringAsync(sealed) {
      calls.decrypt++;
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
      decipher.setAuthTag(sealed.subarray(12, 28));
      const result = Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]).toString('utf8');
      return { result, shouldReEncrypt: options.reEncrypt ?? false };
    },
    rotateKey() {
      randomBytes(32).copy(key);
    },
  };
  return stub;
}

const ACCESS = 'at-5e3c1f0b9a7d4e2f8c6b1a0d';
const session: StoredSession = {
  version: 1,
  tokens: { accessToken: ACCESS, refreshToken: 'rt-0a9b8c7d6e5f4a3b', tokenType: 'Bearer', expiresAt: 4_000_000_000_000 },
  profile: { sub: 'u1', name: 'Demo User' },
} as StoredSession;

const logger = () => {
  const lines: string[] = [];
  return { lines, warn: (m: string) => void lines.push(`warn ${m}`), info: (m: string) => void lines.push(`info ${m}`) };
};

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'safe-store-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('choosing how tokens are stored', () => {
  it('encrypts with a system keyring on Linux (libsecret, KWallet)', async () => {
    for (const backend of ['gnome_libsecret', 'kwallet5', 'kwallet6']) {
      const policy = await chooseStoragePolicy({
        safeStorage: stubSafeStorage({ backend }),
        platform: 'linux',
        allowPlaintextTokenStorage: false,
      });
      expect(policy).toEqual({ mode: 'encrypted', backend });
    }
  });

  it('refuses to persist with the basic_text backend unless the user opts in, and says how', async () => {
    const refused = await chooseStoragePolicy({
      safeStorage: stubSafeStorage({ backend: 'basic_text' }),
      platform: 'linux',
      allowPlaintextTokenStorage: false,
    });
    expect(refused.mode).toBe('memory-only');
    if (refused.mode === 'memory-only') {
      expect(refused.reason).toMatch(/No system keyring/);
      expect(refused.reason).toContain('--allow-plaintext-token-storage');
    }
    const optedIn = await chooseStoragePolicy({
      safeStorage: stubSafeStorage({ backend: 'basic_text' }),
      platform: 'linux',
      allowPlaintextTokenStorage: true,
    });
    expect(optedIn.mode).toBe('weakly-encrypted');
  });

  it('ignores the Linux backend on macOS and Windows', async () => {
    const policy = await chooseStoragePolicy({
      safeStorage: stubSafeStorage({ backend: 'basic_text' }),
      platform: 'darwin',
      allowPlaintextTokenStorage: false,
    });
    expect(policy).toEqual({ mode: 'encrypted', backend: 'darwin' });
  });

  it('keeps tokens in memory when encryption is unavailable, or in a plain file when opted in', async () => {
    const safeStorage = stubSafeStorage({ available: false });
    expect((await chooseStoragePolicy({ safeStorage, platform: 'win32', allowPlaintextTokenStorage: false })).mode).toBe(
      'memory-only',
    );
    expect((await chooseStoragePolicy({ safeStorage, platform: 'win32', allowPlaintextTokenStorage: true })).mode).toBe(
      'plaintext',
    );
  });
});

describe('the store', () => {
  function open(policy: StoragePolicy, safeStorage = stubSafeStorage(), log = logger()) {
    const path = join(dir, 'tokens.safe.json');
    const plaintextPath = join(dir, 'tokens.json');
    return { store: createSafeTokenStore({ policy, safeStorage, path, plaintextPath, logger: log }), path, plaintextPath, log };
  }

  it('writes only ciphertext, mode 0600, and reads the session back', async () => {
    const { store, path } = open({ mode: 'encrypted', backend: 'gnome_libsecret' });
    await store.save('k', session);
    const text = await readFile(path, 'utf8');
    expect(text).not.toContain(ACCESS);
    expect(text).not.toContain('Demo User');
    expect(JSON.parse(text)).toMatchObject({ version: 1, format: 'electron-safe-storage' });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await store.load('k')).toEqual(session);
    await store.remove('k');
    expect(await store.load('k')).toBeUndefined();
  });

  it('writes nothing to disk in memory-only mode, yet keeps the session for this run', async () => {
    const { store } = open({ mode: 'memory-only', reason: 'no keyring' });
    await store.save('k', session);
    expect(await store.load('k')).toEqual(session);
    expect(await readdir(dir)).toEqual([]);
  });

  it('forgets a session it can no longer decrypt and says so, without failing', async () => {
    const safeStorage = stubSafeStorage();
    const { store, log } = open({ mode: 'encrypted', backend: 'kwallet5' }, safeStorage);
    await store.save('k', session);
    safeStorage.rotateKey(); // the keyring was reset
    expect(await store.load('k')).toBeUndefined();
    expect(log.lines.some((l) => l.startsWith('warn') && l.includes('could not be decrypted'))).toBe(true);
  });

  it('re-encrypts a session when safeStorage says the key was rotated', async () => {
    const safeStorage = stubSafeStorage({ reEncrypt: true });
    const { store, path } = open({ mode: 'encrypted', backend: 'gnome_libsecret' }, safeStorage);
    await store.save('k', session);
    const before = await readFile(path, 'utf8');
    expect(await store.load('k')).toEqual(session);
    expect(safeStorage.calls.encrypt).toBe(2);
    expect(await readFile(path, 'utf8')).not.toBe(before);
  });

  it('keeps two keys when saves overlap', async () => {
    const { store } = open({ mode: 'encrypted', backend: 'gnome_libsecret' });
    await Promise.all([store.save('a', session), store.save('b', { ...session, profile: { sub: 'u2' } } as StoredSession)]);
    expect((await store.load('a'))?.profile?.sub).toBe('u1');
    expect((await store.load('b'))?.profile?.sub).toBe('u2');
  });

  it('moves a corrupt file aside instead of overwriting it', async () => {
    const { store, path, log } = open({ mode: 'encrypted', backend: 'gnome_libsecret' });
    await writeFile(path, 'not json');
    expect(await store.load('k')).toBeUndefined();
    const names = await readdir(dir);
    expect(names.some((n) => n.startsWith('tokens.safe.json.corrupt-'))).toBe(true);
    expect(log.lines.some((l) => l.includes('moved to'))).toBe(true);
  });

  it('uses the plain JSON file only in plaintext mode (opted in)', async () => {
    const { store, plaintextPath } = open({ mode: 'plaintext', warning: 'w' });
    await store.save('k', session);
    expect(await readFile(plaintextPath, 'utf8')).toContain(ACCESS);
  });
});
