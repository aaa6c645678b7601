// The Protocol against real HTTP servers on 127.0.0.1 with the real axios HttpClient: the requests
// it sends, how it treats transport faults, refresh, revocation, and id_token + userinfo profiles.
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { DeviceLoginError } from '../../core/errors.ts';
import type { Logger, Ports } from '../../core/ports.ts';
import { createProtocol, DEVICE_CODE_GRANT_TYPE } from '../../core/protocol.ts';
import type { ClientSettings, Endpoints, TokenSet } from '../../core/types.ts';
import { systemClock } from '../../host/clock.ts';
import { createAxiosHttpClient } from '../../host/http.ts';
import { recordingServers, type Answer } from '../fixtures/recording-server.ts';

const { serve } = recordingServers();

const warnings: string[] = [];
const logger: Logger = {
  debug: () => {},
  info: () => {},
  warn: (m) => void warnings.push(m),
  error: () => {},
};
const ports: Ports = {
  http: createAxiosHttpClient(),
  clock: systemClock,
  // Never used by the Protocol; present because Ports requires it.
  store: { load: async () => undefined, save: async () => {}, remove: async () => {} },
  logger,
};

function endpointsAt(base: string, extra: Partial<Endpoints> = {}): Endpoints {
  return { deviceAuthorizationEndpoint: `${base}/device`, tokenEndpoint: `${base}/token`, ...extra };
}

async function rejection(promise: Promise<unknown>): Promise<DeviceLoginError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(DeviceLoginError);
    return err as DeviceLoginError;
  }
  throw new Error('expected a rejection');
}

const deviceAnswer = {
  device_code: 'dc-1',
  user_code: 'WDJB-MJHT',
  verification_uri: 'https://auth.example.test/device',
  expires_in: 600,
  interval: 2,
};

describe('device authorization request', () => {
  it('sends client_id, scope, audience, the secret and extra parameters; extras cannot replace client_id', async () => {
    const { base, seen } = await serve(() => ({ body: deviceAnswer }));
    const client: ClientSettings = {
      clientId: 'tv',
      clientSecret: 's3cret',
      scope: 'openid offline_access',
      audience: 'https://api.example.test',
      extraParams: { resource: 'https://media.example.test', client_id: 'other' },
    };
    const before = Date.now();
    const auth = await createProtocol({
      endpoints: endpointsAt(base),
      client,
      ports,
    }).initiateDeviceAuthorization();
    expect(seen[0]!.path).toBe('/device');
    expect(seen[0]!.headers.accept).toBe('application/json');
    expect(seen[0]!.form).toEqual({
      client_id: 'tv',
      client_secret: 's3cret',
      scope: 'openid offline_access',
      audience: 'https://api.example.test',
      resource: 'https://media.example.test',
    });
    expect(auth.userCode).toBe('WDJB-MJHT');
    expect(auth.expiresAt).toBeGreaterThanOrEqual(before + 600_000);
    expect(auth.interval).toBe(2);
  });

  it('sends only client_id when nothing else is configured', async () => {
    const { base, seen } = await serve(() => ({ body: deviceAnswer }));
    await createProtocol({
      endpoints: endpointsAt(base),
      client: { clientId: 'tv' },
      ports,
    }).initiateDeviceAuthorization();
    expect(seen[0]!.form).toEqual({ client_id: 'tv' });
  });

  it("carries the metadata's long-poll announcement onto the code, unless the response states its own", async () => {
    const plain = await serve(() => ({ body: deviceAnswer }));
    const fromMetadata = await createProtocol({
      endpoints: { ...endpointsAt(plain.base), longPollMaxWait: 30 },
      client: { clientId: 'tv' },
      ports,
    }).initiateDeviceAuthorization();
    expect(fromMetadata.longPollMaxWait).toBe(30);
    const own = await serve(() => ({ body: { ...deviceAnswer, device_authorization_long_poll_max_wait: 12 } }));
    const fromResponse = await createProtocol({
      endpoints: { ...endpointsAt(own.base), longPollMaxWait: 30 },
      client: { clientId: 'tv' },
      ports,
    }).initiateDeviceAuthorization();
    expect(fromResponse.longPollMaxWait).toBe(12);
    const none = await createProtocol({ endpoints: endpointsAt(plain.base), client: { clientId: 'tv' }, ports }).initiateDeviceAuthorization();
    expect(none.longPollMaxWait).toBeUndefined();
  });

  it('throws network when the server cannot be reached', async () => {
    const { base, close } = await serve(() => ({}));
    await close();
    const err = await rejection(
      createProtocol({
        endpoints: endpointsAt(base),
        client: { clientId: 'tv' },
        ports,
      }).initiateDeviceAuthorization(),
    );
    expect(err.code).toBe('network');
  });
});

