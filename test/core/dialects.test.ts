// What the Protocol sends under each preset's dialect (core/dialects.ts), seen by a real HTTP server
// on 127.0.0.1 through the real axios HttpClient: exact bodies, content types and headers. Also the
// AWS client registration, kept in the TokenStore until it expires and made again when refused.
import { describe, expect, it } from 'vitest';
import { REGISTRATION_MARGIN_MS, registrationStoreKey } from '../../core/client-registration.ts';
import { DEVICE_CODE_GRANT_TYPE } from '../../core/dialects.ts';
import type { Clock, Logger, Ports } from '../../core/ports.ts';
import { createProtocol } from '../../core/protocol.ts';
import { resolveEndpoints, type ProviderSettings } from '../../core/providers.ts';
import { createDeviceSession } from '../../core/session.ts';
import type { ClientSettings, Protocol } from '../../core/types.ts';
import { systemClock } from '../../host/clock.ts';
import { createAxiosHttpClient } from '../../host/http.ts';
import { createScriptedHttpClient } from '../../host/scripted-http.ts';
import { memoryStore } from '../fixtures/memory-store.ts';
import { recordingServers } from '../fixtures/recording-server.ts';

const { serve } = recordingServers();

const logs: string[] = [];
const logger: Logger = {
  debug: (m) => void logs.push(m),
  info: (m, f) => void logs.push(`${m} ${JSON.stringify(f ?? {})}`),
  warn: (m, f) => void logs.push(`${m} ${JSON.stringify(f ?? {})}`),
  error: (m) => void logs.push(m),
};

function portsWith(store = memoryStore(), clock: Clock = systemClock): Ports & { store: ReturnType<typeof memoryStore> } {
  return { http: createAxiosHttpClient(), clock, store, logger };
}

async function protocolFor(
  settings: ProviderSettings,
  client: ClientSettings,
  ports: Ports = portsWith(),
): Promise<Protocol> {
  const { endpoints } = await resolveEndpoints(settings, ports.http);
  return createProtocol({ endpoints, client, ports });
}

const CODE = { device_code: 'dc-1', user_code: 'ABC123', verification_uri: 'https://example.test/code', expires_in: 600, interval: 1 };
const TOKENS = { access_token: 'at-1', token_type: 'bearer', expires_in: 3600, refresh_token: 'rt-1' };

describe('amazon', () => {
  it('asks at the codepair endpoint and polls with grant_type=device_code and both codes', async () => {
    const { base, seen } = await serve((req) => (req.path.endsWith('/codepair') ? { body: CODE } : { body: TOKENS }));
    const protocol = await protocolFor({ provider: 'amazon', baseUrl: base }, { clientId: 'amzn1.application-oa2-client.x', scope: 'profile' });
    const authorization = await protocol.initiateDeviceAuthorization();
    await protocol.pollDeviceAuthorizationGrant(authorization.deviceCode, { userCode: authorization.userCode });
    await protocol.refreshTokenGrant('rt-1');
    expect(seen.map((r) => [r.method, r.path, r.headers['content-type'], r.body])).toEqual([
      ['POST', '/auth/o2/create/codepair', 'application/x-www-form-urlencoded', { response_type: 'device_code', client_id: 'amzn1.application-oa2-client.x', scope: 'profile' }],
      ['POST', '/auth/o2/token', 'application/x-www-form-urlencoded', { grant_type: 'device_code', device_code: 'dc-1', user_code: 'ABC123', client_id: 'amzn1.application-oa2-client.x' }],
      ['POST', '/auth/o2/token', 'application/x-www-form-urlencoded', { grant_type: 'refresh_token', refresh_token: 'rt-1', client_id: 'amzn1.application-oa2-client.x' }],
    ]);
  });

  it('sends scope_data when the client gives it as an extra parameter', async () => {
    const { base, seen } = await serve(() => ({ body: CODE }));
    const scopeData = JSON.stringify({ 'alexa:all': { productID: 'tv', productInstanceAttributes: { deviceSerialNumber: '1' } } });
    const protocol = await protocolFor({ provider: 'amazon', baseUrl: base }, { clientId: 'c', scope: 'alexa:all', extraParams: { scope_data: scopeData } });
    await protocol.initiateDeviceAuthorization();
    expect(seen[0]!.body.scope_data).toBe(scopeData);
  });

  it('reads the profile from /user/profile with the bearer token', async () => {
    const { base, seen } = await serve(() => ({ body: { user_id: 'amzn1.account.A', name: 'Ada', email: 'ada@example.test' } }));
    const protocol = await protocolFor({ provider: 'amazon', baseUrl: base }, { clientId: 'c' });
    expect(await protocol.fetchProfile({ accessToken: 'at-1', tokenType: 'bearer' })).toEqual({ sub: 'amzn1.account.A', name: 'Ada', email: 'ada@example.test' });
    expect(seen[0]).toMatchObject({ method: 'GET', path: '/user/profile', headers: { authorization: 'Bearer at-1' } });
  });
});

