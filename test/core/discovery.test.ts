// Discovery against real metadata servers on 127.0.0.1 with the real axios HttpClient.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { discoverEndpoints, metadataUrls } from '../../core/discovery.ts';
import { DeviceLoginError } from '../../core/errors.ts';
import { createAxiosHttpClient } from '../../host/http.ts';

const http = createAxiosHttpClient({ defaultTimeoutMs: 3000 });
let server: Server | undefined;
afterEach(
  () =>
    new Promise<void>((resolve) => {
      if (!server) return resolve();
      server.closeAllConnections();
      server.close(() => resolve());
      server = undefined;
    }),
);

/** Serves `documents(base)` by path (404 elsewhere) and records the paths asked for. */
async function metadataServer(
  documents: (base: string) => Record<string, unknown>,
): Promise<{ base: string; asked: string[] }> {
  const asked: string[] = [];
  let base = '';
  server = createServer((req, res) => {
    asked.push(req.url ?? '');
    const doc = documents(base)[req.url ?? ''];
    if (doc === undefined) {
      res.writeHead(404, { 'content-type': 'text/html' });
      return res.end('<h1>Not Found</h1>');
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(typeof doc === 'string' ? doc : JSON.stringify(doc));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, asked };
}

function meta(issuer: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    issuer,
    device_authorization_endpoint: `${issuer.replace(/\/$/, '')}/device`,
    token_endpoint: `${issuer.replace(/\/$/, '')}/token`,
    userinfo_endpoint: `${issuer.replace(/\/$/, '')}/me`,
    revocation_endpoint: `${issuer.replace(/\/$/, '')}/revoke`,
    jwks_uri: `${issuer.replace(/\/$/, '')}/jwks`,
    ...extra,
  };
}

async function failure(promise: Promise<unknown>): Promise<DeviceLoginError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(DeviceLoginError);
    return err as DeviceLoginError;
  }
  throw new Error('expected a DeviceLoginError');
}

describe('metadataUrls', () => {
  it.each([
    [
      'https://a.test',
      [
        'https://a.test/.well-known/openid-configuration',
        'https://a.test/.well-known/oauth-authorization-server',
      ],
    ],
    [
      'https://a.test/',
      [
        'https://a.test/.well-known/openid-configuration',
        'https://a.test/.well-known/oauth-authorization-server',
      ],
    ],
    [
      'https://a.test/realms/tv',
      [
        'https://a.test/realms/tv/.well-known/openid-configuration',
        'https://a.test/.well-known/oauth-authorization-server/realms/tv',
      ],
    ],
    [
      'https://a.test/tenant/',
      [
        'https://a.test/tenant/.well-known/openid-configuration',
        'https://a.test/.well-known/oauth-authorization-server/tenant',
      ],
    ],
  ])('for %s: OIDC appended, then RFC 8414 inserted', (issuer, urls) => {
    expect(metadataUrls(issuer)).toEqual(urls);
  });
});

