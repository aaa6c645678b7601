import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeviceLoginError } from '../../core/errors.ts';
import { assertClientConfigured, loadConfig, rememberedSignIn, withRememberedSignIn } from '../../host/config.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'device-login-config-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** A clean environment whose config directory is the temp dir, so the real home is never read. */
const env = (extra: Record<string, string> = {}) => ({ XDG_CONFIG_HOME: dir, HOME: dir, ...extra });

function errorOf(fn: () => unknown): DeviceLoginError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DeviceLoginError) return err;
    throw err;
  }
  throw new Error('expected a DeviceLoginError');
}

describe('configuration', () => {
  it('applies defaults < file < environment < flags, key by key', async () => {
    const file = join(dir, 'device-login', 'config.json');
    await mkdir(join(dir, 'device-login'));
    await writeFile(file, JSON.stringify({ issuer: 'https://file.example', clientId: 'file-client', scope: 'openid', maxAutoRenewals: 5 }));
    const config = loadConfig({
      env: env({ DEVICE_LOGIN_CLIENT_ID: 'env-client', DEVICE_LOGIN_SCOPE: 'openid email' }),
      flags: { scope: 'openid profile' },
    });
    expect(config.configFile).toBe(file);
    expect(config.provider.issuer).toBe('https://file.example');
    expect(config.client.clientId).toBe('env-client');
    expect(config.client.scope).toBe('openid profile');
    expect(config.maxAutoRenewals).toBe(5);
    expect(config.longPollSeconds).toBe(25);
    expect(config.storePath).toBe(join(dir, 'device-login', 'tokens.json'));
  });

  it('takes explicit endpoints, --store and --no-long-poll from flags', () => {
    const config = loadConfig({
      env: env(),
      flags: {
        'device-authorization-endpoint': 'http://127.0.0.1:9/device',
        'token-endpoint': 'http://127.0.0.1:9/token',
        'client-id': 'tv',
        store: '/tmp/x.json',
        'no-long-poll': true,
      },
    });
    expect(config.provider.endpoints).toEqual({
      deviceAuthorizationEndpoint: 'http://127.0.0.1:9/device',
      tokenEndpoint: 'http://127.0.0.1:9/token',
    });
    expect(config.storePath).toBe('/tmp/x.json');
    expect(config.longPollSeconds).toBe(0);
    expect(() => assertClientConfigured(config)).not.toThrow();
  });

  it('says which flag holds a bad URL and what it got', () => {
    const err = errorOf(() => loadConfig({ env: env(), flags: { issuer: 'foo' } }));
    expect(err.code).toBe('configuration');
    expect(err.message).toBe("--issuer must be an absolute http(s) URL (got 'foo').");
  });

  it('names the environment variable when the bad value comes from there', () => {
    const err = errorOf(() => loadConfig({ env: env({ DEVICE_LOGIN_TOKEN_ENDPOINT: 'ftp://x' }) }));
    expect(err.message).toContain('DEVICE_LOGIN_TOKEN_ENDPOINT must be an absolute http(s) URL');
  });

  it('lists the valid providers for an unknown one', () => {
    const err = errorOf(() => loadConfig({ env: env(), flags: { provider: 'gitlab' } }));
    expect(err.message).toBe(
      "--provider must be one of generic, github, google, microsoft, auth0, okta, keycloak, amazon, facebook, twitch, salesforce, aws-sso (got 'gitlab').",
    );
  });

  it('rejects unknown settings and broken JSON in the config file, naming the file', async () => {
    const file = join(dir, 'c.json');
    await writeFile(file, JSON.stringify({ isuer: 'https://x' }));
    expect(errorOf(() => loadConfig({ env: env(), configFile: file })).message).toContain(`"isuer" in ${file}`);
    await writeFile(file, '{');
    expect(errorOf(() => loadConfig({ env: env(), configFile: file })).message).toContain(`${file} is not valid JSON`);
    expect(errorOf(() => loadConfig({ env: env(), configFile: join(dir, 'missing.json') })).message).toContain('ENOENT');
  });

  it('never echoes a client secret in an error', () => {
    const err = errorOf(() => loadConfig({ env: env({ DEVICE_LOGIN_CLIENT_SECRET: '   ' }), flags: { 'client-secret': ' ' } }));
    expect(err.message).toBe('--client-secret must not be empty.');
  });

  it('asks for a server and a client id when neither is configured', () => {
    const none = loadConfig({ env: env() });
    expect(errorOf(() => assertClientConfigured(none)).message).toContain('No authorization server configured');
    const noClient = loadConfig({ env: env({ DEVICE_LOGIN_ISSUER: 'https://id.example' }) });
    expect(errorOf(() => assertClientConfigured(noClient)).message).toContain('No client id configured');
  });

  it('rejects a non-numeric long-poll setting', () => {
    const err = errorOf(() => loadConfig({ env: env({ DEVICE_LOGIN_LONG_POLL_SECONDS: 'soon' }) }));
    expect(err.message).toMatch(/^DEVICE_LOGIN_LONG_POLL_SECONDS .* \(got 'soon'\)\.$/);
  });

  it('checks the sign-in every 60 s unless DEVICE_LOGIN_SESSION_CHECK_SECONDS (a hook for tests) or the file says otherwise', async () => {
    expect(loadConfig({ env: env() }).sessionCheckSeconds).toBe(60);
    expect(loadConfig({ env: env({ DEVICE_LOGIN_SESSION_CHECK_SECONDS: '1' }) }).sessionCheckSeconds).toBe(1);
    const file = join(dir, 'checks.json');
    await writeFile(file, JSON.stringify({ sessionCheckSeconds: 0 }));
    expect(loadConfig({ env: env(), configFile: file }).sessionCheckSeconds).toBe(0);
    const err = errorOf(() => loadConfig({ env: env({ DEVICE_LOGIN_SESSION_CHECK_SECONDS: '-1' }) }));
    expect(err.message).toBe("DEVICE_LOGIN_SESSION_CHECK_SECONDS must be 0 or more (got '-1').");
  });
});

