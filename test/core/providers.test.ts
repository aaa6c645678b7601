// Provider presets: which endpoints and defaults each one sets, and the configuration errors.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceLoginError } from '../../core/errors.ts';
import type { HttpClient, HttpRequest } from '../../core/ports.ts';
import { resolveEndpoints, type ProviderSettings } from '../../core/providers.ts';
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

function meta(issuer: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const root = issuer.replace(/\/$/, '');
  return {
    issuer,
    device_authorization_endpoint: `${root}/device`,
    token_endpoint: `${root}/token`,
    userinfo_endpoint: `${root}/userinfo`,
    revocation_endpoint: `${root}/revoke`,
    jwks_uri: `${root}/jwks`,
    ...extra,
  };
}

/** A real metadata server on 127.0.0.1: `documents(base)` by path. */
async function metadataServer(documents: (base: string) => Record<string, unknown>): Promise<string> {
  let base = '';
  server = createServer((req, res) => {
    const doc = documents(base)[req.url ?? ''];
    res.writeHead(doc ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(doc ?? { error: 'not_found' }));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return base;
}

/**
 * Test double of the HttpClient: the presets for Auth0 and Okta name https hosts that cannot be
 * reached from the test machine (only 127.0.0.1 is), so their metadata is answered from memory.
 */
function cannedHttp(documents: Record<string, unknown>): HttpClient & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    async request(req: HttpRequest) {
      asked.push(req.url);
      const doc = documents[req.url];
      return {
        status: doc ? 200 : 404,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(doc ?? {}),
      };
    },
  };
}

async function configurationError(
  settings: ProviderSettings,
  client: HttpClient = cannedHttp({}),
): Promise<string> {
  try {
    await resolveEndpoints(settings, client);
  } catch (err) {
    expect(err).toBeInstanceOf(DeviceLoginError);
    expect((err as DeviceLoginError).code).toBe('configuration');
    return (err as DeviceLoginError).message;
  }
  throw new Error('expected a configuration error');
}

describe('generic', () => {
  it('discovers the endpoints of an issuer; an explicit endpoint overrides the discovered one', async () => {
    const base = await metadataServer((b) => ({ '/.well-known/openid-configuration': meta(b) }));
    const resolved = await resolveEndpoints(
      { issuer: base, endpoints: { userinfoEndpoint: 'https://api.example.test/me' } },
      http,
    );
    expect(resolved.endpoints).toEqual({
      issuer: base,
      deviceAuthorizationEndpoint: `${base}/device`,
      tokenEndpoint: `${base}/token`,
      userinfoEndpoint: 'https://api.example.test/me',
      revocationEndpoint: `${base}/revoke`,
      jwksUri: `${base}/jwks`,
    });
    expect(resolved.requiresClientSecret).toBe(false);
    // No scope of its own: the client's default applies (host/runtime.ts).
    expect(resolved.defaultScope).toBeUndefined();
  });

  it('works from explicit endpoints alone, without any request', async () => {
    const client = cannedHttp({});
    const resolved = await resolveEndpoints(
      {
        endpoints: {
          deviceAuthorizationEndpoint: 'https://a.test/device',
          tokenEndpoint: 'https://a.test/token',
        },
      },
      client,
    );
    expect(resolved.endpoints).toEqual({
      deviceAuthorizationEndpoint: 'https://a.test/device',
      tokenEndpoint: 'https://a.test/token',
    });
    expect(client.asked).toEqual([]);
  });

  it('uses explicit endpoints with the issuer when its metadata has no device endpoint', async () => {
    const base = await metadataServer((b) => ({
      '/.well-known/openid-configuration': meta(b, { device_authorization_endpoint: undefined }),
    }));
    const resolved = await resolveEndpoints(
      {
        issuer: base,
        endpoints: { deviceAuthorizationEndpoint: `${base}/custom/device`, tokenEndpoint: `${base}/token` },
      },
      http,
    );
    expect(resolved.endpoints).toMatchObject({
      issuer: base,
      deviceAuthorizationEndpoint: `${base}/custom/device`,
    });
  });

  it('still fails with discovery_failed when the metadata lacks the device endpoint and none is given', async () => {
    const base = await metadataServer((b) => ({
      '/.well-known/openid-configuration': meta(b, { device_authorization_endpoint: undefined }),
    }));
    await expect(resolveEndpoints({ issuer: base }, http)).rejects.toMatchObject({
      code: 'discovery_failed',
    });
  });

  it('asks for --issuer or both endpoints when given neither', async () => {
    expect(await configurationError({})).toContain('--issuer');
    expect(await configurationError({ endpoints: { tokenEndpoint: 'https://a.test/token' } })).toContain(
      '--device-authorization-endpoint',
    );
  });

  it('names the flag of a malformed explicit endpoint', async () => {
    const message = await configurationError({
      endpoints: { deviceAuthorizationEndpoint: 'https://a.test/device', tokenEndpoint: 'token' },
    });
    expect(message).toContain('--token-endpoint');
  });
});

