// The authorization code flow with PKCE (RFC 6749 §4.1, RFC 7636) for a native client on a loopback
// redirect (RFC 8252), as verb-first steps: build the URL, validate what the browser brings back, trade
// the code for tokens. PKCE, state, nonce and iss are checked here, in one place, never by a caller.
// Randomness and hashing come from Web Crypto (globalThis.crypto), so core/ stays free of node:*.
import { authenticateClient, clientCredentialsForm } from './client-authentication.ts';
import { CLIENT_DEFAULTS } from './defaults.ts';
import { DeviceLoginError, toDeviceLoginError } from './errors.ts';
import { createJwksCache, validateIdToken } from './id-token.ts';
import { normaliseTokenResponse, oauthError, originOf, readOAuthError } from './normalise.ts';
import type { HttpResponse, Ports } from './ports.ts';
import type { ClientSettings, Endpoints, TokenSet } from './types.ts';

/** What one authorization request must remember until its answer comes back. Never logged or shown. */
export interface AuthorizationRequest {
  /** The exact redirect URI sent: the code exchange must repeat it (RFC 6749 §4.1.3). */
  redirectUri: string;
  /** Binds the answer to this request (RFC 6749 §10.12). */
  state: string;
  /** PKCE's secret half (RFC 7636 §4.1); only its S256 hash travels in the URL. */
  codeVerifier: string;
  /** Binds the id_token to this request (OIDC Core §3.1.2.1); only when `openid` is asked for. */
  nonce?: string;
}

/** What came back on the redirect: a code to trade, or a callback that belongs to no request of ours. */
export type AuthResponse = { kind: 'code'; code: string } | { kind: 'wrong_state' };

/** A random URL-safe string of `bytes` random bytes (43 characters for 32): verifiers, states, nonces. */
export function randomToken(bytes = 32): string {
  const buffer = new Uint8Array(bytes);
  globalThis.crypto.getRandomValues(buffer);
  return base64url(buffer);
}

/** The PKCE S256 challenge of a verifier: BASE64URL(SHA-256(verifier)) (RFC 7636 §4.2). */
export async function pkceChallenge(codeVerifier: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(codeVerifier));
  return base64url(new Uint8Array(digest));
}

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function asksForOpenId(scope: string | undefined): boolean {
  return (scope ?? '').split(/\s+/).includes('openid');
}

/**
 * The URL to open in the browser and the request to keep for its answer: PKCE S256, a fresh state,
 * and a nonce when `openid` is asked for. Throws DeviceLoginError `configuration` when the server has
 * no authorization endpoint.
 */
export async function buildAuthorizationUrl(
  endpoints: Endpoints,
  client: ClientSettings,
  redirectUri: string,
): Promise<{ url: string; request: AuthorizationRequest }> {
  if (!endpoints.authorizationEndpoint) {
    throw new DeviceLoginError(
      'configuration',
      `${endpoints.issuer ?? originOf(endpoints.tokenEndpoint)} names no authorization endpoint, so it cannot sign in through a browser. Sign in without --browser.`,
    );
  }
  const request: AuthorizationRequest = { redirectUri, state: randomToken(), codeVerifier: randomToken() };
  if (asksForOpenId(client.scope)) request.nonce = randomToken();
  const url = new URL(endpoints.authorizationEndpoint);
  const params: Record<string, string> = {
    ...client.extraParams,
    response_type: 'code',
    client_id: client.clientId,
    redirect_uri: redirectUri,
    ...(client.scope ? { scope: client.scope } : {}),
    ...(client.audience ? { audience: client.audience } : {}),
    state: request.state,
    code_challenge: await pkceChallenge(request.codeVerifier),
    code_challenge_method: 'S256',
    ...(request.nonce ? { nonce: request.nonce } : {}),
  };
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return { url: url.href, request };
}