describe('discoverEndpoints', () => {
  it('reads the OpenID configuration into endpoints', async () => {
    const { base, asked } = await metadataServer((b) => ({ '/.well-known/openid-configuration': meta(b) }));
    expect(await discoverEndpoints(base, http)).toEqual({
      issuer: base,
      deviceAuthorizationEndpoint: `${base}/device`,
      tokenEndpoint: `${base}/token`,
      userinfoEndpoint: `${base}/me`,
      revocationEndpoint: `${base}/revoke`,
      jwksUri: `${base}/jwks`,
    });
    expect(asked).toEqual(['/.well-known/openid-configuration']);
  });

  it('reads the long-poll announcement of the metadata, and leaves it out where there is none or it is broken', async () => {
    const { base } = await metadataServer((b) => ({
      '/.well-known/openid-configuration': { ...meta(b), device_authorization_long_poll_max_wait: 30 },
    }));
    expect((await discoverEndpoints(base, http)).longPollMaxWait).toBe(30);
    const broken = await metadataServer((b) => ({
      '/.well-known/openid-configuration': { ...meta(b), device_authorization_long_poll_max_wait: 'forever' },
    }));
    expect(await discoverEndpoints(broken.base, http)).not.toHaveProperty('longPollMaxWait');
  });

  it('reads end_session_endpoint (RP-initiated logout), and leaves out one that is not an http(s) URL', async () => {
    const { base } = await metadataServer((b) => ({
      '/.well-known/openid-configuration': { ...meta(b), end_session_endpoint: `${b}/session/end` },
    }));
    expect((await discoverEndpoints(base, http)).endSessionEndpoint).toBe(`${base}/session/end`);
    const broken = await metadataServer((b) => ({
      '/.well-known/openid-configuration': { ...meta(b), end_session_endpoint: 'javascript:alert(1)' },
    }));
    expect(await discoverEndpoints(broken.base, http)).not.toHaveProperty('endSessionEndpoint');
  });

  it('falls back to RFC 8414 with the path inserted after the host for an issuer with a path', async () => {
    const { base, asked } = await metadataServer((b) => ({
      '/.well-known/oauth-authorization-server/tenant/a': meta(`${b}/tenant/a`),
    }));
    const endpoints = await discoverEndpoints(`${base}/tenant/a`, http);
    expect(endpoints.deviceAuthorizationEndpoint).toBe(`${base}/tenant/a/device`);
    expect(asked).toEqual([
      '/tenant/a/.well-known/openid-configuration',
      '/.well-known/oauth-authorization-server/tenant/a',
    ]);
  });

  it('accepts an issuer that ends in a slash (Auth0) when the metadata states it exactly', async () => {
    const { base } = await metadataServer((b) => ({ '/.well-known/openid-configuration': meta(`${b}/`) }));
    const endpoints = await discoverEndpoints(`${base}/`, http);
    expect(endpoints.issuer).toBe(`${base}/`);
    expect(endpoints.tokenEndpoint).toBe(`${base}/token`);
  });

  it('rejects metadata whose issuer differs only by a trailing slash', async () => {
    const { base } = await metadataServer((b) => ({ '/.well-known/openid-configuration': meta(`${b}/`) }));
    const err = await failure(discoverEndpoints(base, http));
    expect(err.code).toBe('discovery_failed');
    expect(err.message).toContain(`"${base}/"`);
    expect(err.message).toContain('trailing slash');
  });

  it('rejects metadata that names another issuer', async () => {
    const { base } = await metadataServer(() => ({
      '/.well-known/openid-configuration': meta('https://evil.example.test'),
    }));
    const err = await failure(discoverEndpoints(base, http));
    expect(err.code).toBe('discovery_failed');
    expect(err.message).toContain('must match exactly');
  });

  it('says the server does not support the device flow, and which flags to give, when the device endpoint is missing', async () => {
    const { base } = await metadataServer((b) => ({
      '/.well-known/openid-configuration': meta(b, { device_authorization_endpoint: undefined }),
    }));
    const err = await failure(discoverEndpoints(base, http));
    expect(err.code).toBe('discovery_failed');
    expect(err.message).toContain('does not support the device flow');
    expect(err.message).toContain('--device-authorization-endpoint');
    expect(err.message).toContain('--token-endpoint');
  });

  it('rejects a device endpoint that is not an http(s) URL', async () => {
    const { base } = await metadataServer((b) => ({
      '/.well-known/openid-configuration': meta(b, { device_authorization_endpoint: 'ftp://x/device' }),
    }));
    expect((await failure(discoverEndpoints(base, http))).code).toBe('discovery_failed');
  });

  it('names both places it looked when neither has metadata', async () => {
    const { base } = await metadataServer(() => ({ '/.well-known/openid-configuration': 'not json' }));
    const err = await failure(discoverEndpoints(base, http));
    expect(err.code).toBe('discovery_failed');
    expect(err.message).toContain('/.well-known/openid-configuration (HTTP 200, not JSON)');
    expect(err.message).toContain('/.well-known/oauth-authorization-server (HTTP 404)');
  });

  it('reports an unreachable issuer as discovery_failed', async () => {
    const { base } = await metadataServer(() => ({}));
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    const err = await failure(discoverEndpoints(base, http));
    expect(err.code).toBe('discovery_failed');
    expect(err.message).toContain('Could not read the metadata');
  });

  it('refuses an issuer that is not an http(s) URL as a configuration error', async () => {
    expect((await failure(discoverEndpoints('auth.example.test', http))).code).toBe('configuration');
  });

  it('stops at once when cancelled', async () => {
    const { base } = await metadataServer((b) => ({ '/.well-known/openid-configuration': meta(b) }));
    const controller = new AbortController();
    controller.abort();
    expect((await failure(discoverEndpoints(base, http, { signal: controller.signal }))).code).toBe(
      'aborted',
    );
  });
});
