// The browser host and the DeviceController against the real embedded server: a real HTTP listener
// on loopback, a real SQLite data dir, the real phone pages driven by the cookie-jar phone.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverEndpoints } from '../../core/discovery.ts';
import type { Logger } from '../../core/ports.ts';
import { startBrowserHost, type RunningBrowserHost } from '../../host/browser-host.ts';
import { systemClock } from '../../host/clock.ts';
import { BRIDGE_HEARTBEAT_MS, type ViewState } from '../../host/contract.ts';
import { DeviceController } from '../../host/device-controller.ts';
import { createAxiosHttpClient } from '../../host/http.ts';
import { createFileTokenStore } from '../../host/token-store.ts';
import { startServer, type RunningServer } from '../../server/app.ts';
import { approve } from '../fixtures/phone.ts';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

let dir: string;
let server: RunningServer;
let controller: DeviceController;
let host: RunningBrowserHost;
let storePath: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'device-login-host-'));
  storePath = join(dir, 'tokens.json');
  server = await startServer({ port: 0, dataDir: join(dir, 'data'), interval: 1, logger: quiet });
  const http = createAxiosHttpClient();
  controller = await DeviceController.create({
    endpoints: await discoverEndpoints(server.issuer, http),
    client: { clientId: server.clientId, scope: 'openid profile email offline_access' },
    ports: {
      http,
      clock: systemClock,
      store: createFileTokenStore({ path: storePath, logger: quiet }),
      logger: quiet,
    },
    resourceServer: server.url,
    displayName: 'device-login (embedded server)',
  });
  host = await startBrowserHost({
    controller,
    rendererDir: join(dir, 'no-renderer'),
    hostPageDir: join(import.meta.dirname, '..', '..', 'host', 'page'),
    phoneCanEmbed: true,
    port: 0,
    logger: quiet,
  });
});

afterAll(async () => {
  await host?.close();
  controller?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A raw request, so that Host and Origin can be set as an attacker would. */
function raw(
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: string; location?: string }> {
  const url = new URL(path, host.origin);
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, ...(res.headers.location ? { location: res.headers.location } : {}) }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

function post(path: string, body: unknown = {}, headers: Record<string, string> = {}) {
  return raw(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: host.origin, ...headers },
    body: JSON.stringify(body),
  });
}

/** The token file as host/token-store.ts writes it: { version, sessions: { key: StoredSession } }. */
function readStore(): Record<string, { tokens?: Record<string, string> }> {
  return (
    JSON.parse(readFileSync(storePath, 'utf8')) as {
      sessions: Record<string, { tokens?: Record<string, string> }>;
    }
  ).sessions;
}

