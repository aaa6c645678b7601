// A hundred TVs sign in at once against one embedded server. Plain oidc-provider revokes every token
// a device code issued when that code is presented again, and it hands out one grant per browser
// session; a device that polled twice at once, or a server that treated a late duplicate poll as
// reuse, would leave some TVs signed in with dead tokens. So: exactly one token answer per device
// code, a hundred distinct access tokens that all still work at the end, and never two polls of one
// code in flight. Then the adversarial part: overlapping raw polls with codes already exchanged must
// be answered invalid_grant and must NOT revoke what those codes issued (DESIGN.md, embedded server).
// The devices are the real session runner with the axios adapter and a file token store each; they
// reach the server through one fault proxy without faults, which records every poll.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { discoverEndpoints } from '../../core/discovery.ts';
import type { Logger } from '../../core/ports.ts';
import { createProtocol } from '../../core/protocol.ts';
import { createDeviceSession, storeKeyFor } from '../../core/session.ts';
import type { DeviceSession, Endpoints, Snapshot, TokenSet } from '../../core/types.ts';
import { systemClock } from '../../host/clock.ts';
import { createAxiosHttpClient } from '../../host/http.ts';
import { createFileTokenStore, type FileTokenStore } from '../../host/token-store.ts';
import { startServer, type RunningServer } from '../../server/app.ts';
import { isTokenPoll, overlappingPolls, startFaultProxy, type FaultProxy } from '../fixtures/fault-proxy.ts';
import { approve } from '../fixtures/phone.ts';
import { pollToken } from '../server/device-helpers.ts';

const FLOWS = 100;
/** Phones approving at the same time. */
const PHONES = 8;
/** Device codes attacked with duplicate polls after the exchange, and polls fired at once per code. */
const REUSED_CODES = 5;
const DUPLICATE_POLLS = 5;
/** The whole test, on a two-core machine. */
const TEST_BUDGET_MS = 60_000;

let server: RunningServer;
let proxy: FaultProxy;
let dataDir: string;
let home: string;
let endpoints: Endpoints;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'device-login-concurrent-server-'));
  home = await mkdtemp(join(tmpdir(), 'device-login-concurrent-devices-'));
  server = await startServer({ port: 0, dataDir, interval: 1 });
  proxy = await startFaultProxy({ target: server.url });
  const direct = await discoverEndpoints(server.issuer, createAxiosHttpClient());
  // Every device-side URL names the proxy; the issuer stays as the server states it.
  const move = (url: string | undefined) =>
    url === undefined ? undefined : new URL(new URL(url).pathname, proxy.origin).href;
  endpoints = {
    ...(direct.issuer ? { issuer: direct.issuer } : {}),
    deviceAuthorizationEndpoint: move(direct.deviceAuthorizationEndpoint)!,
    tokenEndpoint: move(direct.tokenEndpoint)!,
    ...(direct.userinfoEndpoint ? { userinfoEndpoint: move(direct.userinfoEndpoint)! } : {}),
    ...(direct.revocationEndpoint ? { revocationEndpoint: move(direct.revocationEndpoint)! } : {}),
    ...(direct.jwksUri ? { jwksUri: move(direct.jwksUri)! } : {}),
  };
});

afterAll(async () => {
  await proxy?.close();
  await server?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  if (home) await rm(home, { recursive: true, force: true });
});