describe('configuration and the provider presets', () => {
  it('accepts every provider name that core/providers.ts knows, and names them all when one is wrong', async () => {
    const { PROVIDER_NAMES } = await import('../../core/providers.ts');
    for (const provider of PROVIDER_NAMES) {
      expect(loadConfig({ flags: { provider }, env: env() }).provider.provider).toBe(provider);
    }
    expect(() => loadConfig({ flags: { provider: 'gitlab' }, env: env() })).toThrow(
      new RegExp(PROVIDER_NAMES.join(', ')),
    );
  });
});

describe('configuration completed from the last login (the token store remembers it)', () => {
  const A = 'https://a.example';
  const B = 'https://b.example';
  const signedIn = (flags: Record<string, string>, usedAt: number) => rememberedSignIn(loadConfig({ env: env(), flags }), usedAt);
  const remembered = {
    [`${A}#tv`]: signedIn({ issuer: A, 'client-id': 'tv', scope: 'openid offline_access', 'client-secret': 's3cret-value' }, 1),
    [`${B}#kiosk`]: signedIn({ provider: 'auth0', domain: 'b.example', 'client-id': 'kiosk', audience: 'https://api' }, 2),
  };

  it('remembers the server, client, scope and audience, and only that a secret was used', () => {
    const a = remembered[`${A}#tv`]!;
    expect(a).toEqual({ provider: { issuer: A }, client: { clientId: 'tv', scope: 'openid offline_access' }, clientSecret: 'required', usedAt: 1 });
    expect(JSON.stringify(remembered)).not.toContain('s3cret-value');
  });

  it('with no server configured, takes the latest login whole', () => {
    const { config, from, recalled } = withRememberedSignIn(loadConfig({ env: env() }), remembered);
    expect(recalled).toBe(true);
    expect(from?.usedAt).toBe(2);
    expect(config.provider).toEqual({ provider: 'auth0', domain: 'b.example' });
    expect(config.client).toEqual({ clientId: 'kiosk', audience: 'https://api' });
    expect(() => assertClientConfigured(config)).not.toThrow();
  });

  it('with only a client id configured, takes the latest login of that client', () => {
    const { config } = withRememberedSignIn(loadConfig({ env: env({ DEVICE_LOGIN_CLIENT_ID: 'tv' }) }), remembered);
    expect(config.provider).toEqual({ issuer: A });
    expect(config.client.scope).toBe('openid offline_access');
  });

  it('flags that name a server win: only a login to that same server fills in, and a server and client are never mixed', () => {
    const same = withRememberedSignIn(loadConfig({ env: env(), flags: { issuer: A } }), remembered);
    expect(same.config.provider).toEqual({ issuer: A });
    expect(same.config.client.clientId).toBe('tv');
    expect(same.recalled).toBe(true);

    const other = withRememberedSignIn(loadConfig({ env: env(), flags: { issuer: 'https://c.example', 'client-id': 'tv' } }), remembered);
    expect(other.from).toBeUndefined();
    expect(other.config.provider).toEqual({ issuer: 'https://c.example' });
    expect(other.config.client).toEqual({ clientId: 'tv' });

    // A trailing slash is a different issuer (OIDC Discovery §4.3); a realm alone is not a server of its own.
    expect(withRememberedSignIn(loadConfig({ env: env(), flags: { issuer: `${A}/` } }), remembered).from).toBeUndefined();
    expect(withRememberedSignIn(loadConfig({ env: env({ DEVICE_LOGIN_REALM: 'r' }) }), remembered).from).toBeUndefined();

    const given = withRememberedSignIn(loadConfig({ env: env(), flags: { issuer: A, 'client-id': 'tv', scope: 'openid' } }), remembered);
    expect(given.config.client.scope).toBe('openid');
    expect(given.recalled).toBe(false);
  });

  it('passes over remembered entries that do not validate, and says where it looked when nothing fits', () => {
    const broken = { x: { provider: { issuer: 'ftp://x' }, client: { clientId: 'tv' }, usedAt: 9 }, y: 'nonsense', z: { provider: {}, client: {} } };
    const { config, from } = withRememberedSignIn(loadConfig({ env: env() }), broken);
    expect(from).toBeUndefined();
    const err = errorOf(() => assertClientConfigured(config, 'device-login status', { rememberedIn: '/x/tokens.json' }));
    expect(err.message).toMatch(/^No authorization server configured, and no earlier login remembered in \/x\/tokens\.json: give --issuer URL/);
  });
});
