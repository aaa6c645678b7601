// The protocol steps over the HttpClient port. Requests are built here; every answer goes through
// the quirk layer (normalise.ts), so nothing above this file sees a provider's peculiarities.
import { decodeJwt } from 'jose';
import { CHECK_NUMBER_PARAM } from './check-number.ts';
import { authenticateClient, checkClientAuthentication } from './client-authentication.ts';
import { createClientRegistrations, type ClientRegistrations } from './client-registration.ts';
import { CLIENT_DEFAULTS } from './defaults.ts';
import { DEVICE_CODE_GRANT_TYPE, dialectOf, type RequestBody } from './dialects.ts';
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
import type { ClientSettings, DeviceAuthorization, Endpoints, PollOutcome, Profile, Protocol, TokenSet } from './types.ts';

export { DEVICE_CODE_GRANT_TYPE };

/** Options of createProtocol. */
export interface ProtocolOptions {
  endpoints: Endpoints;
  client: ClientSettings;
  ports: Ports;
  /** Per request (default CLIENT_DEFAULTS.requestTimeoutMs); a long poll (`Prefer: wait=N`) gets N seconds on top. */
  requestTimeoutMs?: number;
}

/**
 * The Protocol (core/types.ts) over the HttpClient port, for one client at one set of endpoints. The
 * requests are the endpoints' dialect's (core/dialects.ts: RFC 8628 unless a preset named another).
 */
export function createProtocol(options: ProtocolOptions): Protocol {
  const { endpoints, client, ports } = options;
  const timeoutMs = options.requestTimeoutMs ?? CLIENT_DEFAULTS.requestTimeoutMs;
  const dialect = dialectOf(endpoints);
  // A registered client (AWS) gets its secret at run time; any other must have what its method needs now.
  if (!dialect.registersClient) checkClientAuthentication(client);
  let jwks: JwksCache | undefined;

  const context = (endpoint: string): NormaliseContext => ({
    endpoint,
    now: ports.clock.now(),
    warn: (message) => ports.logger.warn(message),
    defaults: dialect.answerDefaults,
  });

  // A client that registers first (AWS) asks as the registered client: its id and secret.
  const registrations: ClientRegistrations | undefined = dialect.registersClient
    ? createClientRegistrations({ registrationEndpoint: registrationEndpointOf(endpoints), ports, send })
    : undefined;

  /** The client as the next poll, refresh or revocation presents it. */
  async function registeredClient(): Promise<ClientSettings> {
    if (!registrations) return client;
    const registration = await registrations.current();
    if (!registration) {
      throw new DeviceLoginError(
        'invalid_client',
        'The client registration of this sign-in is no longer kept; sign in again to register anew.',
      );
    }
    return { ...client, clientId: registration.clientId, clientSecret: registration.clientSecret };
  }

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

  /** A request that names the client (`asking`), authenticated as its method says. */
  function post(url: string, asking: ClientSettings, body: RequestBody, signal?: AbortSignal, extra: Partial<HttpRequest> = {}) {
    return send(authenticateClient({ method: 'POST', url, ...body, ...(signal ? { signal } : {}), ...extra }, asking));
  }

  async function idTokenProfile(idToken: string, signal?: AbortSignal): Promise<Profile | undefined> {
    if ((!endpoints.issuer || !endpoints.jwksUri) && dialect.idTokenFromTokenEndpoint) {
      // No key set to verify it with, but it came straight from the token endpoint over TLS (OIDC
      // Core §3.1.3.7 (6)); only who signed in is read from it, for the screen.
      try {
        return profileFromClaims(decodeJwt(idToken) as Record<string, unknown>, context(endpoints.tokenEndpoint), 'id_token');
      } catch {
        ports.logger.debug('The id_token could not be read; no profile from it.');
        return undefined;
      }
    }
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
    const asking = await registeredClient();
    const res = await post(url, asking, dialect.revocation(asking, token, hint), signal);
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
      const ask = async (renew: boolean) => {
        const asking = registrations
          ? await registrations.forNewSignIn({ renew, ...(signal ? { signal } : {}) }).then((r) => ({
              ...client,
              clientId: r.clientId,
              clientSecret: r.clientSecret,
            }))
          : client;
        const res = await post(url, asking, dialect.deviceAuthorization(asking, endpoints), signal);
        return normaliseDeviceAuthorizationResponse(res, context(url));
      };
      let authorization: DeviceAuthorization;
      try {
        authorization = await ask(false);
      } catch (err) {
        // A registration the server no longer knows (deleted, or its secret expired early): register again, once.
        if (!registrations || !(err instanceof DeviceLoginError) || !REFUSED_CLIENT.has(err.code)) throw err;
        ports.logger.info('The server refused the registered client; registering again.', { code: err.code });
        authorization = await ask(true);
      }
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
        const asking = await registeredClient();
        const body = dialect.poll(asking, deviceCode, pollOptions.userCode);
        if (pollOptions.checkNumber !== undefined && 'form' in body) body.form[CHECK_NUMBER_PARAM] = pollOptions.checkNumber;
        res = await post(url, asking, body, pollOptions.signal, extra);
      } catch (err) {
        if (err instanceof DeviceLoginError && REFUSED_CLIENT.has(err.code)) return { kind: 'fatal', error: err };
        const error = toDeviceLoginError(err, 'network');
        if (error.code === 'aborted') throw error;
        if (isTransportError(error)) return { kind: 'retry', error, ...(error.unsent ? { unsent: true } : {}) };
        return { kind: 'retry', error: new DeviceLoginError('network', error.message, { cause: err }) };
      }
      const outcome = normalisePollResponse(res, context(url));
      if (outcome.kind === 'fatal' && REFUSED_CLIENT.has(outcome.error.code)) await registrations?.forget();
      return outcome;
    },

    async refreshTokenGrant(refreshToken, signal) {
      const url = endpoints.tokenEndpoint;
      const asking = await registeredClient();
      const res = await post(url, asking, dialect.refresh(asking, refreshToken), signal);
      let tokens: TokenSet;
      try {
        tokens = normaliseTokenResponse(res, context(url));
      } catch (err) {
        if (err instanceof DeviceLoginError && REFUSED_CLIENT.has(err.code)) await registrations?.forget();
        throw err;
      }
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
          headers: { ...dialect.profileHeaders(client), authorization: `Bearer ${tokens.accessToken}` },
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

/** Answers that mean the server does not accept the (registered) client. */
const REFUSED_CLIENT = new Set(['invalid_client', 'unauthorized_client']);

function registrationEndpointOf(endpoints: Endpoints): string {
  if (!endpoints.registrationEndpoint) {
    throw new DeviceLoginError('configuration', 'This provider registers its client first, but no registration endpoint is known.');
  }
  return endpoints.registrationEndpoint;
}
