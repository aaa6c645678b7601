// The account website's client on the embedded server (issue 15, part A): registered after start,
// from a clients file too; its sign-in through the code flow on the real pages (a wrong password
// says so and keeps the email; consent words the devices scope, in English and zh-TW); and
// RP-initiated logout with our own pages, back to the site afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startServer, type RunningServer } from '../../server/app.ts';
import { parseClients } from '../../server/clients-file.ts';
import { SERVER_DEFAULTS } from '../../server/defaults.ts';
import { accountSiteClient } from '../../server/provider.ts';
import { Phone, type PhonePage } from '../fixtures/phone.ts';
import { authorizationRequest, callApi, listDevices, signInTv, signInWithCode, SITE_SECRET, siteFlow, startSite, type Site } from './account-helpers.ts';
import { tempDataDir } from './device-helpers.ts';

let server: RunningServer;
let site: Site;
let data: ReturnType<typeof tempDataDir>;

beforeAll(async () => {
  data = tempDataDir();
  server = await startServer({ port: 0, dataDir: data.dir });
  site = await startSite(server);
});

afterAll(async () => {
  await site?.close();
  await server?.close();
  data?.remove();
});

describe('registering the site after start', () => {
  it('builds the site client as the contract names it', () => {
    expect(SERVER_DEFAULTS.accountClientId).toBe('account-site');
    expect(accountSiteClient({ origin: 'http://127.0.0.1:5000/', clientSecret: SITE_SECRET })).toEqual({
      client_id: 'account-site',
      client_name: 'device-login account',
      client_secret: SITE_SECRET,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1:5000/account/callback'],
      post_logout_redirect_uris: ['http://127.0.0.1:5000/account/'],
      scope: 'openid profile email offline_access devices',
    });
  });

  it('signs the site in right after registerClient, with a secret the token endpoint checks', async () => {
    // startSite registered it just after start; the sign-in below is the first use.
    const tokens = await signInWithCode(server, new Phone(), siteFlow(site), server.demoUser!);
    expect(String(tokens.scope).split(' ').sort()).toEqual(['devices', 'email', 'offline_access', 'openid', 'profile']);
    expect(typeof tokens.refresh_token).toBe('string');
    expect(typeof tokens.id_token).toBe('string');

    const wrongSecret = await signInWithCode(server, new Phone(), { ...siteFlow(site), secret: 'not-the-secret-0123456789' }, server.demoUser!).catch((err: Error) => err);
    expect(String(wrongSecret)).toMatch(/code exchange failed: 401 invalid_client/);
  });

  it('replaces a registration under the same id (a new origin after a restart of the site)', async () => {
    const other = await startSite(server);
    try {
      const tokens = await signInWithCode(server, new Phone(), siteFlow(other), server.demoUser!);
      expect(typeof tokens.access_token).toBe('string');
      // The first origin is no longer registered: its callback is refused before any page.
      const stale = await fetch(authorizationRequest(server, siteFlow(site)).url, { redirect: 'manual' });
      expect(stale.status).toBe(400);
    } finally {
      await other.close();
      // Put the suite's site back for the tests after this one.
      await server.registerClient(accountSiteClient({ origin: site.origin, clientSecret: SITE_SECRET }));
    }
  });

  it('refuses metadata oidc-provider would refuse, and the id of the built-in client, in words', async () => {
    await expect(server.registerClient({ client_id: 'tv-demo', redirect_uris: ['http://127.0.0.1:1/cb'] })).rejects.toThrow(
      'The client id "tv-demo" is taken by a client given at start-up.',
    );
    await expect(
      server.registerClient({ client_id: 'broken', token_endpoint_auth_method: 'client_secret_basic', grant_types: ['authorization_code'], response_types: ['code'], redirect_uris: ['not a url'] }),
    ).rejects.toThrow(/^The client "broken" cannot be registered: /);
  });

  it('gives a registered client without a scope everything but devices', async () => {
    await server.registerClient({
      client_id: 'plain-site',
      client_secret: SITE_SECRET,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      redirect_uris: [`${site.origin}/plain/callback`],
    });
    const flow = { clientId: 'plain-site', redirectUri: `${site.origin}/plain/callback`, scope: 'openid devices', secret: SITE_SECRET };
    const answer = await fetch(authorizationRequest(server, flow).url, { redirect: 'manual' });
    expect(new URL(answer.headers.get('location')!).searchParams.get('error')).toBe('invalid_scope');
  });
});

