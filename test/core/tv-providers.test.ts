// The TV providers' presets (issue 16): their endpoints and dialects, --base-url for every preset,
// explicit endpoint flags over them, and the configuration errors of their own settings.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceLoginError } from '../../core/errors.ts';
import type { HttpClient } from '../../core/ports.ts';
import { FACEBOOK_GRAPH_VERSION, resolveEndpoints, type ProviderSettings } from '../../core/providers.ts';
import { createAxiosHttpClient } from '../../host/http.ts';

/** No preset here discovers anything: a request through it fails the test. */
const noRequests: HttpClient = {
  request: async (req) => {
    throw new Error(`unexpected request to ${req.url}`);
  },
};

async function configurationError(settings: ProviderSettings): Promise<string> {
  try {
    await resolveEndpoints(settings, noRequests);
  } catch (err) {
    expect(err).toBeInstanceOf(DeviceLoginError);
    expect((err as DeviceLoginError).code).toBe('configuration');
    return (err as DeviceLoginError).message;
  }
  throw new Error('expected a configuration error');
}

const B = 'http://127.0.0.1:9999';
const V = FACEBOOK_GRAPH_VERSION;

describe('the TV providers, at the providers and on --base-url', () => {
  it.each([
    [
      'amazon',
      {},
      {
        deviceAuthorizationEndpoint: 'https://api.amazon.com/auth/o2/create/codepair',
        tokenEndpoint: 'https://api.amazon.com/auth/o2/token',
        userinfoEndpoint: 'https://api.amazon.com/user/profile',
        dialect: 'amazon',
      },
      {
        deviceAuthorizationEndpoint: `${B}/auth/o2/create/codepair`,
        tokenEndpoint: `${B}/auth/o2/token`,
        userinfoEndpoint: `${B}/user/profile`,
        dialect: 'amazon',
      },
    ],
    [
      'facebook',
      {},
      {
        deviceAuthorizationEndpoint: `https://graph.facebook.com/${V}/device/login`,
        tokenEndpoint: `https://graph.facebook.com/${V}/device/login_status`,
        userinfoEndpoint: `https://graph.facebook.com/${V}/me?fields=id,name,picture`,
        dialect: 'facebook',
      },
      {
        deviceAuthorizationEndpoint: `${B}/${V}/device/login`,
        tokenEndpoint: `${B}/${V}/device/login_status`,
        userinfoEndpoint: `${B}/${V}/me?fields=id,name,picture`,
        dialect: 'facebook',
      },
    ],
    [
      'twitch',
      {},
      {
        deviceAuthorizationEndpoint: 'https://id.twitch.tv/oauth2/device',
        tokenEndpoint: 'https://id.twitch.tv/oauth2/token',
        userinfoEndpoint: 'https://api.twitch.tv/helix/users',
        revocationEndpoint: 'https://id.twitch.tv/oauth2/revoke',
        dialect: 'twitch',
      },
      // Both hosts, the identity service and Helix, move to the one base URL.
      {
        deviceAuthorizationEndpoint: `${B}/oauth2/device`,
        tokenEndpoint: `${B}/oauth2/token`,
        userinfoEndpoint: `${B}/helix/users`,
        revocationEndpoint: `${B}/oauth2/revoke`,
        dialect: 'twitch',
      },
    ],
    [
      'salesforce',
      {},
      {
        deviceAuthorizationEndpoint: 'https://login.salesforce.com/services/oauth2/token',
        tokenEndpoint: 'https://login.salesforce.com/services/oauth2/token',
        userinfoEndpoint: 'https://login.salesforce.com/services/oauth2/userinfo',
        revocationEndpoint: 'https://login.salesforce.com/services/oauth2/revoke',
        dialect: 'salesforce',
      },
      {
        deviceAuthorizationEndpoint: `${B}/services/oauth2/token`,
        tokenEndpoint: `${B}/services/oauth2/token`,
        userinfoEndpoint: `${B}/services/oauth2/userinfo`,
        revocationEndpoint: `${B}/services/oauth2/revoke`,
        dialect: 'salesforce',
      },
    ],
    [
      'aws-sso',
      { region: 'eu-central-1', startUrl: 'https://my-org.awsapps.com/start' },
      {
        registrationEndpoint: 'https://oidc.eu-central-1.amazonaws.com/client/register',
        deviceAuthorizationEndpoint: 'https://oidc.eu-central-1.amazonaws.com/device_authorization',
        tokenEndpoint: 'https://oidc.eu-central-1.amazonaws.com/token',
        dialect: 'aws-sso',
        startUrl: 'https://my-org.awsapps.com/start',
      },
      {
        registrationEndpoint: `${B}/client/register`,
        deviceAuthorizationEndpoint: `${B}/device_authorization`,
        tokenEndpoint: `${B}/token`,
        dialect: 'aws-sso',
        startUrl: 'https://my-org.awsapps.com/start',
      },
    ],
  ] as const)('%s: its endpoints and dialect, and the same paths on --base-url', async (provider, extra, at, onBase) => {
    const settings = { provider, ...extra } as ProviderSettings;
    expect((await resolveEndpoints(settings, noRequests)).endpoints).toEqual(at);
    // A trailing slash on the base URL does not double the paths' slashes.
    expect((await resolveEndpoints({ ...settings, baseUrl: `${B}/` }, noRequests)).endpoints).toEqual(onBase);
  });

  it('a path on --base-url is kept in front of the provider\'s paths (a proxy under a prefix)', async () => {
    const { endpoints } = await resolveEndpoints({ provider: 'amazon', baseUrl: `${B}/lwa` }, noRequests);
    expect(endpoints.deviceAuthorizationEndpoint).toBe(`${B}/lwa/auth/o2/create/codepair`);
  });

  it.each(['amazon', 'facebook', 'twitch', 'salesforce'] as const)(
    '%s: explicit endpoint flags replace single endpoints on --base-url, and keep the dialect',
    async (provider) => {
      const { endpoints } = await resolveEndpoints(
        {
          provider,
          baseUrl: B,
          endpoints: { tokenEndpoint: 'http://127.0.0.2:1234/token', userinfoEndpoint: 'http://127.0.0.2:1234/me' },
        },
        noRequests,
      );
      expect(endpoints.tokenEndpoint).toBe('http://127.0.0.2:1234/token');
      expect(endpoints.userinfoEndpoint).toBe('http://127.0.0.2:1234/me');
      expect(endpoints.deviceAuthorizationEndpoint.startsWith(`${B}/`)).toBe(true);
      expect(endpoints.dialect).toBe(provider);
    },
  );

  it('aws-sso: an explicit device authorization endpoint replaces only that one', async () => {
    const { endpoints } = await resolveEndpoints(
      {
        provider: 'aws-sso',
        region: 'us-east-1',
        startUrl: 'https://d-123.awsapps.com/start',
        endpoints: { deviceAuthorizationEndpoint: 'http://127.0.0.1:1/device' },
      },
      noRequests,
    );
    expect(endpoints.deviceAuthorizationEndpoint).toBe('http://127.0.0.1:1/device');
    expect(endpoints.tokenEndpoint).toBe('https://oidc.us-east-1.amazonaws.com/token');
    expect(endpoints.registrationEndpoint).toBe('https://oidc.us-east-1.amazonaws.com/client/register');
  });

  it('each preset asks for its provider\'s scope, and Facebook says it needs the client token', async () => {
    const scopes: Record<string, string | undefined> = {};
    for (const provider of ['amazon', 'facebook', 'twitch', 'salesforce'] as const) {
      scopes[provider] = (await resolveEndpoints({ provider }, noRequests)).defaultScope;
    }
    expect(scopes).toEqual({ amazon: 'profile', facebook: 'public_profile', twitch: 'user:read:email', salesforce: undefined });
    expect((await resolveEndpoints({ provider: 'facebook' }, noRequests)).requiresClientToken).toBe(true);
    expect((await resolveEndpoints({ provider: 'twitch' }, noRequests)).requiresClientToken).toBeUndefined();
  });

  it('aws-sso names its client by the access portal, since the real one is registered at sign-in', async () => {
    const resolved = await resolveEndpoints({ provider: 'aws-sso', baseUrl: B, startUrl: 'https://d-1.awsapps.com/start' }, noRequests);
    expect(resolved.impliedClientId).toBe('https://d-1.awsapps.com/start');
    expect(resolved.displayName).toBe('AWS IAM Identity Center');
  });

  it('salesforce on a My Domain names that domain', async () => {
    const resolved = await resolveEndpoints({ provider: 'salesforce', baseUrl: 'https://acme.my.salesforce.com' }, noRequests);
    expect(resolved.displayName).toBe('Salesforce (acme.my.salesforce.com)');
    expect(resolved.endpoints.tokenEndpoint).toBe('https://acme.my.salesforce.com/services/oauth2/token');
  });
});