describe('polling', () => {
  it('sends the device code grant, and Prefer: wait=N only when asked to wait', async () => {
    const { base, seen } = await serve(() => ({ status: 400, body: { error: 'authorization_pending' } }));
    const protocol = createProtocol({ endpoints: endpointsAt(base), client: { clientId: 'tv' }, ports });
    expect(await protocol.pollDeviceAuthorizationGrant('dc-1')).toEqual({ kind: 'pending' });
    expect(await protocol.pollDeviceAuthorizationGrant('dc-1', { waitSeconds: 25 })).toEqual({
      kind: 'pending',
    });
    expect(seen[0]!.form).toEqual({
      grant_type: DEVICE_CODE_GRANT_TYPE,
      device_code: 'dc-1',
      client_id: 'tv',
    });
    expect(seen[0]!.headers.prefer).toBeUndefined();
    expect(seen[1]!.headers.prefer).toBe('wait=25');
  });

  it('allows a held long poll N seconds beyond the request timeout', async () => {
    const { base } = await serve(() => ({
      delayMs: 700,
      body: { access_token: 'at', token_type: 'Bearer' },
    }));
    const protocol = createProtocol({
      endpoints: endpointsAt(base),
      client: { clientId: 'tv' },
      ports,
      requestTimeoutMs: 300,
    });
    const outcome = await protocol.pollDeviceAuthorizationGrant('dc-1', { waitSeconds: 1 });
    expect(outcome.kind).toBe('tokens');
  });

  it('turns a timeout into retry', async () => {
    const { base } = await serve(() => ({
      delayMs: 1000,
      body: { access_token: 'at', token_type: 'Bearer' },
    }));
    const protocol = createProtocol({
      endpoints: endpointsAt(base),
      client: { clientId: 'tv' },
      ports,
      requestTimeoutMs: 200,
    });
    const outcome = await protocol.pollDeviceAuthorizationGrant('dc-1');
    expect(outcome.kind).toBe('retry');
    if (outcome.kind === 'retry') expect(outcome.error.code).toBe('timeout');
  });

  it('turns a refused connection into retry', async () => {
    const { base, close } = await serve(() => ({}));
    await close();
    const outcome = await createProtocol({
      endpoints: endpointsAt(base),
      client: { clientId: 'tv' },
      ports,
    }).pollDeviceAuthorizationGrant('dc-1');
    expect(outcome.kind).toBe('retry');
    if (outcome.kind === 'retry') expect(outcome.error.code).toBe('network');
  });

  it('rethrows aborted when cancelled mid-request', async () => {
    const { base } = await serve(() => ({ delayMs: 2000, body: {} }));
    const protocol = createProtocol({ endpoints: endpointsAt(base), client: { clientId: 'tv' }, ports });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    const err = await rejection(
      protocol.pollDeviceAuthorizationGrant('dc-1', { signal: controller.signal, waitSeconds: 5 }),
    );
    expect(err.code).toBe('aborted');
    expect(Date.now() - started).toBeLessThan(1500);
  });
});

describe('refresh grant', () => {
  it('keeps the old refresh token when the server does not rotate it', async () => {
    const { base, seen } = await serve(() => ({
      body: { access_token: 'at2', token_type: 'bearer', expires_in: 60 },
    }));
    const protocol = createProtocol({
      endpoints: endpointsAt(base),
      client: { clientId: 'tv', clientSecret: 'x' },
      ports,
    });
    const tokens = await protocol.refreshTokenGrant('rt-1');
    expect(tokens).toMatchObject({ accessToken: 'at2', refreshToken: 'rt-1' });
    expect(seen[0]!.form).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'rt-1',
      client_id: 'tv',
      client_secret: 'x',
    });
  });

  it('takes a rotated refresh token', async () => {
    const { base } = await serve(() => ({
      body: { access_token: 'at2', token_type: 'Bearer', refresh_token: 'rt-2' },
    }));
    const tokens = await createProtocol({
      endpoints: endpointsAt(base),
      client: { clientId: 'tv' },
      ports,
    }).refreshTokenGrant('rt-1');
    expect(tokens.refreshToken).toBe('rt-2');
  });

  it('throws invalid_grant for a dead refresh token', async () => {
    const { base } = await serve(() => ({ status: 400, body: { error: 'invalid_grant' } }));
    const err = await rejection(
      createProtocol({ endpoints: endpointsAt(base), client: { clientId: 'tv' }, ports }).refreshTokenGrant(
        'rt-1',
      ),
    );
    expect(err.code).toBe('invalid_grant');
  });
});

