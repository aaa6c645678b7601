// The devices API on the Redis store, with two instances sharing it (as behind a load balancer): a
// TV signed in on one is listed and signed out through the other, and the refusal carries its reason
// on both. Skipped, with the reason, only where redis-server is not installed.
import { afterAll, beforeAll, expect, it } from 'vitest';

import { startServer, type RunningServer } from '../../server/app.ts';
import { REDIS } from '../../scripts/system-parts.ts';
import { describeWith } from '../fixtures/needs.ts';
import { Phone } from '../fixtures/phone.ts';
import { startRedis, type RedisProcess } from '../fixtures/redis.ts';
import { callApi, introspectTv, listDevices, refreshTv, signInTv, signInWithCode, siteFlow, startSite, type Site } from './account-helpers.ts';
import { sleep, tempDataDir } from './device-helpers.ts';

describeWith([REDIS], 'the devices API on Redis, two instances', () => {
  let redis: RedisProcess;
  let data: ReturnType<typeof tempDataDir>;
  let a: RunningServer;
  let b: RunningServer;
  let siteA: Site;
  let siteB: Site;

  beforeAll(async () => {
    redis = await startRedis();
    data = tempDataDir();
    // One public address (B's) for both; keys and users shared through the data directory.
    b = await startServer({ port: 0, dataDir: data.dir, redisUrl: redis.url, deviceLastUsedEverySeconds: 0 });
    a = await startServer({ port: 0, dataDir: data.dir, redisUrl: redis.url, deviceLastUsedEverySeconds: 0, publicUrl: b.url });
    // A registered client lives in its instance's memory: each instance registers the site.
    siteB = await startSite(b);
    siteA = await startSite(a);
  });

  afterAll(async () => {
    await siteA?.close();
    await siteB?.close();
    await a?.close();
    await b?.close();
    await redis?.stop();
    data?.remove();
  });

  it('lists on one instance what the other recorded, moves lastUsedAt, and signs out with the reason everywhere', async () => {
    const user = b.demoUser!;
    const tv = await signInTv(b, user);
    const token = String((await signInWithCode(b, new Phone(), siteFlow(siteB), user)).access_token);
    // The site's token works on A too: one shared store (A has the same client registered).
    const onA = await listDevices(a, token);
    expect(onA.map((d) => [d.clientId, d.method, d.ip])).toEqual([['tv-demo', 'device', '127.0.0.1']]);

    await sleep(20);
    expect((await refreshTv(a, String(tv.refresh_token))).status).toBe(200);
    const [moved] = await listDevices(b, token);
    expect(moved!.signedInAt).toBe(onA[0]!.signedInAt);
    expect(Date.parse(moved!.lastUsedAt)).toBeGreaterThan(Date.parse(onA[0]!.lastUsedAt));

    const tv2 = await signInTv(a, user);
    expect(await listDevices(b, token)).toHaveLength(2);
    expect((await callApi(a, `/api/devices/${moved!.id}`, token, 'DELETE')).status).toBe(204);
    for (const server of [a, b]) {
      const refresh = await refreshTv(server, String(tv.refresh_token));
      expect(refresh.status).toBe(400);
      expect(refresh.body.reason).toBe('signed_out_from_account');
      const me = await callApi(server, '/api/me', String(tv.access_token));
      expect(me.status).toBe(401);
      expect(me.body.reason).toBe('signed_out_from_account');
      expect(await introspectTv(server, String(tv.access_token))).toEqual({ active: false });
    }
    // Signed out already: answered like an unknown id.
    expect((await callApi(b, `/api/devices/${moved!.id}`, token, 'DELETE')).status).toBe(404);

    expect((await callApi(b, '/api/devices', token, 'DELETE')).body).toEqual({ signedOut: 1 });
    expect((await refreshTv(a, String(tv2.refresh_token))).body.reason).toBe('signed_out_from_account');
    expect(await listDevices(a, token)).toEqual([]);
  });

  it('keeps no token value in any Redis key or value', async () => {
    const user = b.demoUser!;
    const tv = await signInTv(a, user);
    const token = String((await signInWithCode(b, new Phone(), siteFlow(siteB), user)).access_token);
    const [device] = await listDevices(a, token);
    expect((await callApi(b, `/api/devices/${device!.id}`, token, 'DELETE')).status).toBe(204);
    const { Redis } = await import('ioredis');
    const client = new Redis(redis.url);
    try {
      const keys = await client.keys('*');
      const dump: string[] = [...keys];
      for (const key of keys) {
        const type = await client.type(key);
        if (type === 'hash') dump.push(JSON.stringify(await client.hgetall(key)));
        else if (type === 'set') dump.push(...(await client.smembers(key)));
        else if (type === 'string') dump.push((await client.get(key)) ?? '');
      }
      const text = dump.join('\n');
      expect(keys.some((key) => key.includes('signIn:'))).toBe(true);
      for (const value of [tv.access_token, tv.refresh_token, token]) expect(text).not.toContain(String(value));
    } finally {
      client.disconnect();
    }
  });
});