describe('github', () => {
  it('uses github.com and its REST API for the user, with no revocation', async () => {
    const resolved = await resolveEndpoints({ provider: 'github' }, cannedHttp({}));
    expect(resolved.endpoints).toEqual({
      deviceAuthorizationEndpoint: 'https://github.com/login/device/code',
      tokenEndpoint: 'https://github.com/login/oauth/access_token',
      authorizationEndpoint: 'https://github.com/login/oauth/authorize',
      userinfoEndpoint: 'https://api.github.com/user',
    });
    expect(resolved.displayName).toBe('GitHub');
  });

  it('uses the base URL of GitHub Enterprise Server and its /api/v3', async () => {
    const resolved = await resolveEndpoints(
      { provider: 'github', baseUrl: 'https://git.corp.test/' },
      cannedHttp({}),
    );
    expect(resolved.endpoints).toEqual({
      deviceAuthorizationEndpoint: 'https://git.corp.test/login/device/code',
      tokenEndpoint: 'https://git.corp.test/login/oauth/access_token',
      authorizationEndpoint: 'https://git.corp.test/login/oauth/authorize',
      userinfoEndpoint: 'https://git.corp.test/api/v3/user',
    });
  });

  it('lets an explicit endpoint override the preset', async () => {
    const resolved = await resolveEndpoints(
      { provider: 'github', endpoints: { revocationEndpoint: 'https://revoke.test/r' } },
      cannedHttp({}),
    );
    expect(resolved.endpoints.revocationEndpoint).toBe('https://revoke.test/r');
  });

  it('names --base-url when it is not a URL', async () => {
    expect(await configurationError({ provider: 'github', baseUrl: 'git.corp' })).toContain('--base-url');
  });
});

