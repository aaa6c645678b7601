// Several instances on one Redis: shared state, and an approval on one instance wakes the poll
// held by another (pub/sub). Skipped, with the reason, only where redis-server is not installed.
import { afterAll, beforeAll, expect, it } from 'vitest';

import { startServer, type RunningServer } from '../../server/app.ts';
import { approve } from '../fixtures/phone.ts';
import { REDIS } from '../../scripts/system-parts.ts';
import { describeWith } from '../fixtures/needs.ts';
import { startRedis, type RedisProcess } from '../fixtures/redis.ts';
import { pollToken, requestDeviceCode, tempDataDir, userinfo } from './device-helpers.ts';

describeWith([REDIS], 'two instances on one Redis', () => {
  let redis: RedisProcess;
  let data: ReturnType<typeof tempDataDir>;
  let a: RunningServer;
  let b: RunningServer;

  beforeAll(async () => {
    redis = await startRedis();
    data = tempDataDir();
    // Both instances stand behind one public address (as behind a load balancer): B's. The TV talks
    // to A directly; the phone follows verification_uri_complete to B. They share keys and users
    // through the data directory and OAuth state through Redis.
    b = await startServer({ port: 0, dataDir: data.dir, redisUrl: redis.url, interval: 1 });
    a = await startServer({ port: 0, dataDir: data.dir, redisUrl: redis.url, interval: 1, publicUrl: b.url });
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await redis?.stop();
    data?.remove();
  });

  const direct = (server: RunningServer): string => `http://127.0.0.1:${server.port}`;

  it('wakes the poll held on instance A when the user approves on instance B', async () => {
    const da = await requestDeviceCode(direct(a));
    expect(new URL(da.verification_uri_complete).port).toBe(String(b.port));
    const held = pollToken(direct(a), da.device_code, { wait: 20 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(a.heldPolls()).toBe(1);
    const page = await approve(da.verification_uri_complete, b.demoUser!);
    const approvedAt = performance.now();
    expect(page.page).toBe('success');
    const answer = await held;
    const wakeMs = Math.max(0, answer.at - approvedAt);
    process.stdout.write(`cross-instance long-poll wake latency (Redis pub/sub): ${wakeMs.toFixed(1)} ms\n`);
    expect(answer.status).toBe(200);
    expect(wakeMs).toBeLessThan(1000);
    // The token issued by A is valid on B: one shared store.
    expect((await userinfo(direct(b), answer.body.access_token as string)).status).toBe(200);
  });

  it('keeps the slow_down ledger in Redis, so switching instances does not reset it', async () => {
    const da = await requestDeviceCode(direct(a));
    expect((await pollToken(direct(a), da.device_code)).body.error).toBe('authorization_pending');
    const early = await pollToken(direct(b), da.device_code);
    expect(early.body.error).toBe('slow_down');
    expect(early.body.interval).toBe(6);
  });

  it('answers reuse of an exchanged code on the other instance with invalid_grant, keeping the tokens', async () => {
    const da = await requestDeviceCode(direct(a));
    await approve(da.verification_uri_complete, b.demoUser!);
    const granted = await pollToken(direct(a), da.device_code);
    expect(granted.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const reused = await pollToken(direct(b), da.device_code);
    expect(reused.body.error).toBe('invalid_grant');
    expect((await userinfo(direct(a), granted.body.access_token as string)).status).toBe(200);
  });

  it('gives every key it writes a time to live, so Redis never fills with dead codes', async () => {
    const { Redis } = await import('ioredis');
    const client = new Redis(redis.url);
    try {
      const keys = await client.keys('dl:*');
      expect(keys.length).toBeGreaterThan(5);
      const ttls = await Promise.all(keys.map((key) => client.pttl(key)));
      const immortal = keys.filter((_key, i) => ttls[i]! < 0);
      expect(immortal).toEqual([]);
    } finally {
      client.disconnect();
    }
  });
});
