// How the TV app keeps tokens (host/storage-policy.ts): the choice from what the keyring offers, and
// the store, log line and TV notice each choice gives, against real files in a temp directory. The
// keyring is test/fixtures/keyring.ts (real AES-GCM), standing in for Electron's safeStorage.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoredSession } from '../../core/types.ts';
import { chooseStoragePolicy, openTokenStorage } from '../../host/storage-policy.ts';
import { testKeyring } from '../fixtures/keyring.ts';

const ACCESS = 'at-5e3c1f0b9a7d4e2f8c6b1a0d';
const session: StoredSession = {
  version: 1,
  tokens: { accessToken: ACCESS, tokenType: 'Bearer', expiresAt: 4_000_000_000_000 },
  profile: { sub: 'u1', name: 'Demo User' },
};

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'storage-policy-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('choosing how tokens are stored', () => {
  it('encrypts with a system keyring on Linux (libsecret, KWallet)', async () => {
    for (const backend of ['gnome_libsecret', 'kwallet5', 'kwallet6']) {
      const policy = await chooseStoragePolicy({ keyring: testKeyring({ backend }).codec, platform: 'linux', allowPlaintextTokenStorage: false });
      expect(policy).toEqual({ mode: 'encrypted', backend });
    }
  });

  it('refuses to persist with the basic_text backend unless the user opts in, and says how', async () => {
    const keyring = testKeyring({ backend: 'basic_text' }).codec;
    const refused = await chooseStoragePolicy({ keyring, platform: 'linux', allowPlaintextTokenStorage: false });
    expect(refused).toEqual({ mode: 'memory-only', reason: expect.stringMatching(/No system keyring.*--allow-plaintext-token-storage/) });
    const optedIn = await chooseStoragePolicy({ keyring, platform: 'linux', allowPlaintextTokenStorage: true });
    expect(optedIn.mode).toBe('weakly-encrypted');
  });

  it('ignores the Linux backend on macOS and Windows', async () => {
    const keyring = testKeyring({ backend: 'basic_text' }).codec;
    expect(await chooseStoragePolicy({ keyring, platform: 'darwin', allowPlaintextTokenStorage: false })).toEqual({
      mode: 'encrypted',
      backend: 'darwin',
    });
  });

  it('keeps tokens in memory when encryption is unavailable, or in a plain file when opted in', async () => {
    const keyring = testKeyring({ available: false }).codec;
    expect((await chooseStoragePolicy({ keyring, platform: 'win32', allowPlaintextTokenStorage: false })).mode).toBe('memory-only');
    expect((await chooseStoragePolicy({ keyring, platform: 'win32', allowPlaintextTokenStorage: true })).mode).toBe('plaintext');
  });
});

describe('the store each choice opens', () => {
  function open(keyring: ReturnType<typeof testKeyring>, allowPlaintextTokenStorage = false) {
    const lines: string[] = [];
    const logger = { info: (m: string) => void lines.push(`info ${m}`), warn: (m: string) => void lines.push(`warn ${m}`) };
    const path = join(dir, 'tokens.safe.json');
    const plaintextPath = join(dir, 'tokens.json');
    const storage = openTokenStorage({ keyring: keyring.codec, platform: 'linux', allowPlaintextTokenStorage, path, plaintextPath, logger });
    return { storage, lines, path, plaintextPath };
  }

  it('with a keyring: a sealed file, an info line and no notice on the TV', async () => {
    const { storage, lines, path } = open(testKeyring());
    const { store, notice } = await storage;
    await store.save('k', session);
    expect(await readFile(path, 'utf8')).not.toContain(ACCESS);
    expect(await store.load('k')).toEqual(session);
    expect(notice).toBeUndefined();
    expect(lines).toEqual([expect.stringMatching(/^info tokens are encrypted/)]);
  });

  it('without one: nothing on disk, the session kept for this run, the reason logged and a notice', async () => {
    const { storage, lines } = open(testKeyring({ backend: 'basic_text' }));
    const { store, notice } = await storage;
    await store.save('k', session);
    expect(await store.load('k')).toEqual(session);
    expect(await readdir(dir)).toEqual([]);
    expect(notice).toBe('tokens_memory_only');
    expect(lines).toEqual([expect.stringMatching(/^warn No system keyring.*--allow-plaintext-token-storage/)]);
  });

  it('opted in without encryption: the plain file, a warning and the unencrypted notice', async () => {
    const { storage, plaintextPath } = open(testKeyring({ available: false }), true);
    const { store, notice } = await storage;
    await store.save('k', session);
    expect(await readFile(plaintextPath, 'utf8')).toContain(ACCESS);
    expect(notice).toBe('tokens_unencrypted');
  });

  it('opted in with basic_text: still sealed (with its fixed key) and the unencrypted notice', async () => {
    const { storage, path } = open(testKeyring({ backend: 'basic_text' }), true);
    const { store, notice } = await storage;
    await store.save('k', session);
    expect(await readFile(path, 'utf8')).not.toContain(ACCESS);
    expect(notice).toBe('tokens_unencrypted');
  });
});
