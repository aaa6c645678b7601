// id_token validation (OIDC Core §3.1.3.7) with jose. The JWKS is fetched through the HttpClient
// port, never by jose itself, so that core/ keeps reaching the network only through its ports.
import {
  createLocalJWKSet,
  errors as joseErrors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
} from 'jose';
import { DeviceLoginError } from './errors.ts';
import { originOf, parseBody } from './normalise.ts';
import type { HttpClient } from './ports.ts';

/** How far clocks may disagree when checking exp and iat. */
export const CLOCK_TOLERANCE_SECONDS = 60;

// Asymmetric only: an id_token signed with the client secret (HS*) or `none` is not accepted.
const ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
];

/** A JWKS fetched through the HttpClient port, cached, and fetched again once when a `kid` is unknown. */
export interface JwksCache {
  /** Verifies a compact JWS against the key set, refreshing the set once on an unknown key. */
  verify(
    token: string,
    options: { issuer: string; audience: string; now: number },
    signal?: AbortSignal,
  ): Promise<JWTPayload>;
}

/** A JwksCache for one `jwks_uri`. */
export function createJwksCache(jwksUri: string, http: HttpClient, timeoutMs: number): JwksCache {
  let keys: ReturnType<typeof createLocalJWKSet> | undefined;

  async function load(signal?: AbortSignal): Promise<ReturnType<typeof createLocalJWKSet>> {
    const res = await http.request({ method: 'GET', url: jwksUri, timeoutMs, ...(signal ? { signal } : {}) });
    const fields = parseBody(res.body);
    if (res.status !== 200 || !fields || !Array.isArray(fields.keys)) {
      throw new DeviceLoginError(
        'invalid_response',
        `${originOf(jwksUri)} did not send a usable key set (JWKS, HTTP ${res.status}).`,
        {
          status: res.status,
        },
      );
    }
    try {
      return createLocalJWKSet(fields as unknown as JSONWebKeySet);
    } catch (err) {
      throw new DeviceLoginError(
        'invalid_response',
        `${originOf(jwksUri)} sent a malformed key set (JWKS).`,
        { cause: err },
      );
    }
  }

  return {
    async verify(token, options, signal) {
      const verifyOptions = {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: ALGORITHMS,
        requiredClaims: ['iss', 'aud', 'sub', 'exp', 'iat'],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        // jose takes the time as a Date; it comes from the Clock port.
        currentDate: new Date(options.now),
      };
      let fresh = false;
      if (!keys) {
        keys = await load(signal);
        fresh = true;
      }
      try {
        return (await jwtVerify(token, keys, verifyOptions)).payload;
      } catch (err) {
        // Keys rotate: an unknown kid earns exactly one refetch, never a loop.
        if (!(err instanceof joseErrors.JWKSNoMatchingKey) || fresh) throw err;
        keys = await load(signal);
        return (await jwtVerify(token, keys, verifyOptions)).payload;
      }
    },
  };
}

/** Validated id_token claims (signature, iss, aud, exp, iat, azp); throws DeviceLoginError `invalid_response`. */
export async function validateIdToken(
  idToken: string,
  options: { jwks: JwksCache; issuer: string; clientId: string; now: number; signal?: AbortSignal },
): Promise<JWTPayload> {
  const where = originOf(options.issuer);
  let claims: JWTPayload;
  try {
    claims = await options.jwks.verify(
      idToken,
      { issuer: options.issuer, audience: options.clientId, now: options.now },
      options.signal,
    );
  } catch (err) {
    if (err instanceof DeviceLoginError) throw err;
    throw new DeviceLoginError(
      'invalid_response',
      `The id_token from ${where} is not valid: ${reasonOf(err)}.`,
      { cause: err },
    );
  }
  if (typeof claims.iat === 'number' && claims.iat > options.now / 1000 + CLOCK_TOLERANCE_SECONDS) {
    throw new DeviceLoginError(
      'invalid_response',
      `The id_token from ${where} is not valid: it was issued in the future (iat).`,
    );
  }
  // OIDC Core §3.1.3.7 (5): with several audiences, the authorized party must be us.
  if (claims.azp !== undefined && claims.azp !== options.clientId) {
    throw new DeviceLoginError(
      'invalid_response',
      `The id_token from ${where} is not valid: it was issued to another client (azp).`,
    );
  }
  return claims;
}

function reasonOf(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'it has expired (exp)';
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.claim === 'iss') return 'it was issued by another issuer (iss)';
    if (err.claim === 'aud') return 'it was issued for another client (aud)';
    return `claim "${err.claim}" failed (${err.reason})`;
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'its signature does not verify';
  if (err instanceof joseErrors.JWKSNoMatchingKey)
    return 'no key of the key set (JWKS) matches its signature';
  if (err instanceof joseErrors.JOSEAlgNotAllowed)
    return 'it is signed with an algorithm that is not accepted';
  if (err instanceof joseErrors.JOSEError) return err.message;
  return 'it could not be read';
}
