// The account website against the real embedded server and a real browser host on loopback: the
// authorization code flow played by a cookie-jar browser over HTTP (the server's real login and
// consent pages), the callback's refusals (a wrong state, a replayed code, a foreign iss), and the
// site's session (an HttpOnly cookie, tokens only on the server, CSRF, refresh, sign-out).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccountSite, SESSION_COOKIE, type AccountSite } from '../../account/site.ts';
import { randomToken } from '../../core/authorization-code.ts';
import { discoverEndpoints } from '../../core/discovery.ts';
import type { HttpClient, HttpRequest, Logger } from '../../core/ports.ts';
import type { Endpoints } from '../../core/types.ts';
import { startBrowserHost, type RunningBrowserHost } from '../../host/browser-host.ts';
import { systemClock } from '../../host/clock.ts';
import { DeviceController } from '../../host/device-controller.ts';
import { createAxiosHttpClient } from '../../host/http.ts';
import { createMemoryTokenStore } from '../../host/memory-token-store.ts';
import { startServer, type RunningServer } from '../../server/app.ts';
import { SERVER_DEFAULTS } from '../../server/defaults.ts';
import { Phone, type PhonePage } from '../fixtures/phone.ts';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const SCOPE = 'openid profile email offline_access devices';

let dir: string;
let server: RunningServer;
let controller: DeviceController;
let host: RunningBrowserHost;
let site: AccountSite;
let endpoints: Endpoints;
let demo: { email: string; password: string };
/** Every request the site made, as it handed it to its HttpClient port. */
const siteRequests: HttpRequest[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'device-login-account-'));
  // Access tokens of 5 s, so that a test can see the site refresh one.
  server = await startServer({ port: 0, dataDir: join(dir, 'data'), accessTokenTtl: 5, logger: quiet });
  demo = server.demoUser!;
  const http = createAxiosHttpClient();
  endpoints = await discoverEndpoints(server.issuer, http);
  controller = await DeviceController.create({
    endpoints,
    client: { clientId: server.clientId, scope: 'openid profile email offline_access' },
    ports: { http, clock: systemClock, store: createMemoryTokenStore(), logger: quiet },
    resourceServer: server.url,
    displayName: 'device-login (embedded server)',
  });
  // ':' '%' '+' '&' and a space in the secret: client_secret_basic must carry them intact (RFC 6749
  // §2.3.1). oidc-provider takes printable ASCII only; non-ASCII is checked in test/core/client-authentication.test.ts.
  const secret = `${randomToken(32)}:% +&`;
  const siteHttp: HttpClient = {
    request: (request) => {
      siteRequests.push(request);
      return http.request(request);
    },
  };
  site = createAccountSite({
    endpoints,
    client: { clientId: SERVER_DEFAULTS.accountClientId, clientSecret: secret, scope: SCOPE, extraParams: { prompt: 'consent' } },
    providerName: 'device-login (embedded server)',
    resourceServer: server.url,
    origin: () => host.origin,
    http: siteHttp,
    clock: systemClock,
    logger: quiet,
  });
  host = await startBrowserHost({
    controller,
    rendererDir: join(dir, 'no-renderer'),
    hostPageDir: join(import.meta.dirname, '..', '..', 'host', 'page'),
    phoneCanEmbed: true,
    account: site,
    port: 0,
    logger: quiet,
  });
  await server.registerClient({
    client_id: SERVER_DEFAULTS.accountClientId,
    client_secret: secret,
    client_name: SERVER_DEFAULTS.accountClientName,
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [site.redirectUri()],
    post_logout_redirect_uris: [site.postLogoutRedirectUri()],
    scope: SCOPE,
  });
});

