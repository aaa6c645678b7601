// The defences of the phone pages against a real server: the password-guessing limit, CSRF on every form,
// security headers, Secure cookies behind https.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Logger } from '../../core/ports.ts';
import { startServer, type RunningServer } from '../../server/app.ts';
import { createAttemptLimiter } from '../../server/pages/security.ts';
import { Phone } from '../fixtures/phone.ts';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const dirs: string[] = [];
const servers: RunningServer[] = [];

async function start(options: { publicUrl?: string } = {}): Promise<RunningServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dl-security-'));
  dirs.push(dataDir);
  const server = await startServer({ port: 0, dataDir, logger: quiet, ...options });
  servers.push(server);
  return server;
}

afterAll(async () => {
  for (const server of servers) await server.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function authorize(server: RunningServer): Promise<{ device_code: string; user_code: string; verification_uri: string; verification_uri_complete: string }> {
  const res = await fetch(`${server.url}/device/auth`, { method: 'POST', body: new URLSearchParams({ client_id: server.clientId, scope: 'openid profile email' }) });
  return (await res.json()) as { device_code: string; user_code: string; verification_uri: string; verification_uri_complete: string };
}

async function poll(server: RunningServer, deviceCode: string): Promise<string | undefined> {
  const res = await fetch(`${server.url}/token`, {
    method: 'POST',
    body: new URLSearchParams({ client_id: server.clientId, grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: deviceCode }),
  });
  const body = (await res.json()) as { error?: string; access_token?: string };
  return body.error ?? (body.access_token ? 'token' : undefined);
}

// Wrong codes are slowed down, not locked out: test/server/code-guessing.test.ts.
describe('brute-force limit on sign-in', () => {
  it('after ten wrong passwords, sign-in pauses even for the right password, whichever email was tried', async () => {
    const server = await start();
    const auth = await authorize(server);
    const phone = new Phone();
    let login = await phone.submit(await phone.get(auth.verification_uri_complete), { button: 'Continue' });
    for (let i = 0; i < 10; i += 1) {
      login = await phone.signIn(login, { email: i % 2 ? server.demoUser!.email : `nobody${i}@example.test`, password: `wrong password ${i}` });
      expect(login.error).toBe('Login failed: the email or password is incorrect.');
    }
    const locked = await phone.signIn(login, server.demoUser!);
    expect(locked.status).toBe(429);
    expect(locked.page).toBe('login');
    expect(locked.error).toMatch(/^Too many attempts, try again in \d+ minutes?\.$/);
    expect(await poll(server, auth.device_code)).toBe('authorization_pending');
  });

  it('counts failures per key in a sliding window and unlocks when it has passed', () => {
    let now = 0;
    const limiter = createAttemptLimiter({ maxFailures: 5, windowMs: 600_000, now: () => now });
    const phoneA = ['ip:1.2.3.4', 'sid:a'];
    for (let i = 0; i < 4; i += 1) limiter.recordFailure(phoneA);
    expect(limiter.blockedFor(phoneA)).toBe(0);
    expect(limiter.remaining(phoneA)).toBe(1);
    now = 60_000;
    limiter.recordFailure(phoneA);
    expect(limiter.blockedFor(phoneA)).toBe(540_000);
    // A new session from the same address is still locked; another address with that session too.
    expect(limiter.blockedFor(['ip:1.2.3.4', 'sid:b'])).toBeGreaterThan(0);
    expect(limiter.blockedFor(['ip:5.6.7.8', 'sid:a'])).toBeGreaterThan(0);
    expect(limiter.blockedFor(['ip:5.6.7.8', 'sid:c'])).toBe(0);
    now = 600_001;
    expect(limiter.blockedFor(phoneA)).toBe(0);
  });
});

describe('CSRF', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await start();
  });

  it('refuses a device form posted without or with a wrong xsrf token with 403, and the code stays pending', async () => {
    const auth = await authorize(server);
    const phone = new Phone();
    const confirm = await phone.get(auth.verification_uri_complete);
    expect(confirm.page).toBe('confirm');
    const missing = await phone.request(confirm.forms[0]!.action, { method: 'POST', form: { user_code: auth.user_code, confirm: 'yes' } });
    expect(missing.status).toBe(403);
    const forged = await new Phone().request(confirm.forms[0]!.action, { method: 'POST', form: { xsrf: 'f'.repeat(48), user_code: auth.user_code, confirm: 'yes' } });
    expect(forged.status).toBe(403);
    expect(forged.page).toBe('forbidden');
    const abort = await phone.request(confirm.forms[0]!.action, { method: 'POST', form: { xsrf: 'x', user_code: auth.user_code, abort: 'yes' } });
    expect(abort.status).toBe(403);
    expect(await poll(server, auth.device_code)).toBe('authorization_pending');
    // The honest flow still works afterwards.
    expect((await new Phone().approve(auth.verification_uri_complete, server.demoUser!)).page).toBe('success');
  });

  it('refuses a login or consent form without the token, with a wrong one, or from another browser', async () => {
    const auth = await authorize(server);
    const phone = new Phone();
    const login = await phone.submit(await phone.get(auth.verification_uri_complete), { button: 'Continue' });
    expect(login.page).toBe('login');
    const action = login.forms[0]!.action;
    const creds = { email: server.demoUser!.email, password: server.demoUser!.password };

    const without = await phone.request(action, { method: 'POST', form: creds });
    expect(without.status).toBe(403);
    expect(without.page).toBe('forbidden');
    const wrong = await phone.request(action, { method: 'POST', form: { ...creds, csrf: 'A'.repeat(43) } });
    expect(wrong.status).toBe(403);
    // Another browser holding the right token but not the cookie it belongs to.
    const other = new Phone();
    const stolen = await other.request(action, { method: 'POST', form: { ...creds, csrf: login.forms[0]!.fields.csrf! } });
    // Without the interaction cookie there is no interaction to act on at all (400), let alone a CSRF match.
    expect([400, 403]).toContain(stolen.status);
    expect(stolen.page).not.toBe('consent');

    const consent = await phone.signIn(login, creds);
    expect(consent.page).toBe('consent');
    const forgedAllow = await phone.request(consent.forms[0]!.action, { method: 'POST', form: { decision: 'allow' } });
    expect(forgedAllow.status).toBe(403);
    expect(await poll(server, auth.device_code)).toBe('authorization_pending');
    expect((await phone.submit(consent, { button: 'decision=allow' })).page).toBe('success');
  });
});