describe('revocation (RFC 7009)', () => {
  const tokens: TokenSet = { accessToken: 'at-1', tokenType: 'Bearer', refreshToken: 'rt-1' };

  it('is unsupported without a revocation endpoint, and sends nothing', async () => {
    const { base, seen } = await serve(() => ({}));
    const result = await createProtocol({
      endpoints: endpointsAt(base),
      client: { clientId: 'tv' },
      ports,
    }).tokenRevocation(tokens);
    expect(result).toBe('unsupported');
    expect(seen).toHaveLength(0);
  });

  it('revokes the refresh token, then the access token, with hints', async () => {
    const { base, seen } = await serve(() => ({ status: 200 }));
    const protocol = createProtocol({
      endpoints: endpointsAt(base, { revocationEndpoint: `${base}/revoke` }),
      client: { clientId: 'tv' },
      ports,
    });
    expect(await protocol.tokenRevocation(tokens)).toBe('revoked');
    expect(seen.map((s) => s.form)).toEqual([
      { token: 'rt-1', token_type_hint: 'refresh_token', client_id: 'tv' },
      { token: 'at-1', token_type_hint: 'access_token', client_id: 'tv' },
    ]);
  });

  it('counts as revoked when the server revokes only refresh tokens (unsupported_token_type for the access token)', async () => {
    const { base } = await serve((s) =>
      s.form.token_type_hint === 'access_token'
        ? { status: 400, body: { error: 'unsupported_token_type' } }
        : { status: 200 },
    );
    const protocol = createProtocol({
      endpoints: endpointsAt(base, { revocationEndpoint: `${base}/revoke` }),
      client: { clientId: 'tv' },
      ports,
    });
    expect(await protocol.tokenRevocation(tokens)).toBe('revoked');
  });

  it('throws when the revocation endpoint fails', async () => {
    const { base } = await serve(() => ({ status: 503, body: '' }));
    const protocol = createProtocol({
      endpoints: endpointsAt(base, { revocationEndpoint: `${base}/revoke` }),
      client: { clientId: 'tv' },
      ports,
    });
    expect((await rejection(protocol.tokenRevocation(tokens))).code).toBe('server_error');
  });
});

