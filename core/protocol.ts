// The protocol steps over the HttpClient port. Requests are built here; every answer goes through
// the quirk layer (normalise.ts), so nothing above this file sees a provider's peculiarities.
import { CHECK_NUMBER_PARAM } from './check-number.ts';
import { CLIENT_DEFAULTS } from './defaults.ts';
import { DeviceLoginError, isTransportError, toDeviceLoginError } from './errors.ts';
import { createJwksCache, validateIdToken, type JwksCache } from './id-token.ts';
import {
  errorFromResponse,
  normaliseDeviceAuthorizationResponse,
  normalisePollResponse,
  normaliseTokenResponse,
  normaliseUserinfoResponse,
  oauthError,
  originOf,
  parseBody,
  profileFromClaims,
  readOAuthError,
  type NormaliseContext,
} from './normalise.ts';
import type { HttpRequest, HttpResponse, Ports } from './ports.ts';
import { mergeProfiles } from './profile.ts';
import type { ClientSettings, Endpoints, PollOutcome, Profile, Protocol, TokenSet } from './types.ts';

/** The device code grant type (RFC 8628 §3.4). */
export const DEVICE_CODE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code';

/** Options of createProtocol. */
export interface ProtocolOptions {
  endpoints: Endpoints;
  client: ClientSettings;
  ports: Ports;
  /** Per request (default CLIENT_DEFAULTS.requestTimeoutMs); a long poll (`Prefer: wait=N`) gets N seconds on top. */
  requestTimeoutMs?: number;
}

