// Faults on the wire while a code is valid, over real HTTP: a node:http device-flow server on 127.0.0.1,
// the real axios HttpClient, the real Protocol and the real session runner. Each fault must be survived:
// the flow signs in with the same user code, polls never overlap or come too fast, and the screen says
// "retrying" during the fault and "online" after it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it, type ExpectStatic } from 'vitest';
import type { Logger, TokenStore } from '../../core/ports.ts';
import { createProtocol } from '../../core/protocol.ts';
import { createDeviceSession } from '../../core/session.ts';
import type { DeviceSession, Snapshot, StoredSession } from '../../core/types.ts';
import { systemClock } from '../../host/clock.ts';
import { createAxiosHttpClient } from '../../host/http.ts';

const INTERVAL_SECONDS = 1;
/** Timer and scheduling slack allowed when the server checks the client's pacing. */
const SLACK_MS = 50;

/** What the server does with one poll instead of answering normally. */
type Fault = 'none' | 'refused' | 'retry_after_503' | 'malformed_json' | 'html' | 'hang';

interface PollLog {
  startedAt: number;
  endedAt?: number;
  overlapped: boolean;
  waitHeader?: string;
}

/** A standard RFC 8628 server whose Nth poll can be made to fail. */
class FlowServer {
  server: Server | undefined;
  port = 0;
  polls: PollLog[] = [];
  inFlight = 0;
  /** Poll number (1-based) at which the fault strikes. */
  faultAt: number;
  fault: Fault;
  /** Polls answered with tokens from this number on. */
  approveAt: number;
  /** When set, `Prefer: wait=N` polls are held until then (long polling), as the code announces. */
  holdPolls = false;
  private held = new Set<ServerResponse>();

  constructor(fault: Fault, faultAt: number, approveAt: number) {
    this.fault = fault;
    this.faultAt = faultAt;
    this.approveAt = approveAt;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  listen(port = 0): Promise<void> {
    const server = createServer((req, res) => this.handle(req, res));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        this.port = (server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  /** Stops listening and drops every connection, so the next poll is refused. */
  stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return Promise.resolve();
    for (const res of this.held) res.destroy();
    this.held.clear();
    return new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      const path = new URL(req.url ?? '/', this.url).pathname;
      if (req.method === 'POST' && path === '/device') return this.deviceAuthorization(res);
      if (
        req.method === 'POST' &&
        path === '/token' &&
        form.get('grant_type') === 'urn:ietf:params:oauth:grant-type:device_code'
      ) {
        return this.poll(req, res, form);
      }
      if (req.method === 'GET' && path === '/userinfo')
        return json(res, 200, { sub: 'user-42', name: 'Grace', email: 'grace@example.com' });
      json(res, 404, { error: 'not_found' });
    });
  }

  private deviceAuthorization(res: ServerResponse): void {
    json(res, 200, {
      device_code: 'fault-device-code',
      user_code: 'FALT-CODE',
      verification_uri: `${this.url}/activate`,
      verification_uri_complete: `${this.url}/activate?user_code=FALT-CODE`,
      expires_in: 60,
      interval: INTERVAL_SECONDS,
      ...(this.holdPolls ? { device_authorization_long_poll_max_wait: 30 } : {}),
    });
  }

  private poll(req: IncomingMessage, res: ServerResponse, form: URLSearchParams): void {
    const log: PollLog = { startedAt: performance.now(), overlapped: this.inFlight > 0 };
    const wait = req.headers.prefer;
    if (typeof wait === 'string') log.waitHeader = wait;
    this.polls.push(log);
    this.inFlight++;
    res.once('close', () => {
      this.inFlight--;
      log.endedAt = performance.now();
    });
    if (form.get('device_code') !== 'fault-device-code') return json(res, 400, { error: 'invalid_grant' });
    const n = this.polls.length;
    if (n === this.faultAt) {
      switch (this.fault) {
        case 'retry_after_503':
          res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '2' });
          return void res.end('Service Unavailable');
        case 'malformed_json':
          res.writeHead(200, { 'content-type': 'application/json' });
          return void res.end('{"access_token": "abc", "token_type": ');
        case 'html':
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          return void res.end(
            '<!doctype html><html><body><h1>Please sign in to the captive portal</h1></body></html>',
          );
        case 'hang':
          this.held.add(res);
          return; // never answers; the client's timeout must cut it off
        default:
          break;
      }
    }
    if (n >= this.approveAt) {
      return json(res, 200, {
        access_token: 'at-fault',
        token_type: 'Bearer',
        expires_in: 3600,
        refresh_token: 'rt-fault',
      });
    }
    if (this.holdPolls && typeof wait === 'string') {
      this.held.add(res); // a long poll held until the client gives up
      return;
    }
    json(res, 400, { error: 'authorization_pending' });
  }
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(value));
}

