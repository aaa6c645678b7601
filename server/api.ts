// The resource server on the authorization server's origin: /api/me, /api/catalog and the devices
// API (/api/devices, scope `devices`: server/devices.ts) behind a bearer access token (RFC 6750), and
// the static /assets/ the catalogue's posters point at.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';

import type Koa from 'koa';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';

import { avatarPath, type Accounts } from './accounts.ts';
import { ASSETS_DIR, catalogFor } from './catalog.ts';
import { answerDevices, DEVICES_SCOPE, SIGNED_OUT_DESCRIPTION, SIGNED_OUT_REASON, type DeviceRegistry } from './devices.ts';

/** The parts of oidc-provider the resource server uses (typed by @types/oidc-provider). */
type ProviderForApi = Pick<Provider, 'AccessToken' | 'Grant'>;

export interface ResourceServerDeps {
  accounts: Accounts;
  /** The origin phones and TVs reach this server at; poster URLs are absolute under it. */
  publicUrl: string;
  /** The sign-ins of each account: mounts /api/devices, notes each call as use, and says when a device was signed out. */
  devices?: DeviceRegistry;
}

/** A refusal with its reason for machines beside the RFC 6750 error (the `reason` member is our extension). */
interface Refusal {
  code: string;
  description: string;
  reason?: string;
}

const REALM = 'device-login';
const TYPES: Record<string, string> = {
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
  '.ico': 'image/x-icon',
};

function unauthorized(ctx: Context, error?: Refusal): void {
  // RFC 6750 §3.1: a request with no credentials gets the challenge without an error code.
  const params = [`realm="${REALM}"`];
  if (error) params.push(`error="${error.code}"`, `error_description="${error.description}"`);
  ctx.status = 401;
  ctx.set('WWW-Authenticate', `Bearer ${params.join(', ')}`);
  ctx.set('Cache-Control', 'no-store');
  ctx.body = error
    ? { error: error.code, error_description: error.description, ...(error.reason ? { reason: error.reason } : {}) }
    : { error: 'invalid_token', error_description: 'An access token is required.' };
}

/** RFC 6750 §3.1: a valid token without the scope a route needs. */
function insufficientScope(ctx: Context, scope: string): void {
  ctx.status = 403;
  ctx.set('WWW-Authenticate', `Bearer realm="${REALM}", error="insufficient_scope", scope="${scope}"`);
  ctx.set('Cache-Control', 'no-store');
  ctx.body = { error: 'insufficient_scope', error_description: `This access token does not carry the "${scope}" scope.`, scope };
}

interface Authenticated {
  accountId: string;
  clientId: string;
  scope: Set<string>;
}

/** The token's account, client and scope, or undefined after answering 401. */
async function authenticate(ctx: Context, provider: ProviderForApi, devices: DeviceRegistry | undefined): Promise<Authenticated | undefined> {
  const header = ctx.get('authorization');
  const match = /^Bearer[ ]+([A-Za-z0-9._~+/-]+=*)$/i.exec(header.trim());
  if (!header) {
    unauthorized(ctx);
    return undefined;
  }
  if (!match?.[1]) {
    unauthorized(ctx, { code: 'invalid_request', description: 'The Authorization header must be "Bearer <access token>".' });
    ctx.status = 400;
    return undefined;
  }
  const token = await provider.AccessToken.find(match[1]);
  // find() answers undefined for unknown, revoked and expired tokens alike; the grant check catches
  // a grant revoked after the token was issued.
  const valid = token && !token.isExpired && token.accountId && (!token.grantId || (await provider.Grant.find(token.grantId)));
  if (!token || !valid || !token.accountId) {
    // A token whose grant the account page ended says so, for the device to tell its user.
    if (token?.grantId && devices && (await devices.signedOut(token.grantId))) {
      unauthorized(ctx, { code: 'invalid_token', description: SIGNED_OUT_DESCRIPTION, reason: SIGNED_OUT_REASON });
    } else {
      unauthorized(ctx, { code: 'invalid_token', description: 'The access token is invalid, expired or revoked.' });
    }
    return undefined;
  }
  if (token.grantId) await devices?.touch(token.grantId);
  return { accountId: token.accountId, clientId: token.clientId ?? '', scope: new Set((token.scope ?? '').split(' ').filter(Boolean)) };
}

