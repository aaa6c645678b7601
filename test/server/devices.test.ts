// The devices API for the account website (issue 15, part A), against the real server on a real
// SQLite file: TVs signed in through the real device flow, the site's token through the real
// authorization code flow, then list, sign out one, sign out all, and what a signed-out TV hears at
// the token endpoint, the resource server, introspection and userinfo.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openAccounts, type Accounts } from '../../server/accounts.ts';
import { startServer, type RunningServer } from '../../server/app.ts';
import { SERVER_DEFAULTS } from '../../server/defaults.ts';
import { Phone } from '../fixtures/phone.ts';
import {
  authorizationRequest,
  callApi,
  introspectTv,
  listDevices,
  refreshTv,
  signInTv,
  signInWithCode,
  siteFlow,
  startSite,
  type Site,
} from './account-helpers.ts';
import { sleep, tempDataDir, userinfo } from './device-helpers.ts';

const SIGNED_OUT = 'This device was signed out from the account page.';

let server: RunningServer;
let site: Site;
let data: ReturnType<typeof tempDataDir>;
let accounts: Accounts;
let people = 0;

beforeAll(async () => {
  data = tempDataDir();
  // lastUsedAt written on every use, so that a test sees it move without waiting a minute.
  server = await startServer({ port: 0, dataDir: data.dir, deviceLastUsedEverySeconds: 0 });
  site = await startSite(server);
  // A second handle on the server's users table: each test signs in as a person of its own.
  accounts = openAccounts(join(server.dataDir, 'accounts.sqlite'));
});

afterAll(async () => {
  accounts?.close();
  await site?.close();
  await server?.close();
  data?.remove();
});

/** A new account, so that no test sees another's devices. */
async function person(): Promise<{ email: string; password: string }> {
  people += 1;
  const user = { email: `person${people}@example.test`, name: `Person ${people}`, password: `correct horse ${people} battery` };
  await accounts.add(user);
  return { email: user.email, password: user.password };
}

/** The site's access token for `creds`, with the devices scope. */
async function siteToken(creds: { email: string; password: string }): Promise<string> {
  return String((await signInWithCode(server, new Phone(), siteFlow(site), creds)).access_token);
}

/** `device-login login --browser`: tv-demo through the authorization code flow on a loopback redirect (any port, RFC 8252 §7.3). */
function browserLogin(): Parameters<typeof signInWithCode>[2] {
  return { clientId: 'tv-demo', redirectUri: `${site.origin}/callback`, scope: 'openid profile offline_access' };
}

describe('listing the devices of an account', () => {
  it('lists a TV from the device flow and a browser sign-in, newest first, with client, method, times, address; never the site itself', async () => {
    const me = await person();
    const before = Date.now();
    const tv = await signInTv(server, me, 'device-login-tv/1.0 (Linux)');
    await sleep(10);
    const browser = await signInWithCode(server, new Phone(), browserLogin(), me);
    const token = await siteToken(me);

    const devices = await listDevices(server, token);
    expect(devices.map((d) => [d.clientId, d.method])).toEqual([
      ['tv-demo', 'browser'],
      ['tv-demo', 'device'],
    ]);
    const [browserEntry, tvEntry] = devices;
    expect(tvEntry).toMatchObject({ clientName: 'device-login TV', ip: '127.0.0.1', userAgent: 'device-login-tv/1.0 (Linux)' });
    expect(browserEntry!.clientName).toBe('device-login TV');
    for (const device of devices) {
      expect(device.id).toMatch(/^[A-Za-z0-9_-]{16,}$/);
      expect(new Date(device.signedInAt).toISOString()).toBe(device.signedInAt);
      expect(Date.parse(device.signedInAt)).toBeGreaterThanOrEqual(before - 1000);
      expect(Date.parse(device.lastUsedAt)).toBeGreaterThanOrEqual(Date.parse(device.signedInAt));
    }
    expect(devices[0]!.id).not.toBe(devices[1]!.id);
    // No token anywhere in the answer.
    const text = JSON.stringify(devices);
    for (const value of [tv.access_token, tv.refresh_token, browser.access_token, browser.refresh_token]) expect(text).not.toContain(String(value));
  });

  it('moves lastUsedAt on a refresh and on a resource-server call, never signedInAt', async () => {
    const me = await person();
    const tv = await signInTv(server, me);
    const token = await siteToken(me);
    const [first] = await listDevices(server, token);
    await sleep(20);
    const refreshed = await refreshTv(server, String(tv.refresh_token));
    expect(refreshed.status).toBe(200);
    const [second] = await listDevices(server, token);
    expect(second!.signedInAt).toBe(first!.signedInAt);
    expect(Date.parse(second!.lastUsedAt)).toBeGreaterThan(Date.parse(first!.lastUsedAt));
    await sleep(20);
    expect((await callApi(server, '/api/catalog', String(refreshed.body.access_token))).status).toBe(200);
    const [third] = await listDevices(server, token);
    expect(Date.parse(third!.lastUsedAt)).toBeGreaterThan(Date.parse(second!.lastUsedAt));
  });

  it('writes lastUsedAt at most once a throttle period per grant (default one minute)', async () => {
    expect(SERVER_DEFAULTS.deviceLastUsedEverySeconds).toBe(60);
    const own = tempDataDir();
    const throttled = await startServer({ port: 0, dataDir: own.dir });
    const ownSite = await startSite(throttled);
    try {
      const tv = await signInTv(throttled, throttled.demoUser!);
      const token = String((await signInWithCode(throttled, new Phone(), siteFlow(ownSite), throttled.demoUser!)).access_token);
      const [first] = await listDevices(throttled, token);
      await sleep(20);
      expect((await refreshTv(throttled, String(tv.refresh_token))).status).toBe(200);
      const [second] = await listDevices(throttled, token);
      expect(second!.lastUsedAt).toBe(first!.lastUsedAt);
    } finally {
      await ownSite.close();
      await throttled.close();
      own.remove();
    }
  });
});