describe('facebook', () => {
  it('names the app by APP_ID|CLIENT_TOKEN, scopes comma-separated, and polls with `code`', async () => {
    const { base, seen } = await serve((req) =>
      req.path.endsWith('/device/login')
        ? { body: { code: 'fb-code', user_code: 'A1B2C3D4', verification_uri: 'https://www.facebook.com/device', expires_in: 420, interval: 5 } }
        : { body: { access_token: 'user-at', expires_in: 5183944 } },
    );
    const protocol = await protocolFor({ provider: 'facebook', baseUrl: base }, { clientId: '1234567890', clientToken: 'ct-secret', scope: 'public_profile email' });
    const authorization = await protocol.initiateDeviceAuthorization();
    expect(authorization.deviceCode).toBe('fb-code');
    const outcome = await protocol.pollDeviceAuthorizationGrant('fb-code', { userCode: 'A1B2C3D4' });
    expect(outcome.kind === 'tokens' && outcome.tokens.refreshToken).toBeUndefined();
    expect(seen.map((r) => [r.path, r.body])).toEqual([
      ['/v21.0/device/login', { access_token: '1234567890|ct-secret', scope: 'public_profile,email' }],
      ['/v21.0/device/login_status', { access_token: '1234567890|ct-secret', code: 'fb-code' }],
    ]);
  });

  it('reads the profile from /me?fields=id,name,picture with the user token', async () => {
    const { base, seen } = await serve(() => ({ body: { id: '1015', name: 'Katherine', picture: { data: { url: 'https://cdn.example/k.jpg' } } } }));
    const protocol = await protocolFor({ provider: 'facebook', baseUrl: base }, { clientId: '1', clientToken: 'ct-secret' });
    expect(await protocol.fetchProfile({ accessToken: 'user-at', tokenType: 'bearer' })).toEqual({ sub: '1015', name: 'Katherine', picture: 'https://cdn.example/k.jpg' });
    expect(seen[0]).toMatchObject({ path: '/v21.0/me?fields=id,name,picture', headers: { authorization: 'Bearer user-at' } });
  });
});

describe('twitch', () => {
  it('sends `scopes` with the code request and every poll, refreshes without a secret, revokes with client_id and token', async () => {
    const { base, seen } = await serve((req) =>
      req.path === '/oauth2/device' ? { body: CODE } : req.path === '/oauth2/revoke' ? {} : { body: { ...TOKENS, scope: ['user:read:email'] } },
    );
    const protocol = await protocolFor({ provider: 'twitch', baseUrl: base }, { clientId: 'twitch-client', scope: 'user:read:email chat:read' });
    await protocol.initiateDeviceAuthorization();
    const outcome = await protocol.pollDeviceAuthorizationGrant('dc-1', { userCode: 'ABC123' });
    expect(outcome.kind === 'tokens' && outcome.tokens.scope).toBe('user:read:email');
    await protocol.refreshTokenGrant('rt-1');
    await protocol.tokenRevocation({ accessToken: 'at-1', tokenType: 'bearer' });
    expect(seen.map((r) => [r.path, r.body])).toEqual([
      ['/oauth2/device', { client_id: 'twitch-client', scopes: 'user:read:email chat:read' }],
      ['/oauth2/token', { client_id: 'twitch-client', device_code: 'dc-1', scopes: 'user:read:email chat:read', grant_type: DEVICE_CODE_GRANT_TYPE }],
      ['/oauth2/token', { grant_type: 'refresh_token', refresh_token: 'rt-1', client_id: 'twitch-client' }],
      ['/oauth2/revoke', { client_id: 'twitch-client', token: 'at-1' }],
    ]);
  });

  it('calls Helix /users with the Client-Id header beside the bearer token', async () => {
    const { base, seen } = await serve(() => ({ body: { data: [{ id: '1419', login: 'hedy', display_name: 'Hedy', profile_image_url: 'https://cdn.example/h.png' }] } }));
    const protocol = await protocolFor({ provider: 'twitch', baseUrl: base }, { clientId: 'twitch-client' });
    expect(await protocol.fetchProfile({ accessToken: 'at-1', tokenType: 'bearer' })).toEqual({ sub: '1419', name: 'Hedy', picture: 'https://cdn.example/h.png' });
    expect(seen[0]).toMatchObject({ path: '/helix/users', headers: { authorization: 'Bearer at-1', 'client-id': 'twitch-client' } });
  });
});