const DEVICE_PATH = /^\/api\/devices\/([^/]+)$/;

/** The route of a resource-server path and the methods it answers; undefined for paths not ours. */
function routeOf(path: string, withDevices: boolean): { name: 'me' | 'catalog' | 'devices' | 'device'; allow: string; id?: string } | undefined {
  if (path === '/api/me') return { name: 'me', allow: 'GET' };
  if (path === '/api/catalog') return { name: 'catalog', allow: 'GET' };
  if (!withDevices) return undefined;
  if (path === '/api/devices') return { name: 'devices', allow: 'GET, DELETE' };
  const match = DEVICE_PATH.exec(path);
  if (!match) return undefined;
  let id: string;
  try {
    id = decodeURIComponent(match[1] ?? '');
  } catch {
    // Not valid percent-encoding: it names no device; answered like any unknown id after authentication.
    id = '';
  }
  return { name: 'device', allow: 'DELETE', id };
}

const etags = new Map<string, { body: Buffer; etag: string }>();

async function serveAsset(ctx: Context): Promise<void> {
  const relative = decodeURIComponent(ctx.path.slice('/assets/'.length));
  const full = normalize(join(ASSETS_DIR, relative));
  const type = TYPES[extname(full).toLowerCase()];
  if (!full.startsWith(ASSETS_DIR + sep) || !type || relative.includes('\0')) {
    ctx.status = 404;
    return;
  }
  let entry = etags.get(full);
  if (!entry) {
    try {
      const body = await readFile(full);
      entry = { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
      etags.set(full, entry);
    } catch {
      ctx.status = 404;
      return;
    }
  }
  ctx.set('Cache-Control', 'public, max-age=86400, stale-while-revalidate=604800');
  ctx.set('ETag', entry.etag);
  ctx.set('X-Content-Type-Options', 'nosniff');
  // SVGs can carry scripts: never let one run if it is opened as a document.
  if (type.startsWith('image/svg')) ctx.set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; sandbox");
  ctx.set('Access-Control-Allow-Origin', '*');
  if (ctx.get('if-none-match') === entry.etag) {
    ctx.status = 304;
    return;
  }
  ctx.type = type;
  ctx.body = entry.body;
}

/** Mounts GET /api/me, GET /api/catalog, the devices API (with deps.devices) and GET /assets/... on the app. */
export function mountResourceServer(app: Koa, provider: ProviderForApi, deps: ResourceServerDeps): void {
  app.use(async (ctx, next) => {
    if (ctx.path.startsWith('/assets/')) {
      if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
        ctx.status = 405;
        ctx.set('Allow', 'GET, HEAD');
        return;
      }
      return serveAsset(ctx);
    }
    const route = routeOf(ctx.path, deps.devices !== undefined);
    if (!route) return next();
    if (!route.allow.split(', ').includes(ctx.method)) {
      ctx.status = 405;
      ctx.set('Allow', route.allow);
      return;
    }
    const auth = await authenticate(ctx, provider, deps.devices);
    if (!auth) return;
    ctx.set('Cache-Control', 'no-store');
    const user = deps.accounts.get(auth.accountId);
    if (!user) return unauthorized(ctx, { code: 'invalid_token', description: 'The account of this access token no longer exists.' });

    if ((route.name === 'devices' || route.name === 'device') && deps.devices) {
      if (!auth.scope.has(DEVICES_SCOPE)) return insufficientScope(ctx, DEVICES_SCOPE);
      return answerDevices(ctx, deps.devices, auth, route.id);
    }

    if (ctx.path === '/api/me') {
      const me: Record<string, string> = { sub: user.sub };
      if (auth.scope.has('profile')) {
        me.name = user.name;
        me.picture = new URL(avatarPath(user.sub), deps.publicUrl).href;
      }
      if (auth.scope.has('email')) me.email = user.email;
      ctx.body = me;
      return;
    }
    ctx.body = catalogFor(user.sub, deps.publicUrl);
  });
}
