import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoredSession } from '../../core/types.ts';
import { createFileTokenStore } from '../../host/token-store.ts';
import { testKeyring } from '../fixtures/keyring.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'device-login-store-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const session = (n: number): StoredSession => ({
  version: 1,
  tokens: { accessToken: `at-${n}`, tokenType: 'Bearer', expiresAt: 1_000 + n },
  profile: { sub: `user-${n}` },
});

describe('file TokenStore', () => {
  it('keeps sessions per key across store instances', async () => {
    const path = join(dir, 'tokens.json');
    await createFileTokenStore({ path }).save('a', session(1));
    await createFileTokenStore({ path }).save('b', session(2));
    const store = createFileTokenStore({ path });
    expect(await store.load('a')).toEqual(session(1));
    expect(await store.load('b')).toEqual(session(2));
    expect(await store.load('c')).toBeUndefined();
    await store.remove('a');
    expect(await store.load('a')).toBeUndefined();
    expect(await store.load('b')).toEqual(session(2));
  });

  it.skipIf(process.platform === 'win32')('writes the file with mode 0600 in a new directory with mode 0700', async () => {
    const path = join(dir, 'nested', 'deeper', 'tokens.json');
    await createFileTokenStore({ path }).save('k', session(1));
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'nested', 'deeper'))).mode & 0o777).toBe(0o700);
  });

  it('replaces the file atomically and leaves no temp files behind', async () => {
    const path = join(dir, 'tokens.json');
    const store = createFileTokenStore({ path });
    await store.save('k', session(1));
    const before = await stat(path);
    await store.save('k', session(2));
    const after = await stat(path);
    // A rename gives the path a new inode; an in-place rewrite would keep it (and could be read half-written).
    expect(after.ino).not.toBe(before.ino);
    expect(await readdir(dir)).toEqual(['tokens.json']);
    expect(JSON.parse(await readFile(path, 'utf8')).sessions.k.tokens.accessToken).toBe('at-2');
  });

  it('serialises concurrent saves from one process so that no key is lost', async () => {
    const path = join(dir, 'tokens.json');
    const stores = [createFileTokenStore({ path }), createFileTokenStore({ path })];
    await Promise.all(Array.from({ length: 20 }, (_, i) => stores[i % 2]!.save(`key-${i}`, session(i))));
    const file = JSON.parse(await readFile(path, 'utf8'));
    expect(Object.keys(file.sessions).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `key-${i}`).sort());
  });

  it('moves a corrupt file aside with a warning naming both paths instead of overwriting it', async () => {
    const path = join(dir, 'tokens.json');
    await writeFile(path, '{ this is not json', 'utf8');
    const warnings: string[] = [];
    const store = createFileTokenStore({ path, logger: { warn: (m) => warnings.push(m) }, now: () => Date.UTC(2026, 0, 2, 3, 4, 5) });
    expect(await store.load('k')).toBeUndefined();
    const aside = join(dir, 'tokens.json.corrupt-2026-01-02T03-04-05-000Z');
    expect(await readFile(aside, 'utf8')).toBe('{ this is not json');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(path);
    expect(warnings[0]).toContain(aside);
    await store.save('k', session(3));
    expect(await store.load('k')).toEqual(session(3));
  });

  it('treats valid JSON of the wrong shape as corrupt too', async () => {
    const path = join(dir, 'tokens.json');
    await writeFile(path, '[1,2,3]', 'utf8');
    const warnings: string[] = [];
    await createFileTokenStore({ path, logger: { warn: (m) => warnings.push(m) } }).save('k', session(1));
    expect(warnings).toHaveLength(1);
    expect((await readdir(dir)).filter((n) => n.startsWith('tokens.json.corrupt-'))).toHaveLength(1);
  });
});