/** Polls `probe` every 50 ms until it is true; throws after `timeoutMs`. */
async function until(probe: () => boolean, what: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Runs `task` over `items` with at most `limit` at a time; results in the items' order. */
async function pool<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await task(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** GET /api/me with a bearer token; the status says whether the token is alive. */
async function apiMe(accessToken: string): Promise<number> {
  const response = await fetch(`${server.url}/api/me`, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  await response.arrayBuffer();
  return response.status;
}

/** RFC 7662 introspection as the public client that owns the token. */
async function isActive(token: string, hint: 'access_token' | 'refresh_token'): Promise<boolean> {
  const response = await fetch(`${server.url}/token/introspection`, {
    method: 'POST',
    headers: { accept: 'application/json' },
    body: new URLSearchParams({ client_id: server.clientId, token, token_type_hint: hint }),
  });
  const body = (await response.json()) as { active?: boolean };
  return response.status === 200 && body.active === true;
}

interface Device {
  index: number;
  session: DeviceSession;
  store: FileTokenStore;
  snapshots: Snapshot[];
  problems: string[];
}

function createDevice(index: number): Device {
  const problems: string[] = [];
  const logger: Logger = {
    debug() {},
    info() {},
    warn(message) {
      problems.push(`warn: ${message}`);
    },
    error(message) {
      problems.push(`error: ${message}`);
    },
  };
  const store = createFileTokenStore({ path: join(home, `tv-${index}.json`) });
  const ports = { http: createAxiosHttpClient(), clock: systemClock, store, logger };
  const protocol = createProtocol({
    endpoints,
    client: { clientId: server.clientId, scope: 'openid profile email offline_access' },
    ports,
  });
  const session = createDeviceSession({ protocol, ports, storeKey: storeKeyFor(endpoints, server.clientId) });
  const snapshots: Snapshot[] = [];
  session.subscribe((snapshot) => snapshots.push(snapshot));
  return { index, session, store, snapshots, problems };
}

describe(`${FLOWS} concurrent device flows against one server`, () => {
  it(
    'each device code yields exactly one token set, all distinct and still active, with no overlapping polls; duplicate polls of exchanged codes revoke nothing',
    async () => {
      const devices = Array.from({ length: FLOWS }, (_, i) => createDevice(i));
      try {
        for (const device of devices) device.session.signIn();
        await until(
          () => devices.every((d) => d.session.snapshot().state === 'awaiting_user'),
          () =>
            `${devices.filter((d) => d.session.snapshot().state === 'awaiting_user').length}/${FLOWS} user codes`,
          20_000,
        );
        const shown = devices.map((d) => d.session.snapshot());
        expect(new Set(shown.map((s) => s.userCode)).size).toBe(FLOWS);

        const pages = await pool(shown, PHONES, (snapshot) =>
          approve(snapshot.verificationUriComplete!, { ...server.demoUser! }),
        );
        expect(
          pages
            .filter((p) => p.page !== 'success')
            .map((p) => `${p.page ?? 'unknown page'} (HTTP ${p.status})`),
        ).toEqual([]);

        await until(
          () => devices.every((d) => d.session.snapshot().state !== 'awaiting_user'),
          () =>
            `${devices.filter((d) => d.session.snapshot().state === 'signed_in').length}/${FLOWS} signed in`,
          25_000,
        );
        const finals = devices.map((d) => d.session.snapshot());
        expect(
          finals.filter((s) => s.state !== 'signed_in').map((s) => `${s.state} ${s.error?.code ?? ''}`),
        ).toEqual([]);
        expect(finals.every((s) => s.profile?.email === server.demoUser!.email)).toBe(true);
        for (const device of devices) {
          // One code per device from start to end, never an error on the way.
          const codes = new Set(
            device.snapshots.filter((s) => s.state === 'awaiting_user').map((s) => s.userCode),
          );
          expect(codes.size, `device ${device.index}`).toBe(1);
          expect(
            device.snapshots.map((s) => s.state),
            `device ${device.index}`,
          ).not.toContain('error');
          expect(device.problems, `device ${device.index}`).toEqual([]);
        }

        // What the wire saw: one device code per device, exactly one token answer (HTTP 200) each.
        const polls = proxy.records.filter(isTokenPoll);
        const tokenAnswers = new Map<string, number>();
        for (const poll of polls) {
          if (poll.status === 200)
            tokenAnswers.set(poll.deviceCode!, (tokenAnswers.get(poll.deviceCode!) ?? 0) + 1);
        }
        const deviceCodes = [...new Set(polls.map((p) => p.deviceCode!))];
        expect(deviceCodes).toHaveLength(FLOWS);
        expect(tokenAnswers.size).toBe(FLOWS);
        expect([...tokenAnswers.values()].filter((n) => n !== 1)).toEqual([]);
        expect(overlappingPolls(proxy.records)).toHaveLength(0);

        // The tokens each device keeps: a hundred distinct sets, every one alive.
        const tokens: TokenSet[] = [];
        for (const device of devices) {
          const stored = await device.store.load(storeKeyFor(endpoints, server.clientId));
          expect(Boolean(stored?.tokens?.accessToken), `device ${device.index} stored tokens`).toBe(true);
          expect(stored?.pending, `device ${device.index} still has a pending code`).toBeUndefined();
          tokens.push(stored!.tokens!);
        }
        expect(new Set(tokens.map((t) => t.accessToken)).size).toBe(FLOWS);
        expect(new Set(tokens.map((t) => t.refreshToken)).size).toBe(FLOWS);
        expect(
          (await pool(tokens, 10, (t) => apiMe(t.accessToken))).filter((status) => status !== 200),
        ).toHaveLength(0);

        // Adversarial: for a few exchanged codes, several polls at once, straight at the server.
        const attacked = deviceCodes.slice(0, REUSED_CODES);
        const answers = await Promise.all(
          attacked.flatMap((code) =>
            Array.from({ length: DUPLICATE_POLLS }, () => pollToken(server.url, code)),
          ),
        );
        expect(answers).toHaveLength(REUSED_CODES * DUPLICATE_POLLS);
        expect(
          answers
            .filter((a) => a.status !== 400 || a.body.error !== 'invalid_grant')
            .map((a) => `${a.status} ${String(a.body.error)}`),
        ).toEqual([]);
        expect(answers.some((a) => 'access_token' in a.body)).toBe(false);

        // Nothing was revoked: every access token still works, and every refresh token is active
        // (the attacked codes' tokens are among them).
        expect(
          (await pool(tokens, 10, (t) => apiMe(t.accessToken))).filter((status) => status !== 200),
        ).toHaveLength(0);
        const accessActive = await pool(tokens, 10, (t) => isActive(t.accessToken, 'access_token'));
        expect(accessActive.filter((active) => !active)).toHaveLength(0);
        const refreshActive = await pool(tokens, 10, (t) => isActive(t.refreshToken!, 'refresh_token'));
        expect(refreshActive.filter((active) => !active)).toHaveLength(0);

        // The checks can see a dead token: one device signs out (RFC 7009), and its tokens fail both.
        const signedOut = await devices[0]!.session.signOut();
        expect(signedOut.revoked).toBe(true);
        expect(await apiMe(tokens[0]!.accessToken)).toBe(401);
        expect(await isActive(tokens[0]!.accessToken, 'access_token')).toBe(false);
        expect(await isActive(tokens[0]!.refreshToken!, 'refresh_token')).toBe(false);
        // ... and only its own: the next device is still signed in.
        expect(await apiMe(tokens[1]!.accessToken)).toBe(200);
      } finally {
        for (const device of devices) device.session.close();
      }
    },
    TEST_BUDGET_MS,
  );
});