describe('signing a device out', () => {
  it('ends that TV only: its refresh, the resource server, userinfo and introspection refuse it, saying why', async () => {
    const me = await person();
    const gone = await signInTv(server, me);
    const stays = await signInTv(server, me);
    const token = await siteToken(me);
    const before = await listDevices(server, token);
    expect(before).toHaveLength(2);
    // The list is newest first: the second TV is listed first.
    const target = before[1]!;

    const signOut = await callApi(server, `/api/devices/${target.id}`, token, 'DELETE');
    expect(signOut.status).toBe(204);
    expect(signOut.body).toEqual({});
    expect((await listDevices(server, token)).map((d) => d.id)).toEqual([before[0]!.id]);

    const refresh = await refreshTv(server, String(gone.refresh_token));
    expect(refresh.status).toBe(400);
    expect(refresh.body).toEqual({ error: 'invalid_grant', error_description: SIGNED_OUT, reason: 'signed_out_from_account' });

    for (const path of ['/api/me', '/api/catalog', '/api/devices']) {
      const answer = await callApi(server, path, String(gone.access_token));
      expect(answer.status).toBe(401);
      expect(answer.headers.get('www-authenticate')).toBe(`Bearer realm="device-login", error="invalid_token", error_description="${SIGNED_OUT}"`);
      expect(answer.body).toEqual({ error: 'invalid_token', error_description: SIGNED_OUT, reason: 'signed_out_from_account' });
    }
    expect((await userinfo(server.url, String(gone.access_token))).status).toBe(401);
    expect(await introspectTv(server, String(gone.access_token))).toEqual({ active: false });
    expect(await introspectTv(server, String(gone.refresh_token))).toEqual({ active: false });

    // The other TV of the same account is untouched.
    expect((await callApi(server, '/api/me', String(stays.access_token))).status).toBe(200);
    expect((await refreshTv(server, String(stays.refresh_token))).status).toBe(200);
    // Signing the same device out again: it is no longer there.
    expect((await callApi(server, `/api/devices/${target.id}`, token, 'DELETE')).status).toBe(404);
  });

  it('a refresh token that is merely wrong keeps the plain invalid_grant, with no reason', async () => {
    const refresh = await refreshTv(server, 'not-a-refresh-token');
    expect(refresh.status).toBe(400);
    expect(refresh.body.error).toBe('invalid_grant');
    expect(refresh.body.reason).toBeUndefined();
    const api = await callApi(server, '/api/me', 'not-an-access-token');
    expect(api.body.reason).toBeUndefined();
  });

  it('forgets a TV that signed itself out (revocation ends its grant)', async () => {
    const me = await person();
    const tv = await signInTv(server, me);
    const token = await siteToken(me);
    expect(await listDevices(server, token)).toHaveLength(1);
    const revoked = await fetch(`${server.url}/token/revocation`, {
      method: 'POST',
      body: new URLSearchParams({ client_id: 'tv-demo', token: String(tv.refresh_token), token_type_hint: 'refresh_token' }),
    });
    expect(revoked.status).toBe(200);
    expect(await listDevices(server, token)).toEqual([]);
    // Not signed out from the account page: no reason given.
    expect((await refreshTv(server, String(tv.refresh_token))).body.reason).toBeUndefined();
  });

  it('signs out every listed device at once and says how many; the site itself stays signed in', async () => {
    const me = await person();
    const tvs = [await signInTv(server, me), await signInTv(server, me)];
    await signInWithCode(server, new Phone(), browserLogin(), me);
    const token = await siteToken(me);
    expect(await listDevices(server, token)).toHaveLength(3);

    const all = await callApi(server, '/api/devices', token, 'DELETE');
    expect(all.status).toBe(200);
    expect(all.body).toEqual({ signedOut: 3 });
    expect(await listDevices(server, token)).toEqual([]);
    for (const tv of tvs) expect((await refreshTv(server, String(tv.refresh_token))).body.reason).toBe('signed_out_from_account');
    // Nothing left: a second sign-out-all signs out none.
    expect((await callApi(server, '/api/devices', token, 'DELETE')).body).toEqual({ signedOut: 0 });
  });
});