describe('salesforce', () => {
  it('asks for codes at the token endpoint with response_type=device_code and polls with grant_type=device and `code`', async () => {
    const { base, seen } = await serve((req) =>
      req.body.response_type ? { body: { device_code: 'dc-1', user_code: 'ABCDEFGH', verification_uri: 'https://acme.my.salesforce.com/setup/connect', interval: 5 } } : {
        body: { access_token: 'at-1', refresh_token: 'rt-1', instance_url: 'https://acme.my.salesforce.com', id: 'https://x/id/1/2', issued_at: '1700000000000', scope: 'api refresh_token', token_type: 'Bearer' },
      },
    );
    const protocol = await protocolFor({ provider: 'salesforce', baseUrl: base }, { clientId: '3MVG9-consumer', scope: 'api refresh_token' });
    const authorization = await protocol.initiateDeviceAuthorization();
    // Salesforce states no lifetime: ten minutes from now.
    expect(authorization.expiresAt - Date.now()).toBeGreaterThan(590_000);
    const outcome = await protocol.pollDeviceAuthorizationGrant('dc-1', { userCode: 'ABCDEFGH' });
    expect(outcome.kind === 'tokens' && outcome.tokens.instanceUrl).toBe('https://acme.my.salesforce.com');
    expect(seen.map((r) => [r.path, r.body])).toEqual([
      ['/services/oauth2/token', { response_type: 'device_code', client_id: '3MVG9-consumer', scope: 'api refresh_token' }],
      ['/services/oauth2/token', { grant_type: 'device', client_id: '3MVG9-consumer', code: 'dc-1' }],
    ]);
  });
});

