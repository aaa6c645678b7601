// The RFC 8628 gaps of plain oidc-provider, closed by server/device-flow.ts, over real HTTP against
// startServer with a real SQLite file; the phone is the pages helper's cookie-jar fixture.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startServer, type RunningServer } from '../../server/app.ts';
import { approve, deny, Phone } from '../fixtures/phone.ts';
import { DEVICE_GRANT, pollToken, requestDeviceCode, revoke, sleep, tempDataDir, userinfo } from './device-helpers.ts';

let server: RunningServer;
let data: ReturnType<typeof tempDataDir>;
let creds: { email: string; password: string };

beforeAll(async () => {
  data = tempDataDir();
  server = await startServer({ port: 0, dataDir: data.dir, interval: 1 });
  creds = server.demoUser!;
});

afterAll(async () => {
  await server?.close();
  data?.remove();
});

describe('device authorization response', () => {
  it('carries the configured interval', async () => {
    const da = await requestDeviceCode(server.url);
    expect(da.interval).toBe(1);
    expect(da.verification_uri).toBe(`${server.url}/device`);
  });
});

describe('slow_down', () => {
  it('answers an early poll with slow_down and adds five seconds to every later poll', async () => {
    const da = await requestDeviceCode(server.url);
    const first = await pollToken(server.url, da.device_code);
    expect(first.body.error).toBe('authorization_pending');
    const early = await pollToken(server.url, da.device_code);
    expect(early.body.error).toBe('slow_down');
    expect(early.body.interval).toBe(6);
    // 1.2 s later would have been fine at the original interval, but the code now needs 6 s.
    await sleep(1200);
    const stillEarly = await pollToken(server.url, da.device_code);
    expect(stillEarly.body.error).toBe('slow_down');
    expect(stillEarly.body.interval).toBe(11);
  });

  it('lets a device that keeps the interval poll without slow_down', async () => {
    const da = await requestDeviceCode(server.url);
    for (let i = 0; i < 3; i += 1) {
      const answer = await pollToken(server.url, da.device_code);
      expect(answer.body.error).toBe('authorization_pending');
      await sleep(1050);
    }
  });
});

describe('approval and reuse', () => {
  it('issues tokens once, answers reuse with invalid_grant, and keeps the issued tokens alive', async () => {
    const da = await requestDeviceCode(server.url);
    const page = await approve(da.verification_uri_complete, creds);
    expect(page.page).toBe('success');
    const granted = await pollToken(server.url, da.device_code);
    expect(granted.status).toBe(200);
    const accessToken = granted.body.access_token as string;
    expect(typeof granted.body.refresh_token).toBe('string');

    await sleep(1100);
    const reused = await pollToken(server.url, da.device_code);
    expect(reused.status).toBe(400);
    expect(reused.body.error).toBe('invalid_grant');

    // Five overlapping polls of the exchanged code (a confused client): none revokes anything.
    await sleep(1100);
    const burst = await Promise.all(Array.from({ length: 5 }, () => pollToken(server.url, da.device_code)));
    for (const answer of burst) expect(['invalid_grant', 'slow_down']).toContain(answer.body.error);

    const me = await userinfo(server.url, accessToken);
    expect(me.status).toBe(200);
    expect(me.body.email).toBe(creds.email);
  });

  it('hands tokens to exactly one of five overlapping polls after approval', async () => {
    const da = await requestDeviceCode(server.url);
    await approve(da.verification_uri_complete, creds);
    const answers = await Promise.all(Array.from({ length: 5 }, () => pollToken(server.url, da.device_code)));
    const winners = answers.filter((a) => a.status === 200);
    expect(winners).toHaveLength(1);
    const me = await userinfo(server.url, winners[0]!.body.access_token as string);
    expect(me.status).toBe(200);
  });

  it('answers access_denied when the user denies at consent', async () => {
    const da = await requestDeviceCode(server.url);
    await deny(da.verification_uri_complete, creds, 'consent');
    const answer = await pollToken(server.url, da.device_code);
    expect(answer.body.error).toBe('access_denied');
  });
});

describe('a fresh grant per device', () => {
  it('gives two TVs approved from one phone different grants: revoking one keeps the other signed in', async () => {
    const phone = new Phone();
    const tv1 = await requestDeviceCode(server.url);
    const tv2 = await requestDeviceCode(server.url);
    expect((await phone.approve(tv1.verification_uri_complete, creds)).page).toBe('success');
    expect((await phone.approve(tv2.verification_uri_complete, creds)).page).toBe('success');
    const t1 = await pollToken(server.url, tv1.device_code);
    const t2 = await pollToken(server.url, tv2.device_code);
    expect(t1.status).toBe(200);
    expect(t2.status).toBe(200);

    // Revoking a refresh token revokes its whole grant (oidc-provider's revokeGrantPolicy).
    expect(await revoke(server.url, t1.body.refresh_token as string, 'refresh_token')).toBe(200);
    expect((await userinfo(server.url, t1.body.access_token as string)).status).toBe(401);
    expect((await userinfo(server.url, t2.body.access_token as string)).status).toBe(200);
  });
});

