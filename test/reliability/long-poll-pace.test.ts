// The pace of a long-polling device against the real embedded server: the real axios HttpClient,
// Protocol and session runner, through a fault proxy with no faults (only to time every request).
// A poll the server held (it says so with Preference-Applied) for longer than the interval is
// followed by the next poll at once, so the TV is never deaf to an approval between held polls; and
// the server, which counts the interval between poll arrivals, never answers slow_down to that.
// Long polling only where the server announces it: our server does, so the first poll goes out with
// the code and an approval reaches the TV at once; a plain RFC 8628 server sees the RFC's pacing and
// no Prefer header at all.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { discoverEndpoints } from '../../core/discovery.ts';
import type { HttpClient, Logger } from '../../core/ports.ts';
import { createProtocol } from '../../core/protocol.ts';
import { createDeviceSession, storeKeyFor } from '../../core/session.ts';
import type { Endpoints, Snapshot } from '../../core/types.ts';
import { systemClock } from '../../host/clock.ts';
import { createAxiosHttpClient } from '../../host/http.ts';
import { createFileTokenStore } from '../../host/token-store.ts';
import { startServer, type RunningServer } from '../../server/app.ts';
import { overlappingPolls, startFaultProxy, type FaultProxy } from '../fixtures/fault-proxy.ts';
import { approve } from '../fixtures/phone.ts';
import { startQuirkServer } from '../fixtures/quirk-servers.ts';

interface Sent {
  url: string;
  prefer: string | undefined;
  /** performance.now() when the request was handed to the HTTP client, and when its answer came. */
  sentAt: number;
  answeredAt?: number;
  status?: number;
}

/** The real axios client, recording when each request left and what it asked for. */
function recordingHttp(sent: Sent[]): HttpClient {
  const http = createAxiosHttpClient();
  return {
    async request(request) {
      const record: Sent = { url: request.url, prefer: request.headers?.prefer, sentAt: performance.now() };
      sent.push(record);
      const res = await http.request(request);
      record.answeredAt = performance.now();
      record.status = res.status;
      return res;
    },
  };
}

/** Resolves with the time (performance.now()) of the first snapshot in `state`. */
function reached(session: { subscribe(l: (s: Snapshot) => void): () => void }, state: Snapshot['state']): Promise<number> {
  return new Promise((resolve) => {
    const off = session.subscribe((snap) => {
      if (snap.state !== state) return;
      off();
      resolve(performance.now());
    });
  });
}

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

let server: RunningServer;
let proxy: FaultProxy;
let dataDir: string;
let home: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'device-login-pace-server-'));
  home = await mkdtemp(join(tmpdir(), 'device-login-pace-device-'));
  // The device reaches the server only through the proxy: it is the server's public URL.
  proxy = await startFaultProxy();
  server = await startServer({ port: 0, dataDir, interval: 1, publicUrl: proxy.origin });
  proxy.target = `http://127.0.0.1:${server.port}`;
});

afterAll(async () => {
  await proxy?.close();
  await server?.close();
  await rm(dataDir, { recursive: true, force: true });
  await rm(home, { recursive: true, force: true });
});

