// Client authentication (RFC 6749 §2.3.1) for every request that names the client to the server: the
// device authorization, token and revocation endpoints. The one place where the client's secret is put
// into a request, whether in a Basic header or in the form, so no step and no caller decides it again.
import { DeviceLoginError } from './errors.ts';
import type { HttpRequest } from './ports.ts';
import type { ClientSettings } from './types.ts';

/** client_id, and client_secret when the client has one: the credentials as a form carries them (client_secret_post). */
export function clientCredentialsForm(client: Pick<ClientSettings, 'clientId' | 'clientSecret'>): Record<string, string> {
  return { client_id: client.clientId, ...(client.clientSecret ? { client_secret: client.clientSecret } : {}) };
}

/**
 * The `Authorization` header value of client_secret_basic: id and secret each form-urlencoded, joined
 * by ':', then base64 (RFC 6749 §2.3.1), so a ':' or '%' or a non-ASCII letter in either survives.
 */
export function basicCredentials(clientId: string, clientSecret: string): string {
  const pair = `${formUrlEncode(clientId)}:${formUrlEncode(clientSecret)}`;
  // Form-urlencoding leaves ASCII only, which btoa takes as it is.
  return `Basic ${btoa(pair)}`;
}

/** application/x-www-form-urlencoded of one value (RFC 6749 Appendix B): what URLSearchParams writes. */
function formUrlEncode(value: string): string {
  return new URLSearchParams([['', value]]).toString().slice(1);
}

/**
 * Throws DeviceLoginError `configuration` when the client's method needs a secret it does not have,
 * so a misconfigured client is said at start, not as a refusal from the server at the first request.
 */
export function checkClientAuthentication(client: ClientSettings): void {
  const method = client.tokenEndpointAuthMethod;
  if ((method === 'client_secret_basic' || method === 'client_secret_post') && !client.clientSecret) {
    throw new DeviceLoginError(
      'configuration',
      `The client "${client.clientId}" authenticates with ${method}, but it has no client secret. Give its secret, or use a client that needs none.`,
    );
  }
}

/**
 * The request with the client's credentials where its method puts them. Without a method the request
 * goes as its builder made it (each provider's dialect: the secret in the form when there is one), so
 * that every provider is asked exactly as before. With one, the form's client_id and client_secret
 * are replaced: `client_secret_basic` moves both into the Authorization header (one method per request,
 * RFC 6749 §2.3.1), `client_secret_post` puts both in the form, `none` sends client_id alone. A JSON
 * body (AWS's own protocol) names its client in its own members and is left as it is.
 */
export function authenticateClient(request: HttpRequest, client: ClientSettings): HttpRequest {
  const method = client.tokenEndpointAuthMethod;
  if (method === undefined || !request.form) return request;
  checkClientAuthentication(client);
  const { client_id: _id, client_secret: _secret, ...form } = request.form;
  switch (method) {
    case 'client_secret_basic':
      return {
        ...request,
        form,
        headers: { ...request.headers, authorization: basicCredentials(client.clientId, client.clientSecret!) },
      };
    case 'client_secret_post':
      return { ...request, form: { ...form, ...clientCredentialsForm(client) } };
    case 'none':
      return { ...request, form: { ...form, client_id: client.clientId } };
  }
}