describe('headers and cookies', () => {
  it('every page sends CSP without inline scripts, frame-ancestors self, no-referrer and nosniff', async () => {
    const server = await start();
    const auth = await authorize(server);
    const phone = new Phone();
    const enter = await phone.get(`${server.url}/device`);
    const confirm = await phone.openCode(enter.url, auth.user_code);
    const login = await phone.submit(confirm, { button: 'Continue' });
    const unknown = await phone.get(`${server.url}/interaction/nope`);
    for (const page of [enter, confirm, login, unknown]) {
      const csp = page.headers.get('content-security-policy') ?? '';
      expect(csp, page.page).toContain("frame-ancestors 'self'");
      expect(csp, page.page).toContain("script-src 'self'");
      expect(csp, page.page).not.toContain('unsafe-inline');
      expect(csp, page.page).toMatch(/style-src 'sha256-[A-Za-z0-9+/=]+'/);
      expect(page.headers.get('referrer-policy'), page.page).toBe('no-referrer');
      expect(page.headers.get('x-content-type-options'), page.page).toBe('nosniff');
      expect(page.headers.get('cache-control'), page.page).toBe('no-store');
    }
  });

  it('the JSON endpoints a TV polls send nosniff and none of the page headers; an error page still gets them', async () => {
    const server = await start();
    const auth = await authorize(server);
    const token = await fetch(`${server.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: auth.device_code, client_id: 'tv-demo' }),
    });
    const discovery = await fetch(`${server.url}/.well-known/openid-configuration`);
    for (const res of [token, discovery]) {
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-security-policy')).toBeNull();
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    }
    const errorPage = await fetch(`${server.url}/auth?client_id=nobody&response_type=code`);
    expect(errorPage.headers.get('content-type')).toMatch(/^text\/html/);
    expect(errorPage.headers.get('content-security-policy')).toContain("frame-ancestors 'self'");
  });

  it('cookies are HttpOnly and SameSite, and Secure when the public URL is https', async () => {
    const plain = await start();
    const plainCookies = (await fetch(`${plain.url}/device`)).headers.getSetCookie();
    expect(plainCookies.length).toBeGreaterThan(0);
    for (const cookie of plainCookies) {
      expect(cookie.toLowerCase()).toContain('httponly');
      expect(cookie.toLowerCase()).toMatch(/samesite=(lax|strict)/);
      expect(cookie.toLowerCase()).not.toContain('secure');
    }

    const tls = await start({ publicUrl: 'https://tv-login.example.test' });
    const tlsCookies = (await fetch(`http://127.0.0.1:${(tls as RunningServer & { port: number }).port}/device`)).headers.getSetCookie();
    expect(tlsCookies.length).toBeGreaterThan(0);
    for (const cookie of tlsCookies) expect(cookie.toLowerCase()).toContain('; secure');
  });
});