describe('long polling (Prefer: wait=N)', () => {
  it('without Prefer answers authorization_pending at once', async () => {
    const da = await requestDeviceCode(server.url);
    const answer = await pollToken(server.url, da.device_code);
    expect(answer.body.error).toBe('authorization_pending');
    expect(answer.headers.get('preference-applied')).toBeNull();
    expect(answer.elapsedMs).toBeLessThan(1000);
  });

  it('holds a pending poll and answers it with tokens the moment the user approves', async () => {
    const da = await requestDeviceCode(server.url);
    const held = pollToken(server.url, da.device_code, { wait: 20 });
    await sleep(300);
    expect(server.heldPolls()).toBeGreaterThanOrEqual(1);
    const page = await approve(da.verification_uri_complete, creds);
    const approvedAt = performance.now();
    expect(page.page).toBe('success');
    const answer = await held;
    const wakeMs = Math.max(0, answer.at - approvedAt);
    process.stdout.write(`long-poll wake latency after approval: ${wakeMs.toFixed(1)} ms\n`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('preference-applied')).toBe('wait=20');
    expect(wakeMs).toBeLessThan(1000);
  });

  it('answers a held poll with access_denied when the user denies', async () => {
    const da = await requestDeviceCode(server.url);
    const held = pollToken(server.url, da.device_code, { wait: 20 });
    await sleep(300);
    await deny(da.verification_uri_complete, creds, 'confirm');
    const answer = await held;
    expect(answer.body.error).toBe('access_denied');
    expect(answer.elapsedMs).toBeLessThan(10_000);
  });

  it('caps the wait at 30 seconds and says so in Preference-Applied', async () => {
    const da = await requestDeviceCode(server.url);
    const held = pollToken(server.url, da.device_code, { wait: 3600 });
    await sleep(200);
    await approve(da.verification_uri_complete, creds);
    const answer = await held;
    expect(answer.headers.get('preference-applied')).toBe('wait=30');
    expect(answer.status).toBe(200);
  });
});

describe('the long-polling announcement (device_authorization_long_poll_max_wait)', () => {
  it('is in the metadata and in every device authorization response: the most seconds a poll is held', async () => {
    const metadata = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(metadata.device_authorization_long_poll_max_wait).toBe(30);
    const da = (await requestDeviceCode(server.url)) as unknown as Record<string, unknown>;
    expect(da.device_authorization_long_poll_max_wait).toBe(30);
  });

  it('a poll that asks to be held at least one interval is never early: not after a plain poll, nor after a held poll the device dropped (a restart)', async () => {
    const da = await requestDeviceCode(server.url);
    expect((await pollToken(server.url, da.device_code)).body.error).toBe('authorization_pending');
    // At once after a plain poll: a plain poll now would be slow_down (see above); this one is held instead.
    const held = await pollToken(server.url, da.device_code, { wait: 1 });
    expect(held.body.error).toBe('authorization_pending');
    expect(held.headers.get('preference-applied')).toBe('wait=1');
    // A held poll cut short by the device going away, and the restarted device polling at once.
    const gone = new AbortController();
    const dropped = fetch(`${server.url}/token`, {
      method: 'POST',
      headers: { accept: 'application/json', prefer: 'wait=20' },
      body: new URLSearchParams({ client_id: 'tv-demo', grant_type: DEVICE_GRANT, device_code: da.device_code }),
      signal: gone.signal,
    }).catch(() => undefined);
    await sleep(150);
    gone.abort();
    await dropped;
    const resumed = pollToken(server.url, da.device_code, { wait: 20 });
    await sleep(200);
    await approve(da.verification_uri_complete, creds);
    const answer = await resumed;
    expect(answer.status).toBe(200);
    expect(answer.body.access_token).toEqual(expect.any(String));
  });
});

describe('expiry', () => {
  let short: RunningServer;
  let shortData: ReturnType<typeof tempDataDir>;
  beforeAll(async () => {
    shortData = tempDataDir();
    short = await startServer({ port: 0, dataDir: shortData.dir, interval: 1, codeTtl: 2 });
  });
  afterAll(async () => {
    await short?.close();
    shortData?.remove();
  });

  it('answers expired_token once the code lifetime has passed', async () => {
    const da = await requestDeviceCode(short.url);
    expect(da.expires_in).toBe(2);
    await sleep(2300);
    const answer = await pollToken(short.url, da.device_code);
    expect(answer.body.error).toBe('expired_token');
  });

  it('answers a held poll with expired_token when the code expires while it waits', async () => {
    const da = await requestDeviceCode(short.url);
    const answer = await pollToken(short.url, da.device_code, { wait: 20 });
    expect(answer.body.error).toBe('expired_token');
    expect(answer.elapsedMs).toBeLessThan(5000);
  });
});

describe('an independent client library', () => {
  it('openid-client completes a device flow, reads userinfo and refreshes with rotation', async () => {
    const oidc = await import('openid-client');
    const config = await oidc.discovery(new URL(server.issuer), 'tv-demo', undefined, oidc.None(), {
      execute: [oidc.allowInsecureRequests],
    });
    const da = await oidc.initiateDeviceAuthorization(config, { scope: 'openid profile email offline_access' });
    expect(da.interval).toBe(1);
    const polling = oidc.pollDeviceAuthorizationGrant(config, da);
    expect((await approve(da.verification_uri_complete!, creds)).page).toBe('success');
    const tokens = await polling;
    const claims = tokens.claims();
    expect(claims?.sub).toBeTruthy();
    const info = await oidc.fetchUserInfo(config, tokens.access_token, claims!.sub);
    expect(info.email).toBe(creds.email);
    expect(info.name).toBeTruthy();

    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.refresh_token).toBeTruthy();
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    // Rotation: the spent refresh token is dead.
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toThrow();
  });
});