/** The session persists tokens right after it publishes signed_in: wait (bounded) for the write. */
async function waitForStoredTokens(timeoutMs = 5000): Promise<Record<string, string>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const tokens = Object.values(readStore()).find((s) => s.tokens)?.tokens;
    if (tokens) return tokens;
    if (Date.now() > deadline) throw new Error('the tokens were never written to the store');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function waitForState(predicate: (s: ViewState) => boolean, timeoutMs = 15_000): Promise<ViewState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = JSON.parse((await raw('/bridge/state')).body) as ViewState;
    if (predicate(state)) return state;
    if (Date.now() > deadline) throw new Error(`state never matched; last: ${state.state}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('browser host', () => {
  it('refuses a request whose Host header is not its own (DNS rebinding)', async () => {
    const res = await raw('/bridge/state', { headers: { host: 'evil.example:80' } });
    expect(res.status).toBe(421);
  });

  it('refuses a cross-origin POST and changes nothing', async () => {
    const res = await post('/bridge/sign-in', {}, { origin: 'http://evil.example' });
    expect(res.status).toBe(403);
    expect(controller.getState().state).toBe('idle');
  });

  it('takes a press from the TV opened at localhost as from 127.0.0.1, but not from another port', async () => {
    const port = new URL(host.origin).port;
    const local = { host: `localhost:${port}`, origin: `http://localhost:${port}` };
    expect((await post('/bridge/cancel', {}, local)).status).toBe(202);
    const otherPort = { host: `localhost:${port}`, origin: `http://localhost:${Number(port) === 1 ? 2 : 1}` };
    expect((await post('/bridge/cancel', {}, otherPort)).status).toBe(403);
  });

  it('moves a page opened at localhost to the address it listens on, so that the phone frame and the QR agree', async () => {
    const port = new URL(host.origin).port;
    const res = await raw('/tv/?signin', { headers: { host: `localhost:${port}` } });
    expect(res.status).toBe(307);
    expect(res.location).toBe(`${host.origin}/tv/?signin`);
    expect((await raw('/bridge/state', { headers: { host: `localhost:${port}` } })).status).toBe(200);
  });

  it('refuses a POST that is not JSON (a plain form cannot reach the bridge)', async () => {
    const res = await raw('/bridge/sign-in', {
      method: 'POST',
      headers: { origin: host.origin, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a=1',
    });
    expect(res.status).toBe(415);
    expect(controller.getState().state).toBe('idle');
  });

  it('rejects an unknown language with a readable message', async () => {
    const res = await post('/bridge/language', { language: 'klingon' });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error.message).toMatch(/en.*zh-TW/);
  });

  it('does not serve files outside its folders', async () => {
    const res = await raw('/host/..%2f..%2fpackage.json');
    expect(res.status).toBe(404);
  });

  it("redirects /tv to /tv/ so that the renderer's relative asset URLs resolve", async () => {
    const res = await raw('/tv');
    expect(res.status).toBe(308);
    expect(host.tvUrl.endsWith('/tv/')).toBe(true);
  });

  it('says plainly when the TV app has not been built', async () => {
    const res = await raw('/tv/');
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body).error.message).toMatch(/npm run build/);
  });

  it('streams state changes as server-sent events, starting with the current state', async () => {
    const controllerAbort = new AbortController();
    const res = await fetch(`${host.origin}/bridge/events`, { signal: controllerAbort.signal });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    const { value } = await reader.read();
    controllerAbort.abort();
    const text = new TextDecoder().decode(value);
    expect(text).toMatch(/event: state\ndata: \{"state":"idle"/);
  });

  it('sends a heartbeat event on the state stream every BRIDGE_HEARTBEAT_MS, so that the TV notices a dead host', async () => {
    const abort = new AbortController();
    const res = await fetch(`${host.origin}/bridge/events`, { signal: abort.signal });
    const reader = res.body!.getReader();
    const opened = performance.now();
    let text = '';
    const beats: number[] = [];
    while (beats.length < 2 && performance.now() - opened < 3 * BRIDGE_HEARTBEAT_MS) {
      const { value } = await reader.read();
      text += new TextDecoder().decode(value);
      while (text.includes('event: heartbeat\ndata:\n\n')) {
        beats.push(performance.now());
        text = text.replace('event: heartbeat\ndata:\n\n', '');
      }
    }
    abort.abort();
    // Two beats within about two intervals: a page that misses two in a row may call the host lost.
    expect(beats).toHaveLength(2);
    expect(beats[1]! - beats[0]!).toBeGreaterThan(BRIDGE_HEARTBEAT_MS * 0.8);
    expect(beats[1]! - beats[0]!).toBeLessThan(BRIDGE_HEARTBEAT_MS * 1.5);
  });

  it('signs in through the bridge, never exposes a token, and refreshes once when the catalogue says 401', async () => {
    expect((await post('/bridge/sign-in')).status).toBe(202);
    const waiting = await waitForState((s) => s.state === 'awaiting_user');
    expect(waiting.code?.qrText).toBe(waiting.code?.verificationUriComplete);
    expect(waiting.provider.name).toBe('device-login (embedded server)');

    const end = await approve(waiting.code!.qrText, server.demoUser!);
    expect(end.page).toBe('success');
    const signedIn = await waitForState((s) => s.state === 'signed_in');
    expect(signedIn.profile?.email).toBe(server.demoUser!.email);

    // Nothing the renderer can see carries a secret that the store holds.
    const tokens = await waitForStoredTokens();
    const events = JSON.stringify(await raw('/bridge/state'));
    for (const secret of [tokens.accessToken, tokens.refreshToken, tokens.idToken]) {
      if (secret) expect(events).not.toContain(secret);
    }

    // The catalogue was asked for the moment the session signed in: the first call takes that one.
    const first = await raw('/bridge/catalog');
    expect(first.status).toBe(200);
    expect((JSON.parse(first.body) as { rows: unknown[] }).rows.length).toBeGreaterThan(0);

    // The server forgets the access token while the client still thinks it valid (an operator
    // dropping sessions, a store flush): the catalogue call must get a 401, refresh once and succeed.
    // (Revoking it over RFC 7009 would not do: oidc-provider then revokes the refresh token too.)
    const db = new DatabaseSync(join(dir, 'data', 'oidc.sqlite'));
    const dropped = db.prepare("DELETE FROM oidc WHERE model = 'AccessToken'").run();
    db.close();
    expect(Number(dropped.changes)).toBeGreaterThan(0);
    const before = await fetch(`${server.url}/api/me`, {
      headers: { authorization: `Bearer ${tokens.accessToken}` },
    });
    expect(before.status).toBe(401);
    const catalog = await raw('/bridge/catalog');
    expect(catalog.status).toBe(200);
    expect((await waitForStoredTokens()).accessToken).not.toBe(tokens.accessToken);
    const parsed = JSON.parse(catalog.body) as { rows: { assets: unknown[] }[] };
    expect(parsed.rows.length).toBeGreaterThan(0);
    expect(parsed.rows[0]!.assets.length).toBeGreaterThan(0);
  });

  it('signs out: the stored tokens are gone and the state is idle', async () => {
    const res = await post('/bridge/sign-out');
    expect(res.status).toBe(200);
    const state = await waitForState((s) => s.state === 'idle');
    expect(state.profile).toBeUndefined();
    expect(Object.values(readStore()).every((s) => !s.tokens)).toBe(true);
  });
});