describe('the site client from a clients file (serve --clients)', () => {
  it('accepts post_logout_redirect_uris and scope, and a server started with it lists devices', async () => {
    const [entry] = parseClients([
      {
        client_id: 'account-site',
        client_name: 'device-login account',
        client_secret: SITE_SECRET,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['authorization_code', 'refresh_token'],
        redirect_uris: ['http://127.0.0.1:5000/account/callback'],
        post_logout_redirect_uris: ['http://127.0.0.1:5000/account/'],
        scope: 'openid profile email offline_access devices',
      },
    ]);
    expect(entry).toMatchObject({ post_logout_redirect_uris: ['http://127.0.0.1:5000/account/'], scope: 'openid profile email offline_access devices' });
    expect(() => parseClients([{ client_id: 'a', scope: 'openid everything' }], 'clients.json')).toThrow(
      '--clients clients.json: client 1 (scope) must be scopes from openid, profile, email, offline_access, devices, separated by spaces.',
    );
    expect(() => parseClients([{ client_id: 'a', post_logout_redirect_uris: ['ftp://x'] }], 'clients.json')).toThrow('client 1 (post_logout_redirect_uris[0]) must be an http(s) URL');

    // A server run apart hosts the site's client from the file.
    const own = tempDataDir();
    // A loopback origin answering the callback, registered nowhere but in the file.
    const listener = await startSite();
    const fromFile = parseClients([
      {
        client_id: 'account-site',
        client_secret: SITE_SECRET,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['authorization_code', 'refresh_token'],
        redirect_uris: [listener.redirectUri],
        post_logout_redirect_uris: [`${listener.origin}/account/`],
        scope: 'openid profile email offline_access devices',
      },
    ]);
    const apart = await startServer({ port: 0, dataDir: own.dir, clients: fromFile, deviceLastUsedEverySeconds: 0 });
    try {
      await signInTv(apart, apart.demoUser!);
      const token = String((await signInWithCode(apart, new Phone(), siteFlow(listener), apart.demoUser!)).access_token);
      expect((await listDevices(apart, token)).map((d) => d.method)).toEqual(['device']);
      // Registered at start-up: registerClient may not shadow it.
      await expect(apart.registerClient(accountSiteClient({ origin: listener.origin, clientSecret: SITE_SECRET }))).rejects.toThrow(/taken by a client given at start-up/);
    } finally {
      await apart.close();
      await listener.close();
      own.remove();
    }
  });
});

describe("the site's sign-in pages", () => {
  it('says login failed on a wrong password and keeps the email, then signs in', async () => {
    const phone = new Phone();
    const request = authorizationRequest(server, siteFlow(site));
    const login = await phone.get(request.url);
    expect(login.page).toBe('login');
    expect(login.labels).toEqual(['Email', 'Password']);
    expect(login.buttons).toEqual(['Sign in']);
    const failed = await phone.signIn(login, { email: server.demoUser!.email, password: 'wrong password' });
    expect(failed.status).toBe(401);
    expect(failed.page).toBe('login');
    expect(failed.error).toBe('Login failed: the email or password is incorrect.');
    expect(failed.forms[0]!.fields.email).toBe(server.demoUser!.email);
    expect(failed.forms[0]!.fields.password).toBe('');
    const consent = await phone.signIn(failed, server.demoUser!);
    expect(consent.page).toBe('consent');
  });

  it('words the devices scope on consent, in English and in Traditional Chinese', async () => {
    const cases: Array<[string | undefined, string, string[]]> = [
      [undefined, 'device-login account is asking for access to your account', ['See and sign out the devices signed in to your account', 'Allow', 'Deny']],
      ['zh-TW,zh;q=0.9', 'device-login account 要求存取您的帳戶', ['查看並登出已登入您帳戶的裝置', '允許', '拒絕']],
    ];
    for (const [acceptLanguage, lead, words] of cases) {
      const phone = new Phone(acceptLanguage ? { acceptLanguage } : {});
      let page: PhonePage = await phone.get(authorizationRequest(server, siteFlow(site)).url);
      page = await phone.signIn(page, server.demoUser!);
      expect(page.page).toBe('consent');
      expect(page.html).toContain(lead);
      for (const word of words) expect(page.html).toContain(word);
    }
  });
});

