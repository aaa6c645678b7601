// How soon the TV is back once its network is: the real embedded server, the real axios HttpClient,
// Protocol and session runner, and between device and server a TCP relay that can stop listening (a
// pulled cable, a router restarting: held polls cut, new connections refused) and listen again on the
// same port. The person approves on the phone during the outage (the phone has its own network), so
// the first poll that reaches the server after the outage signs the TV in: the time from the relay
// listening again to signed_in is the recovery the person waits through. The jitter is pinned at its
// top, the slowest the backoff can be. With the old 30 s cap a 20 s outage took some 15 s to notice.
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { discoverEndpoints } from '../../core/discovery.ts';
import type { Logger, TokenStore } from '../../core/ports.ts';
import { createProtocol } from '../../core/protocol.ts';
import { createDeviceSession, storeKeyFor } from '../../core/session.ts';
import type { Endpoints, Snapshot } from '../../core/types.ts';
import { systemClock } from '../../host/clock.ts';
import { createAxiosHttpClient } from '../../host/http.ts';
import { startServer, type RunningServer } from '../../server/app.ts';
import { approve } from '../fixtures/phone.ts';

const OUTAGE_MS = 20_000;
/** Recovery the person may wait through once the network is back: a few seconds. */
const RECOVERY_BUDGET_MS = 5_500;

let server: RunningServer;
let dataDir: string;
let serverEndpoints: Endpoints;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'device-login-outage-'));
  // The default interval (5 s): the pacing a real TV sees.
  server = await startServer({ port: 0, dataDir });
  serverEndpoints = await discoverEndpoints(server.issuer, createAxiosHttpClient());
});

afterAll(async () => {
  await server?.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** A TCP relay to `targetPort` on a port of its own, that can go down (refusing) and come back. */
async function startRelay(targetPort: number) {
  const sockets = new Set<Socket>();
  let listener: Server | undefined;
  let port = 0;
  const accepted: number[] = [];
  const listen = async () => {
    const next = createServer((client) => {
      accepted.push(performance.now());
      const upstream = createConnection({ port: targetPort, host: '127.0.0.1' });
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => resolve());
    });
    const address = next.address();
    port = typeof address === 'object' && address ? address.port : port;
    listener = next;
  };
  await listen();
  return {
    get origin() {
      return `http://127.0.0.1:${port}`;
    },
    accepted,
    /** Stops listening and cuts every open connection (the held poll with them). */
    async down() {
      const closing = listener;
      listener = undefined;
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => (closing ? closing.close(() => resolve()) : resolve()));
    },
    up: listen,
  };
}

function throughRelay(endpoints: Endpoints, origin: string): Endpoints {
  const move = (url: string) => {
    const moved = new URL(url);
    moved.host = new URL(origin).host;
    return moved.href;
  };
  return {
    ...endpoints,
    deviceAuthorizationEndpoint: move(endpoints.deviceAuthorizationEndpoint),
    tokenEndpoint: move(endpoints.tokenEndpoint),
    ...(endpoints.userinfoEndpoint ? { userinfoEndpoint: move(endpoints.userinfoEndpoint) } : {}),
    ...(endpoints.revocationEndpoint ? { revocationEndpoint: move(endpoints.revocationEndpoint) } : {}),
    ...(endpoints.jwksUri ? { jwksUri: move(endpoints.jwksUri) } : {}),
  };
}

async function until(probe: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('recovery after a network outage (real HTTP)', () => {
  it(
    `after a ${OUTAGE_MS / 1000} s outage the TV is signed in within seconds of the network coming back, the code kept throughout`,
    async () => {
      const relay = await startRelay(server.port);
      const logger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
      const memory = new Map<string, unknown>();
      const store: TokenStore = {
        load: async (key) => memory.get(key) as never,
        save: async (key, value) => void memory.set(key, value),
        remove: async (key) => void memory.delete(key),
      };
      const ports = { http: createAxiosHttpClient(), clock: systemClock, store, logger, random: () => 0.999 };
      const endpoints = throughRelay(serverEndpoints, relay.origin);
      const protocol = createProtocol({
        endpoints,
        client: { clientId: server.clientId, scope: 'openid profile email offline_access' },
        ports,
      });
      // The defaults a TV runs with: long polling where announced, the default backoff.
      const session = createDeviceSession({ protocol, ports, storeKey: storeKeyFor(endpoints, server.clientId) });
      const snapshots: Snapshot[] = [];
      session.subscribe((snap) => snapshots.push(snap));
      try {
        session.signIn();
        await until(() => session.snapshot().state === 'awaiting_user', 'a user code', 10_000);
        const shown = session.snapshot();
        // The first (held) poll is at the server when the network goes.
        await until(() => server.heldPolls() === 1, 'a held poll', 10_000);

        await relay.down();
        await until(() => session.snapshot().network === 'retrying', 'retrying', 10_000);
        expect(await approve(shown.verificationUriComplete!, server.demoUser!)).toMatchObject({ page: 'success' });
        await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
        expect(session.snapshot()).toMatchObject({ state: 'awaiting_user', network: 'retrying', userCode: shown.userCode });

        await relay.up();
        const back = performance.now();
        await until(() => session.snapshot().state === 'signed_in', 'signed_in', 40_000);
        const recovery = performance.now() - back;
        expect(recovery, `signed in ${Math.round(recovery)} ms after the network came back`).toBeLessThan(RECOVERY_BUDGET_MS);
        expect(new Set(snapshots.filter((s) => s.userCode).map((s) => s.userCode))).toEqual(new Set([shown.userCode]));
      } finally {
        await session.close();
        await relay.down();
      }
    },
    OUTAGE_MS + 60_000,
  );
});
