// The defences of the verification pages: security headers, the CSRF token of our own forms, and
// the limit on password guessing at sign-in (code entry has its own: guess-limits.ts).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

import type { Context, Next } from 'koa';

import { STYLE_HASH } from './layout.ts';

/**
 * Sets the security headers of a page response. Must run before the handler: oidc-provider adds the
 * hash of its own auto-submit script to `script-src` of the header it finds (form_post.js).
 * `frameAncestors` are origins besides our own that may frame the pages (the browser host's phone
 * frame); the list is read on every response, so an origin can be added after start-up.
 */
export async function securityHeaders(ctx: Context, next: Next, frameAncestors: readonly string[] = []): Promise<void> {
  setPageHeaders(ctx, frameAncestors);
  await next();
  // Pages carry single-use form tokens: never cache them.
  if (ctx.response.is('html')) ctx.set('Cache-Control', 'no-store');
}

/**
 * For the provider's JSON endpoints (token, device authorization, userinfo, JWKS, introspection,
 * revocation, discovery: the hot paths a TV polls), which a browser neither renders nor frames: only
 * `nosniff`. Six headers less on every poll was a measurable share of its cost. Every other route
 * keeps securityHeaders(), set before the handler as oidc-provider's form_post page needs.
 */
export async function jsonHeaders(ctx: Context, next: Next): Promise<void> {
  ctx.set('X-Content-Type-Options', 'nosniff');
  await next();
}

/**
 * Lets this page show an image from `url`'s origin (a client's logo_uri, set by whoever registered the
 * client): added to img-src of the page's policy. Only http(s) URLs; false when the image must not be shown.
 */
export function allowImageFrom(ctx: Context, url: string): boolean {
  let origin: string;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return false;
    origin = parsed.origin;
  } catch {
    return false;
  }
  const policy = ctx.response.get('Content-Security-Policy');
  if (policy) ctx.set('Content-Security-Policy', policy.replace("img-src 'self' data:", `img-src 'self' data: ${origin}`));
  return true;
}

/**
 * Lets this page's forms lead to `uri`: the redirect URI of the browser sign-in the page belongs to.
 * Chromium applies form-action to the redirects that follow a submitted form, so without it the
 * browser stops at the last hop, to the client's callback, after Sign in or Allow. Exactly that URI
 * (its origin and path), nothing wider; false when it cannot be written into the policy as it is.
 */
