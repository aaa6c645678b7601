// The TV's side of the device flow in server tests: plain form posts over real HTTP, so the tests
// see exactly what any RFC 8628 client would.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

export interface DeviceAuthorization {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: number;
  interval?: number;
}

export interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
  /** Milliseconds from sending to the full answer. */
  elapsedMs: number;
  /** performance.now() when the answer arrived. */
  at: number;
}

async function post(url: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Answer> {
  const started = performance.now();
  const response = await fetch(url, { method: 'POST', headers: { accept: 'application/json', ...headers }, body: new URLSearchParams(form) });
  const body = (await response.json()) as Record<string, unknown>;
  const at = performance.now();
  return { status: response.status, headers: response.headers, body, elapsedMs: at - started, at };
}

/** POST /device/auth as the TV. */
export async function requestDeviceCode(base: string, scope = 'openid profile email offline_access', clientId = 'tv-demo'): Promise<DeviceAuthorization> {
  const answer = await post(`${base}/device/auth`, { client_id: clientId, scope });
  if (answer.status !== 200) throw new Error(`device authorization failed: ${answer.status} ${String(answer.body.error)}`);
  return answer.body as unknown as DeviceAuthorization;
}

/** One token poll; `wait` adds `Prefer: wait=N`. */
export function pollToken(base: string, deviceCode: string, options: { wait?: number; clientId?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = options.wait !== undefined ? { prefer: `wait=${options.wait}` } : {};
  return post(`${base}/token`, { client_id: options.clientId ?? 'tv-demo', grant_type: DEVICE_GRANT, device_code: deviceCode }, headers);
}

/** Revokes a token at RFC 7009 revocation as the public client. */
export async function revoke(base: string, token: string, hint: 'access_token' | 'refresh_token'): Promise<number> {
  const response = await fetch(`${base}/token/revocation`, { method: 'POST', body: new URLSearchParams({ client_id: 'tv-demo', token, token_type_hint: hint }) });
  await response.arrayBuffer();
  return response.status;
}

/** GET /me (userinfo) with a bearer token; the status tells whether the token is alive. */
export async function userinfo(base: string, accessToken: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${base}/me`, { headers: { authorization: `Bearer ${accessToken}` } });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A temporary data directory, removed by the returned function. */
export function tempDataDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'device-login-server-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
