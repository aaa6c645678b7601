// While the TV is signed in, its DeviceController asks the server every sessionCheckSeconds whether the
// sign-in still holds, so that a TV signed out from the account page goes back to Welcome without
// anyone pressing a key. The timing on a virtual clock (the Clock port) against a provider written as
// a function of each request; the same path against the real embedded server is in
// session-ended.test.ts ("a TV signed out from the account page").
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceLoginError } from '../../core/errors.ts';
import type { HttpClient, HttpRequest, HttpResponse, TokenStore } from '../../core/ports.ts';
import { storeKeyFor } from '../../core/session.ts';
import type { Endpoints } from '../../core/types.ts';
import { DeviceController } from '../../host/device-controller.ts';
import { memoryStore } from '../fixtures/memory-store.ts';
import { settle, virtualClock } from '../fixtures/virtual-clock.ts';

const T0 = 1_700_000_000_000;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

const ENDPOINTS: Endpoints = {
  deviceAuthorizationEndpoint: 'https://idp.example/device',
  tokenEndpoint: 'https://idp.example/token',
  userinfoEndpoint: 'https://idp.example/userinfo',
  revocationEndpoint: 'https://idp.example/revoke',
};

const json = (status: number, body: unknown): HttpResponse => ({ status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const SIGNED_OUT = json(400, {
  error: 'invalid_grant',
  error_description: 'This device was signed out from the account page.',
  reason: 'signed_out_from_account',
});
const FRESH = json(200, { access_token: 'at-2', token_type: 'Bearer', expires_in: 3600, refresh_token: 'rt-2' });

/** A provider that answers each request with `answer`, and keeps every request (no token in a URL). */
function provider(answer: (req: HttpRequest) => HttpResponse | Promise<HttpResponse>): HttpClient & { seen: HttpRequest[] } {
  const seen: HttpRequest[] = [];
  return {
    seen,
    async request(req) {
      seen.push(req);
      return answer(req);
    },
  };
}

const checks = (http: { seen: HttpRequest[] }, url = ENDPOINTS.userinfoEndpoint) => http.seen.filter((r) => r.url === url).length;

/** A store holding a signed-in session (an access token that is good for an hour). */
function signedInStore(): TokenStore & { data: Map<string, unknown> } {
  const store = memoryStore();
  store.data.set(storeKeyFor(ENDPOINTS, 'tv'), {
    version: 1,
    tokens: { accessToken: 'at-1', tokenType: 'Bearer', refreshToken: 'rt-1', expiresAt: T0 + 3_600_000 },
    profile: { sub: 'u1', name: 'Ada' },
  });
  return store;
}

const open: DeviceController[] = [];
afterEach(async () => {
  for (const controller of open.splice(0)) await controller.close();
});

async function signedInController(http: HttpClient, options: { sessionCheckSeconds?: number; resourceServer?: string } = {}) {
  const clock = virtualClock(T0);
  const store = signedInStore();
  const controller = await DeviceController.create({
    endpoints: ENDPOINTS,
    displayName: 'idp.example',
    client: { clientId: 'tv' },
    ports: { http, clock, store, logger: quiet },
    ...options,
  });
  open.push(controller);
  expect(controller.getState().state).toBe('signed_in');
  return { controller, clock, store };
}

describe('the TV checks its sign-in while signed in', () => {
  it('asks the provider’s userinfo every sessionCheckSeconds (60 by default), with the access token, on the Clock', async () => {
    const http = provider(() => json(200, { sub: 'u1' }));
    const { controller, clock } = await signedInController(http);
    controller.setLanguage('zh-TW'); // a new ViewState, the same sign-in: still one round of checks
    await clock.advance(59_000);
    expect(checks(http)).toBe(0);
    await clock.advance(1_000);
    expect(checks(http)).toBe(1);
    expect(http.seen.at(-1)?.headers?.authorization).toBe('Bearer at-1');
    await clock.advance(120_000);
    expect(checks(http)).toBe(3);
  });

  it('signed out from the account page: at the next check the 401, one refresh refused with that reason, and Welcome with the notice', async () => {
    let signedOut = false;
    const http = provider((req) => {
      if (req.url === ENDPOINTS.userinfoEndpoint) return signedOut ? json(401, { error: 'invalid_token' }) : json(200, { sub: 'u1' });
      if (req.url === ENDPOINTS.tokenEndpoint) return signedOut ? SIGNED_OUT : FRESH;
      return json(404, {});
    });
    const { controller, clock, store } = await signedInController(http, { sessionCheckSeconds: 1 });
    await clock.advance(1_000);
    expect(controller.getState().state).toBe('signed_in');

    signedOut = true;
    await clock.advance(1_000);
    const view = controller.getState();
    expect(view.state).toBe('idle');
    expect(view.notice).toBe('signed_out_from_account');
    expect(view.profile).toBeUndefined();
    expect(store.data.size).toBe(0);
    expect(http.seen.filter((r) => r.url === ENDPOINTS.tokenEndpoint && r.form?.grant_type === 'refresh_token')).toHaveLength(1);

    // Signed out: no more checks.
    const before = http.seen.length;
    await clock.advance(10_000);
    expect(http.seen.length).toBe(before);
  });

  it('a refused refresh without the reason says only that the sign-in has ended', async () => {
    const http = provider((req) => (req.url === ENDPOINTS.tokenEndpoint ? json(400, { error: 'invalid_grant' }) : json(401, {})));
    const { controller, clock } = await signedInController(http, { sessionCheckSeconds: 1 });
    await clock.advance(1_000);
    expect(controller.getState()).toMatchObject({ state: 'idle', notice: 'session_ended' });
  });

  it('asks the resource server’s /api/me where there is one', async () => {
    const http = provider(() => json(200, { sub: 'u1' }));
    const { clock } = await signedInController(http, { sessionCheckSeconds: 1, resourceServer: 'https://api.example/' });
    await clock.advance(2_000);
    expect(checks(http, 'https://api.example/api/me')).toBe(2);
    expect(checks(http)).toBe(0);
  });

  it('a check that gets no answer (the network, a 5xx) keeps the sign-in, and the next one goes as planned', async () => {
    let calls = 0;
    const http = provider(() => {
      calls += 1;
      if (calls === 1) throw new DeviceLoginError('network', 'Could not reach idp.example (ECONNREFUSED).');
      return json(503, { error: 'temporarily_unavailable' });
    });
    const { controller, clock } = await signedInController(http, { sessionCheckSeconds: 1 });
    await clock.advance(2_000);
    expect(calls).toBe(2);
    expect(controller.getState().state).toBe('signed_in');
    // No refresh was tried for an answer that says nothing about the sign-in.
    expect(http.seen.some((r) => r.url === ENDPOINTS.tokenEndpoint)).toBe(false);
  });

  it('a refused access token whose refresh works keeps the sign-in, with the new tokens', async () => {
    const http = provider((req) => {
      if (req.url === ENDPOINTS.tokenEndpoint) return FRESH;
      return req.headers?.authorization === 'Bearer at-1' ? json(401, { error: 'invalid_token' }) : json(200, { sub: 'u1' });
    });
    const { controller, clock, store } = await signedInController(http, { sessionCheckSeconds: 1 });
    await clock.advance(1_000);
    expect(controller.getState().state).toBe('signed_in');
    expect(JSON.stringify([...store.data.values()])).toContain('at-2');
    // One check a second still: the new tokens (a new snapshot) start no second round of checks.
    await clock.advance(3_000);
    expect(checks(http)).toBe(4);
    expect(http.seen.at(-1)?.headers?.authorization).toBe('Bearer at-2');
  });

  it('never two checks in flight: a check the server holds delays the next', async () => {
    let release: (() => void) | undefined;
    const http = provider(
      () =>
        new Promise<HttpResponse>((resolve) => {
          release = () => resolve(json(200, { sub: 'u1' }));
        }),
    );
    const { clock } = await signedInController(http, { sessionCheckSeconds: 1 });
    await clock.advance(30_000);
    expect(checks(http)).toBe(1);
    release?.();
    await settle();
    await clock.advance(999);
    expect(checks(http)).toBe(1);
    await clock.advance(1);
    expect(checks(http)).toBe(2);
  });

  it('stops when the TV signs out, and sessionCheckSeconds 0 never checks', async () => {
    const http = provider((req) => (req.url === ENDPOINTS.revocationEndpoint ? json(200, {}) : json(200, { sub: 'u1' })));
    const { controller, clock } = await signedInController(http, { sessionCheckSeconds: 1 });
    await clock.advance(1_000);
    await controller.signOut();
    const before = checks(http);
    await clock.advance(5_000);
    expect(checks(http)).toBe(before);

    const quietHttp = provider(() => json(200, { sub: 'u1' }));
    const off = await signedInController(quietHttp, { sessionCheckSeconds: 0 });
    await off.clock.advance(3_600_000);
    expect(quietHttp.seen).toHaveLength(0);
  });
});
