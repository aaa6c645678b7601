// The pace of a long-polling device against the real embedded server: the real axios HttpClient,
// Protocol and session runner, through a fault proxy with no faults (only to time every request).
// A poll the server held (it says so with Preference-Applied) for longer than the interval is
// followed by the next poll at once, so the TV is never deaf to an approval between held polls; and
// the server, which counts the interval between poll arrivals, never answers slow_down to that.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { discoverEndpoints } from '../../core/discovery.ts';
import type { Logger } from '../../core/ports.ts';
import { createProtocol } from '../../core/protocol.ts';
import { createDeviceSession, storeKeyFor } from '../../core/session.ts';
import type { Endpoints } from '../../core/types.ts';
import { systemClock } from '../../host/clock.ts';
import { createAxiosHttpClient } from '../../host/http.ts';
import { createFileTokenStore } from '../../host/token-store.ts';
import { startServer, type RunningServer } from '../../server/app.ts';
import { overlappingPolls, startFaultProxy, type FaultProxy } from '../fixtures/fault-proxy.ts';
import { approve } from '../fixtures/phone.ts';

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
});