describe('signing out of the site (RP-initiated logout)', () => {
  /** A phone signed in to the site; its id_token. */
  async function signedIn(phone: Phone): Promise<string> {
    return String((await signInWithCode(server, phone, siteFlow(site), server.demoUser!)).id_token);
  }

  function endSession(idToken: string, extra: Record<string, string> = {}): string {
    const url = new URL(`${server.url}/session/end`);
    url.search = new URLSearchParams({ id_token_hint: idToken, post_logout_redirect_uri: `${site.origin}/account/`, state: 'bye', ...extra }).toString();
    return url.href;
  }

  it('announces end_session_endpoint', async () => {
    const discovery = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(discovery.end_session_endpoint).toBe(`${server.url}/session/end`);
  });

  it('asks on a page like the others, then returns to the site with its state; TVs stay signed in', async () => {
    const tv = await signInTv(server, server.demoUser!);
    const phone = new Phone();
    const idToken = await signedIn(phone);
    const ask = await phone.get(endSession(idToken));
    expect(ask.page).toBe('logout');
    expect(ask.html).toContain('device-login account is signing you out.');
    expect(ask.html).toContain('Your TV and the other devices signed in to your account stay signed in.');
    expect(ask.buttons).toEqual(['Sign out', 'Stay signed in']);
    // The form may carry on to the site (Chromium applies form-action to the redirect after it).
    expect(ask.headers.get('content-security-policy')).toContain(`form-action 'self' ${site.origin}/account/`);

    const back = await phone.submit(ask, { button: 'logout=yes' });
    const landed = new URL(back.url);
    expect(`${landed.origin}${landed.pathname}`).toBe(`${site.origin}/account/`);
    expect(landed.searchParams.get('state')).toBe('bye');
    // The browser's session at the server is over: the next site sign-in asks for the password again.
    expect((await phone.get(authorizationRequest(server, siteFlow(site)).url)).page).toBe('login');
    // The TV signed in through this account is not signed out by it.
    expect((await callApi(server, '/api/me', String(tv.access_token))).status).toBe(200);
  });

  it('speaks Traditional Chinese when asked, and ends on our own signed-out page without an address to return to', async () => {
    const phone = new Phone({ acceptLanguage: 'zh-TW' });
    const idToken = await signedIn(phone);
    const ask = await phone.get(`${server.url}/session/end?${new URLSearchParams({ id_token_hint: idToken })}`);
    expect(ask.page).toBe('logout');
    expect(ask.buttons).toEqual(['登出', '保持登入']);
    expect(ask.html).toContain('device-login account 正在將您登出。');
    const done = await phone.submit(ask, { button: 'logout=yes' });
    expect(done.page).toBe('logged-out');
    expect(done.html).toContain('您已在此瀏覽器上登出 device-login。');

    const english = new Phone();
    const idToken2 = await signedIn(english);
    const ask2 = await english.get(`${server.url}/session/end?${new URLSearchParams({ id_token_hint: idToken2, ui_locales: 'en' })}`);
    const stay = await english.submit(ask2, { button: 'Stay signed in' });
    expect(stay.page).toBe('logged-out');
    expect(stay.html).toContain('You signed out of device-login account.');
  });

  it('refuses a post_logout_redirect_uri the site did not register', async () => {
    const phone = new Phone();
    const idToken = await signedIn(phone);
    const page = await phone.get(endSession(idToken, { post_logout_redirect_uri: 'http://127.0.0.1:1/elsewhere' }));
    expect(page.status).toBe(400);
    expect(page.html).not.toContain('127.0.0.1:1/elsewhere');
  });
});
