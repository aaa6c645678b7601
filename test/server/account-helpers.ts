// The account website's side of the server tests, over real HTTP: a stand-in for the site's origin
// (its callback answers 200, as the real site's would after exchanging the code on its server), the
// authorization code flow with PKCE driven through the real sign-in and consent pages, and calls to
// the devices API. The TV's side is in device-helpers.ts.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { RunningServer } from '../../server/app.ts';
import { accountSiteClient } from '../../server/provider.ts';
import { Phone, type PhonePage } from '../fixtures/phone.ts';
import { DEVICE_GRANT, requestDeviceCode } from './device-helpers.ts';

export const SITE_SECRET = 'account-site-secret-for-tests-0123456789';

export interface Site {
  origin: string;
  redirectUri: string;
  close(): Promise<void>;
}

/** A loopback listener standing in for the site's origin; registers the account-site client for it on `server`, when given. */
export async function startSite(server?: RunningServer): Promise<Site> {
  const listener: Server = createServer((_req, res) => {
    res.setHeader('content-type', 'text/html');
    res.end('<!doctype html><title>site</title>');
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
  await server?.registerClient(accountSiteClient({ origin, clientSecret: SITE_SECRET }));
  return {
    origin,
    redirectUri: `${origin}/account/callback`,
    close: () => new Promise<void>((resolve) => listener.close(() => resolve())),
  };
}

export interface CodeFlow {
  clientId: string;
  redirectUri: string;
  scope: string;
  /** Basic credentials of a confidential client; a public client sends client_id in the form. */
  secret?: string;
}

/** The site's flow: PKCE, state and nonce, as account-site with every scope it is registered for. */
export function siteFlow(site: Site, scope = 'openid profile email offline_access devices'): CodeFlow {
  return { clientId: 'account-site', redirectUri: site.redirectUri, scope, secret: SITE_SECRET };
}

/** The authorization request of a flow; its verifier and state for the rest of it. */
export function authorizationRequest(server: RunningServer, flow: CodeFlow, extra: Record<string, string> = {}): { url: string; verifier: string; state: string } {
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(8).toString('base64url');
  const url = new URL(`${server.url}/auth`);
  url.search = new URLSearchParams({
    client_id: flow.clientId,
    response_type: 'code',
    scope: flow.scope,
    redirect_uri: flow.redirectUri,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    state,
    nonce: randomBytes(8).toString('base64url'),
    // Consent is asked for offline_access (oidc-provider drops it without prompt=consent).
    prompt: 'consent',
    ...extra,
  }).toString();
  return { url: url.href, verifier, state };
}

/** Exchanges a code at the token endpoint as the flow's client. */
export async function exchangeCode(server: RunningServer, flow: CodeFlow, code: string, verifier: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const form = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: flow.redirectUri, code_verifier: verifier });
  const headers: Record<string, string> = {};
  if (flow.secret) headers.authorization = `Basic ${Buffer.from(`${flow.clientId}:${flow.secret}`).toString('base64')}`;
  else form.set('client_id', flow.clientId);
  const res = await fetch(`${server.url}/token`, { method: 'POST', headers, body: form });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/**
 * Signs in through the code flow with `phone` (login when asked, Allow at consent) and exchanges the
 * code; throws with the page it stopped on otherwise.
 */
export async function signInWithCode(server: RunningServer, phone: Phone, flow: CodeFlow, creds: { email: string; password: string }): Promise<Record<string, unknown>> {
  const request = authorizationRequest(server, flow);
  let page: PhonePage = await phone.get(request.url);
  if (page.page === 'login') page = await phone.signIn(page, creds);
  if (page.page === 'consent') page = await phone.submit(page, { button: 'decision=allow' });
  const landed = new URL(page.url);
  if (`${landed.origin}${landed.pathname}` !== flow.redirectUri) throw new Error(`code flow stopped on ${page.page ?? page.url} (HTTP ${page.status})`);
  if (landed.searchParams.get('state') !== request.state) throw new Error('code flow: the state came back changed');
  const code = landed.searchParams.get('code');
  if (!code) throw new Error(`code flow: no code (${landed.searchParams.get('error') ?? 'no error'})`);
  const tokens = await exchangeCode(server, flow, code, request.verifier);
  if (tokens.status !== 200) throw new Error(`code exchange failed: ${tokens.status} ${String(tokens.body.error)}`);
  return tokens.body;
}

/** A TV signed in through the real device flow (the phone approves over HTTP); its token answer. */
export async function signInTv(server: RunningServer, creds: { email: string; password: string }, userAgent?: string): Promise<Record<string, unknown>> {
  const auth = await requestDeviceCode(server.url);
  const end = await new Phone().approve(auth.verification_uri_complete, creds);
  if (end.page !== 'success') throw new Error(`device approval stopped on ${end.page ?? end.url}`);
  const headers = userAgent ? { 'user-agent': userAgent } : {};
  const answer = await fetch(`${server.url}/token`, {
    method: 'POST',
    headers: { accept: 'application/json', ...headers },
    body: new URLSearchParams({ client_id: 'tv-demo', grant_type: DEVICE_GRANT, device_code: auth.device_code }),
  });
  const body = (await answer.json()) as Record<string, unknown>;
  if (answer.status !== 200) throw new Error(`device token failed: ${answer.status} ${String(body.error)}`);
  return body;
}

/** A refresh at the token endpoint as the public TV client. */
export async function refreshTv(server: RunningServer, refreshToken: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${server.url}/token`, {
    method: 'POST',
    headers: { accept: 'application/json' },
    body: new URLSearchParams({ client_id: 'tv-demo', grant_type: 'refresh_token', refresh_token: refreshToken }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Introspection of a TV token by its own client (RFC 7662). */
export async function introspectTv(server: RunningServer, token: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${server.url}/token/introspection`, { method: 'POST', body: new URLSearchParams({ client_id: 'tv-demo', token }) });
  return (await res.json()) as Record<string, unknown>;
}

/** One call to the resource server. */
export async function callApi(server: RunningServer, path: string, token?: string, method = 'GET'): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const res = await fetch(`${server.url}${path}`, { method, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
  const text = await res.text();
  const json = res.headers.get('content-type')?.includes('json') && text;
  return { status: res.status, headers: res.headers, body: json ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** One listed device as GET /api/devices answers it. */
export interface ListedDevice {
  id: string;
  clientId: string;
  clientName: string;
  method: 'device' | 'browser';
  signedInAt: string;
  lastUsedAt: string;
  ip: string;
  userAgent?: string;
}

/** GET /api/devices with the site's token; fails the caller on anything but 200. */
export async function listDevices(server: RunningServer, siteToken: string): Promise<ListedDevice[]> {
  const answer = await callApi(server, '/api/devices', siteToken);
  if (answer.status !== 200) throw new Error(`GET /api/devices answered ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body.devices as ListedDevice[];
}
