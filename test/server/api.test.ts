// The resource server (/api/me, /api/catalog, /assets/) with real access tokens from a real device
// flow. It runs on the pages harness, which mounts mountResourceServer beside a real oidc-provider.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Catalog } from '../../host/contract.ts';
import { catalogFor } from '../../server/catalog.ts';
import { Phone } from '../fixtures/phone.ts';
import { startPagesServer, type PagesServer } from './pages-harness.ts';

let server: PagesServer;
beforeAll(async () => {
  server = await startPagesServer();
});
afterAll(async () => {
  await server?.close();
});

async function signedInTv(target: PagesServer = server, scope?: string): Promise<Record<string, unknown>> {
  const auth = await target.authorize(scope);
  const end = await new Phone().approve(auth.verification_uri_complete, target.user);
  expect(end.page).toBe('success');
  const tokens = await target.poll(auth.device_code);
  expect(tokens.status).toBe(200);
  return tokens.body;
}

function api(path: string, token?: string): Promise<Response> {
  return fetch(`${server.url}${path}`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
}

describe('resource server', () => {
  it('answers a request without a token with 401 and a Bearer challenge', async () => {
    for (const path of ['/api/me', '/api/catalog']) {
      const res = await api(path);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="device-login"');
    }
  });

  it('answers a garbage token with 401 invalid_token', async () => {
    const res = await api('/api/me', 'not-a-token');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="device-login", error="invalid_token"/);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_token');
  });

  it('answers a malformed Authorization header with 400 invalid_request', async () => {
    const res = await fetch(`${server.url}/api/me`, { headers: { authorization: 'Basic Zm9vOmJhcg==' } });
    expect(res.status).toBe(400);
    expect(res.headers.get('www-authenticate')).toMatch(/error="invalid_request"/);
  });

  it('serves /api/me for a valid token, with claims by scope', async () => {
    const full = await signedInTv();
    const res = await api('/api/me', String(full.access_token));
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const me = (await res.json()) as Record<string, string>;
    expect(me).toMatchObject({ name: 'Ada Lovelace', email: 'ada@example.test' });
    expect(me.picture).toMatch(new RegExp(`^${server.url}/assets/avatars/\\d\\.svg$`));

    const narrow = await signedInTv(server, 'openid');
    const bare = (await (await api('/api/me', String(narrow.access_token))).json()) as Record<string, string>;
    expect(Object.keys(bare)).toEqual(['sub']);
    expect(bare.sub).toBe(me.sub);
  });

  it('serves /api/catalog in the Catalog shape with absolute poster URLs that load', async () => {
    const tokens = await signedInTv();
    const res = await api('/api/catalog', String(tokens.access_token));
    expect(res.status).toBe(200);
    const catalog = (await res.json()) as Catalog;
    expect(catalog.hero?.title).toBe('The Aurora Line');
    expect(catalog.rows.length).toBeGreaterThanOrEqual(4);
    const personal = catalog.rows.find((r) => r.id === 'because-you-watched');
    expect(personal?.title).toMatch(/^Because you watched /);
    expect(personal?.assets.length).toBeGreaterThan(3);
    for (const row of catalog.rows) {
      expect(row.assets.length).toBeGreaterThan(0);
      for (const asset of row.assets) expect(asset.poster).toBe(`${server.url}/assets/posters/${asset.id}.svg`);
    }
    const poster = await fetch(catalog.rows[0]!.assets[0]!.poster);
    expect(poster.status).toBe(200);
    expect(poster.headers.get('content-type')).toBe('image/svg+xml');
    expect(poster.headers.get('cache-control')).toMatch(/max-age=86400/);
    expect(await poster.text()).toMatch(/^<svg /);
    const etag = poster.headers.get('etag')!;
    expect((await fetch(catalog.rows[0]!.assets[0]!.poster, { headers: { 'if-none-match': etag } })).status).toBe(304);
  });

  it('picks the personalised row from the sub: the same for one user, different across users', () => {
    const a = catalogFor('user-a', 'http://x.test');
    expect(catalogFor('user-a', 'http://x.test')).toEqual(a);
    const titles = new Set(Array.from({ length: 12 }, (_, i) => catalogFor(`user-${i}`, 'http://x.test').rows[1]!.title));
    expect(titles.size).toBeGreaterThan(1);
    const row = a.rows[1]!;
    expect(row.assets.map((x) => x.title)).not.toContain(row.title.replace('Because you watched ', ''));
  });

  it('answers a revoked token with 401 invalid_token', async () => {
    const tokens = await signedInTv();
    const token = String(tokens.access_token);
    expect((await api('/api/catalog', token)).status).toBe(200);
    const revoke = await fetch(`${server.url}/token/revocation`, {
      method: 'POST',
      body: new URLSearchParams({ client_id: server.clientId, token, token_type_hint: 'access_token' }),
    });
    expect(revoke.status).toBe(200);
    const res = await api('/api/catalog', token);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
  });

  it('answers a token whose grant was revoked (refresh token revoked) with 401', async () => {
    const tokens = await signedInTv();
    await fetch(`${server.url}/token/revocation`, {
      method: 'POST',
      body: new URLSearchParams({ client_id: server.clientId, token: String(tokens.refresh_token), token_type_hint: 'refresh_token' }),
    });
    expect((await api('/api/me', String(tokens.access_token))).status).toBe(401);
  });

  it('answers an expired token with 401 invalid_token', async () => {
    const shortLived = await startPagesServer({ accessTokenTtl: 1 });
    try {
      const tokens = await signedInTv(shortLived);
      const call = () => fetch(`${shortLived.url}/api/me`, { headers: { authorization: `Bearer ${String(tokens.access_token)}` } });
      expect((await call()).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 2100));
      const res = await call();
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    } finally {
      await shortLived.close();
    }
  });

  it('refuses paths outside assets/ and unknown file types', async () => {
    for (const path of ['/assets/../package.json', '/assets/%2e%2e/package.json', '/assets/posters/nope.svg', '/assets/catalog.ts']) {
      expect((await fetch(`${server.url}${path}`)).status, path).toBe(404);
    }
  });
});