describe('file TokenStore with a codec (sealed sessions)', () => {
  const warnings = () => {
    const lines: string[] = [];
    return { lines, warn: (m: string) => void lines.push(m) };
  };

  it('writes only sealed sessions, mode 0600, names the codec in the file and reads them back', async () => {
    const path = join(dir, 'tokens.safe.json');
    const { codec } = testKeyring();
    const store = createFileTokenStore({ path, codec });
    await store.save('k', session(7));
    const text = await readFile(path, 'utf8');
    expect(text).not.toContain('at-7');
    expect(text).not.toContain('user-7');
    expect(JSON.parse(text)).toMatchObject({ version: 1, format: 'test-aes-gcm' });
    if (process.platform !== 'win32') expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await createFileTokenStore({ path, codec }).load('k')).toEqual(session(7));
    await store.remove('k');
    expect(await store.load('k')).toBeUndefined();
  });

  it('forgets a session it can no longer open and says so, without failing', async () => {
    const path = join(dir, 'tokens.safe.json');
    const keyring = testKeyring();
    const log = warnings();
    const store = createFileTokenStore({ path, codec: keyring.codec, logger: log });
    await store.save('k', session(1));
    keyring.rotateKey(); // the keyring was reset
    expect(await store.load('k')).toBeUndefined();
    expect(log.lines).toEqual([expect.stringContaining('could not be decrypted')]);
  });

  it('seals a session again when the codec says its key was rotated', async () => {
    const path = join(dir, 'tokens.safe.json');
    const keyring = testKeyring({ reseal: true });
    const store = createFileTokenStore({ path, codec: keyring.codec });
    await store.save('k', session(1));
    const before = await readFile(path, 'utf8');
    expect(await store.load('k')).toEqual(session(1));
    expect(keyring.calls.seal).toBe(2);
    expect(await readFile(path, 'utf8')).not.toBe(before);
  });

  it('keeps every key when sealed saves overlap', async () => {
    const path = join(dir, 'tokens.safe.json');
    const { codec } = testKeyring();
    const store = createFileTokenStore({ path, codec });
    await Promise.all(Array.from({ length: 10 }, (_, i) => store.save(`key-${i}`, session(i))));
    for (let i = 0; i < 10; i++) expect(await store.load(`key-${i}`)).toEqual(session(i));
  });

  it('reads neither a plain file as a sealed one nor a sealed one as plain: it moves it aside', async () => {
    const plain = join(dir, 'plain.json');
    const sealed = join(dir, 'sealed.json');
    const { codec } = testKeyring();
    await createFileTokenStore({ path: plain }).save('k', session(1));
    await createFileTokenStore({ path: sealed, codec }).save('k', session(2));
    const log = warnings();
    expect(await createFileTokenStore({ path: plain, codec, logger: log }).load('k')).toBeUndefined();
    expect(await createFileTokenStore({ path: sealed, logger: log }).load('k')).toBeUndefined();
    expect(log.lines).toHaveLength(2);
    expect((await readdir(dir)).filter((n) => n.includes('.corrupt-'))).toHaveLength(2);
  });
});

describe('file TokenStore: what a login signed in with', () => {
  it('keeps it beside the sessions, across saves and removals, and writes no secret even when handed one', async () => {
    const path = join(dir, 'tokens.json');
    const store = createFileTokenStore({ path });
    const withSecret = {
      provider: { issuer: 'https://id.example' },
      client: { clientId: 'tv', scope: 'openid', clientSecret: 'must-not-be-written' },
      clientSecret: 'required' as const,
      usedAt: 5,
    };
    await store.rememberSignIn('https://id.example#tv', withSecret);
    await store.save('https://id.example#tv', session(1));
    await createFileTokenStore({ path }).remove('https://id.example#tv');
    expect(await createFileTokenStore({ path }).signIns()).toEqual({
      'https://id.example#tv': { provider: { issuer: 'https://id.example' }, client: { clientId: 'tv', scope: 'openid' }, clientSecret: 'required', usedAt: 5 },
    });
    expect(await readFile(path, 'utf8')).not.toContain('must-not-be-written');
  });

  it('reads a file without them (written before they existed) as having none', async () => {
    const path = join(dir, 'tokens.json');
    await writeFile(path, JSON.stringify({ version: 1, sessions: { k: session(1) } }));
    const store = createFileTokenStore({ path });
    expect(await store.signIns()).toEqual({});
    expect(await store.load('k')).toEqual(session(1));
  });
});