/**
 * Reads the redirect's query. A state that is not ours is `wrong_state` (a stray or forged callback
 * the caller ignores, so it cannot end a sign-in in progress). With our state: `iss` (RFC 9207) must
 * name the issuer when the server announces it (or sends it anyway), an `error` throws a
 * DeviceLoginError with its code (`access_denied` when the person said no), else the code is returned.
 */
export function validateAuthResponse(
  params: URLSearchParams,
  request: AuthorizationRequest,
  endpoints: Endpoints,
): AuthResponse {
  if (params.get('state') !== request.state) return { kind: 'wrong_state' };
  const iss = params.get('iss');
  if (endpoints.authorizationResponseIssParameterSupported && iss === null) {
    throw new DeviceLoginError('invalid_response', 'The sign-in answer has no iss parameter, which the server announced (RFC 9207): it may come from another server.');
  }
  if (iss !== null && iss !== endpoints.issuer) {
    throw new DeviceLoginError('invalid_response', `The sign-in answer comes from another issuer (iss "${iss}"), not ${endpoints.issuer ?? 'the configured server'}.`);
  }
  const error = readOAuthError(Object.fromEntries(params));
  if (error) throw oauthError(error, { endpoint: endpoints.authorizationEndpoint ?? endpoints.tokenEndpoint, now: 0 }, 302);
  const code = params.get('code');
  if (!code) throw new DeviceLoginError('invalid_response', 'The sign-in answer has neither a code nor an error.');
  return { kind: 'code', code };
}

/**
 * Trades the code for tokens at the token endpoint (RFC 6749 §4.1.3 with the PKCE verifier), the
 * answer normalised like the device flow's. An id_token is validated and must carry this request's
 * nonce; where the issuer or its key set is unknown it cannot be, and the profile comes from userinfo.
 */
export async function authorizationCodeGrant(
  options: { endpoints: Endpoints; client: ClientSettings; ports: Ports; signal?: AbortSignal },
  request: AuthorizationRequest,
  code: string,
): Promise<TokenSet> {
  const { endpoints, client, ports, signal } = options;
  const url = endpoints.tokenEndpoint;
  const context = { endpoint: url, now: ports.clock.now(), warn: (message: string) => ports.logger.warn(message) };
  const exchange = authenticateClient(
    {
      method: 'POST',
      url,
      headers: { accept: 'application/json' },
      timeoutMs: CLIENT_DEFAULTS.requestTimeoutMs,
      form: {
        grant_type: 'authorization_code',
        code,
        redirect_uri: request.redirectUri,
        code_verifier: request.codeVerifier,
        ...clientCredentialsForm(client),
      },
      ...(signal ? { signal } : {}),
    },
    client,
  );
  let res: HttpResponse;
  try {
    res = await ports.http.request(exchange);
  } catch (err) {
    throw toDeviceLoginError(err, 'network');
  }
  let tokens: TokenSet;
  try {
    tokens = normaliseTokenResponse(res, context);
  } catch (err) {
    // Google's desktop clients and GitHub's OAuth apps want their secret for this exchange.
    if (err instanceof DeviceLoginError && err.code === 'invalid_client' && !client.clientSecret) {
      throw new DeviceLoginError(
        'configuration',
        `${originOf(url)} wants a client secret to sign in through a browser: set DEVICE_LOGIN_CLIENT_SECRET (or give --client-secret), or sign in without --browser.`,
        { cause: err },
      );
    }
    throw err;
  }
  if (tokens.idToken && request.nonce && endpoints.issuer && endpoints.jwksUri) {
    const claims = await validateIdToken(tokens.idToken, {
      jwks: createJwksCache(endpoints.jwksUri, ports.http, CLIENT_DEFAULTS.requestTimeoutMs),
      issuer: endpoints.issuer,
      clientId: client.clientId,
      now: ports.clock.now(),
      ...(signal ? { signal } : {}),
    });
    if (claims.nonce !== request.nonce) {
      throw new DeviceLoginError('invalid_response', `The id_token from ${originOf(endpoints.issuer)} is not valid: it was issued for another sign-in (nonce).`);
    }
  }
  return tokens;
}
