// Whole device flows through the fault-injecting proxy: the real embedded server, the real axios
// HttpClient, Protocol and session runner on the device side, the phone fixture on the user's side.
// The device reaches the server only through the proxy (its endpoints name the proxy's origin);
// the phone talks to the server directly, so faults hit only the device. While faults are on, the
// flow must keep its code and never overlap polls; once the network is back, it must sign in.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { discoverEndpoints } from '../../core/discovery.ts';
import type { Logger } from '../../core/ports.ts';
import { createProtocol } from '../../core/protocol.ts';
import { createDeviceSession, storeKeyFor } from '../../core/session.ts';
import type { Endpoints, Snapshot } from '../../core/types.ts';
import { systemClock } from '../../host/clock.ts';
import { createAxiosHttpClient } from '../../host/http.ts';
import { createFileTokenStore } from '../../host/token-store.ts';
import { startServer, type RunningServer } from '../../server/app.ts';
import { overlappingPolls, seededSchedule, startFaultProxy, type FaultKind, type FaultProxy } from '../fixtures/fault-proxy.ts';
import { approve } from '../fixtures/phone.ts';

/** Seed of the mixed schedule; printed in the test name so that a failure can be replayed. */
const MIXED_SEED = 0x5eed_2026;
/** No single flow may take longer than this, faults included. */
const FLOW_BUDGET_MS = 40_000;

let server: RunningServer;
let dataDir: string;
let home: string;
let serverEndpoints: Endpoints;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'device-login-faults-server-'));
  home = await mkdtemp(join(tmpdir(), 'device-login-faults-device-'));
  // A one-second interval keeps each faulted poll cycle short.
  server = await startServer({ port: 0, dataDir, interval: 1 });
  serverEndpoints = await discoverEndpoints(server.issuer, createAxiosHttpClient());
});

afterAll(async () => {
  await server?.close();
  await rm(dataDir, { recursive: true, force: true });
  await rm(home, { recursive: true, force: true });
});

/** The server's endpoints with every device-side URL moved to the proxy; the issuer stays as stated. */
function throughProxy(endpoints: Endpoints, proxyOrigin: string): Endpoints {
  const move = (url: string | undefined) => {
    if (url === undefined) return undefined;
    const moved = new URL(url);
    const proxy = new URL(proxyOrigin);
    moved.protocol = proxy.protocol;
    moved.host = proxy.host;
    return moved.href;
  };
  return {
    ...(endpoints.issuer ? { issuer: endpoints.issuer } : {}),
    deviceAuthorizationEndpoint: move(endpoints.deviceAuthorizationEndpoint)!,
    tokenEndpoint: move(endpoints.tokenEndpoint)!,
    ...(endpoints.userinfoEndpoint ? { userinfoEndpoint: move(endpoints.userinfoEndpoint)! } : {}),
    ...(endpoints.revocationEndpoint ? { revocationEndpoint: move(endpoints.revocationEndpoint)! } : {}),
    ...(endpoints.jwksUri ? { jwksUri: move(endpoints.jwksUri)! } : {}),
  };
}

