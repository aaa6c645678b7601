// The account website's calls to the resource server (the catalogue and the devices API, GET and
// DELETE with the access token), through the HttpClient port like every other request of the site.
import { CLIENT_DEFAULTS } from '../core/defaults.ts';
import type { HttpClient } from '../core/ports.ts';

/** An answer of the resource server: its status, its JSON body (when it had one) and its challenge. */
export interface ApiAnswer {
  status: number;
  body: unknown;
  wwwAuthenticate: string;
}

/**
 * One call to the resource server with the access token. Resolves for every status; rejects only with
 * DeviceLoginError `network` or `timeout` when the server cannot be reached (the port's promise).
 */
export async function callResourceServer(
  http: HttpClient,
  base: string,
  method: 'GET' | 'DELETE',
  path: string,
  accessToken: string,
): Promise<ApiAnswer> {
  const res = await http.request({
    method,
    url: new URL(path, base).href,
    headers: { authorization: `Bearer ${accessToken}` },
    timeoutMs: CLIENT_DEFAULTS.requestTimeoutMs,
  });
  let body: unknown;
  try {
    body = res.body ? (JSON.parse(res.body) as unknown) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.status, body, wwwAuthenticate: res.headers['www-authenticate'] ?? '' };
}
