// Whole sign-in flows through each quirk family's fixture server: the real session runner, the real
// protocol and the real axios HttpClient over 127.0.0.1. Every fixture also checks that the client
// never polled faster than the interval in force and never had two polls in flight for one code.
import { afterAll, describe, it } from 'vitest';
import { createProtocol } from '../../core/protocol.ts';
import { resolveEndpoints, type ProviderSettings } from '../../core/providers.ts';
import { createDeviceSession, storeKeyFor } from '../../core/session.ts';
import type { Logger, Ports } from '../../core/ports.ts';
import type { ClientSettings, DeviceSession, Snapshot } from '../../core/types.ts';
import { systemClock } from '../../host/clock.ts';
import { createAxiosHttpClient } from '../../host/http.ts';
import { memoryStore } from '../fixtures/memory-store.ts';
import {
  startQuirkServer,
  type QuirkFamily,
  type QuirkServer,
  type QuirkServerOptions,
} from '../fixtures/quirk-servers.ts';

const servers: QuirkServer[] = [];
const sessions: DeviceSession[] = [];
afterAll(async () => {
  for (const session of sessions) session.close();
  await Promise.all(servers.map((server) => server.close()));
});

function recordingLogger(lines: string[]): Logger {
  const log = (message: string) => void lines.push(message);
  return { debug: log, info: log, warn: log, error: log };
}

async function fixture(family: QuirkFamily, options: QuirkServerOptions = {}): Promise<QuirkServer> {
  const server = await startQuirkServer(family, options);
  servers.push(server);
  return server;
}

interface FlowResult {
  final: Snapshot;
  /** Every snapshot published, in order. */
  seen: Snapshot[];
  logs: string[];
}

/** Signs in through `settings` to the end (bounded to 20 s); `onAwaiting` sees the first awaiting_user snapshot. */
async function signIn(
  server: QuirkServer,
  settings: ProviderSettings,
  client: Partial<ClientSettings> = {},
  extra: { maxAutoRenewals?: number; onAwaiting?: (snap: Snapshot) => void } = {},
): Promise<FlowResult> {
  const logs: string[] = [];
  const ports: Ports = {
    http: createAxiosHttpClient(),
    clock: systemClock,
    store: memoryStore(),
    logger: recordingLogger(logs),
  };
  const { endpoints } = await resolveEndpoints(settings, ports.http);
  const clientSettings: ClientSettings = {
    clientId: server.clientId,
    scope: 'openid profile email',
    ...client,
  };
  const protocol = createProtocol({ endpoints, client: clientSettings, ports });
  const session = createDeviceSession({
    protocol,
    ports,
    storeKey: storeKeyFor(endpoints, clientSettings.clientId),
    maxAutoRenewals: extra.maxAutoRenewals ?? 0,
  });
  sessions.push(session);
  const seen: Snapshot[] = [];
  let awaited = false;
  session.subscribe((snap) => {
    seen.push(snap);
    if (snap.state === 'awaiting_user' && !awaited) {
      awaited = true;
      extra.onAwaiting?.(snap);
    }
  });
  session.signIn();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const final = await Promise.race([
    session.settled(),
    new Promise<never>(
      (_, reject) =>
        (timer = setTimeout(() => reject(new Error('the flow did not settle within 20 s')), 20_000)),
    ),
  ]).finally(() => clearTimeout(timer));
  return { final, seen, logs };
}

function awaiting(result: FlowResult): Snapshot {
  const snap = result.seen.find((s) => s.state === 'awaiting_user');
  if (!snap) throw new Error('the flow never reached awaiting_user');
  return snap;
}

function answers(server: QuirkServer, userCode: string | undefined): string[] {
  return server.polls(userCode ?? '').map((p) => p.answer);
}

/** ms between the poll answered `answer` and the next poll. */
function gapAfter(server: QuirkServer, userCode: string, answer: string): number {
  const polls = server.polls(userCode);
  const i = polls.findIndex((p) => p.answer === answer);
  if (i < 0 || i + 1 >= polls.length) throw new Error(`no poll after "${answer}"`);
  return polls[i + 1]!.at - polls[i]!.at;
}

