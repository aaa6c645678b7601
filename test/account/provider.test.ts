// The account website pointed at another provider: a plain oidc-provider (its dev login and consent
// pages) with a confidential web client for the site. The site signs in, shows the profile from the
// id_token and userinfo, and says that the provider manages the devices (it has no devices API).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccountSite, type AccountSite } from '../../account/site.ts';
import { discoverEndpoints } from '../../core/discovery.ts';
import type { Logger } from '../../core/ports.ts';
import { startBrowserHost, type RunningBrowserHost } from '../../host/browser-host.ts';
import { systemClock } from '../../host/clock.ts';
import { DeviceController } from '../../host/device-controller.ts';
import { createAxiosHttpClient } from '../../host/http.ts';
import { createMemoryTokenStore } from '../../host/memory-token-store.ts';
import { Phone } from '../fixtures/phone.ts';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const SECRET = 'a site secret of more than thirty-two characters';

let providerServer: Server;
let host: RunningBrowserHost;
let controller: DeviceController;
let site: AccountSite;
let originalWarn: typeof console.warn;
let originalInfo: typeof console.info;

/** A free loopback port: the site's redirect URI must be registered before the host listens. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  // oidc-provider warns about its development defaults, which are this test's point.
  originalWarn = console.warn;
  console.warn = () => undefined;
  originalInfo = console.info;
  console.info = () => undefined;
  const hostPort = await freePort();
  const hostOrigin = `http://127.0.0.1:${hostPort}`;
  providerServer = createServer();
  await new Promise<void>((resolve) => providerServer.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(providerServer.address() as AddressInfo).port}`;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'their-site',
        client_secret: SECRET,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: [`${hostOrigin}/account/callback`],
      },
    ],
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'k', use: 'sig', alg: 'RS256' } as never] },
    cookies: { keys: ['not a secret: a test'] },
    features: { devInteractions: { enabled: true }, deviceFlow: { enabled: true }, userinfo: { enabled: true }, revocation: { enabled: true } },
    pkce: { required: () => true },
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
    claims: { openid: ['sub'], profile: ['name'], email: ['email'] },
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub, name: 'Grace Hopper', email: 'grace@example.test' }) }),
  });
  providerServer.on('request', provider.callback());

  const http = createAxiosHttpClient();
  const endpoints = await discoverEndpoints(issuer, http);
  controller = await DeviceController.create({
    endpoints,
    client: { clientId: 'their-tv', scope: 'openid profile' },
    ports: { http, clock: systemClock, store: createMemoryTokenStore(), logger: quiet },
    displayName: 'Their provider',
  });
  site = createAccountSite({
    endpoints,
    client: { clientId: 'their-site', clientSecret: SECRET, scope: 'openid profile email' },
    providerName: 'Their provider',
    origin: () => host.origin,
    http,
    clock: systemClock,
    logger: quiet,
  });
  host = await startBrowserHost({
    controller,
    rendererDir: '/nonexistent',
    hostPageDir: '/nonexistent',
    phoneCanEmbed: false,
    account: site,
    port: hostPort,
    logger: quiet,
  });
});

afterAll(async () => {
  await host?.close();
  controller?.close();
  providerServer?.closeAllConnections();
  await new Promise<void>((resolve) => (providerServer ? providerServer.close(() => resolve()) : resolve()));
  console.warn = originalWarn;
  console.info = originalInfo;
});

describe('account website with another provider', () => {
  it('signs in with client_secret_basic, shows the profile, and says the provider manages the devices', async () => {
    const browser = new Phone();
    const start = await browser.get(`${host.origin}/account/`);
    const login = await browser.submit(start, { button: 'Sign in' });
    // oidc-provider's development login and consent pages.
    const consent = await browser.submit(login, { fields: { login: 'grace', password: 'any' } });
    const signingIn = await browser.submit(consent);
    expect(signingIn.page).toBe('signing-in');
    const home = await browser.get(`${host.origin}/account/callback/finish`);
    expect(home.page).toBe('home');
    expect(home.html).toContain('Hi, Grace Hopper');
    expect(home.html).toContain('grace@example.test');
    expect(home.html).toContain('Your devices are managed by Their provider.');
    expect(home.html).not.toContain('data-testid="catalogue"');
    expect(home.buttons).not.toContain('Sign out everywhere');
    expect(home.buttons).toContain('Sign out');
  });

  // Last: it stops the provider.
  it('says the sign-in server cannot be reached when it is gone at the code exchange', async () => {
    const browser = new Phone({ acceptLanguage: 'zh-TW' });
    const start = await browser.get(`${host.origin}/account/`);
    const login = await browser.submit(start, { button: '登入' });
    const consent = await browser.submit(login, { fields: { login: 'grace', password: 'any' } });
    expect((await browser.submit(consent)).page).toBe('signing-in');
    providerServer.closeAllConnections();
    await new Promise<void>((resolve) => providerServer.close(() => resolve()));
    const down = await browser.get(`${host.origin}/account/callback/finish`);
    expect(down.status).toBe(502);
    expect(down.page).toBe('server-down');
    expect(down.html).toContain('無法連線到登入伺服器');
  });
});
