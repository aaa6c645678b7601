// The authorization code steps of core/authorization-code.ts: PKCE S256, state, nonce and iss, and
// the code exchange against a real HTTP server on 127.0.0.1 with the real axios HttpClient.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import {
  authorizationCodeGrant,
  buildAuthorizationUrl,
  pkceChallenge,
  validateAuthResponse,
  type AuthorizationRequest,
} from '../../core/authorization-code.ts';
import { DeviceLoginError } from '../../core/errors.ts';
import type { Logger, Ports } from '../../core/ports.ts';
import type { Endpoints } from '../../core/types.ts';
import { systemClock } from '../../host/clock.ts';
import { createAxiosHttpClient } from '../../host/http.ts';

const ISSUER = 'https://idp.example';
const ENDPOINTS: Endpoints = {
  issuer: ISSUER,
  deviceAuthorizationEndpoint: `${ISSUER}/device`,
  tokenEndpoint: `${ISSUER}/token`,
  authorizationEndpoint: `${ISSUER}/authorize?tenant=a`,
};
const REDIRECT = 'http://127.0.0.1:4567/callback';
const logger: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

describe('buildAuthorizationUrl', () => {
  it('derives the S256 challenge of RFC 7636 appendix B', async () => {
    expect(await pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  it('asks for a code with PKCE S256, a fresh state and, for openid, a nonce, keeping the endpoint\'s own query', async () => {
    const { url, request } = await buildAuthorizationUrl(ENDPOINTS, { clientId: 'cli', scope: 'openid email' }, REDIRECT);
    const params = new URL(url).searchParams;
    expect(url.startsWith(`${ISSUER}/authorize?`)).toBe(true);
    expect(params.get('tenant')).toBe('a');
    expect(params.get('response_type')).toBe('code');
    expect(params.get('client_id')).toBe('cli');
    expect(params.get('redirect_uri')).toBe(REDIRECT);
    expect(params.get('scope')).toBe('openid email');
    expect(params.get('code_challenge_method')).toBe('S256');
    expect(params.get('code_challenge')).toBe(await pkceChallenge(request.codeVerifier));
    // The verifier itself never travels in the URL.
    expect(url).not.toContain(request.codeVerifier);
    expect(request.codeVerifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(params.get('state')).toBe(request.state);
    expect(params.get('nonce')).toBe(request.nonce);
    const again = await buildAuthorizationUrl(ENDPOINTS, { clientId: 'cli', scope: 'openid email' }, REDIRECT);
    expect(again.request.state).not.toBe(request.state);
    expect(again.request.codeVerifier).not.toBe(request.codeVerifier);
  });

  it('sends no nonce without openid', async () => {
    const { url, request } = await buildAuthorizationUrl(ENDPOINTS, { clientId: 'cli', scope: 'read:user' }, REDIRECT);
    expect(request.nonce).toBeUndefined();
    expect(new URL(url).searchParams.has('nonce')).toBe(false);
  });

  it('refuses a server without an authorization endpoint, as a configuration error', async () => {
    const { authorizationEndpoint: _gone, ...deviceOnly } = ENDPOINTS;
    await expect(buildAuthorizationUrl(deviceOnly, { clientId: 'cli' }, REDIRECT)).rejects.toMatchObject({ code: 'configuration' });
  });
});

describe('validateAuthResponse', () => {
  const request: AuthorizationRequest = { redirectUri: REDIRECT, state: 'our-state', codeVerifier: 'v' };
  const answer = (query: string, endpoints: Endpoints = ENDPOINTS) => () => validateAuthResponse(new URLSearchParams(query), request, endpoints);

  it('returns the code when the state is ours', () => {
    expect(answer('code=abc&state=our-state')()).toEqual({ kind: 'code', code: 'abc' });
  });

  it('calls a callback with another state (or none) wrong_state, even when it carries an error', () => {
    expect(answer('code=abc&state=forged')()).toEqual({ kind: 'wrong_state' });
    expect(answer('error=access_denied')()).toEqual({ kind: 'wrong_state' });
  });

  it('throws access_denied when the person said no', () => {
    expect(answer('error=access_denied&error_description=nope&state=our-state')).toThrow(expect.objectContaining({ code: 'access_denied' }));
  });

  it('checks iss (RFC 9207): required when announced, and always the issuer when sent', () => {
    const announced = { ...ENDPOINTS, authorizationResponseIssParameterSupported: true };
    expect(answer('code=abc&state=our-state', announced)).toThrow(expect.objectContaining({ code: 'invalid_response' }));
    expect(answer(`code=abc&state=our-state&iss=${encodeURIComponent(ISSUER)}`, announced)()).toEqual({ kind: 'code', code: 'abc' });
    expect(answer('code=abc&state=our-state&iss=https%3A%2F%2Fevil.example')).toThrow(/another issuer/);
    expect(answer('code=abc&state=our-state')()).toEqual({ kind: 'code', code: 'abc' });
  });

  it('refuses an answer with neither code nor error', () => {
    expect(answer('state=our-state')).toThrow(DeviceLoginError);
  });
});

describe('authorizationCodeGrant', () => {
  const servers: Server[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) s.close();
  });

  /** A token endpoint and JWKS that issue an id_token with `nonce`; records the token request's form. */
  async function tokenServer(nonce: string | undefined, status = 200, body?: unknown) {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    const forms: Record<string, string>[] = [];
    const server = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', async () => {
        res.setHeader('content-type', 'application/json');
        if (req.url === '/jwks') return res.end(JSON.stringify({ keys: [jwk] }));
        forms.push(Object.fromEntries(new URLSearchParams(text)));
        const idToken = await new SignJWT({ ...(nonce ? { nonce } : {}), name: 'Ada' })
          .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
          .setIssuer(issuer)
          .setAudience('cli')
          .setSubject('ada')
          .setIssuedAt()
          .setExpirationTime('5m')
          .sign(privateKey);
        res.statusCode = status;
        res.end(JSON.stringify(body ?? { access_token: 'at', token_type: 'Bearer', expires_in: 60, id_token: idToken }));
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const endpoints: Endpoints = { issuer, deviceAuthorizationEndpoint: `${issuer}/device`, tokenEndpoint: `${issuer}/token`, jwksUri: `${issuer}/jwks` };
    return { endpoints, forms };
  }
  const ports: Ports = { http: createAxiosHttpClient(), clock: systemClock, store: undefined as never, logger };
  const request: AuthorizationRequest = { redirectUri: REDIRECT, state: 's', codeVerifier: 'the-verifier', nonce: 'the-nonce' };

  it('sends the code, the redirect URI and the PKCE verifier, and accepts an id_token with our nonce', async () => {
    const { endpoints, forms } = await tokenServer('the-nonce');
    const tokens = await authorizationCodeGrant({ endpoints, client: { clientId: 'cli' }, ports }, request, 'the-code');
    expect(tokens.accessToken).toBe('at');
    expect(tokens.expiresAt).toBeGreaterThan(Date.now());
    expect(forms[0]).toEqual({ grant_type: 'authorization_code', code: 'the-code', redirect_uri: REDIRECT, code_verifier: 'the-verifier', client_id: 'cli' });
  });

  it('refuses an id_token issued for another sign-in (nonce) or without one', async () => {
    const other = await tokenServer('another-nonce');
    await expect(authorizationCodeGrant({ endpoints: other.endpoints, client: { clientId: 'cli' }, ports }, request, 'c')).rejects.toThrow(/nonce/);
    const none = await tokenServer(undefined);
    await expect(authorizationCodeGrant({ endpoints: none.endpoints, client: { clientId: 'cli' }, ports }, request, 'c')).rejects.toMatchObject({ code: 'invalid_response' });
  });

  it('says a client secret is wanted when a public client is refused as invalid_client', async () => {
    const { endpoints } = await tokenServer(undefined, 401, { error: 'invalid_client' });
    await expect(authorizationCodeGrant({ endpoints, client: { clientId: 'cli' }, ports }, request, 'c')).rejects.toThrow(/client secret/);
  });
});
