// The resource server on the authorization server's origin: /api/me and /api/catalog behind a
// bearer access token (RFC 6750), and the static /assets/ the catalogue's posters point at.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';

import type Koa from 'koa';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';

import { avatarPath, type Accounts } from './accounts.ts';
import { ASSETS_DIR, catalogFor } from './catalog.ts';

/** The parts of oidc-provider the resource server uses (typed by @types/oidc-provider). */
type ProviderForApi = Pick<Provider, 'AccessToken' | 'Grant'>;

export interface ResourceServerDeps {
  accounts: Accounts;
  /** The origin phones and TVs reach this server at; poster URLs are absolute under it. */
  publicUrl: string;
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

function unauthorized(ctx: Context, error?: { code: string; description: string }): void {
  // RFC 6750 §3.1: a request with no credentials gets the challenge without an error code.
  const params = [`realm="${REALM}"`];
  if (error) params.push(`error="${error.code}"`, `error_description="${error.description}"`);
  ctx.status = 401;
  ctx.set('WWW-Authenticate', `Bearer ${params.join(', ')}`);
  ctx.set('Cache-Control', 'no-store');
  ctx.body = error ? { error: error.code, error_description: error.description } : { error: 'invalid_token', error_description: 'An access token is required.' };
}

/** The token's account and scope, or undefined after answering 401. */
async function authenticate(ctx: Context, provider: ProviderForApi): Promise<{ accountId: string; scope: Set<string> } | undefined> {
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
    unauthorized(ctx, { code: 'invalid_token', description: 'The access token is invalid, expired or revoked.' });
    return undefined;
  }
  return { accountId: token.accountId, scope: new Set((token.scope ?? '').split(' ').filter(Boolean)) };
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

/** Mounts GET /api/me, GET /api/catalog and GET /assets/... on the app. */
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
    if (ctx.path !== '/api/me' && ctx.path !== '/api/catalog') return next();
    if (ctx.method !== 'GET') {
      ctx.status = 405;
      ctx.set('Allow', 'GET');
      return;
    }
    const auth = await authenticate(ctx, provider);
    if (!auth) return;
    ctx.set('Cache-Control', 'no-store');
    const user = deps.accounts.get(auth.accountId);
    if (!user) return unauthorized(ctx, { code: 'invalid_token', description: 'The account of this access token no longer exists.' });

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
