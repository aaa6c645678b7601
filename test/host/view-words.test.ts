// What the device tells the TV when something goes wrong or changes on its own: codes the renderer
// words in the TV's language (never the technical message, which goes to the host's log), and a
// mark on a code that replaced an expired one without anyone asking. A DeviceController on a fake
// provider and a virtual clock whose timers fire only when the test moves it.
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceLoginError } from '../../core/errors.ts';
import type { HttpClient, HttpRequest, HttpResponse, Logger, TokenStore } from '../../core/ports.ts';
import { storeKeyFor } from '../../core/session.ts';
import type { Endpoints } from '../../core/types.ts';
import { DeviceController } from '../../host/device-controller.ts';
import { memoryStore } from '../fixtures/memory-store.ts';
import { virtualClock } from '../fixtures/virtual-clock.ts';

const T0 = 1_700_000_000_000;
const UNREACHABLE = 'Could not reach http://127.0.0.1:38061 (ECONNREFUSED).';

/** A logger that keeps every line, to check what reached the log. */
function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const keep = (message: string, fields?: Record<string, unknown>) => void lines.push(`${message} ${JSON.stringify(fields ?? {})}`);
  return { lines, debug: keep, info: keep, warn: keep, error: keep };
}

const json = (status: number, body: unknown): HttpResponse => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** Issues codes CODE0001, CODE0002, ...; `poll` answers the token endpoint for the code's number. */
function provider(options: { device?: () => HttpResponse; poll?: (codeNumber: number) => HttpResponse; revoke?: () => HttpResponse } = {}): HttpClient {
  let issued = 0;
  return {
    async request(req: HttpRequest) {
      if (req.url.endsWith('/device')) {
        if (options.device) return options.device();
        issued += 1;
        return json(200, {
          device_code: `dc${issued}`,
          user_code: `CODE${String(issued).padStart(4, '0')}`,
          verification_uri: 'https://idp.example/device',
          expires_in: 600,
          interval: 5,
        });
      }
      if (req.url.endsWith('/revoke') && options.revoke) return options.revoke();
      const number = Number(/^dc(\d+)$/.exec(req.form?.device_code ?? '')?.[1] ?? 0);
      return options.poll?.(number) ?? json(400, { error: 'authorization_pending' });
    },
  };
}

const ENDPOINTS: Endpoints = {
  deviceAuthorizationEndpoint: 'https://idp.example/device',
  tokenEndpoint: 'https://idp.example/token',
  revocationEndpoint: 'https://idp.example/revoke',
};

const open: DeviceController[] = [];
afterEach(async () => {
  for (const controller of open.splice(0)) await controller.close();
});

async function controllerWith(http: HttpClient, options: { endpoints?: Endpoints; store?: TokenStore } = {}) {
  const clock = virtualClock(T0);
  const logger = recordingLogger();
  const controller = await DeviceController.create({
    endpoints: options.endpoints ?? ENDPOINTS,
    displayName: 'idp.example',
    client: { clientId: 'tv' },
    ports: { http, clock, store: options.store ?? memoryStore(), logger },
    maxAutoRenewals: 2,
  });
  open.push(controller);
  return { controller, clock, logger };
}

/** A store holding a signed-in session for these endpoints. */
function signedInStore(endpoints: Endpoints): TokenStore {
  const store = memoryStore();
  store.data.set(storeKeyFor(endpoints, 'tv'), {
    version: 1,
    tokens: { accessToken: 'at-secret', tokenType: 'Bearer', refreshToken: 'rt-secret' },
    profile: { sub: 'u1', name: 'Ada' },
  });
  return store;
}

describe('errors reach the TV as codes', () => {
  it('a code request the network refuses: the TV gets "network" and nothing else; the log gets the details', async () => {
    const http = provider({
      device: () => {
        throw new DeviceLoginError('network', UNREACHABLE);
      },
    });
    const { controller, clock, logger } = await controllerWith(http);
    controller.signIn();
    await clock.advance(0);

    const view = controller.getState();
    expect(view.state).toBe('error');
    expect(view.error).toEqual({ code: 'network' });
    expect(JSON.stringify(view)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
    expect(logger.lines.join('\n')).toContain('ECONNREFUSED');
  });
});

describe('the notice after a sign-out is a code', () => {
  it('revocation fails: revocation_failed on the TV, the reason in the log, no token in either', async () => {
    const http = provider({
      revoke: () => {
        throw new DeviceLoginError('network', UNREACHABLE);
      },
    });
    const { controller, logger } = await controllerWith(http, { store: signedInStore(ENDPOINTS) });
    expect(controller.getState().state).toBe('signed_in');

    await controller.signOut();
    const view = controller.getState();
    expect(view.state).toBe('idle');
    expect(view.notice).toBe('revocation_failed');
    const log = logger.lines.join('\n');
    expect(log).toContain('ECONNREFUSED');
    expect(`${log}\n${JSON.stringify(view)}`).not.toMatch(/at-secret|rt-secret/);
  });

  it('a provider without revocation: revocation_unsupported', async () => {
    const endpoints: Endpoints = { deviceAuthorizationEndpoint: ENDPOINTS.deviceAuthorizationEndpoint, tokenEndpoint: ENDPOINTS.tokenEndpoint };
    const { controller } = await controllerWith(provider(), { endpoints, store: signedInStore(endpoints) });
    await controller.signOut();
    expect(controller.getState().notice).toBe('revocation_unsupported');
  });

  it('a revocation that works leaves no notice', async () => {
    const { controller } = await controllerWith(provider({ revoke: () => json(200, {}) }), { store: signedInStore(ENDPOINTS) });
    await controller.signOut();
    expect(controller.getState().notice).toBeUndefined();
  });
});

describe('a code renewed without asking is marked', () => {
  it('the code that replaces an expired one carries renewedAt; a code the viewer asks for does not', async () => {
    // The first code dies at the provider on its first poll; every later code stays pending.
    const http = provider({ poll: (n) => (n === 1 ? json(400, { error: 'expired_token' }) : json(400, { error: 'authorization_pending' })) });
    const { controller, clock } = await controllerWith(http);
    controller.signIn();
    await clock.advance(0);
    const first = controller.getState();
    expect(first.code?.userCode).toBe('CODE0001');
    expect(first.code?.renewedAt).toBeUndefined();

    await clock.advance(5_000);
    const renewed = controller.getState();
    expect(renewed.state).toBe('awaiting_user');
    expect(renewed.code?.userCode).toBe('CODE0002');
    expect(renewed.code?.renewedAt).toBe(first.hostNow + 5_000);

    // Later messages about the same code keep the mark (a reload must still show the notice).
    await clock.advance(5_000);
    expect(controller.getState().code?.renewedAt).toBe(renewed.code?.renewedAt);

    controller.newCode();
    await clock.advance(0);
    const asked = controller.getState();
    expect(asked.code?.userCode).toBe('CODE0003');
    expect(asked.code?.renewedAt).toBeUndefined();
  });
});
