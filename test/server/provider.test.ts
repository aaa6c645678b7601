// The provider as any client sees it: discovery, JWKS, the public URL in every address (never the
// request's Host header), the registered TV client, and the start-up defaults and warnings.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startServer, type RunningServer } from '../../server/app.ts';
import { unsafeDefaults } from '../../server/defaults.ts';
import { parsePreferWait } from '../../server/device-flow.ts';
import { tempDataDir } from './device-helpers.ts';

function rawPost(port: number, path: string, host: string, body: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers: { host, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('discovery and keys', () => {
  let server: RunningServer;
  let data: ReturnType<typeof tempDataDir>;
  beforeAll(async () => {
    data = tempDataDir();
    server = await startServer({ port: 0, dataDir: data.dir });
  });
  afterAll(async () => {
    await server?.close();
    data?.remove();
  });

  it('publishes OpenID discovery with the device, token, revocation, introspection and userinfo endpoints', async () => {
    const d = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(d.issuer).toBe(server.issuer);
    expect(d.device_authorization_endpoint).toBe(`${server.url}/device/auth`);
    expect(d.token_endpoint).toBe(`${server.url}/token`);
    expect(d.revocation_endpoint).toBe(`${server.url}/token/revocation`);
    expect(d.introspection_endpoint).toBe(`${server.url}/token/introspection`);
    expect(d.userinfo_endpoint).toBe(`${server.url}/me`);
    expect(d.grant_types_supported).toEqual(expect.arrayContaining(['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token', 'authorization_code']));
    expect(d.scopes_supported).toEqual(expect.arrayContaining(['openid', 'profile', 'email', 'offline_access']));
    expect(d.code_challenge_methods_supported).toEqual(['S256']);
  });

  it('publishes only public signing keys at the JWKS endpoint', async () => {
    const jwks = (await (await fetch(`${server.url}/jwks`)).json()) as { keys: Array<Record<string, unknown>> };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });

  it('builds verification_uri from the public URL even when the request names another host', async () => {
    const answer = await rawPost(server.port, '/device/auth', 'evil.example', 'client_id=tv-demo&scope=openid');
    expect(answer.status).toBe(200);
    expect(answer.body.verification_uri).toBe(`${server.url}/device`);
    expect(String(answer.body.verification_uri_complete)).toMatch(new RegExp(`^${server.url}/device\\?user_code=`));
  });

  it('does not offer oidc-provider\'s development login pages', async () => {
    const response = await fetch(`${server.url}/interaction/not-a-real-uid`, { redirect: 'manual' });
    const text = await response.text();
    expect(text).not.toContain('oidc-provider-dev');
    expect(text.toLowerCase()).not.toContain('any login will work');
  });

  it('rejects an unknown client at device authorization', async () => {
    const response = await fetch(`${server.url}/device/auth`, { method: 'POST', body: new URLSearchParams({ client_id: 'nobody' }) });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: string }).error).toBe('invalid_client');
  });
});

describe('public URL', () => {
  it('uses --public-url for the issuer and verification_uri', async () => {
    const data = tempDataDir();
    const server = await startServer({ port: 0, dataDir: data.dir, publicUrl: 'https://tv-login.example/' });
    try {
      expect(server.issuer).toBe('https://tv-login.example');
      const answer = await rawPost(server.port, '/device/auth', `127.0.0.1:${server.port}`, 'client_id=tv-demo&scope=openid');
      expect(answer.body.verification_uri).toBe('https://tv-login.example/device');
    } finally {
      await server.close();
      data.remove();
    }
  });

  it('refuses a public URL with a path', async () => {
    const data = tempDataDir();
    try {
      await expect(startServer({ port: 0, dataDir: data.dir, publicUrl: 'https://tv.example/login' })).rejects.toThrow(/origin only/);
    } finally {
      data.remove();
    }
  });
});

describe('defaults', () => {
  it('warns loudly when the demo user is on while listening beyond loopback', () => {
    const warnings = unsafeDefaults({ host: '0.0.0.0', publicUrl: 'http://192.168.1.5:8787', demoUser: true });
    expect(warnings.join(' ')).toMatch(/demo account is ON/);
    expect(unsafeDefaults({ host: '127.0.0.1', publicUrl: 'http://127.0.0.1:8787', demoUser: true })).toEqual([]);
  });

  it('reads Prefer: wait=N and caps it', () => {
    expect(parsePreferWait(undefined, 30)).toBe(0);
    expect(parsePreferWait('wait=10', 30)).toBe(10);
    expect(parsePreferWait('respond-async, wait=90', 30)).toBe(30);
    expect(parsePreferWait('wait=soon', 30)).toBe(0);
  });
});

describe('authorization code + PKCE', () => {
  it('signs a native app in through the phone pages with a loopback redirect and S256 PKCE', async () => {
    const { createHash, randomBytes } = await import('node:crypto');
    const { createServer } = await import('node:http');
    const { Phone } = await import('../fixtures/phone.ts');
    const data = tempDataDir();
    const server = await startServer({ port: 0, dataDir: data.dir });
    // The app's loopback listener (RFC 8252 §7.3): any port is accepted for 127.0.0.1.
    const callback = createServer((_req, res) => res.end('<!doctype html><title>done</title>'));
    await new Promise<void>((resolve) => callback.listen(0, '127.0.0.1', resolve));
    try {
      const redirectUri = `http://127.0.0.1:${(callback.address() as { port: number }).port}/callback`;
      const verifier = randomBytes(32).toString('base64url');
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      const auth = new URL(`${server.url}/auth`);
      auth.search = new URLSearchParams({ client_id: 'tv-demo', response_type: 'code', scope: 'openid email', redirect_uri: redirectUri, code_challenge: challenge, code_challenge_method: 'S256', state: 'xyz' }).toString();

      const phone = new Phone();
      let page = await phone.get(auth.href);
      expect(page.page).toBe('login');
      page = await phone.signIn(page, server.demoUser!);
      if (page.page === 'consent') page = await phone.submit(page, { button: 'decision=allow' });
      const landed = new URL(page.url);
      expect(landed.pathname).toBe('/callback');
      expect(landed.searchParams.get('state')).toBe('xyz');
      const code = landed.searchParams.get('code')!;
      expect(code).toBeTruthy();

      const token = await fetch(`${server.url}/token`, { method: 'POST', body: new URLSearchParams({ client_id: 'tv-demo', grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier }) });
      const body = (await token.json()) as Record<string, unknown>;
      expect(token.status).toBe(200);
      expect(typeof body.access_token).toBe('string');
    } finally {
      callback.close();
      await server.close();
      data.remove();
    }
  });
});