describe('--base-url on the presets that had none', () => {
  it('google: every Google host moves to the base URL, paths kept', async () => {
    const { endpoints } = await resolveEndpoints({ provider: 'google', baseUrl: B }, noRequests);
    expect(endpoints).toEqual({
      issuer: B,
      deviceAuthorizationEndpoint: `${B}/device/code`,
      tokenEndpoint: `${B}/token`,
      authorizationEndpoint: `${B}/o/oauth2/v2/auth`,
      userinfoEndpoint: `${B}/v1/userinfo`,
      revocationEndpoint: `${B}/revoke`,
      jwksUri: `${B}/oauth2/v3/certs`,
    });
  });

  it('microsoft: the login host and Graph move to the base URL, the tenant kept in the path', async () => {
    const { endpoints } = await resolveEndpoints({ provider: 'microsoft', tenant: 'contoso.onmicrosoft.com', baseUrl: B }, noRequests);
    expect(endpoints).toMatchObject({
      deviceAuthorizationEndpoint: `${B}/contoso.onmicrosoft.com/oauth2/v2.0/devicecode`,
      tokenEndpoint: `${B}/contoso.onmicrosoft.com/oauth2/v2.0/token`,
      userinfoEndpoint: `${B}/oidc/userinfo`,
    });
  });

  describe('discovered presets', () => {
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

    /** A metadata server on loopback that states `issuerPath` on its origin as its issuer. */
    async function metadataAt(issuerPath: string): Promise<{ base: string; asked: string[] }> {
      const asked: string[] = [];
      let base = '';
      server = createServer((req, res) => {
        asked.push(req.url ?? '');
        const issuer = `${base}${issuerPath}`;
        const root = issuer.replace(/\/$/, '');
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ issuer, device_authorization_endpoint: `${root}/device`, token_endpoint: `${root}/token` }));
      });
      await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      return { base, asked };
    }

    it('auth0: the base URL stands for the tenant domain (no --domain needed), the issuer keeps its slash', async () => {
      const { base, asked } = await metadataAt('/');
      const { endpoints } = await resolveEndpoints({ provider: 'auth0', baseUrl: base }, createAxiosHttpClient());
      expect(endpoints.issuer).toBe(`${base}/`);
      expect(asked).toEqual(['/.well-known/openid-configuration']);
    });

    it('okta: the base URL stands for the domain, with the default authorization server', async () => {
      const { base, asked } = await metadataAt('/oauth2/default');
      const { endpoints } = await resolveEndpoints({ provider: 'okta', baseUrl: base }, createAxiosHttpClient());
      expect(endpoints.issuer).toBe(`${base}/oauth2/default`);
      expect(endpoints.tokenEndpoint).toBe(`${base}/oauth2/default/token`);
      expect(asked).toEqual(['/oauth2/default/.well-known/openid-configuration']);
    });
  });
});