class MemoryStore implements TokenStore {
  private data = new Map<string, StoredSession>();
  async load(key: string) {
    return this.data.get(key);
  }
  async save(key: string, value: StoredSession) {
    this.data.set(key, structuredClone(value));
  }
  async remove(key: string) {
    this.data.delete(key);
  }
}

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return {
    warnings,
    debug() {},
    info() {},
    warn: (message) => void warnings.push(message),
    error: (message) => void warnings.push(message),
  };
}

type OnFinished = (fn: () => Promise<void> | void) => void;

async function start(
  onFinished: OnFinished,
  fault: Fault,
  options: { faultAt?: number; approveAt?: number; longPollSeconds?: number } = {},
) {
  const server = new FlowServer(fault, options.faultAt ?? 2, options.approveAt ?? 3);
  await server.listen();
  onFinished(() => server.stop());
  const logger = recordingLogger();
  const ports = { http: createAxiosHttpClient(), clock: systemClock, store: new MemoryStore(), logger };
  const protocol = createProtocol({
    endpoints: {
      issuer: server.url,
      deviceAuthorizationEndpoint: `${server.url}/device`,
      tokenEndpoint: `${server.url}/token`,
      userinfoEndpoint: `${server.url}/userinfo`,
    },
    client: { clientId: 'fault-tv', scope: 'openid profile' },
    ports,
    requestTimeoutMs: 500,
  });
  const session = createDeviceSession({
    protocol,
    ports,
    storeKey: `${server.url}#fault-tv`,
    longPollSeconds: options.longPollSeconds ?? 0,
    backoff: { initialMs: 200, maxMs: 1_000 },
  });
  onFinished(() => session.close());
  const snapshots: Snapshot[] = [];
  session.subscribe((s) => snapshots.push(s));
  return { server, session, snapshots, logger };
}