/** The Protocol (core/types.ts) over the HttpClient port, for one client at one set of endpoints. */
export function createProtocol(options: ProtocolOptions): Protocol {
  const { endpoints, client, ports } = options;
  const timeoutMs = options.requestTimeoutMs ?? CLIENT_DEFAULTS.requestTimeoutMs;
  let jwks: JwksCache | undefined;

  const context = (endpoint: string): NormaliseContext => ({
    endpoint,
    now: ports.clock.now(),
    warn: (message) => ports.logger.warn(message),
  });

  /** Client authentication in the body (client_secret_post), the one method every provider here accepts. */
  const clientParams = (): Record<string, string> => ({
    client_id: client.clientId,
    ...(client.clientSecret ? { client_secret: client.clientSecret } : {}),
  });

  async function send(request: HttpRequest): Promise<HttpResponse> {
    if (request.signal?.aborted) throw new DeviceLoginError('aborted', 'The request was cancelled.');
    try {
      return await ports.http.request({
        timeoutMs,
        ...request,
        headers: { accept: 'application/json', ...request.headers },
      });
    } catch (err) {
      if (request.signal?.aborted)
        throw new DeviceLoginError('aborted', 'The request was cancelled.', { cause: err });
      throw toDeviceLoginError(err, 'network');
    }
  }

  function post(
    url: string,
    form: Record<string, string>,
    signal?: AbortSignal,
    extra: Partial<HttpRequest> = {},
  ) {
    return send({ method: 'POST', url, form, ...(signal ? { signal } : {}), ...extra });
  }

  async function idTokenProfile(idToken: string, signal?: AbortSignal): Promise<Profile | undefined> {
    if (!endpoints.issuer || !endpoints.jwksUri) {
      // Without a key set and an exact issuer the claims cannot be trusted: rely on userinfo.
      ports.logger.debug(
        'id_token not validated: the issuer or its jwks_uri is unknown; using userinfo only',
      );
      return undefined;
    }
    jwks ??= createJwksCache(endpoints.jwksUri, { request: send }, timeoutMs);
    const claims = await validateIdToken(idToken, {
      jwks,
      issuer: endpoints.issuer,
      clientId: client.clientId,
      now: ports.clock.now(),
      ...(signal ? { signal } : {}),
    });
    return profileFromClaims(claims as Record<string, unknown>, context(endpoints.issuer), 'id_token');
  }

  async function revoke(
    token: string,
    hint: 'refresh_token' | 'access_token',
    signal?: AbortSignal,
  ): Promise<boolean> {
    const url = endpoints.revocationEndpoint!;
    const res = await post(url, { token, token_type_hint: hint, ...clientParams() }, signal);
    if (res.status >= 200 && res.status < 300 && !readOAuthError(parseBody(res.body))) return true;
    const oauth = readOAuthError(parseBody(res.body));
    // RFC 7009 §2.2.1: a server may revoke only some token types; that is not a failure of the other.
    if (oauth?.error === 'unsupported_token_type') return false;
    if (oauth) throw oauthError(oauth, context(url), res.status);
    throw errorFromResponse(res, context(url), 'revocation request');
  }

  return {
    endpoints,

    async initiateDeviceAuthorization(signal) {
      const url = endpoints.deviceAuthorizationEndpoint;
      const form: Record<string, string> = {
        ...client.extraParams,
        ...clientParams(),
        ...(client.scope ? { scope: client.scope } : {}),
        ...(client.audience ? { audience: client.audience } : {}),
      };
      const res = await post(url, form, signal);
      const authorization = normaliseDeviceAuthorizationResponse(res, context(url));
      // The response's own announcement wins; else the metadata's, so that the code carries it.
      if (authorization.longPollMaxWait === undefined && endpoints.longPollMaxWait !== undefined)
        authorization.longPollMaxWait = endpoints.longPollMaxWait;
      return authorization;
    },

    async pollDeviceAuthorizationGrant(deviceCode, pollOptions = {}): Promise<PollOutcome> {
      const url = endpoints.tokenEndpoint;
      const wait = Math.max(0, Math.floor(pollOptions.waitSeconds ?? 0));
      const extra: Partial<HttpRequest> =
        wait > 0 ? { headers: { prefer: `wait=${wait}` }, timeoutMs: wait * 1000 + timeoutMs } : {};
      let res: HttpResponse;
      try {
        res = await post(
          url,
          {
            grant_type: DEVICE_CODE_GRANT_TYPE,
            device_code: deviceCode,
            ...clientParams(),
            ...(pollOptions.checkNumber !== undefined ? { [CHECK_NUMBER_PARAM]: pollOptions.checkNumber } : {}),
          },
          pollOptions.signal,
          extra,
        );
      } catch (err) {
        const error = toDeviceLoginError(err, 'network');
        if (error.code === 'aborted') throw error;
        if (isTransportError(error)) return { kind: 'retry', error, ...(error.unsent ? { unsent: true } : {}) };
        return { kind: 'retry', error: new DeviceLoginError('network', error.message, { cause: err }) };
      }
      return normalisePollResponse(res, context(url));
    },

    async refreshTokenGrant(refreshToken, signal) {
      const url = endpoints.tokenEndpoint;
      const res = await post(
        url,
        { grant_type: 'refresh_token', refresh_token: refreshToken, ...clientParams() },
        signal,
      );
      const tokens = normaliseTokenResponse(res, context(url));
      // RFC 6749 §6: without a new refresh token the old one stays valid (no rotation).
      return tokens.refreshToken ? tokens : { ...tokens, refreshToken };
    },

    async fetchProfile(tokens: TokenSet, signal) {
      const fromIdToken = tokens.idToken ? await idTokenProfile(tokens.idToken, signal) : undefined;
      let fromUserinfo: Profile | undefined;
      if (endpoints.userinfoEndpoint) {
        const url = endpoints.userinfoEndpoint;
        const res = await send({
          method: 'GET',
          url,
          headers: { authorization: `Bearer ${tokens.accessToken}` },
          ...(signal ? { signal } : {}),
        });
        fromUserinfo = normaliseUserinfoResponse(res, context(url));
      }
      return mergeProfiles(
        fromIdToken,
        fromUserinfo,
        originOf(endpoints.userinfoEndpoint ?? endpoints.tokenEndpoint),
      );
    },

    async tokenRevocation(tokens, signal) {
      if (!endpoints.revocationEndpoint) return 'unsupported';
      // The refresh token first: revoking it usually ends the whole grant (RFC 7009 §2.1).
      const refreshRevoked = tokens.refreshToken
        ? await revoke(tokens.refreshToken, 'refresh_token', signal)
        : false;
      const accessRevoked = await revoke(tokens.accessToken, 'access_token', signal);
      return refreshRevoked || accessRevoked ? 'revoked' : 'unsupported';
    },
  };
}
