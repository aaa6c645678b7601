// The guard in front of oidc-provider's code-entry route (verification_uri): a browser-session
// cookie of its own, the brute-force lock on wrong codes, and the RFC 8628 §6.1 folding of what
// was typed. That a code was wrong is known only inside oidc-provider's re-render hook, so the
// guard leaves on the request's state the one thing that hook may do about it (countWrongCode).
import { randomBytes } from 'node:crypto';

import type { Context, Next } from 'koa';

import { readForm, type AttemptLimiter } from './security.ts';
import { language, render, renderTooMany } from './respond.ts';
import { endPage } from './views.ts';

const DEVICE_COOKIE = 'dl_device';
/** Where the guard leaves the attempt counter of this request (only this module reads it). */
const ATTEMPTS = Symbol('code-entry attempts');

interface Attempts {
  limiter: AttemptLimiter;
  /** The keys a failure counts against: the client address and the browser session. */
  keys: string[];
}

/** The middleware that guards the code-entry route at `devicePath`; the lock is `limiter`'s. */
export function codeEntryGuard(devicePath: string, limiter: AttemptLimiter): (ctx: Context, next: Next) => Promise<void> {
  return async (ctx, next) => {
    let sid = ctx.cookies.get(DEVICE_COOKIE);
    if (!sid || !/^[A-Za-z0-9_-]{16,64}$/.test(sid)) {
      sid = randomBytes(18).toString('base64url');
      ctx.cookies.set(DEVICE_COOKIE, sid, { httpOnly: true, sameSite: 'lax', secure: ctx.secure, path: devicePath });
    }
    const attempts: Attempts = { limiter, keys: [`ip:${ctx.ip}`, `sid:${sid}`] };
    (ctx.state as Record<symbol, Attempts>)[ATTEMPTS] = attempts;
    if (ctx.method !== 'POST') return next();

    const wait = limiter.blockedFor(attempts.keys);
    if (wait > 0) return renderTooMany(ctx, wait);
    await normaliseUserCode(ctx);
    try {
      await next();
    } catch (err) {
      // oidc-provider 9.13 answers a device form posted by a browser without a session (a
      // forged cross-site POST) with a 500 when it tries to keep the fresh xsrf secret for a
      // session it never saved. Nothing was changed: say so with a 403.
      if (!(err instanceof TypeError) || !/persist/.test(err.message)) throw err;
      const { lang, m } = language(ctx);
      render(ctx, endPage({ lang, m, kind: 'forbidden', startHref: devicePath }), 403);
    }
  };
}

/**
 * Counts a wrong code against this request's address and browser session; returns the ms until
 * they may try again (0: not locked, or no guard in front of this route).
 */
export function countWrongCode(ctx: Context): number {
  const attempts = (ctx.state as Record<symbol, Attempts | undefined>)[ATTEMPTS];
  if (!attempts) return 0;
  attempts.limiter.recordFailure(attempts.keys);
  return attempts.limiter.blockedFor(attempts.keys);
}

/**
 * RFC 8628 §6.1: codes are compared case-insensitively with dashes and spaces ignored. oidc-provider
 * upper-cases ASCII and drops non-word characters; before that we fold full-width letters (typed
 * with a CJK input method) to ASCII with NFKC, which it would otherwise drop and call a wrong code.
 * oidc-provider then reads the parsed body from ctx.request.body, its documented fallback.
 */
async function normaliseUserCode(ctx: Context): Promise<void> {
  if (!ctx.is('application/x-www-form-urlencoded')) return;
  const form = await readForm(ctx, 56 * 1024);
  const body: Record<string, string | string[]> = {};
  for (const key of new Set(form?.keys() ?? [])) {
    const values = form?.getAll(key) ?? [];
    body[key] = values.length === 1 ? (values[0] ?? '') : values;
  }
  if (typeof body.user_code === 'string') body.user_code = body.user_code.normalize('NFKC').toUpperCase().replace(/[^A-Z0-9]/g, '');
  (ctx.request as unknown as { body: unknown }).body = body;
}
