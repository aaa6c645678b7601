// Short lifetimes and a kill switch (issue 13; RFC 10027's short-lived codes and tokens): codes live
// 10 minutes by default, the refresh tokens of a device grant have an absolute lifetime that rotation
// never extends, and the device grant can be switched off per client in the clients file. Real
// servers with the short lifetimes set here; the phone approves through the real pages.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import type { Logger } from '../../core/ports.ts';
import { startServer, type RunningServer, type ServerOptions } from '../../server/app.ts';
import { parseClients } from '../../server/clients-file.ts';
import { SERVER_DEFAULTS } from '../../server/defaults.ts';
import { approve } from '../fixtures/phone.ts';
import { pollToken, requestDeviceCode, sleep } from './device-helpers.ts';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const servers: RunningServer[] = [];
const dirs: string[] = [];

afterAll(async () => {
  for (const server of servers) await server.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dl-lifetimes-'));
  dirs.push(dir);
  return dir;
}

async function start(options: ServerOptions = {}): Promise<RunningServer> {
  const server = await startServer({ port: 0, dataDir: dataDir(), interval: 1, logger: quiet, ...options });
  servers.push(server);
  return server;
}

interface Tokens {
  access_token: string;
  refresh_token: string;
  expires_in: number;
}

/** A device sign-in approved on the phone; resolves with the token answer. */
async function signInDevice(server: RunningServer): Promise<Tokens> {
  const auth = await requestDeviceCode(server.url);
  expect((await approve(auth.verification_uri_complete, server.demoUser!)).page).toBe('success');
  const answer = await pollToken(server.url, auth.device_code);
  expect(answer.status).toBe(200);
  return answer.body as unknown as Tokens;
}

async function refresh(server: RunningServer, refreshToken: string, clientId = 'tv-demo'): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${server.url}/token`, {
    method: 'POST',
    headers: { accept: 'application/json' },
    body: new URLSearchParams({ client_id: clientId, grant_type: 'refresh_token', refresh_token: refreshToken }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** The token's expiry as the server keeps it (RFC 7662 introspection, by the client that owns it). */
async function expiryOf(server: RunningServer, token: string): Promise<number> {
  const res = await fetch(`${server.url}/token/introspection`, {
    method: 'POST',
    body: new URLSearchParams({ client_id: 'tv-demo', token, token_type_hint: 'refresh_token' }),
  });
  const body = (await res.json()) as { active: boolean; exp?: number };
  expect(body.active).toBe(true);
  return body.exp!;
}

describe('code lifetime', () => {
  it('a device code and its user code live 10 minutes by default', async () => {
    expect(SERVER_DEFAULTS.codeTtl).toBe(600);
    const server = await start();
    expect((await requestDeviceCode(server.url)).expires_in).toBe(600);
  });
});

describe('absolute lifetime of a device grant', () => {
  it('a rotated refresh token keeps the first one\'s expiry, and after it the device must sign in again', async () => {
    const maxAge = 4;
    const server = await start({ deviceRefreshMaxAge: maxAge });
    const signedInAt = Math.floor(Date.now() / 1000);
    const first = await signInDevice(server);
    const end = await expiryOf(server, first.refresh_token);
    expect(end).toBeGreaterThanOrEqual(signedInAt + maxAge);
    expect(end).toBeLessThanOrEqual(signedInAt + maxAge + 2);

    await sleep(1100);
    const rotated = await refresh(server, first.refresh_token);
    expect(rotated.status).toBe(200);
    const second = rotated.body as unknown as Tokens;
    expect(second.refresh_token).not.toBe(first.refresh_token);
    // Rotation gives a new token, not a new lifetime; the access token ends with the grant too.
    expect(await expiryOf(server, second.refresh_token)).toBe(end);
    expect(second.expires_in).toBeLessThanOrEqual(end - Math.floor(Date.now() / 1000) + 1);

    await sleep((end + 1) * 1000 - Date.now());
    const late = await refresh(server, second.refresh_token);
    expect(late.status).toBe(400);
    expect(late.body.error).toBe('invalid_grant');
  });

  it('within it, the idle lifetime still slides: each rotation starts it again', async () => {
    const server = await start({ refreshTokenTtl: 3, deviceRefreshMaxAge: 3600 });
    const first = await signInDevice(server);
    const firstEnd = await expiryOf(server, first.refresh_token);
    await sleep(1100);
    const second = (await refresh(server, first.refresh_token)).body as unknown as Tokens;
    expect(await expiryOf(server, second.refresh_token)).toBeGreaterThan(firstEnd);
  });
});

describe('the kill switch: "device_grant": false in the clients file', () => {
  // Parsed in each test, so that a parser that refuses the field fails those tests, not the file.
  const enabled = () => parseClients([{ client_id: 'kiosk', client_name: 'Lobby kiosk' }]);
  const switchedOff = () => parseClients([{ client_id: 'kiosk', client_name: 'Lobby kiosk', device_grant: false }]);

  it('takes the device grant out of the client\'s grant_types, which is how oidc-provider says it', () => {
    expect(enabled()[0]!.grant_types).toContain('urn:ietf:params:oauth:grant-type:device_code');
    expect(switchedOff()[0]!.grant_types).toEqual(['refresh_token']);
  });

  it('the device authorization endpoint answers unauthorized_client; other clients are unaffected', async () => {
    const server = await start({ clients: switchedOff() });
    const res = await fetch(`${server.url}/device/auth`, { method: 'POST', body: new URLSearchParams({ client_id: 'kiosk', scope: 'openid' }) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('unauthorized_client');
    expect((await requestDeviceCode(server.url)).device_code).toBeTruthy();
  });

  it('a code issued before the switch is refused at the token endpoint, and a device signed in before it cannot refresh', async () => {
    const dir = dataDir();
    const before = await startServer({ port: 0, dataDir: dir, interval: 1, logger: quiet, clients: enabled() });
    servers.push(before);
    const pending = await requestDeviceCode(before.url, 'openid offline_access', 'kiosk');
    const signedIn = await requestDeviceCode(before.url, 'openid offline_access', 'kiosk');
    expect((await approve(signedIn.verification_uri_complete, before.demoUser!)).page).toBe('success');
    const tokens = (await pollToken(before.url, signedIn.device_code, { clientId: 'kiosk' })).body as unknown as Tokens;
    expect(tokens.refresh_token).toBeTruthy();
    await before.close();

    const after = await startServer({ port: 0, dataDir: dir, interval: 1, logger: quiet, clients: switchedOff() });
    servers.push(after);
    const poll = await pollToken(after.url, pending.device_code, { clientId: 'kiosk' });
    expect(poll.status).toBe(400);
    expect(poll.body.error).toBe('unauthorized_client');
    const refused = await refresh(after, tokens.refresh_token, 'kiosk');
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('invalid_grant');
  });

  it('refuses an entry that switches the grant off and names it in grant_types, or says it with a string', () => {
    expect(() =>
      parseClients([{ client_id: 'kiosk', device_grant: false, grant_types: ['urn:ietf:params:oauth:grant-type:device_code'] }], 'clients.json'),
    ).toThrow('--clients clients.json: client 1 (device_grant) is false, but grant_types names urn:ietf:params:oauth:grant-type:device_code: leave it out of grant_types.');
    expect(() => parseClients([{ client_id: 'kiosk', device_grant: 'no' }], 'clients.json')).toThrow(
      '--clients clients.json: client 1 (device_grant) must be true or false.',
    );
  });
});