describe('the pace of long polls', () => {
  it('polls again as soon as a held poll ends pending, with no slow_down, and signs in at once when approved', async () => {
    const warnings: string[] = [];
    const logger: Logger = { debug() {}, info() {}, warn: (m) => warnings.push(m), error: (m) => warnings.push(m) };
    const ports = { http: createAxiosHttpClient(), clock: systemClock, store: createFileTokenStore({ path: join(home, 'tokens.json') }), logger };
    const endpoints: Endpoints = await discoverEndpoints(proxy.origin, ports.http);
    const protocol = createProtocol({ endpoints, client: { clientId: server.clientId, scope: 'openid profile email' }, ports });
    // Held for 2 s each: longer than the 1 s interval.
    const session = createDeviceSession({ protocol, ports, storeKey: storeKeyFor(endpoints, server.clientId), longPollSeconds: 2 });
    try {
      session.signIn();
      const deadline = Date.now() + 15_000;
      const polls = () => proxy.records.filter((r) => r.deviceCode !== undefined);
      // Three held polls answered pending, and a fourth in flight.
      while (polls().filter((r) => r.end !== undefined).length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const answered = polls().filter((r) => r.end !== undefined).slice(0, 3);
      expect(answered).toHaveLength(3);
      for (const poll of answered) {
        expect(poll.status).toBe(400);
        // Held about two seconds by the server.
        expect(poll.end! - poll.start).toBeGreaterThan(1_800);
      }
      // Each next poll left right after the previous answer, not one interval later.
      const all = polls();
      for (let i = 1; i < 3; i++) expect(all[i]!.start - answered[i - 1]!.end!).toBeLessThan(400);

      const snapshot = session.snapshot();
      expect(snapshot.state).toBe('awaiting_user');
      const approvedAt = performance.now();
      expect((await approve(snapshot.verificationUriComplete!, server.demoUser!)).page).toBe('success');
      const final = await Promise.race([
        session.settled(),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('not signed in within 5 s')), 5_000)),
      ]);
      expect(final.state).toBe('signed_in');
      const tokenAnswer = polls().find((r) => r.status === 200)!;
      // The held poll answered within a moment of the approval (the phone's last page included).
      expect(tokenAnswer.end! - approvedAt).toBeLessThan(1_500);
      expect(overlappingPolls(proxy.records)).toEqual([]);
      expect(warnings.filter((w) => /slow_down|slow down/i.test(w))).toEqual([]);
      // Never a slow_down answer: every poll but the last was 400 authorization_pending.
      expect(polls().slice(0, -1).every((r) => r.status === 400)).toBe(true);
    } finally {
      session.close();
    }
  }, 30_000);

  it('an announcing server (ours) gets the first poll with the code, asking Prefer: wait, and an approval 0.5 s in reaches the TV at once', async () => {
    // The default interval (5 s): RFC pacing would leave the TV deaf to the approval for seconds.
    const ownData = await mkdtemp(join(tmpdir(), 'device-login-pace-announcing-'));
    const announcing = await startServer({ port: 0, dataDir: ownData, logger: quiet });
    const sent: Sent[] = [];
    const ports = { http: recordingHttp(sent), clock: systemClock, store: createFileTokenStore({ path: join(home, 'announcing.json') }), logger: quiet };
    const endpoints = await discoverEndpoints(announcing.issuer, ports.http);
    expect(endpoints.longPollMaxWait).toBe(30);
    const protocol = createProtocol({ endpoints, client: { clientId: announcing.clientId, scope: 'openid profile' }, ports });
    // The session's defaults: long polling on (25 s), taken up only because the server announces it.
    const session = createDeviceSession({ protocol, ports, storeKey: storeKeyFor(endpoints, announcing.clientId) });
    try {
      const shown = reached(session, 'awaiting_user');
      const signedIn = reached(session, 'signed_in');
      session.signIn();
      await shown;
      const code = sent.find((r) => r.url === endpoints.deviceAuthorizationEndpoint)!;
      await new Promise((r) => setTimeout(r, 50));
      const polls = () => sent.filter((r) => r.url === endpoints.tokenEndpoint);
      expect(polls()).toHaveLength(1);
      expect(polls()[0]!.sentAt - code.answeredAt!).toBeLessThan(100);
      expect(polls()[0]!.prefer).toBe('wait=25');

      await new Promise((r) => setTimeout(r, Math.max(0, code.answeredAt! + 500 - performance.now())));
      const snapshot = session.snapshot();
      expect((await approve(snapshot.verificationUriComplete!, announcing.demoUser!)).page).toBe('success');
      const approvedAt = performance.now();
      const signedInAt = await Promise.race([
        signedIn,
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('not signed in within 3 s')), 3_000)),
      ]);
      // The held first poll answered the approval; the phone's success page may even come after it.
      const tokenAnswer = polls().find((r) => r.status === 200)!;
      expect(tokenAnswer.answeredAt! - approvedAt).toBeLessThan(300);
      expect(polls()).toHaveLength(1);
      expect(signedInAt - code.answeredAt!).toBeLessThan(5_000);
    } finally {
      await session.close();
      await announcing.close();
      await rm(ownData, { recursive: true, force: true });
    }
  }, 30_000);

  it('a plain RFC 8628 server gets its first poll after one interval, no Prefer header and no early poll', async () => {
    const plain = await startQuirkServer('standard', { interval: 2, script: ['pending', 'approve'] });
    const ports = { http: createAxiosHttpClient(), clock: systemClock, store: createFileTokenStore({ path: join(home, 'plain.json') }), logger: quiet };
    const endpoints = await discoverEndpoints(plain.issuer!, ports.http);
    expect(endpoints.longPollMaxWait).toBeUndefined();
    const protocol = createProtocol({ endpoints, client: { clientId: plain.clientId, scope: 'openid profile' }, ports });
    const session = createDeviceSession({ protocol, ports, storeKey: storeKeyFor(endpoints, plain.clientId) });
    try {
      session.signIn();
      const final = await session.settled();
      expect(final.state).toBe('signed_in');
      const userCode = plain.userCodes()[0]!;
      const polls = plain.polls(userCode);
      expect(polls.map((p) => p.answer)).toEqual(['pending', 'tokens']);
      // The fixture times polls from the moment it issued the code.
      expect(polls[0]!.at).toBeGreaterThanOrEqual(2_000 - 100);
      expect(plain.requests.filter((r) => r.grantType?.endsWith('device_code')).map((r) => r.prefer)).toEqual([undefined, undefined]);
      expect(plain.violations()).toEqual([]);
    } finally {
      await session.close();
      await plain.close();
    }
  }, 30_000);
});