/** Waits for the session to settle, failing after `ms`. */
async function settledWithin(session: DeviceSession, ms: number): Promise<Snapshot> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`not settled within ${ms} ms: ${JSON.stringify(session.snapshot())}`)),
      ms,
    );
  });
  try {
    return await Promise.race([session.settled(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The checks every fault shares: signed in, one user code throughout, retrying then online, polls paced. */
function expectSurvived(
  expect: ExpectStatic,
  run: Awaited<ReturnType<typeof start>>,
  final: Snapshot,
  minGapAfterFaultMs = INTERVAL_SECONDS * 1000,
) {
  expect(final).toMatchObject({ state: 'signed_in', profile: { sub: 'user-42', name: 'Grace' } });
  const codes = new Set(run.snapshots.filter((s) => s.state === 'awaiting_user').map((s) => s.userCode));
  expect([...codes]).toEqual(['FALT-CODE']);
  const networks = run.snapshots.filter((s) => s.state === 'awaiting_user').map((s) => s.network);
  const firstRetrying = networks.indexOf('retrying');
  expect(firstRetrying).toBeGreaterThan(0);
  expect(networks.slice(firstRetrying + 1)).toContain('online');
  expect(networks.at(-1)).toBe('online');
  expect(run.server.polls.some((p) => p.overlapped)).toBe(false);
  for (let i = 1; i < run.server.polls.length; i++) {
    const prev = run.server.polls[i - 1]!;
    const gap = run.server.polls[i]!.startedAt - (prev.endedAt ?? prev.startedAt);
    const min = i === run.server.faultAt ? minGapAfterFaultMs : INTERVAL_SECONDS * 1000;
    // A poll the client cut off ends, for the server, when the socket's close reaches it: under load
    // that is some tens of ms after the client's own abort, from which its interval counts.
    const slack = i === run.server.faultAt && run.server.fault === 'hang' ? 150 : SLACK_MS;
    expect(gap, `gap before poll ${i + 1}`).toBeGreaterThanOrEqual(min - slack);
  }
}

describe.concurrent('the flow survives faults while the code is valid (real HTTP)', () => {
  it('connection refused mid-flow, then the server comes back on the same port', async ({
    expect,
    onTestFinished,
  }) => {
    const run = await start(onTestFinished, 'refused', { approveAt: 2 });
    run.session.signIn();
    // Take the server down after the first (pending) poll; bring it back after two refused polls.
    for (let i = 0; i < 100 && run.server.polls.length < 1; i++) await sleep(20);
    for (let i = 0; i < 100 && run.server.inFlight > 0; i++) await sleep(5);
    const port = run.server.port;
    await run.server.stop();
    for (let i = 0; i < 200 && run.logger.warnings.filter((w) => /retrying/.test(w)).length < 2; i++)
      await sleep(20);
    expect(run.session.snapshot()).toMatchObject({
      state: 'awaiting_user',
      network: 'retrying',
      userCode: 'FALT-CODE',
    });
    await run.server.listen(port);
    const final = await settledWithin(run.session, 8_000);
    expectSurvived(expect, run, final);
    expect(run.logger.warnings.filter((w) => /retrying/.test(w)).length).toBeGreaterThanOrEqual(2);
  });

  it('503 with Retry-After: 2 delays the next poll by at least two seconds', async ({
    expect,
    onTestFinished,
  }) => {
    const run = await start(onTestFinished, 'retry_after_503');
    run.session.signIn();
    const final = await settledWithin(run.session, 8_000);
    expectSurvived(expect, run, final, 2_000);
  });

  it('a malformed JSON body is retried, not taken as an answer', async ({ expect, onTestFinished }) => {
    const run = await start(onTestFinished, 'malformed_json');
    run.session.signIn();
    expectSurvived(expect, run, await settledWithin(run.session, 8_000));
  });

  it('a text/html page (a proxy or captive portal) is retried', async ({ expect, onTestFinished }) => {
    const run = await start(onTestFinished, 'html');
    run.session.signIn();
    expectSurvived(expect, run, await settledWithin(run.session, 8_000));
  });

  it('a poll that hangs past the request timeout is cut off and retried', async ({
    expect,
    onTestFinished,
  }) => {
    const run = await start(onTestFinished, 'hang');
    run.session.signIn();
    const final = await settledWithin(run.session, 8_000);
    expectSurvived(expect, run, final);
    const hung = run.server.polls[1]!;
    // Seen from the server the 500 ms client timeout looks shorter: its clock starts when the request is
    // fully received, after connecting and sending. Under load that can take a good part of the budget.
    expect(hung.endedAt! - hung.startedAt).toBeGreaterThanOrEqual(250);
    expect(hung.endedAt! - hung.startedAt).toBeLessThan(2_000);
  });

  it('cancel during a held long poll closes the request at once', async ({ expect, onTestFinished }) => {
    const run = await start(onTestFinished, 'none', { faultAt: 0, approveAt: 99, longPollSeconds: 25 });
    run.server.holdPolls = true;
    run.session.signIn();
    for (let i = 0; i < 150 && run.server.inFlight === 0; i++) await sleep(20);
    expect(run.server.inFlight).toBe(1);
    expect(run.server.polls[0]?.waitHeader).toBe('wait=25');
    await sleep(300);
    const cancelledAt = performance.now();
    run.session.cancel();
    for (let i = 0; i < 100 && run.server.inFlight > 0; i++) await sleep(5);
    expect(run.server.inFlight).toBe(0);
    expect(run.server.polls[0]!.endedAt! - cancelledAt).toBeLessThan(500);
    expect(run.session.snapshot()).toEqual({ state: 'idle' });
    await sleep(INTERVAL_SECONDS * 1000 + 200);
    expect(run.server.polls).toHaveLength(1);
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