export function allowFormActionTo(ctx: Context, uri: string): boolean {
  let source: string;
  try {
    const parsed = new URL(uri);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return false;
    source = `${parsed.origin}${parsed.pathname}`;
  } catch {
    return false;
  }
  // A policy is split at ';' and ',' and its sources at white space: such a URI would widen it.
  if (/[\s;,']/.test(source)) return false;
  const policy = ctx.response.get('Content-Security-Policy');
  if (!policy) return false;
  ctx.set('Content-Security-Policy', policy.replace("form-action 'self'", `form-action 'self' ${source}`));
  return true;
}

function setPageHeaders(ctx: Context, frameAncestors: readonly string[]): void {
  ctx.set(
    'Content-Security-Policy',
    [
      "default-src 'none'",
      "script-src 'self'",
      `style-src ${STYLE_HASH}`,
      "img-src 'self' data:",
      "form-action 'self'",
      ["frame-ancestors 'self'", ...frameAncestors].join(' '),
      "base-uri 'none'",
    ].join('; '),
  );
  ctx.set('Referrer-Policy', 'no-referrer');
  ctx.set('X-Content-Type-Options', 'nosniff');
  // X-Frame-Options cannot name another origin; browsers that know frame-ancestors ignore it anyway.
  if (frameAncestors.length === 0) ctx.set('X-Frame-Options', 'SAMEORIGIN');
  ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
  ctx.set('Permissions-Policy', 'camera=(), microphone=(), geolocation=()');
}

// ---------------------------------------------------------------------------------------------
// CSRF for our interaction forms: a random secret in an HttpOnly cookie, and in each form an HMAC
// of the interaction uid under that secret. A cross-site page can neither read the cookie nor
// compute the token, and a token from one interaction does not fit another.

export const CSRF_COOKIE = 'dl_csrf';

function csrfSecret(ctx: Context): string {
  let secret = ctx.cookies.get(CSRF_COOKIE);
  if (!secret || !/^[A-Za-z0-9_-]{32,}$/.test(secret)) {
    secret = randomBytes(32).toString('base64url');
    ctx.cookies.set(CSRF_COOKIE, secret, { httpOnly: true, sameSite: 'lax', secure: ctx.secure, path: '/' });
  }
  return secret;
}

/** The CSRF token for a form of interaction `uid` (sets the cookie when missing). */
export function csrfToken(ctx: Context, uid: string): string {
  return createHmac('sha256', csrfSecret(ctx)).update(`interaction:${uid}`).digest('base64url');
}

/** True when the submitted token matches the cookie for this interaction. */
export function checkCsrf(ctx: Context, uid: string, submitted: unknown): boolean {
  const secret = ctx.cookies.get(CSRF_COOKIE);
  if (!secret || typeof submitted !== 'string' || !submitted) return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(`interaction:${uid}`).digest('base64url'));
  const given = Buffer.from(submitted);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** Reads a small urlencoded form body (our own routes only; oidc-provider parses its own). */
export async function readForm(ctx: Context, limit = 8 * 1024): Promise<URLSearchParams | undefined> {
  if (!ctx.is('application/x-www-form-urlencoded')) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

// ---------------------------------------------------------------------------------------------
// Password guessing at sign-in: failures per address and per email in a sliding window. The counters
// are kept in memory: they only need to outlive the window, and with N instances an attacker gets at
// most N times the budget. A restart clears them, which costs the same.

export interface AttemptLimiterOptions {
  maxFailures?: number;
  windowMs?: number;
  now?: () => number;
  /** Cap on tracked keys, so a flood of addresses cannot grow memory without bound. */
  maxKeys?: number;
}

export interface AttemptLimiter {
  /** Milliseconds until these keys may try again, or 0 when they may try now. */
  blockedFor(keys: string[]): number;
  recordFailure(keys: string[]): void;
  /** Failures left before the lock, for the smallest budget among keys. */
  remaining(keys: string[]): number;
}

/** Creates a sliding-window failure counter keyed by client address and email. */
export function createAttemptLimiter(options: AttemptLimiterOptions = {}): AttemptLimiter {
  const max = options.maxFailures ?? 5;
  const windowMs = options.windowMs ?? 10 * 60 * 1000;
  const now = options.now ?? Date.now;
  const maxKeys = options.maxKeys ?? 10_000;
  const failures = new Map<string, number[]>();

  const recent = (key: string): number[] => {
    const cutoff = now() - windowMs;
    const list = (failures.get(key) ?? []).filter((t) => t > cutoff);
    if (list.length) failures.set(key, list);
    else failures.delete(key);
    return list;
  };

  return {
    blockedFor(keys) {
      let wait = 0;
      for (const key of keys) {
        const list = recent(key);
        if (list.length >= max) {
          const oldestThatCounts = list[list.length - max] ?? now();
          wait = Math.max(wait, oldestThatCounts + windowMs - now());
        }
      }
      return wait;
    },
    recordFailure(keys) {
      for (const key of keys) {
        const list = recent(key);
        list.push(now());
        failures.delete(key);
        failures.set(key, list.slice(-max));
      }
      while (failures.size > maxKeys) {
        const oldest = failures.keys().next().value;
        if (oldest === undefined) break;
        failures.delete(oldest);
      }
    },
    remaining(keys) {
      return Math.max(0, Math.min(...keys.map((key) => max - recent(key).length)));
    },
  };
}