describe.concurrent('quirk families, whole flows', () => {
  it('GitHub-like: form-encoded errors with HTTP 200, and a slow_down naming a larger interval than +5 s is obeyed', async ({
    expect,
  }) => {
    const server = await fixture('github', {
      alwaysForm: true,
      script: ['pending', 'slow_down', 'approve'],
      slowDownInterval: 8,
    });
    const result = await signIn(server, { provider: 'github', baseUrl: server.url });
    const shown = awaiting(result);
    expect(result.final.state).toBe('signed_in');
    // GitHub's REST user (id, login, avatar_url) becomes a Profile.
    expect(result.final.profile).toEqual({
      sub: '42',
      name: 'Ada Lovelace',
      email: 'ada@example.test',
      picture: 'https://example.test/ada.png',
    });
    expect(shown.verificationUriComplete).toBeUndefined();
    expect(answers(server, shown.userCode)).toEqual(['pending', 'slow_down', 'tokens']);
    // slow_down: the server's 8 s, larger than the old interval (1 s) + 5 s.
    expect(gapAfter(server, shown.userCode!, 'slow_down')).toBeGreaterThanOrEqual(8000 - 100);
    expect(server.violations()).toEqual([]);
  });

  it('GitHub-like: access_denied with HTTP 200 in JSON ends in denied', async ({ expect }) => {
    const server = await fixture('github', { script: ['pending', 'deny'] });
    const result = await signIn(server, { provider: 'github', baseUrl: server.url });
    expect(result.final.state).toBe('denied');
    expect(result.final.error?.code).toBe('access_denied');
    expect(server.violations()).toEqual([]);
  });

  it('Google-like: verification_url is shown as the verification URI, the secret is sent, and 428 means pending', async ({
    expect,
  }) => {
    const server = await fixture('google');
    // Approved by hand, as a person would, while the client polls.
    const result = await signIn(
      server,
      { endpoints: server.endpoints },
      { clientSecret: server.clientSecret },
      { onAwaiting: (snap) => void setTimeout(() => server.approve(snap.userCode!), 2500) },
    );
    const shown = awaiting(result);
    expect(result.final.state).toBe('signed_in');
    expect(shown.verificationUri).toBe(`${server.url}/activate`);
    const seenAnswers = answers(server, shown.userCode);
    expect(seenAnswers.at(-1)).toBe('tokens');
    expect(seenAnswers.slice(0, -1).length).toBeGreaterThanOrEqual(1);
    expect(seenAnswers.slice(0, -1).every((a) => a === 'pending')).toBe(true);
    const polls = server.requests.filter(
      (r) => r.grantType === 'urn:ietf:params:oauth:grant-type:device_code',
    );
    expect(polls.every((r) => r.params.includes('client_secret'))).toBe(true);
    expect(result.final.profile?.sub).toBe('user-42');
    expect(server.violations()).toEqual([]);
  });

  it('Google-like: without the client secret the flow stops with an error that names it', async ({
    expect,
  }) => {
    const server = await fixture('google');
    const result = await signIn(server, { endpoints: server.endpoints });
    expect(result.final.state).toBe('error');
    expect(result.final.error?.message).toContain('client_secret');
    expect(server.violations()).toEqual([]);
  });

  it("Entra-like: the provider's message is shown and authorization_declined ends in denied", async ({
    expect,
  }) => {
    const server = await fixture('entra', { script: ['pending', 'deny'] });
    const result = await signIn(server, { endpoints: server.endpoints });
    const shown = awaiting(result);
    expect(shown.message).toContain(shown.userCode);
    expect(result.final.state).toBe('denied');
    expect(result.final.error?.code).toBe('access_denied');
    expect(answers(server, shown.userCode)).toEqual(['pending', 'denied']);
    expect(server.violations()).toEqual([]);
  });

  it('Auth0-like: 403 pending and 429 slow_down (+5 s) then tokens; audience sent; id_token checked against the issuer with its trailing slash', async ({
    expect,
  }) => {
    const server = await fixture('auth0', { script: ['pending', 'slow_down', 'approve'] });
    const result = await signIn(server, { issuer: server.issuer! }, { audience: 'https://api.example.test' });
    const shown = awaiting(result);
    expect(server.issuer!.endsWith('/')).toBe(true);
    expect(result.final.state).toBe('signed_in');
    expect(result.final.profile).toMatchObject({ sub: 'user-42', email: 'ada@example.test' });
    expect(answers(server, shown.userCode)).toEqual(['pending', 'slow_down', 'tokens']);
    expect(gapAfter(server, shown.userCode!, 'slow_down')).toBeGreaterThanOrEqual(6000 - 100);
    expect(server.requests.find((r) => r.path === '/oauth/device/code')?.audience).toBe(
      'https://api.example.test',
    );
    expect(server.requests.filter((r) => r.path === '/jwks')).toHaveLength(1);
    expect(server.violations()).toEqual([]);
  });

  it('Auth0-like: an expired code is replaced automatically once, and the second expiry waits for the user', async ({
    expect,
  }) => {
    const server = await fixture('auth0', { script: ['expire'] });
    const result = await signIn(server, { issuer: server.issuer! }, {}, { maxAutoRenewals: 1 });
    expect(result.final.state).toBe('expired');
    expect(server.userCodes()).toHaveLength(2);
    expect(server.violations()).toEqual([]);
  });

  it('standard: discovery, verification_uri_complete kept, a 503 with Retry-After survived, id_token + userinfo merged, sign-out revokes', async ({
    expect,
  }) => {
    const server = await fixture('standard', {
      script: ['pending', 'unavailable', 'approve'],
      retryAfterSeconds: 2,
    });
    const logs: string[] = [];
    const ports: Ports = {
      http: createAxiosHttpClient(),
      clock: systemClock,
      store: memoryStore(),
      logger: recordingLogger(logs),
    };
    const { endpoints } = await resolveEndpoints({ issuer: server.issuer! }, ports.http);
    const protocol = createProtocol({
      endpoints,
      client: { clientId: server.clientId, scope: 'openid profile email offline_access' },
      ports,
    });
    const session = createDeviceSession({
      protocol,
      ports,
      storeKey: storeKeyFor(endpoints, server.clientId),
      maxAutoRenewals: 0,
    });
    sessions.push(session);
    const seen: Snapshot[] = [];
    session.subscribe((snap) => void seen.push(snap));
    session.signIn();
    const final = await session.settled();
    const shown = seen.find((s) => s.state === 'awaiting_user')!;
    expect(final.state).toBe('signed_in');
    expect(shown.verificationUriComplete).toBe(`${server.url}/activate?user_code=${shown.userCode}`);
    expect(seen.some((s) => s.state === 'awaiting_user' && s.network === 'retrying')).toBe(true);
    expect(gapAfter(server, shown.userCode!, 'unavailable')).toBeGreaterThanOrEqual(2000 - 100);
    expect(final.profile).toEqual({
      sub: 'user-42',
      name: 'Ada Lovelace',
      email: 'ada@example.test',
      picture: 'https://example.test/ada.png',
    });
    // The server does not announce long polling: no poll asks to be held, and the first waits one interval.
    const polls = server.requests.filter((r) => r.grantType?.endsWith('device_code'));
    expect(polls.length).toBeGreaterThan(0);
    expect(polls.every((r) => r.prefer === undefined)).toBe(true);
    expect(server.polls(shown.userCode!)[0]!.at).toBeGreaterThanOrEqual(1000 - 100);
    const out = await session.signOut();
    expect(out.revoked).toBe(true);
    expect(server.revokedCount()).toBe(1);
    expect(server.violations()).toEqual([]);
  });
});

describe('the fixtures themselves', () => {
  it('report a client that polls faster than the interval or twice at once', async ({ expect }) => {
    const server = await fixture('standard', { interval: 1 });
    const ports: Ports = {
      http: createAxiosHttpClient(),
      clock: systemClock,
      store: memoryStore(),
      logger: recordingLogger([]),
    };
    const protocol = createProtocol({
      endpoints: server.endpoints,
      client: { clientId: server.clientId },
      ports,
    });
    const code = await protocol.initiateDeviceAuthorization();
    expect(server.violations()).toEqual([]);
    await protocol.pollDeviceAuthorizationGrant(code.deviceCode);
    await protocol.pollDeviceAuthorizationGrant(code.deviceCode); // no wait at all
    expect(server.violations().some((v) => v.includes('required'))).toBe(true);
    await Promise.all([
      protocol.pollDeviceAuthorizationGrant(code.deviceCode),
      protocol.pollDeviceAuthorizationGrant(code.deviceCode),
    ]);
    expect(server.violations().some((v) => v.includes('in flight'))).toBe(true);
  });
});