afterAll(async () => {
  await host?.close();
  controller?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const account = (path = '') => `${host.origin}/account/${path}`;

/** Start page -> Sign in -> the server's login page. */
async function startSignIn(browser: Phone): Promise<PhonePage> {
  const start = await browser.get(account());
  expect(start.page).toBe('start');
  return browser.submit(start, { button: 'Sign in' });
}

/** Start -> login -> consent -> the decision; ends on the page the callback answers (before /finish). */
async function toCallback(browser: Phone, decision: 'allow' | 'deny'): Promise<PhonePage> {
  const login = await startSignIn(browser);
  expect(login.page).toBe('login');
  const consent = await browser.signIn(login, demo);
  expect(consent.page).toBe('consent');
  return browser.submit(consent, { button: `decision=${decision}` });
}

/** The whole sign-in: the callback's "Signing you in…" step, then its finish; ends on the signed-in page. */
async function signIn(browser: Phone): Promise<{ home: PhonePage; callbackUrl: string }> {
  const signingIn = await toCallback(browser, 'allow');
  expect(signingIn.page).toBe('signing-in');
  const home = await browser.get(account('callback/finish'));
  return { home, callbackUrl: signingIn.url };
}

/** The state the site sent in its authorization request (the redirect the browser followed). */
function stateOf(page: PhonePage): string {
  const authorize = page.redirects.find((url) => url.startsWith(endpoints.authorizationEndpoint!));
  return new URL(authorize!).searchParams.get('state')!;
}

describe('account website: signing in', () => {
  it('signs in through the server’s login and consent pages and says Hi, Demo Viewer with the catalogue and Your devices', async () => {
    const browser = new Phone();
    const signingIn = await toCallback(browser, 'allow');
    // The callback answers at once with its loading step; the code is traded on the next request.
    expect(signingIn.page).toBe('signing-in');
    expect(signingIn.html).toContain('Signing you in…');
    expect(signingIn.html).not.toMatch(/code=|access_token/);
    const home = await browser.get(account('callback/finish'));
    expect(home.page).toBe('home');
    expect(home.html).toContain('Hi, Demo Viewer');
    expect(home.html).toContain('data-testid="catalogue"');
    expect(home.html).toContain('Your devices');
    expect(home.buttons).toEqual(expect.arrayContaining(['Sign out', 'Sign out everywhere']));
  });

  it('sends its secret to the token endpoint only in a Basic header (client_secret_basic), never in the form', async () => {
    siteRequests.length = 0;
    await signIn(new Phone());
    const exchange = siteRequests.find((r) => r.url === endpoints.tokenEndpoint);
    expect(exchange?.form?.grant_type).toBe('authorization_code');
    expect(exchange?.headers?.authorization).toMatch(/^Basic /);
    expect(exchange?.form).not.toHaveProperty('client_secret');
    expect(exchange?.form).not.toHaveProperty('client_id');
  });

  it('asks with PKCE S256, a state, a nonce and the site’s client, and redirects back to /account/callback', async () => {
    const browser = new Phone();
    const login = await startSignIn(browser);
    const authorize = new URL(login.redirects.find((url) => url.startsWith(endpoints.authorizationEndpoint!))!);
    expect(authorize.searchParams.get('client_id')).toBe(SERVER_DEFAULTS.accountClientId);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(authorize.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(authorize.searchParams.get('nonce')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${host.origin}/account/callback`);
    expect(authorize.searchParams.get('scope')).toBe(SCOPE);
  });

  it('No at consent comes back to the site saying you declined', async () => {
    const browser = new Phone();
    const declined = await toCallback(browser, 'deny');
    expect(declined.page).toBe('declined');
    expect(declined.html).toContain('You declined');
    expect(declined.buttons).toContain('Try again');
  });

  it('words the site in Traditional Chinese for a zh-TW browser, and switches language with ?lang=', async () => {
    const browser = new Phone({ acceptLanguage: 'zh-TW,zh;q=0.9,en;q=0.5' });
    const start = await browser.get(account());
    expect(start.html).toContain('<html lang="zh-Hant-TW">');
    expect(start.buttons).toContain('登入');
    const english = await browser.get(account('?lang=en'));
    expect(english.buttons).toContain('Sign in');
    // The choice is remembered (a cookie under /account) over Accept-Language.
    expect((await browser.get(account())).buttons).toContain('Sign in');
  });
});

describe('account website: the callback refuses', () => {
  it('a wrong state with a clear page, and the sign-in under way still finishes', async () => {
    const browser = new Phone();
    const login = await startSignIn(browser);
    const forged = await browser.get(account(`callback?code=forged&state=${randomToken()}&iss=${encodeURIComponent(server.issuer)}`));
    expect(forged.status).toBe(400);
    expect(forged.page).toBe('refused');
    expect(forged.html).toContain('This sign-in is not valid');
    // The real answer still lands.
    const consent = await browser.signIn(login, demo);
    const signingIn = await browser.submit(consent, { button: 'decision=allow' });
    expect(signingIn.page).toBe('signing-in');
    expect((await browser.get(account('callback/finish'))).html).toContain('Hi, Demo Viewer');
  });

  it('a replayed code: the same callback again, and the code carried into another sign-in', async () => {
    const first = new Phone();
    const { home, callbackUrl } = await signIn(first);
    expect(home.page).toBe('home');
    const again = await first.get(callbackUrl);
    expect(again.status).toBe(400);
    expect(again.page).toBe('refused');

    // Another browser starts its own sign-in and is handed the used code with its own state: the
    // server refuses the code (used once, and bound to the first sign-in's PKCE verifier).
    const second = new Phone();
    const login = await startSignIn(second);
    const code = new URL(callbackUrl).searchParams.get('code')!;
    const planted = await second.get(account(`callback?code=${encodeURIComponent(code)}&state=${stateOf(login)}&iss=${encodeURIComponent(server.issuer)}`));
    expect(planted.page).toBe('signing-in');
    const refused = await second.get(account('callback/finish'));
    expect(refused.status).toBe(400);
    expect(refused.page).toBe('refused');
    expect(refused.html).toContain('This sign-in was already used');
  });

  it('an iss that is not the server’s', async () => {
    const browser = new Phone();
    const login = await startSignIn(browser);
    const foreign = await browser.get(account(`callback?code=abc&state=${stateOf(login)}&iss=${encodeURIComponent('https://evil.example')}`));
    expect(foreign.status).toBe(400);
    expect(foreign.page).toBe('refused');
    expect(foreign.html).toContain('came from another server');
    // The sign-in it claimed to answer is over: its finish has nothing to trade.
    expect((await browser.get(account('callback/finish'))).status).toBe(400);
  });

  it('a callback with no sign-in started in this browser', async () => {
    const stranger = new Phone();
    const page = await stranger.get(account(`callback?code=abc&state=${randomToken()}`));
    expect(page.status).toBe(400);
    expect(page.html).toContain('This sign-in is not valid');
  });
});

describe('account website: the session', () => {
  it('is one HttpOnly, SameSite=Lax cookie under /account whose name is the site’s own, and no token reaches the browser', async () => {
    const res = await fetch(account());
    const cookie = res.headers.getSetCookie().find((line) => line.startsWith(`${SESSION_COOKIE}=`))!;
    expect(cookie).toMatch(/; Path=\/account(;|$)/);
    expect(cookie).toMatch(/; HttpOnly(;|$)/);
    expect(cookie).toMatch(/; SameSite=Lax(;|$)/);
    expect(cookie).not.toMatch(/Secure/); // plain http on loopback
    expect(SESSION_COOKIE).not.toMatch(/^_(session|interaction)/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.headers.get('content-security-policy')).not.toContain('unsafe-inline');

    const browser = new Phone();
    const { home } = await signIn(browser);
    expect(browser.cookieNames().filter((name) => name.startsWith('dl_account'))).toEqual([SESSION_COOKIE]);
    // Neither a JWT (the id_token) nor anything token-like is in the page.
    expect(home.html).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./);
  });

  it('gets a new id once signed in, so an id planted before the sign-in is worth nothing', async () => {
    const browser = new Phone();
    await browser.get(account());
    const before = browser.cookieHeader(account());
    await signIn(browser);
    const after = browser.cookieHeader(account());
    expect(after).not.toBe(before);
    const planted = /dl_account_sid=([^;]+)/.exec(before)![1];
    const withPlanted = await fetch(account(), { headers: { cookie: `${SESSION_COOKIE}=${planted}` } });
    expect(await withPlanted.text()).not.toContain('Hi, Demo Viewer');
  });

  it('refreshes an expired access token on the server and goes on', async () => {
    const browser = new Phone();
    await signIn(browser);
    await new Promise((resolve) => setTimeout(resolve, 6000));
    const home = await browser.get(account());
    expect(home.page).toBe('home');
    expect(home.html).toContain('Hi, Demo Viewer');
    expect(home.html).not.toContain('cannot be shown right now');
  }, 20_000);

  it('Sign out everywhere calls DELETE /api/devices through its HttpClient port with the bearer token', async () => {
    const browser = new Phone();
    const { home } = await signIn(browser);
    siteRequests.length = 0;
    const form = home.forms.findIndex((f) => f.action.endsWith('/account/devices/sign-out'));
    const after = await browser.submit(home, { form, button: 'Sign out everywhere' });
    expect(after.page).toBe('home');
    // No TV is signed in to this account in this file: the server signed out none, and the site says so.
    expect(after.html).toContain('No devices were signed in.');
    const deleted = siteRequests.find((r) => r.method === 'DELETE');
    expect(deleted?.url).toBe(`${server.url}/api/devices`);
    expect(deleted?.headers?.authorization).toMatch(/^Bearer /);
  });

  it('changes nothing for a form without the CSRF token, nor one from another site', async () => {
    const browser = new Phone();
    const { home } = await signIn(browser);
    const form = home.forms.find((f) => f.action.endsWith('/account/sign-out'))!;
    const noToken = await browser.request(form.action, { method: 'POST', form: { csrf: 'wrong' } });
    expect(noToken.page).toBe('home');
    expect(noToken.error ?? noToken.html).toContain('timed out');
    const crossSite = await browser.request(form.action, { method: 'POST', form: form.fields, headers: { origin: 'https://evil.example' } });
    expect(crossSite.status).toBe(403);
    expect((await browser.get(account())).html).toContain('Hi, Demo Viewer');
  });

  it('says the session ended for a form whose session this site no longer knows', async () => {
    const res = await fetch(account('sign-out'), {
      method: 'POST',
      headers: { cookie: `${SESSION_COOKIE}=${randomToken()}`, 'content-type': 'application/x-www-form-urlencoded', origin: host.origin },
      body: 'csrf=x',
      redirect: 'manual',
    });
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('Your session has ended');
  });

  it('Sign out ends the site session, revokes the site’s tokens and goes to the server’s logout with the id_token hint', async () => {
    const browser = new Phone();
    const { home } = await signIn(browser);
    const form = home.forms.find((f) => f.action.endsWith('/account/sign-out'))!;
    const res = await fetch(form.action, {
      method: 'POST',
      headers: { cookie: browser.cookieHeader(form.action), 'content-type': 'application/x-www-form-urlencoded', origin: host.origin },
      body: new URLSearchParams(form.fields).toString(),
      redirect: 'manual',
    });
    expect(res.status).toBe(303);
    const logout = new URL(res.headers.get('location')!);
    // The server's end_session_endpoint, as discovery read it.
    expect(endpoints.endSessionEndpoint).toBe(`${server.issuer}/session/end`);
    expect(`${logout.origin}${logout.pathname}`).toBe(endpoints.endSessionEndpoint);
    expect(logout.searchParams.get('post_logout_redirect_uri')).toBe(`${host.origin}/account/`);
    expect(logout.searchParams.get('id_token_hint')).toMatch(/^eyJ/);
    expect(res.headers.getSetCookie().find((line) => line.startsWith(`${SESSION_COOKIE}=;`))).toMatch(/Max-Age=0/);
    // The old session is gone from the site.
    expect(await (await fetch(account(), { headers: { cookie: browser.cookieHeader(account()) } })).text()).not.toContain('Hi, Demo Viewer');
  });
});