/** Polls `probe` every 25 ms until it is true; throws after `timeoutMs`. */
async function until(probe: () => boolean, what: string | (() => string), timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The proxy's records without device codes, for a failure message: when, where, which fault, what status. */
function describeRecords(proxy: FaultProxy): string {
  const t0 = proxy.records[0]?.start ?? 0;
  return proxy.records
    .map((r) => `${Math.round(r.start - t0)}-${r.end === undefined ? 'open' : Math.round(r.end - t0)}ms ${r.path} ${r.fault ?? 'clean'} ${r.status ?? '-'}`)
    .join('; ');
}

interface FlowResult {
  snapshots: Snapshot[];
  final: Snapshot;
  proxy: FaultProxy;
  errors: string[];
}

/**
 * One device flow through a fresh proxy: faults from `schedule` until `faults` of them have struck,
 * then the network comes back, the phone approves, and the flow must end signed in.
 */
async function faultedFlow(name: string, schedule: Parameters<FaultProxy['setSchedule']>[0], faults: number): Promise<FlowResult> {
  const proxy = await startFaultProxy({ target: server.url });
  const errors: string[] = [];
  const logger: Logger = {
    debug() {},
    info() {},
    warn() {},
    error(message) {
      errors.push(message);
    },
  };
  const ports = {
    http: createAxiosHttpClient(),
    clock: systemClock,
    store: createFileTokenStore({ path: join(home, `${name}.json`) }),
    logger,
  };
  const endpoints = throughProxy(serverEndpoints, proxy.origin);
  const protocol = createProtocol({
    endpoints,
    client: { clientId: server.clientId, scope: 'openid profile email offline_access' },
    ports,
    // Short, so that a delay longer than a request's budget is a timeout within the test's time.
    requestTimeoutMs: 1_500,
  });
  const session = createDeviceSession({
    protocol,
    ports,
    storeKey: storeKeyFor(endpoints, server.clientId),
    longPollSeconds: 1,
    backoff: { initialMs: 200, maxMs: 1_500 },
  });
  const snapshots: Snapshot[] = [];
  session.subscribe((snap) => snapshots.push(snap));
  try {
    proxy.setSchedule(schedule);
    session.signIn();
    await until(() => session.snapshot().state === 'awaiting_user', 'a user code', 10_000);
    await until(() => proxy.faultsInjected() >= faults, () => `${faults} faults (seen: ${describeRecords(proxy)})`, 25_000);

    // The network is back. Approve only once every faulted request is over and a clean poll is in
    // flight: a poll reset after the server handed out tokens would lose them (RFC 8628 has no
    // retry for an exchanged code), and that is not what this test is about.
    proxy.setSchedule(undefined);
    const switchedAt = performance.now();
    await until(
      () =>
        proxy.records.every((r) => r.fault === undefined || r.end !== undefined) &&
        proxy.records.some((r) => r.deviceCode !== undefined && r.fault === undefined && r.start > switchedAt),
      'a clean poll after the faults',
      10_000,
    );
    const shown = session.snapshot();
    expect(shown.state).toBe('awaiting_user');
    const page = await approve(shown.verificationUriComplete!, { ...server.demoUser! });
    expect(page.page).toBe('success');
    const final = await Promise.race([
      session.settled(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no settled state after approval')), 10_000)),
    ]);
    return { snapshots, final, proxy, errors };
  } finally {
    await session.close();
    await proxy.close();
  }
}

/** What every faulted flow must show, whatever the fault. */
function expectSurvived(result: FlowResult, faults: number): void {
  const { snapshots, final, proxy, errors } = result;
  expect(final.state).toBe('signed_in');
  expect(final.profile?.email).toBe(server.demoUser!.email);
  // One code from the first awaiting_user to the end: never replaced, never lost.
  const codes = new Set(snapshots.filter((s) => s.state === 'awaiting_user').map((s) => s.userCode));
  expect(codes.size).toBe(1);
  expect(snapshots.map((s) => s.state)).not.toContain('error');
  expect(snapshots.map((s) => s.state)).not.toContain('expired');
  expect(proxy.faultsInjected()).toBeGreaterThanOrEqual(faults);
  const polls = proxy.records.filter((r) => r.deviceCode !== undefined);
  expect(new Set(polls.map((r) => r.deviceCode)).size).toBe(1);
  expect(polls.length).toBeGreaterThan(faults);
  expect(overlappingPolls(proxy.records)).toEqual([]);
  expect(errors).toEqual([]);
}

describe('device flows through a faulty network', () => {
  const single: Array<[FaultKind, string]> = [
    ['drop', 'connections closed without an answer'],
    ['reset', 'connections reset after the server answered'],
    ['5xx', '502 and 503 answers (some with Retry-After) from the proxy'],
    ['truncate', 'answers cut off in the middle of the body'],
    ['delay', 'requests held back, some past the request timeout'],
  ];

  it.concurrent.each(single)(
    'survives %s (%s): same code, no overlapping polls, signed in once the network is back',
    async (kind) => {
      const faults = 3;
      const result = await faultedFlow(
        kind,
        seededSchedule({ seed: 1000 + kind.length, kinds: [kind], probability: 1, delayMs: [300, 4_500] }),
        faults,
      );
      expectSurvived(result, faults);
      const statuses = result.snapshots.filter((s) => s.state === 'awaiting_user').map((s) => s.network);
      // Every fault but a short delay is a failed poll: the screen says it is reconnecting.
      if (kind !== 'delay') expect(statuses).toContain('retrying');
      expect(result.final.state).toBe('signed_in');
    },
    FLOW_BUDGET_MS,
  );

  it.concurrent(
    `survives a mixed random schedule of every fault (seed ${MIXED_SEED.toString(16)})`,
    async () => {
      const faults = 6;
      const result = await faultedFlow(
        'mixed',
        seededSchedule({ seed: MIXED_SEED, probability: 0.8, delayMs: [100, 2_000] }),
        faults,
      );
      expectSurvived(result, faults);
      const kinds = Object.entries(result.proxy.counts).filter(([, count]) => count > 0);
      expect(kinds.length).toBeGreaterThanOrEqual(3);
      expect(result.snapshots.some((s) => s.network === 'retrying')).toBe(true);
    },
    FLOW_BUDGET_MS,
  );
});

describe('the overlap check itself', () => {
  it('finds two polls for one device code in flight at once, and none across codes or in sequence', () => {
    const poll = (deviceCode: string, start: number, end?: number) => ({
      n: 0,
      method: 'POST',
      path: '/token',
      deviceCode,
      start,
      ...(end === undefined ? {} : { end }),
    });
    expect(overlappingPolls([poll('a', 0, 10), poll('a', 10, 20), poll('b', 5, 15)])).toEqual([]);
    expect(overlappingPolls([poll('a', 0, 10), poll('a', 9, 20)])).toHaveLength(1);
    expect(overlappingPolls([poll('a', 0), poll('a', 50, 60)])).toHaveLength(1);
  });
});