describe('profile: id_token validation and userinfo', () => {
  let key: CryptoKey;
  let otherKey: CryptoKey;
  let jwk: JWK;

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    key = pair.privateKey;
    jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    otherKey = (await generateKeyPair('RS256')).privateKey;
  });

  interface Claims {
    iss?: string;
    aud?: string | string[];
    sub?: string;
    exp?: number;
    iat?: number;
    kid?: string;
    signWith?: CryptoKey;
    extra?: Record<string, unknown>;
  }

  /** Signs an id_token; by default a valid one for `tv` at `issuer`. */
  function idToken(issuer: string, claims: Claims = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ name: 'Ada Lovelace', email: 'ada@example.test', ...claims.extra })
      .setProtectedHeader({ alg: 'RS256', kid: claims.kid ?? 'k1' })
      .setIssuer(claims.iss ?? issuer)
      .setAudience(claims.aud ?? 'tv')
      .setSubject(claims.sub ?? 'user-1')
      .setIssuedAt(claims.iat ?? now)
      .setExpirationTime(claims.exp ?? now + 600)
      .sign(claims.signWith ?? key);
  }

  /** An issuer with a JWKS (served from `keys()`) and a userinfo endpoint answering `userinfo`. */
  async function issuerServer(options: { keys?: () => JWK[]; userinfo?: Answer } = {}) {
    const { base, seen } = await serve((s) => {
      if (s.path === '/jwks') return { body: { keys: options.keys ? options.keys() : [jwk] } };
      if (s.path === '/userinfo')
        return options.userinfo ?? { body: { sub: 'user-1', picture: 'https://example.test/ada.png' } };
      return { status: 404 };
    });
    const endpoints = endpointsAt(base, {
      issuer: `${base}/`,
      jwksUri: `${base}/jwks`,
      userinfoEndpoint: `${base}/userinfo`,
    });
    const protocol = createProtocol({ endpoints, client: { clientId: 'tv' }, ports });
    return { base, issuer: `${base}/`, seen, protocol };
  }

  const bearer = (idTokenValue?: string): TokenSet => ({
    accessToken: 'at-1',
    tokenType: 'Bearer',
    ...(idTokenValue ? { idToken: idTokenValue } : {}),
  });

  it('merges a valid id_token with userinfo, calling userinfo with the bearer token', async () => {
    const { issuer, seen, protocol } = await issuerServer();
    const profile = await protocol.fetchProfile(bearer(await idToken(issuer)));
    expect(profile).toEqual({
      sub: 'user-1',
      name: 'Ada Lovelace',
      email: 'ada@example.test',
      picture: 'https://example.test/ada.png',
    });
    expect(seen.find((s) => s.path === '/userinfo')?.headers.authorization).toBe('Bearer at-1');
  });

  it.each<[string, (issuer: string) => Claims, string]>([
    ['a bad signature', () => ({ signWith: otherKey }), 'signature does not verify'],
    ['another issuer', (issuer) => ({ iss: issuer.replace(/\/$/, '') }), '(iss)'],
    ['another audience', () => ({ aud: 'someone-else' }), '(aud)'],
    [
      'an expired token',
      () => ({ exp: Math.floor(Date.now() / 1000) - 3600, iat: Math.floor(Date.now() / 1000) - 7200 }),
      '(exp)',
    ],
    [
      'an iat in the future',
      () => ({ iat: Math.floor(Date.now() / 1000) + 3600, exp: Math.floor(Date.now() / 1000) + 7200 }),
      'future',
    ],
    [
      'several audiences and an azp for another client',
      () => ({ aud: ['tv', 'api'], extra: { azp: 'api' } }),
      '(azp)',
    ],
  ])('rejects an id_token with %s', async (_name, claims, reason) => {
    const { issuer, protocol } = await issuerServer();
    const err = await rejection(protocol.fetchProfile(bearer(await idToken(issuer, claims(issuer)))));
    expect(err.code).toBe('invalid_response');
    expect(err.message).toContain(reason);
    expect(err.message).not.toContain('eyJ');
  });

  it('fetches the key set again once when the kid is unknown (key rotation)', async () => {
    let rotated = false;
    const { issuer, seen, protocol } = await issuerServer({
      keys: () => (rotated ? [{ ...jwk, kid: 'k2' }] : [jwk]),
    });
    expect(await protocol.fetchProfile(bearer(await idToken(issuer)))).toMatchObject({ sub: 'user-1' });
    rotated = true;
    expect(await protocol.fetchProfile(bearer(await idToken(issuer, { kid: 'k2' })))).toMatchObject({
      sub: 'user-1',
    });
    expect(seen.filter((s) => s.path === '/jwks')).toHaveLength(2);
    // Cached: a third profile with the known kid costs no key-set fetch.
    await protocol.fetchProfile(bearer(await idToken(issuer, { kid: 'k2' })));
    expect(seen.filter((s) => s.path === '/jwks')).toHaveLength(2);
  });

  it('fetches the key set only once more for a kid that stays unknown', async () => {
    const { issuer, seen, protocol } = await issuerServer();
    await protocol.fetchProfile(bearer(await idToken(issuer)));
    const err = await rejection(protocol.fetchProfile(bearer(await idToken(issuer, { kid: 'nope' }))));
    expect(err.message).toContain('no key');
    expect(seen.filter((s) => s.path === '/jwks')).toHaveLength(2);
  });

  it('rejects userinfo about another user than the id_token (sub mismatch)', async () => {
    const { issuer, protocol } = await issuerServer({ userinfo: { body: { sub: 'user-2' } } });
    const err = await rejection(protocol.fetchProfile(bearer(await idToken(issuer))));
    expect(err.message).toContain('sub mismatch');
  });

  it('uses userinfo alone when the id_token cannot be checked (no issuer or key set known)', async () => {
    const { base } = await serve((s) =>
      s.path === '/userinfo' ? { body: { sub: 'u', name: 'N' } } : { status: 404 },
    );
    const protocol = createProtocol({
      endpoints: endpointsAt(base, { userinfoEndpoint: `${base}/userinfo` }),
      client: { clientId: 'tv' },
      ports,
    });
    expect(await protocol.fetchProfile(bearer('not.even.ajwt'))).toEqual({ sub: 'u', name: 'N' });
  });

  it('has no profile without userinfo and without a checkable id_token', async () => {
    const { base } = await serve(() => ({ status: 404 }));
    const protocol = createProtocol({ endpoints: endpointsAt(base), client: { clientId: 'tv' }, ports });
    expect(await protocol.fetchProfile(bearer())).toBeUndefined();
  });

  it('reports a rejected access token at userinfo as invalid_token', async () => {
    const { issuer, protocol } = await issuerServer({ userinfo: { status: 401, body: '' } });
    expect((await rejection(protocol.fetchProfile(bearer(await idToken(issuer))))).code).toBe(
      'invalid_token',
    );
  });
});
