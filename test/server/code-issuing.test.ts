// Issue 13, finding 4: issuing device codes was unlimited (300 device authorizations in one second
// were all stored) and user codes could repeat, a lookup then taking whichever row it found. Now codes
// are rate-limited per client and per address (429, Retry-After, temporarily_unavailable), and a user
// code is unique among live codes, the device being told the one actually stored.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { openSqliteStore } from '../../server/adapters/sqlite.ts';
import { addressGroup, createTokenBuckets } from '../../server/limits.ts';
import { normaliseUserCode, uniqueUserCodes } from '../../server/user-codes.ts';
import { Phone } from '../fixtures/phone.ts';
import { startDefencesServer, type DefencesServer } from './defences-harness.ts';

let server: DefencesServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('issuing device codes is rate-limited', () => {
  it('sixty device authorizations at once from one address: the first twenty get codes, the rest 429 with Retry-After and temporarily_unavailable', async () => {
    server = await startDefencesServer();
    const answers = await Promise.all(Array.from({ length: 60 }, () => server!.authorize({ ip: '198.51.100.7' })));
    const issued = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status === 429);
    expect(issued).toHaveLength(20);
    expect(refused).toHaveLength(40);
    for (const answer of refused) {
      // RFC 8628 §3.2 answers like the token endpoint (RFC 6749 §5.2); slow_down belongs to polling only.
      expect(answer.body.error).toBe('temporarily_unavailable');
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(Number(answer.headers.get('retry-after'))).toBeLessThanOrEqual(6);
    }
    // Another address is not affected.
    expect((await server.authorize({ ip: '203.0.113.9' })).status).toBe(200);
  });

  it('an IPv6 /64 counts as one address; the next /64 is another', async () => {
    server = await startDefencesServer({ codeIssuePerAddress: { burst: 3, perMinute: 1 } });
    for (const host of ['2001:db8:1:2::a', '2001:db8:1:2::b', '2001:db8:1:2:ffff::1']) {
      expect((await server.authorize({ ip: host })).status, host).toBe(200);
    }
    expect((await server.authorize({ ip: '2001:db8:1:2::c' })).status).toBe(429);
    expect((await server.authorize({ ip: '2001:db8:1:3::a' })).status).toBe(200);
  });

  it('per client, whatever the address', async () => {
    server = await startDefencesServer({ codeIssuePerClient: { burst: 4, perMinute: 1 } });
    const statuses: number[] = [];
    for (let i = 1; i <= 6; i += 1) statuses.push((await server.authorize({ ip: `192.0.2.${i}` })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
  });

  it('requests from this machine are not limited per address (the TV-and-phone demo), only per client', async () => {
    server = await startDefencesServer({ codeIssuePerAddress: { burst: 2, perMinute: 1 } });
    const statuses = await Promise.all(Array.from({ length: 10 }, async () => (await server!.authorize()).status));
    expect(statuses.every((s) => s === 200)).toBe(true);
  });

  it('a token bucket refills at its rate and never beyond its burst', () => {
    let now = 0;
    const buckets = createTokenBuckets({ burst: 2, perMinute: 6, now: () => now });
    expect([buckets.take('a'), buckets.take('a')]).toEqual([0, 0]);
    expect(buckets.take('a')).toBe(10_000);
    now = 9_999;
    expect(buckets.take('a')).toBe(1);
    now = 10_000;
    expect(buckets.take('a')).toBe(0);
    now = 1_000_000;
    expect([buckets.take('a'), buckets.take('a'), buckets.take('a')]).toEqual([0, 0, 10_000]);
    expect(buckets.take('b')).toBe(0);
  });

  it('groups addresses: IPv4 as itself, IPv4-mapped IPv6 as IPv4, IPv6 by /64 in any spelling', () => {
    expect(addressGroup('198.51.100.7')).toBe('198.51.100.7');
    expect(addressGroup('::ffff:198.51.100.7')).toBe('198.51.100.7');
    expect(addressGroup('2001:db8:1:2::a')).toBe('2001:db8:1:2::/64');
    expect(addressGroup('2001:0DB8:0001:0002:0000:0000:0000:000b')).toBe('2001:db8:1:2::/64');
    expect(addressGroup('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressGroup('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressGroup('::1')).toBe('0:0:0:0::/64');
  });
});

describe('user codes are unique among live codes', () => {
  it('with only 400 possible codes, 60 live codes are all different, and each device is told the code stored for it', async () => {
    server = await startDefencesServer({ userCodeMask: '**', codeIssuePerClient: { burst: 1000, perMinute: 1000 } });
    const issued: Array<{ device_code: string; user_code: string; verification_uri_complete: string }> = [];
    for (let i = 0; i < 60; i += 1) {
      const answer = await server.authorize();
      expect(answer.status).toBe(200);
      issued.push(answer.body as (typeof issued)[number]);
    }
    expect(new Set(issued.map((a) => a.user_code)).size).toBe(60);
    for (const auth of issued) {
      const stored = await server.provider.DeviceCode.find(auth.device_code);
      expect(stored?.userCode).toBe(normaliseUserCode(auth.user_code));
      expect(new URL(auth.verification_uri_complete).searchParams.get('user_code')).toBe(auth.user_code);
    }
    // The phone that types a code finds that device's code, not another with the same letters.
    const last = issued.at(-1)!;
    const phone = new Phone();
    expect((await phone.approve(`${server.url}/device`, { ...server.user, userCode: last.user_code })).page).toBe('success');
    expect(typeof (await server.poll(last.device_code)).body.access_token).toBe('string');
  });

  it('a collision draws again before anything is stored; a code that cannot find a free one is refused, not duplicated', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dl-unique-'));
    const store = openSqliteStore(join(dir, 'oidc.sqlite'));
    try {
      // 500 draws: finding the one free letter of 20 below must not be left to luck ((19/20)^50 is 8 %).
      const unique = uniqueUserCodes('*', 500);
      const adapter = unique.wrap('DeviceCode', store.adapterFor('DeviceCode'));
      const exp = Math.floor(Date.now() / 1000) + 600;
      // Every one of the 20 one-letter codes, stored live.
      const letters = 'BCDFGHJKLMNPQRSTVWXZ'.split('');
      for (const [i, letter] of letters.entries()) await adapter.upsert(`code-${i}`, { jti: `code-${i}`, userCode: letter, exp }, 600);
      // One more fresh code finds no free letter in 500 draws: refused, nothing stored.
      await expect(adapter.upsert('code-extra', { jti: 'code-extra', userCode: 'B', exp }, 600)).rejects.toMatchObject({ status: 503, error: 'temporarily_unavailable' });
      expect(await adapter.find('code-extra')).toBeUndefined();
      // A code saved again keeps its letters (it is not a collision with itself).
      await adapter.upsert('code-0', { jti: 'code-0', userCode: 'B', exp, inFlight: true }, 600);
      expect((await adapter.find('code-0'))?.userCode).toBe('B');
      expect(unique.takeReplacement('code-0')).toBeUndefined();
      // Once a code expires its letters are free again: a new code may take them.
      await adapter.upsert('code-1', { jti: 'code-1', userCode: 'C', exp: Math.floor(Date.now() / 1000) - 1 }, 600);
      await adapter.upsert('code-new', { jti: 'code-new', userCode: 'D', exp }, 600);
      expect(unique.takeReplacement('code-new')).toBe('C');
      expect((await adapter.find('code-new'))?.userCode).toBe('C');
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
