// Issue 13, finding 1: oidc-provider names every row by its token value, so a row read from
// oidc.sqlite or from Redis was a working bearer token. The stores keep only the hash of the value
// (server/adapters/store.ts RowIds): these tests run real device flows and refreshes against a
// running server, then look for the values the server just issued in every byte of the data
// directory and in every Redis key and value, and find none; the server still works, across a
// restart and across the upgrade of a file or a Redis written by an earlier version.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { REDIS } from '../../scripts/system-parts.ts';
import { openSqliteStore } from '../../server/adapters/sqlite.ts';
import { hashId } from '../../server/adapters/store.ts';
import { startServer, type RunningServer, type ServerOptions } from '../../server/app.ts';
import { describeWith } from '../fixtures/needs.ts';
import { Phone } from '../fixtures/phone.ts';
import { startRedis, type RedisProcess } from '../fixtures/redis.ts';
import { pollToken, requestDeviceCode, tempDataDir, userinfo } from './device-helpers.ts';

interface Issued {
  deviceCode: string;
  accessToken: string;
  refreshToken: string;
  idToken: string;
  /** The phone's session cookie: its value is the id of the Session row. */
  sessionCookie: string;
}

/** A whole device flow as a TV and a phone run it, over HTTP; every secret the server handed out. */
async function signIn(server: RunningServer): Promise<Issued> {
  const da = await requestDeviceCode(server.url);
  const phone = new Phone();
  expect((await phone.approve(da.verification_uri_complete, server.demoUser!)).page).toBe('success');
  const tokens = await pollToken(server.url, da.device_code);
  expect(tokens.status).toBe(200);
  const cookie = /(?:^|; )_session=([^;]+)/.exec(phone.cookieHeader(`${server.url}/`));
  expect(cookie?.[1]).toBeTruthy();
  return {
    deviceCode: da.device_code,
    accessToken: tokens.body.access_token as string,
    refreshToken: tokens.body.refresh_token as string,
    idToken: tokens.body.id_token as string,
    sessionCookie: cookie![1]!,
  };
}