describe('google', () => {
  it("sets Google's endpoints, its issuer and key set, and requires a client secret", async () => {
    const resolved = await resolveEndpoints({ provider: 'google' }, cannedHttp({}));
    expect(resolved.endpoints).toMatchObject({
      issuer: 'https://accounts.google.com',
      deviceAuthorizationEndpoint: 'https://oauth2.googleapis.com/device/code',
      tokenEndpoint: 'https://oauth2.googleapis.com/token',
      revocationEndpoint: 'https://oauth2.googleapis.com/revoke',
    });
    expect(resolved.endpoints.jwksUri).toMatch(/^https:\/\/www\.googleapis\.com\//);
    expect(resolved.requiresClientSecret).toBe(true);
  });
});

describe('microsoft', () => {
  it("uses the 'common' tenant by default, without an exact issuer (Entra's id_tokens name the tenant's id)", async () => {
    const resolved = await resolveEndpoints({ provider: 'microsoft' }, cannedHttp({}));
    expect(resolved.endpoints.deviceAuthorizationEndpoint).toBe(
      'https://login.microsoftonline.com/common/oauth2/v2.0/devicecode',
    );
    expect(resolved.endpoints.tokenEndpoint).toBe(
      'https://login.microsoftonline.com/common/oauth2/v2.0/token',
    );
    expect(resolved.endpoints.issuer).toBeUndefined();
    expect(resolved.endpoints.revocationEndpoint).toBeUndefined();
    expect(resolved.endpoints.endSessionEndpoint).toBe('https://login.microsoftonline.com/common/oauth2/v2.0/logout');
  });

  it('sets the exact issuer for a tenant id', async () => {
    const tenant = '9188040d-6c67-4c5b-b112-36a304b66dad';
    const resolved = await resolveEndpoints({ provider: 'microsoft', tenant }, cannedHttp({}));
    expect(resolved.endpoints.issuer).toBe(`https://login.microsoftonline.com/${tenant}/v2.0`);
    expect(resolved.endpoints.tokenEndpoint).toBe(
      `https://login.microsoftonline.com/${tenant}/oauth2/v2.0/token`,
    );
  });

  it('names --tenant when it is malformed', async () => {
    expect(await configurationError({ provider: 'microsoft', tenant: 'a/b' })).toContain('--tenant');
  });
});

describe('auth0', () => {
  it('discovers https://<domain>/ with the trailing slash in the issuer', async () => {
    const client = cannedHttp({
      'https://tv.eu.auth0.test/.well-known/openid-configuration': meta('https://tv.eu.auth0.test/'),
    });
    const resolved = await resolveEndpoints(
      { provider: 'auth0', domain: 'https://tv.eu.auth0.test/' },
      client,
    );
    expect(resolved.endpoints.issuer).toBe('https://tv.eu.auth0.test/');
    expect(resolved.endpoints.deviceAuthorizationEndpoint).toBe('https://tv.eu.auth0.test/device');
  });

  it('requires --domain', async () => {
    expect(await configurationError({ provider: 'auth0' })).toBe(
      '--domain is required with --provider auth0.',
    );
  });
});

describe('okta', () => {
  it('discovers the default authorization server of a domain', async () => {
    const issuer = 'https://tv.okta.test/oauth2/default';
    const client = cannedHttp({ [`${issuer}/.well-known/openid-configuration`]: meta(issuer) });
    const resolved = await resolveEndpoints({ provider: 'okta', domain: 'tv.okta.test' }, client);
    expect(resolved.endpoints.issuer).toBe(issuer);
  });

  it('discovers a given issuer instead', async () => {
    const base = await metadataServer((b) => ({
      '/oauth2/aus1/.well-known/openid-configuration': meta(`${b}/oauth2/aus1`),
    }));
    const resolved = await resolveEndpoints({ provider: 'okta', issuer: `${base}/oauth2/aus1` }, http);
    expect(resolved.endpoints.tokenEndpoint).toBe(`${base}/oauth2/aus1/token`);
  });

  it('requires --domain or --issuer', async () => {
    expect(await configurationError({ provider: 'okta' })).toContain('--domain');
  });
});

describe('keycloak', () => {
  it('discovers <base>/realms/<realm>', async () => {
    const base = await metadataServer((b) => ({
      '/realms/tv/.well-known/openid-configuration': meta(`${b}/realms/tv`),
    }));
    const resolved = await resolveEndpoints({ provider: 'keycloak', baseUrl: `${base}/`, realm: 'tv' }, http);
    expect(resolved.endpoints).toMatchObject({
      issuer: `${base}/realms/tv`,
      deviceAuthorizationEndpoint: `${base}/realms/tv/device`,
    });
    expect(resolved.displayName).toContain('tv');
  });

  it('requires --realm and --base-url', async () => {
    expect(await configurationError({ provider: 'keycloak', baseUrl: 'https://kc.test' })).toBe(
      '--realm is required with --provider keycloak.',
    );
    expect(await configurationError({ provider: 'keycloak', realm: 'tv' })).toBe(
      '--base-url is required with --provider keycloak.',
    );
  });
});

it('refuses an unknown provider by naming the known ones', async () => {
  const message = await configurationError({ provider: 'gitlab' as never });
  expect(message).toContain('gitlab');
  expect(message).toContain('keycloak');
});
