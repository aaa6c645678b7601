// The account website as an OAuth client, over HTTP only: how its secret travels to the token and
// revocation endpoints (client_secret_basic), where its RP-initiated logout goes, and its calls to the
// resource server (the catalogue and the devices API, GET and DELETE with the access token).
import { CLIENT_DEFAULTS } from '../core/defaults.ts';
import { DeviceLoginError } from '../core/errors.ts';
import type { HttpClient } from '../core/ports.ts';

/**
 * An HttpClient that sends a confidential client's credentials in the Authorization header (RFC 6749
 * §2.3.1, client_secret_basic): core's steps put client_id and client_secret in the form, which a
 * client registered for client_secret_basic may not use. Requests without the secret pass unchanged.
 */
export function withClientSecretBasic(http: HttpClient, clientId: string, clientSecret: string | undefined): HttpClient {
  if (!clientSecret) return http;
  // Both halves form-urlencoded before joining (RFC 6749 §2.3.1), so a ':' in either survives.
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
  const basic = `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString('base64')}`;
  return {
    request(request) {
      if (request.method !== 'POST' || request.form?.client_secret === undefined) return http.request(request);
      const { client_secret: _secret, client_id: _id, ...form } = request.form;
      return http.request({ ...request, form, headers: { ...request.headers, authorization: basic } });
    },
  };
}

/** The issuer's end_session_endpoint (RP-initiated logout), read from its discovery document; none when it has none. */
export async function discoverEndSession(issuer: string | undefined, http: HttpClient): Promise<string | undefined> {
  if (!issuer) return undefined;
  const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  const res = await http.request({ method: 'GET', url, timeoutMs: CLIENT_DEFAULTS.requestTimeoutMs });
  if (res.status !== 200) return undefined;
  try {
    const value = (JSON.parse(res.body) as { end_session_endpoint?: unknown }).end_session_endpoint;
    return typeof value === 'string' && /^https?:\/\//.test(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** An answer of the resource server: its status, its JSON body (when it had one) and its challenge. */
export interface ApiAnswer {
  status: number;
  body: unknown;
  wwwAuthenticate: string;
}

/**
 * One call to the resource server with the access token. Resolves for every status; rejects only with
 * DeviceLoginError `network` or `timeout` when the server cannot be reached.
 */
export async function callResourceServer(base: string, method: 'GET' | 'DELETE', path: string, accessToken: string): Promise<ApiAnswer> {
  let res: Response;
  try {
    res = await fetch(new URL(path, base), {
      method,
      headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
      redirect: 'manual',
      signal: AbortSignal.timeout(CLIENT_DEFAULTS.requestTimeoutMs),
    });
  } catch (err) {
    const timedOut = (err as { name?: string }).name === 'TimeoutError';
    throw new DeviceLoginError(timedOut ? 'timeout' : 'network', `The resource server at ${new URL(base).origin} did not answer.`, { cause: err });
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.status, body, wwwAuthenticate: res.headers.get('www-authenticate') ?? '' };
}
