// Asking the server whether a sign-in still holds. A device signed out elsewhere (from the account
// website, or by the provider) learns it only when the server refuses its tokens, and a TV that only
// shows a catalogue it already has may not call for minutes: the DeviceController asks now and then,
// and `device-login status` asks once. One call with the access token; on 401 one forced refresh,
// whose refusal the reducer turns into the end of the sign-in (with the notice that says why).
import { CLIENT_DEFAULTS } from '../core/defaults.ts';
import { toDeviceLoginError, type DeviceLoginError } from '../core/errors.ts';
import type { HttpClient } from '../core/ports.ts';
import { dialectOf } from '../core/dialects.ts';
import type { ClientSettings, DeviceSession, Endpoints } from '../core/types.ts';

/**
 * What the check found. `holds`: the server accepted the access token (or, after a 401, the refresh);
 * `ended`: the refresh was refused and the session has forgotten the sign-in (its snapshot's notice
 * says why); `unchecked`: nowhere to ask, and the token did not need renewing; `unknown`: no answer
 * that says either (the network, a 5xx, a refresh that failed for another reason): the sign-in is kept.
 */
export type SessionCheckOutcome =
  /** `accessToken`: the token the server accepted (or the one renewed), for a caller that wants one now. */
  | { outcome: 'holds' | 'unchecked'; accessToken: string }
  | { outcome: 'ended' }
  | { outcome: 'unknown'; error: DeviceLoginError };

/**
 * Where a device asks: the resource server's `/api/me` when there is one (the embedded server), else
 * the provider's userinfo endpoint; undefined when there is neither (then only a refresh can tell).
 */
export function sessionCheckUrl(endpoints: Endpoints, resourceServer?: string): string | undefined {
  if (resourceServer) return new URL('/api/me', resourceServer).toString();
  return endpoints.userinfoEndpoint;
}

/** The headers the provider's profile call wants besides the token (core/dialects.ts), for the check that uses it. */
export function sessionCheckHeaders(endpoints: Endpoints, client: ClientSettings): Record<string, string> {
  return dialectOf(endpoints).profileHeaders(client);
}

/** Asks the server whether the session's sign-in still holds (see SessionCheckOutcome); never throws. */
export async function checkSignIn(
  session: DeviceSession,
  http: HttpClient,
  url: string | undefined,
  /** `headers`: what the provider wants beside the token (sessionCheckHeaders: Twitch's Client-Id). */
  options: { signal?: AbortSignal; timeoutMs?: number; headers?: Record<string, string> } = {},
): Promise<SessionCheckOutcome> {
  const ended = (err: unknown): SessionCheckOutcome =>
    session.snapshot().state === 'signed_in' ? { outcome: 'unknown', error: toDeviceLoginError(err) } : { outcome: 'ended' };
  let token: string;
  try {
    // Renews a token about to expire: for a provider with nowhere to ask, that refresh is the check.
    token = await session.accessToken();
  } catch (err) {
    return ended(err);
  }
  if (!url) return { outcome: 'unchecked', accessToken: token };
  let status: number;
  try {
    const res = await http.request({
      method: 'GET',
      url,
      headers: { ...options.headers, authorization: `Bearer ${token}` },
      timeoutMs: options.timeoutMs ?? CLIENT_DEFAULTS.requestTimeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    status = res.status;
  } catch (err) {
    return { outcome: 'unknown', error: toDeviceLoginError(err, 'network') };
  }
  if (status >= 200 && status < 300) return { outcome: 'holds', accessToken: token };
  if (status !== 401) {
    return { outcome: 'unknown', error: toDeviceLoginError(new Error(`${new URL(url).origin} answered the sign-in check with HTTP ${status}.`)) };
  }
  // The access token was refused: revoked with its grant, or expired early. Only the refresh can tell.
  try {
    return { outcome: 'holds', accessToken: await session.accessToken({ forceRefresh: true }) };
  } catch (err) {
    return ended(err);
  }
}
