// Authorization server metadata: OpenID Connect Discovery 1.0, falling back to RFC 8414.
import { CLIENT_DEFAULTS } from './defaults.ts';
import { DeviceLoginError } from './errors.ts';
import { LONG_POLL_MEMBER, originOf, parseBody, readLongPollMaxWait } from './normalise.ts';
import type { HttpClient } from './ports.ts';
import type { Endpoints } from './types.ts';

/** The metadata URLs to try for an issuer, in order (OIDC Discovery §4, then RFC 8414 §3.1). */
export function metadataUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/+$/, '');
  return [
    // OIDC: appended to the issuer (a trailing slash is not doubled).
    `${url.origin}${path}/.well-known/openid-configuration`,
    // RFC 8414: inserted between the host and the path.
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
  ];
}

function httpUrl(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The device-flow endpoints of an issuer, from its metadata; throws DeviceLoginError `discovery_failed`. */
export async function discoverEndpoints(
  issuer: string,
  http: HttpClient,
  options: { signal?: AbortSignal } = {},
): Promise<Endpoints> {
  if (!httpUrl(issuer)) {
    throw new DeviceLoginError('configuration', `The issuer "${issuer}" is not an absolute http(s) URL.`);
  }
  const tried: string[] = [];
  let metadata: Record<string, unknown> | undefined;
  let source = '';
  for (const url of metadataUrls(issuer)) {
    let status: number;
    let body: string;
    try {
      ({ status, body } = await http.request({
        method: 'GET',
        url,
        timeoutMs: CLIENT_DEFAULTS.requestTimeoutMs,
        ...(options.signal ? { signal: options.signal } : {}),
      }));
    } catch (err) {
      if (err instanceof DeviceLoginError && err.code === 'aborted') throw err;
      throw new DeviceLoginError(
        'discovery_failed',
        `Could not read the metadata of ${issuer}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    const fields = status === 200 ? parseBody(body) : undefined;
    if (fields) {
      metadata = fields;
      source = new URL(url).pathname;
      break;
    }
    tried.push(`${new URL(url).pathname} (HTTP ${status}${status === 200 ? ', not JSON' : ''})`);
  }
  if (!metadata) {
    throw new DeviceLoginError(
      'discovery_failed',
      `${originOf(issuer)} publishes no usable metadata for ${issuer} (tried ${tried.join(', ')}). ` +
        'Give --device-authorization-endpoint and --token-endpoint instead of --issuer.',
    );
  }
  // OIDC Discovery §4.3 / RFC 8414 §3.3: exactly, so a look-alike cannot hand out its own endpoints.
  if (metadata.issuer !== issuer) {
    const stated = typeof metadata.issuer === 'string' ? `"${metadata.issuer}"` : 'no issuer';
    throw new DeviceLoginError(
      'discovery_failed',
      `The metadata at ${originOf(issuer)}${source} states ${stated}, but the configured issuer is "${issuer}". ` +
        'They must match exactly, including any trailing slash.',
    );
  }
  const device = httpUrl(metadata.device_authorization_endpoint);
  if (!device) {
    throw new DeviceLoginError(
      'discovery_failed',
      `${issuer} does not support the device flow: its metadata has no device_authorization_endpoint. ` +
        'If it has one anyway, give --device-authorization-endpoint and --token-endpoint.',
    );
  }
  const token = httpUrl(metadata.token_endpoint);
  if (!token) {
    throw new DeviceLoginError(
      'discovery_failed',
      `The metadata of ${issuer} has no usable token_endpoint. Give --token-endpoint.`,
    );
  }
  const endpoints: Endpoints = { issuer, deviceAuthorizationEndpoint: device, tokenEndpoint: token };
  const authorization = httpUrl(metadata.authorization_endpoint);
  if (authorization) endpoints.authorizationEndpoint = authorization;
  if (metadata.authorization_response_iss_parameter_supported === true) endpoints.authorizationResponseIssParameterSupported = true;
  const userinfo = httpUrl(metadata.userinfo_endpoint);
  if (userinfo) endpoints.userinfoEndpoint = userinfo;
  const revocation = httpUrl(metadata.revocation_endpoint);
  if (revocation) endpoints.revocationEndpoint = revocation;
  const endSession = httpUrl(metadata.end_session_endpoint);
  if (endSession) endpoints.endSessionEndpoint = endSession;
  const jwks = httpUrl(metadata.jwks_uri);
  if (jwks) endpoints.jwksUri = jwks;
  const longPollMaxWait = readLongPollMaxWait(metadata[LONG_POLL_MEMBER]);
  if (longPollMaxWait !== undefined) endpoints.longPollMaxWait = longPollMaxWait;
  return endpoints;
}