describe('aws-sso', () => {
  const START = 'https://d-9067.awsapps.com/start';
  const NEVER_EXPIRES = Math.floor(Date.now() / 1000) + 90 * 24 * 3600;

  /** An sso-oidc stand-in: registrations numbered from 1; `refuse` names client ids it no longer knows. */
  async function ssoOidc(options: { lifetimeSeconds?: () => number; refuse?: Set<string> } = {}) {
    let registered = 0;
    return serve((req) => {
      if (req.path === '/client/register') {
        registered += 1;
        return {
          body: {
            clientId: `client-${registered}`,
            clientSecret: `secret-${registered}`,
            clientIdIssuedAt: Math.floor(Date.now() / 1000),
            clientSecretExpiresAt: options.lifetimeSeconds ? Math.floor(Date.now() / 1000) + options.lifetimeSeconds() : NEVER_EXPIRES,
          },
        };
      }
      if (options.refuse?.has(String(req.body.clientId))) {
        return { status: 401, body: { error: 'invalid_client', error_description: 'Invalid client' } };
      }
      if (req.path === '/device_authorization') {
        return {
          body: {
            deviceCode: 'dc-1',
            userCode: 'ABCD-EFGH',
            verificationUri: 'https://device.sso.example/',
            verificationUriComplete: 'https://device.sso.example/?user_code=ABCD-EFGH',
            expiresIn: 600,
            interval: 1,
          },
        };
      }
      return { body: { accessToken: 'at-1', tokenType: 'Bearer', expiresIn: 3600, refreshToken: 'rt-1' } };
    });
  }

  it('registers a public client, then sends JSON camelCase bodies as that client', async () => {
    const { base, seen } = await ssoOidc();
    const protocol = await protocolFor({ provider: 'aws-sso', baseUrl: base, startUrl: START }, { clientId: START });
    const authorization = await protocol.initiateDeviceAuthorization();
    expect(authorization.verificationUriComplete).toBe('https://device.sso.example/?user_code=ABCD-EFGH');
    const outcome = await protocol.pollDeviceAuthorizationGrant('dc-1', { userCode: 'ABCD-EFGH' });
    expect(outcome.kind === 'tokens' && outcome.tokens).toMatchObject({ accessToken: 'at-1', refreshToken: 'rt-1' });
    await protocol.refreshTokenGrant('rt-1');
    expect(seen.map((r) => [r.path, r.headers['content-type'], r.body])).toEqual([
      ['/client/register', 'application/json', { clientName: 'device-login', clientType: 'public' }],
      ['/device_authorization', 'application/json', { clientId: 'client-1', clientSecret: 'secret-1', startUrl: START }],
      ['/token', 'application/json', { clientId: 'client-1', clientSecret: 'secret-1', grantType: DEVICE_CODE_GRANT_TYPE, deviceCode: 'dc-1' }],
      ['/token', 'application/json', { clientId: 'client-1', clientSecret: 'secret-1', grantType: 'refresh_token', refreshToken: 'rt-1' }],
    ]);
  });

  it('keeps the registration in the token store: a later program signs in as the same client without registering', async () => {
    const { base, seen } = await ssoOidc();
    const store = memoryStore();
    const settings = { provider: 'aws-sso', baseUrl: base, startUrl: START } as const;
    await (await protocolFor(settings, { clientId: START }, portsWith(store))).initiateDeviceAuthorization();
    expect(store.data.get(registrationStoreKey(`${base}/client/register`))?.registration).toMatchObject({ clientId: 'client-1' });
    // Another process (a new Protocol over the same store) resumes polling and asks for a new code.
    const later = await protocolFor(settings, { clientId: START }, portsWith(store));
    await later.pollDeviceAuthorizationGrant('dc-1');
    await later.initiateDeviceAuthorization();
    expect(seen.filter((r) => r.path === '/client/register')).toHaveLength(1);
    expect(seen.slice(1).map((r) => r.body.clientId)).toEqual(['client-1', 'client-1', 'client-1']);
  });

  it('registers again once the kept registration is about to expire', async () => {
    const { base, seen } = await ssoOidc({ lifetimeSeconds: () => 2 * 3600 });
    const store = memoryStore();
    let now = Date.now();
    const clock: Clock = { now: () => now, sleep: systemClock.sleep };
    const protocol = await protocolFor({ provider: 'aws-sso', baseUrl: base, startUrl: START }, { clientId: START }, portsWith(store, clock));
    await protocol.initiateDeviceAuthorization();
    await protocol.initiateDeviceAuthorization();
    expect(seen.filter((r) => r.path === '/client/register')).toHaveLength(1);
    // Within the margin of its clientSecretExpiresAt: a new sign-in must not start with it.
    now += 2 * 3600 * 1000 - REGISTRATION_MARGIN_MS + 1000;
    await protocol.initiateDeviceAuthorization();
    expect(seen.filter((r) => r.path === '/client/register')).toHaveLength(2);
    expect(seen.at(-1)!.body.clientId).toBe('client-2');
    expect(store.data.get(registrationStoreKey(`${base}/client/register`))?.registration?.clientId).toBe('client-2');
  });

  it('registers again when the server refuses the kept client, and asks for the code once more', async () => {
    const refuse = new Set<string>();
    const { base, seen } = await ssoOidc({ refuse });
    const store = memoryStore();
    const settings = { provider: 'aws-sso', baseUrl: base, startUrl: START } as const;
    await (await protocolFor(settings, { clientId: START }, portsWith(store))).initiateDeviceAuthorization();
    refuse.add('client-1');
    const authorization = await (await protocolFor(settings, { clientId: START }, portsWith(store))).initiateDeviceAuthorization();
    expect(authorization.deviceCode).toBe('dc-1');
    expect(seen.map((r) => `${r.path} ${String(r.body.clientId ?? '')}`)).toEqual([
      '/client/register ',
      '/device_authorization client-1',
      '/device_authorization client-1',
      '/client/register ',
      '/device_authorization client-2',
    ]);
    expect(store.data.get(registrationStoreKey(`${base}/client/register`))?.registration?.clientId).toBe('client-2');
  });

  it('a poll refused as invalid_client ends the flow and forgets the registration', async () => {
    const refuse = new Set<string>();
    const { base } = await ssoOidc({ refuse });
    const store = memoryStore();
    const protocol = await protocolFor({ provider: 'aws-sso', baseUrl: base, startUrl: START }, { clientId: START }, portsWith(store));
    await protocol.initiateDeviceAuthorization();
    refuse.add('client-1');
    const outcome = await protocol.pollDeviceAuthorizationGrant('dc-1');
    expect(outcome.kind === 'fatal' && outcome.error.code).toBe('invalid_client');
    expect(store.data.has(registrationStoreKey(`${base}/client/register`))).toBe(false);
  });

  it('never logs the registered client secret', async () => {
    const { base } = await ssoOidc();
    logs.length = 0;
    await (await protocolFor({ provider: 'aws-sso', baseUrl: base, startUrl: START }, { clientId: START })).initiateDeviceAuthorization();
    expect(logs.some((line) => line.includes('Registered a public client'))).toBe(true);
    expect(logs.join('\n')).not.toContain('secret-1');
  });

  it('reads the profile from the idToken when the token endpoint sends one (no userinfo, no key set)', async () => {
    const { base, seen } = await ssoOidc();
    const payload = Buffer.from(JSON.stringify({ sub: 'u-1', name: 'Ada Lovelace', email: 'ada@example.test' })).toString('base64url');
    const idToken = `eyJhbGciOiJSUzI1NiJ9.${payload}.c2ln`;
    const protocol = await protocolFor({ provider: 'aws-sso', baseUrl: base, startUrl: START }, { clientId: START });
    expect(await protocol.fetchProfile({ accessToken: 'at-1', tokenType: 'Bearer', idToken })).toEqual({ sub: 'u-1', name: 'Ada Lovelace', email: 'ada@example.test' });
    expect(await protocol.fetchProfile({ accessToken: 'at-1', tokenType: 'Bearer' })).toBeUndefined();
    expect(seen).toHaveLength(0);
  });
});

