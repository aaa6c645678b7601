// The SQLite store: state lives in the data directory's file (never oidc-provider's dev-only memory
// adapter), so a pending device code survives a restart of the server.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';

import { startServer, type RunningServer } from '../../server/app.ts';
import { approve } from '../fixtures/phone.ts';
import { pollToken, requestDeviceCode, tempDataDir, userinfo } from './device-helpers.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function rowsOf(dataDir: string, model: string): number {
  const db = new DatabaseSync(join(dataDir, 'oidc.sqlite'), { readOnly: true });
  try {
    return Number((db.prepare('SELECT count(*) AS n FROM oidc WHERE model = ?').get(model) as { n: number }).n);
  } finally {
    db.close();
  }
}

describe('SQLite persistence', () => {
  it('writes device codes to the SQLite file, not to a memory adapter', async () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    const server = await startServer({ port: 0, dataDir: data.dir });
    cleanups.push(() => server.close());
    const before = rowsOf(data.dir, 'DeviceCode');
    await requestDeviceCode(server.url);
    await requestDeviceCode(server.url);
    expect(rowsOf(data.dir, 'DeviceCode')).toBe(before + 2);
  });

  it('keeps a pending device code across a restart on the same data directory', async () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    let server: RunningServer = await startServer({ port: 0, dataDir: data.dir, interval: 1 });
    const { port } = server;
    const creds = server.demoUser!;
    const da = await requestDeviceCode(server.url);
    expect((await pollToken(server.url, da.device_code)).body.error).toBe('authorization_pending');
    await server.close();

    server = await startServer({ port, dataDir: data.dir, interval: 1 });
    cleanups.push(() => server.close());
    expect(server.demoUser).toEqual(creds);
    expect((await approve(da.verification_uri_complete, creds)).page).toBe('success');
    // The slow_down ledger is per process and starts empty after a restart (server/adapters/poll-ledger.ts
    // says why that is harmless); the device keeps its interval anyway, as a client that keeps the rules does.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const granted = await pollToken(server.url, da.device_code);
    expect(granted.body.error).toBeUndefined();
    expect(granted.status).toBe(200);
    expect((await userinfo(server.url, granted.body.access_token as string)).status).toBe(200);
  });

  it('keeps the signing keys in a file only its owner can read', async () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    const server = await startServer({ port: 0, dataDir: data.dir });
    cleanups.push(() => server.close());
    expect(statSync(join(data.dir, 'keys.json')).mode & 0o777).toBe(0o600);
    const jwks = (await (await fetch(`${server.url}/jwks`)).json()) as { keys: Array<Record<string, unknown>> };
    expect(jwks.keys.length).toBeGreaterThan(0);
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });

  it('starts warm (second start on the same data directory) in under a second', async () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    const cold = await startServer({ port: 0, dataDir: data.dir });
    await cold.close();
    const started = performance.now();
    const warm = await startServer({ port: 0, dataDir: data.dir });
    const warmMs = performance.now() - started;
    cleanups.push(() => warm.close());
    process.stdout.write(`warm start-up (startServer, in-process): ${warmMs.toFixed(0)} ms\n`);
    expect(warmMs).toBeLessThan(1000);
  });
});

describe('shutdown', () => {
  it('answers held polls with authorization_pending when the server closes, instead of hanging', async () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    const server = await startServer({ port: 0, dataDir: data.dir });
    const da = await requestDeviceCode(server.url);
    const held = pollToken(server.url, da.device_code, { wait: 25 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(server.heldPolls()).toBe(1);
    const closing = performance.now();
    await server.close();
    const answer = await held;
    expect(answer.body.error).toBe('authorization_pending');
    expect(performance.now() - closing).toBeLessThan(3000);
  });
});

describe('two processes sharing one SQLite file', () => {
  it('wakes a poll held by one instance when the user approves on the other', async () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    // Each startServer opens its own connection and its own in-process events, so this is the
    // two-process case; the phone reaches B through the shared public URL.
    const b = await startServer({ port: 0, dataDir: data.dir, interval: 1 });
    cleanups.push(() => b.close());
    const a = await startServer({ port: 0, dataDir: data.dir, interval: 1, publicUrl: b.url });
    cleanups.push(() => a.close());
    const aDirect = `http://127.0.0.1:${a.port}`;
    const da = await requestDeviceCode(aDirect);
    const held = pollToken(aDirect, da.device_code, { wait: 20 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(a.heldPolls()).toBe(1);
    expect((await approve(da.verification_uri_complete, b.demoUser!)).page).toBe('success');
    const approvedAt = performance.now();
    const answer = await held;
    const wakeMs = Math.max(0, answer.at - approvedAt);
    process.stdout.write(`cross-process long-poll wake latency (shared SQLite): ${wakeMs.toFixed(1)} ms\n`);
    expect(answer.status).toBe(200);
    expect(wakeMs).toBeLessThan(1000);
  });
});