describe('configuration errors of the TV providers', () => {
  it('aws-sso without --start-url says so', async () => {
    expect(await configurationError({ provider: 'aws-sso', region: 'us-east-1' })).toBe(
      '--start-url is required with --provider aws-sso.',
    );
  });

  it('aws-sso without --region or --base-url says which region is meant', async () => {
    expect(await configurationError({ provider: 'aws-sso', startUrl: 'https://d-1.awsapps.com/start' })).toMatch(
      /^--region is required with --provider aws-sso .*us-east-1.*unless --base-url is given\.$/,
    );
  });

  it.each(['us_east_1', 'US-EAST-1', 'useast1', 'us-east-1; rm -rf', 'evil.com/x'])('aws-sso refuses the region %j', async (region) => {
    expect(await configurationError({ provider: 'aws-sso', region, startUrl: 'https://d-1.awsapps.com/start' })).toBe(
      `--region must be an AWS region such as us-east-1 (got "${region}").`,
    );
  });

  it('aws-sso refuses a start URL that is not an http(s) URL', async () => {
    expect(await configurationError({ provider: 'aws-sso', region: 'us-east-1', startUrl: 'my-org' })).toMatch(/^--start-url must be an absolute URL/);
  });

  it.each(['amazon', 'facebook', 'twitch', 'salesforce'] as const)('%s refuses a --base-url that is not a URL', async (provider) => {
    expect(await configurationError({ provider, baseUrl: 'api.example' })).toMatch(/^--base-url must be an absolute URL/);
  });

  it('okta without --domain, --issuer or --base-url names all three', async () => {
    expect(await configurationError({ provider: 'okta' })).toBe('--domain (or --issuer, or --base-url) is required with --provider okta.');
  });
});