describe('a session under the amazon preset', () => {
  /** Virtual time: sleeps resolve when the test advances the clock. */
  function fakeClock() {
    let t = 1_700_000_000_000;
    let timers: Array<{ at: number; fire: () => void }> = [];
    const settle = async () => {
      for (let i = 0; i < 10; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    };
    return {
      now: () => t,
      sleep: (ms: number, signal?: AbortSignal) =>
        new Promise<void>((resolve, reject) => {
          const timer = { at: t + ms, fire: resolve };
          timers.push(timer);
          signal?.addEventListener('abort', () => {
            timers = timers.filter((x) => x !== timer);
            reject(new Error('aborted'));
          });
        }),
      async advance(ms: number) {
        const target = t + ms;
        await settle();
        for (;;) {
          const due = timers.filter((x) => x.at <= target).sort((a, b) => a.at - b.at)[0];
          if (!due) break;
          timers = timers.filter((x) => x !== due);
          t = due.at;
          due.fire();
          await settle();
        }
        t = target;
        await settle();
      },
    };
  }

  it('polls every 30 s when the code names no interval, each poll with the code pair', async () => {
    const polls: Array<{ at: number; form: Record<string, string> }> = [];
    const clock = fakeClock();
    const http = createScriptedHttpClient({
      'POST https://api.amazon.com/auth/o2/create/codepair': () => ({
        status: 200,
        body: { device_code: 'dc-1', user_code: 'ABC123', verification_uri: 'https://amazon.com/us/code', expires_in: 600 },
      }),
      'POST https://api.amazon.com/auth/o2/token': (req) => {
        polls.push({ at: clock.now(), form: req.form ?? {} });
        return { status: 400, body: { error: 'authorization_pending', error_description: 'waiting' } };
      },
    });
    const ports: Ports = { http, clock, store: memoryStore(), logger };
    const { endpoints } = await resolveEndpoints({ provider: 'amazon' }, http);
    const session = createDeviceSession({
      protocol: createProtocol({ endpoints, client: { clientId: 'c', scope: 'profile' }, ports }),
      ports,
      storeKey: 'amazon#c',
    });
    const start = clock.now();
    session.signIn();
    await clock.advance(29_000);
    expect(polls).toHaveLength(0);
    expect(session.snapshot()).toMatchObject({ state: 'awaiting_user', interval: 30 });
    await clock.advance(1_000);
    await clock.advance(59_000);
    expect(polls.map((p) => p.at - start)).toEqual([30_000, 60_000]);
    expect(polls[0]!.form).toEqual({ grant_type: 'device_code', device_code: 'dc-1', user_code: 'ABC123', client_id: 'c' });
    await session.close();
  });
});