/** The refresh token grant as the TV sends it. */
async function refresh(base: string, refreshToken: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${base}/token`, {
    method: 'POST',
    headers: { accept: 'application/json' },
    body: new URLSearchParams({ client_id: 'tv-demo', grant_type: 'refresh_token', refresh_token: refreshToken }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Every byte of every file in the data directory (the SQLite file, its -wal and -shm included). */
function dataDirBytes(dir: string): Buffer {
  return Buffer.concat(readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => readFileSync(join(dir, e.name))));
}

/** The secrets among `values` that occur in `haystack`, named for the failure message. */
function found(haystack: Buffer | string, values: Record<string, string>): string[] {
  return Object.entries(values)
    .filter(([, value]) => haystack.includes(value))
    .map(([name]) => name);
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function started(options: ServerOptions): Promise<RunningServer> {
  const server = await startServer({ port: 0, interval: 1, ...options });
  cleanups.push(() => server.close());
  return server;
}

describe('SQLite: no token value in the data directory', () => {
  it('keeps none of the tokens, the device code or the session cookie it issued in any file, yet they all work', async () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    const server = await started({ dataDir: data.dir });
    const issued = await signIn(server);
    const rotated = await refresh(server.url, issued.refreshToken);
    expect(rotated.status).toBe(200);
    const secrets = {
      ...issued,
      rotatedAccessToken: rotated.body.access_token as string,
      rotatedRefreshToken: rotated.body.refresh_token as string,
    };
    expect(found(dataDirBytes(data.dir), secrets)).toEqual([]);
    expect((await userinfo(server.url, secrets.rotatedAccessToken)).status).toBe(200);
    expect((await refresh(server.url, secrets.rotatedRefreshToken)).status).toBe(200);
  });

  it('does not accept a row key read from the file as an access token or a refresh token', async () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    const server = await started({ dataDir: data.dir });
    const issued = await signIn(server);
    const db = new DatabaseSync(join(data.dir, 'oidc.sqlite'), { readOnly: true });
    let keys: Array<{ model: string; id: string }>;
    try {
      keys = db.prepare("SELECT model, id FROM oidc WHERE model IN ('AccessToken', 'RefreshToken')").all() as Array<{ model: string; id: string }>;
    } finally {
      db.close();
    }
    expect(keys.map((k) => k.model).sort()).toEqual(['AccessToken', 'RefreshToken']);
    for (const { model, id } of keys) {
      if (model === 'AccessToken') expect((await userinfo(server.url, id)).status).toBe(401);
      else expect((await refresh(server.url, id)).body.error).toBe('invalid_grant');
    }
    // The real ones still work: the keys were refused for what they are, not because the grant died.
    expect((await userinfo(server.url, issued.accessToken)).status).toBe(200);
  });

  it('refreshes after a restart with a refresh token issued before it', async () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    const first = await startServer({ port: 0, interval: 1, dataDir: data.dir });
    const issued = await signIn(first);
    await first.close();
    const second = await started({ dataDir: data.dir });
    const refreshed = await refresh(second.url, issued.refreshToken);
    expect(refreshed.status).toBe(200);
    expect((await userinfo(second.url, refreshed.body.access_token as string)).status).toBe(200);
    expect((await userinfo(second.url, issued.accessToken)).status).toBe(200);
  });

  it('upgrades a file of an earlier version (keys in clear): the refresh token still refreshes and no copy of it stays in the file', async () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    const first = await startServer({ port: 0, interval: 1, dataDir: data.dir });
    const issued = await signIn(first);
    await first.close();

    // Rewrite the file as earlier versions wrote it: their schema, rows keyed by oidc-provider's id
    // with `jti` in the payload. The rows whose id the test knows are kept (the tokens and their
    // grant); a refresh needs no others.
    const file = join(data.dir, 'oidc.sqlite');
    const db = new DatabaseSync(file);
    const rowOf = (model: string, id: string) =>
      db.prepare('SELECT payload, expires_at, grant_id FROM oidc WHERE model = ? AND id = ?').get(model, hashId(id)) as
        | { payload: string; expires_at: number | null; grant_id: string | null }
        | undefined;
    const refreshRow = rowOf('RefreshToken', issued.refreshToken)!;
    const grantId = refreshRow.grant_id!;
    const legacy = [
      { model: 'RefreshToken', id: issued.refreshToken, row: refreshRow },
      { model: 'AccessToken', id: issued.accessToken, row: rowOf('AccessToken', issued.accessToken)! },
      { model: 'Grant', id: grantId, row: rowOf('Grant', grantId)! },
    ];
    db.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
    const old = new DatabaseSync(file);
    old.exec(`PRAGMA journal_mode = WAL;
      CREATE TABLE oidc (model TEXT NOT NULL, id TEXT NOT NULL, payload TEXT NOT NULL, expires_at INTEGER,
        grant_id TEXT, user_code TEXT, uid TEXT, PRIMARY KEY (model, id)) WITHOUT ROWID;
      CREATE INDEX oidc_grant ON oidc (grant_id) WHERE grant_id IS NOT NULL;
      CREATE INDEX oidc_user_code ON oidc (model, user_code) WHERE user_code IS NOT NULL;
      CREATE INDEX oidc_uid ON oidc (model, uid) WHERE uid IS NOT NULL;
      CREATE INDEX oidc_expires ON oidc (expires_at) WHERE expires_at IS NOT NULL;
      CREATE TABLE device_events (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, at INTEGER NOT NULL);`);
    const insert = old.prepare('INSERT INTO oidc (model, id, payload, expires_at, grant_id) VALUES (?, ?, ?, ?, ?)');
    for (const { model, id, row } of legacy) {
      const payload = { ...(JSON.parse(row.payload) as object), jti: id };
      // Written twice, as an update leaves the old version of a row behind in the file.
      insert.run(model, id, JSON.stringify({ ...payload, earlier: true }), row.expires_at, row.grant_id);
      old.prepare('UPDATE oidc SET payload = ? WHERE model = ? AND id = ?').run(JSON.stringify(payload), model, id);
    }
    old.prepare('INSERT INTO device_events (id, at) VALUES (?, ?)').run(issued.deviceCode, Date.now());
    old.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    old.close();
    expect(found(dataDirBytes(data.dir), { refreshToken: issued.refreshToken, accessToken: issued.accessToken })).toEqual([
      'refreshToken',
      'accessToken',
    ]);

    const upgraded = await started({ dataDir: data.dir });
    expect(found(dataDirBytes(data.dir), { refreshToken: issued.refreshToken, accessToken: issued.accessToken, deviceCode: issued.deviceCode })).toEqual([]);
    expect((await userinfo(upgraded.url, issued.accessToken)).status).toBe(200);
    const refreshed = await refresh(upgraded.url, issued.refreshToken);
    expect(refreshed.status).toBe(200);
    expect(found(dataDirBytes(data.dir), { refreshed: refreshed.body.refresh_token as string })).toEqual([]);
  });
});

describe('SQLite: rows that name other rows', () => {
  it('stores an interaction without the device code and session cookie it names, and finds them again through it', async () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    const file = join(data.dir, 'oidc.sqlite');
    const store = openSqliteStore(file);
    cleanups.push(() => store.close());
    const deviceCode = 'device-code-value-Vq3xY8pLm2';
    const cookie = 'session-cookie-value-Hh7Rt2Kq9';
    await store.adapterFor('DeviceCode').upsert(deviceCode, { jti: deviceCode, userCode: 'BCDFGHJK', kind: 'DeviceCode' }, 600);
    await store.adapterFor('Session').upsert(cookie, { jti: cookie, uid: 'session-uid', kind: 'Session' }, 600);
    await store.adapterFor('Interaction').upsert('interaction-uid', { jti: 'interaction-uid', deviceCode, session: { uid: 'session-uid', cookie }, kind: 'Interaction' }, 600);
    store.database.exec('PRAGMA wal_checkpoint(FULL)');
    expect(found(dataDirBytes(data.dir), { deviceCode, cookie })).toEqual([]);

    // What the phone pages do: the interaction names the code, which is then found and saved again.
    const interaction = (await store.adapterFor('Interaction').find('interaction-uid'))!;
    expect(interaction.jti).toBe('interaction-uid');
    const code = (await store.adapterFor('DeviceCode').find(interaction.deviceCode!))!;
    expect(code.userCode).toBe('BCDFGHJK');
    const byUserCode = (await store.adapterFor('DeviceCode').findByUserCode('BCDFGHJK'))!;
    await store.adapterFor('DeviceCode').upsert(byUserCode.jti!, { ...byUserCode, accountId: 'someone' }, 600);
    expect((await store.adapterFor('DeviceCode').find(deviceCode))!.accountId).toBe('someone');
    const session = (await store.adapterFor('Session').findByUid('session-uid'))!;
    await store.adapterFor('Session').destroy(session.jti!);
    expect(await store.adapterFor('Session').find(cookie)).toBeUndefined();

    // A key read from the file is no name for its row, however it is dressed.
    const key = hashId(deviceCode);
    for (const forged of [key, `x~${key}`, `${'A'.repeat(32)}~${key}`]) expect(await store.adapterFor('DeviceCode').find(forged)).toBeUndefined();
  });
});

describeWith([REDIS], 'Redis: no token value in any key or value', () => {
  let redis: RedisProcess;
  let client: Redis;

  beforeAll(async () => {
    redis = await startRedis();
    const { Redis: RedisClient } = await import('ioredis');
    client = new RedisClient(redis.url);
  });

  afterAll(async () => {
    client?.disconnect();
    await redis?.stop();
  });

  /** Every key with its contents, as one text: what anyone who can reach the Redis reads. */
  async function dump(): Promise<string> {
    const lines: string[] = [];
    for (const key of await client.keys('*')) {
      const type = await client.type(key);
      const value =
        type === 'hash' ? await client.hgetall(key) : type === 'set' ? await client.smembers(key) : type === 'string' ? await client.get(key) : type;
      lines.push(`${key} ${JSON.stringify(value)}`);
    }
    return lines.join('\n');
  }

  it('keeps none of the tokens, the device code or the session cookie it issued, and refreshes across a restart', async () => {
    await client.flushall();
    const data = tempDataDir();
    cleanups.push(data.remove);
    const first = await startServer({ port: 0, interval: 1, dataDir: data.dir, redisUrl: redis.url });
    const issued = await signIn(first);
    const rotated = await refresh(first.url, issued.refreshToken);
    expect(rotated.status).toBe(200);
    const secrets = { ...issued, rotatedAccessToken: rotated.body.access_token as string, rotatedRefreshToken: rotated.body.refresh_token as string };
    const contents = await dump();
    expect(contents).toContain('RefreshToken');
    expect(found(contents, secrets)).toEqual([]);
    await first.close();

    const second = await started({ dataDir: data.dir, redisUrl: redis.url });
    const refreshed = await refresh(second.url, secrets.rotatedRefreshToken);
    expect(refreshed.status).toBe(200);
    expect((await userinfo(second.url, refreshed.body.access_token as string)).status).toBe(200);
  });

  it('moves the keys of an earlier version (named by the token) on start: the refresh token still refreshes, and no key names it', async () => {
    await client.flushall();
    const data = tempDataDir();
    cleanups.push(data.remove);
    const first = await startServer({ port: 0, interval: 1, dataDir: data.dir, redisUrl: redis.url });
    const issued = await signIn(first);
    await first.close();

    // Rewrite Redis as earlier versions wrote it: `dl:<Model>:<id>` hashes holding the payload with
    // `jti`, and the grant index naming them.
    const rowOf = async (model: string, id: string) => client.hgetall(`dl:v2:${model}:${hashId(id)}`);
    const refreshRow = await rowOf('RefreshToken', issued.refreshToken);
    const grantId = (JSON.parse(refreshRow.payload!) as { grantId: string }).grantId;
    const legacy = [
      { model: 'RefreshToken', id: issued.refreshToken, row: refreshRow },
      { model: 'AccessToken', id: issued.accessToken, row: await rowOf('AccessToken', issued.accessToken) },
      { model: 'Grant', id: grantId, row: await rowOf('Grant', grantId) },
    ];
    await client.flushall();
    for (const { model, id, row } of legacy) {
      const key = `dl:${model}:${id}`;
      await client.hset(key, { ...row, payload: JSON.stringify({ ...(JSON.parse(row.payload!) as object), jti: id }) });
      await client.pexpire(key, 3_600_000);
      if (model !== 'Grant') await client.sadd(`dl:grant:${grantId}`, key);
    }
    await client.set(`dl:poll:${issued.deviceCode}`, '1');
    expect(found(await dump(), { refreshToken: issued.refreshToken })).toEqual(['refreshToken']);

    const upgraded = await started({ dataDir: data.dir, redisUrl: redis.url });
    expect(found(await dump(), { refreshToken: issued.refreshToken, accessToken: issued.accessToken, deviceCode: issued.deviceCode })).toEqual([]);
    expect(await client.pttl(`dl:v2:RefreshToken:${hashId(issued.refreshToken)}`)).toBeGreaterThan(3_500_000);
    expect((await userinfo(upgraded.url, issued.accessToken)).status).toBe(200);
    const refreshed = await refresh(upgraded.url, issued.refreshToken);
    expect(refreshed.status).toBe(200);
  });
});