describe('one account cannot reach another', () => {
  it("neither sees nor signs out another account's devices: its id gets the same 404 as an unknown one", async () => {
    const ada = await person();
    const bob = await person();
    const adaTv = await signInTv(server, ada);
    const adaToken = await siteToken(ada);
    const bobToken = await siteToken(bob);
    await signInTv(server, bob);
    const [adaDevice] = await listDevices(server, adaToken);

    const bobSees = await listDevices(server, bobToken);
    expect(bobSees).toHaveLength(1);
    expect(bobSees.map((d) => d.id)).not.toContain(adaDevice!.id);

    const notFound = { error: 'not_found', error_description: 'No such device on this account.' };
    const theirs = await callApi(server, `/api/devices/${adaDevice!.id}`, bobToken, 'DELETE');
    expect(theirs.status).toBe(404);
    expect(theirs.body).toEqual(notFound);
    const unknown = await callApi(server, '/api/devices/AAAAAAAAAAAAAAAAAAAAAA', bobToken, 'DELETE');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual(notFound);
    expect((await callApi(server, '/api/devices/%E0%A4%A', bobToken, 'DELETE')).status).toBe(404);

    // Bob signing out everything leaves Ada's TV signed in.
    expect((await callApi(server, '/api/devices', bobToken, 'DELETE')).body).toEqual({ signedOut: 1 });
    expect((await callApi(server, '/api/me', String(adaTv.access_token))).status).toBe(200);
    expect(await listDevices(server, adaToken)).toHaveLength(1);
  });
});

describe('who may use the devices API', () => {
  it('answers no token with the bare challenge, a bad one with invalid_token', async () => {
    const none = await callApi(server, '/api/devices');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="device-login"');
    const bad = await callApi(server, '/api/devices', 'not-a-token');
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toMatch(/^Bearer realm="device-login", error="invalid_token"/);
  });

  it('refuses a token without the devices scope with 403 insufficient_scope: a TV\'s, and the site\'s when it did not ask', async () => {
    const me = await person();
    const tv = await signInTv(server, me);
    const narrowSite = String((await signInWithCode(server, new Phone(), siteFlow(site, 'openid profile'), me)).access_token);
    for (const token of [String(tv.access_token), narrowSite]) {
      for (const [path, method] of [
        ['/api/devices', 'GET'],
        ['/api/devices', 'DELETE'],
        ['/api/devices/anything', 'DELETE'],
      ] as const) {
        const answer = await callApi(server, path, token, method);
        expect(answer.status).toBe(403);
        expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="device-login", error="insufficient_scope", scope="devices"');
        expect(answer.body.error).toBe('insufficient_scope');
      }
    }
    // Nothing was signed out on the way.
    expect((await refreshTv(server, String(tv.refresh_token))).status).toBe(200);
  });

  it('never gives tv-demo the devices scope, through the device flow or the code flow', async () => {
    const deviceAuth = await fetch(`${server.url}/device/auth`, { method: 'POST', body: new URLSearchParams({ client_id: 'tv-demo', scope: 'openid devices' }) });
    expect(deviceAuth.status).toBe(400);
    expect(((await deviceAuth.json()) as { error: string }).error).toBe('invalid_scope');

    const request = authorizationRequest(server, { ...browserLogin(), scope: 'openid devices' });
    const answer = await fetch(request.url, { redirect: 'manual' });
    const back = new URL(answer.headers.get('location') ?? '', server.url);
    expect(`${back.origin}${back.pathname}`).toBe(`${site.origin}/callback`);
    expect(back.searchParams.get('error')).toBe('invalid_scope');
    expect(back.searchParams.get('code')).toBeNull();
  });

  it('answers other methods with 405 and Allow', async () => {
    const list = await callApi(server, '/api/devices', undefined, 'POST');
    expect(list.status).toBe(405);
    expect(list.headers.get('allow')).toBe('GET, DELETE');
    const one = await callApi(server, '/api/devices/abc', undefined, 'GET');
    expect(one.status).toBe(405);
    expect(one.headers.get('allow')).toBe('DELETE');
  });
});

describe('what the store keeps', () => {
  it('keeps no token value of a listed or signed-out device in any file of the data directory', async () => {
    const me = await person();
    const tv = await signInTv(server, me);
    const token = await siteToken(me);
    const [device] = await listDevices(server, token);
    expect((await callApi(server, `/api/devices/${device!.id}`, token, 'DELETE')).status).toBe(204);
    const files = readdirSync(server.dataDir).map((name) => readFileSync(join(server.dataDir, name)));
    for (const value of [tv.access_token, tv.refresh_token, token]) {
      for (const bytes of files) expect(bytes.includes(Buffer.from(String(value)))).toBe(false);
    }
  });
});
