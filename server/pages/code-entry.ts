// The guard in front of oidc-provider's code-entry route (verification_uri): the browser's own
// cookie, the limits that slow code guessing down (guess-limits.ts), and the RFC 8628 §6.1 folding
// of what was typed. Two kinds of request are not guesses and pass without counting: a code that
// arrives through the TV's own link (verification_uri_complete carries a MAC of the code), and a
// decision (Continue, Deny) on a code this browser was shown the confirm page of. Both are
// remembered in a signed cookie. That a code was wrong is known only inside oidc-provider's
// re-render hook, so the guard leaves on the request's state what that hook may do (countWrongCode).
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';

import type { Context, Next } from 'koa';
import type { KoaContextWithOIDC } from 'oidc-provider';

import { addressGroup } from '../limits.ts';
import { checkVerificationLinkProof, normaliseUserCode } from '../user-codes.ts';
import { holdCode, isAwaitingDecision } from './device-hold.ts';
import type { GuessKeys, GuessLimiter, GuessVerdict } from './guess-limits.ts';
import { language, render } from './respond.ts';
import { readForm } from './security.ts';
import { endPage } from './views.ts';

/** The limits on wrong codes (SERVER_DEFAULTS.codeEntry; guess-limits.ts has the arithmetic). */
export interface CodeEntryLimits {
  windowSeconds: number;
  perBrowser: number;
  perAddress: number;
  overall: number;
  /** The wrong code of a browser from which it waits before the next (2: the second). */
  browserDelayFrom: number;
  /** The same for an address, which many people may share. */
  addressDelayFrom: number;
  firstDelaySeconds: number;
  maxDelaySeconds: number;
}

/** This browser's id: the key of its guessing budget and of the codes it holds (device-hold.ts). */
const BROWSER_COOKIE = 'dl_browser';
/** The codes this browser may decide on without counting: signed, so it cannot be forged. */
const KNOWN_COOKIE = 'dl_codes';
/** How many codes the cookie remembers (a phone setting up a few TVs at once). */
const KNOWN_MAX = 4;
/** Where the guard leaves the state of this request (only this module reads it). */
const STATE = Symbol('code-entry');

interface EntryState {
  limiter: GuessLimiter;
  keys: GuessKeys;
  /** Set when the attempt was refused before oidc-provider looked the code up. */
  refused?: { verdict: GuessVerdict; code: string };
}

function state(ctx: Context): EntryState | undefined {
  return (ctx.state as Record<symbol, EntryState | undefined>)[STATE];
}

/** This browser's id, from this request's guard or its cookie; undefined when it has none. */
export function browserOf(ctx: Context): string | undefined {
  const fromGuard = state(ctx)?.keys.browser;
  if (fromGuard) return fromGuard;
  const cookie = ctx.cookies.get(BROWSER_COOKIE);
  return cookie && /^[A-Za-z0-9_-]{16,64}$/.test(cookie) ? cookie : undefined;
}

/** The normalised codes this browser may decide on without counting. */
function knownCodes(ctx: Context): string[] {
  const value = ctx.app.keys ? ctx.cookies.get(KNOWN_COOKIE, { signed: true }) : undefined;
  return value ? value.split('.').filter(Boolean) : [];
}

/** Remembers that this browser legitimately has `userCode` (shown on confirm, or from the TV's link). */
export function rememberCode(ctx: Context, userCode: string, path: string): void {
  // Without cookie keys nothing can be signed: the browser is then simply counted like any other.
  if (!ctx.app.keys) return;
  const code = normaliseUserCode(userCode);
  const codes = [code, ...knownCodes(ctx).filter((c) => c !== code)].slice(0, KNOWN_MAX);
  ctx.cookies.set(KNOWN_COOKIE, codes.join('.'), { httpOnly: true, sameSite: 'lax', secure: ctx.secure, path, signed: true });
}

/** The middleware that guards the code-entry route at `devicePath` with `limiter`. */
export function codeEntryGuard(devicePath: string, limiter: GuessLimiter): (ctx: Context, next: Next) => Promise<void> {
  return async (ctx, next) => {
    let browser = browserOf(ctx);
    if (!browser) {
      browser = randomBytes(18).toString('base64url');
      // Path /: the sign-in and consent pages check which browser holds a code (device-hold.ts).
      ctx.cookies.set(BROWSER_COOKIE, browser, { httpOnly: true, sameSite: 'lax', secure: ctx.secure, path: '/' });
    }
    const entry: EntryState = { limiter, keys: { browser, address: addressGroup(ctx.ip) } };
    (ctx.state as Record<symbol, EntryState>)[STATE] = entry;

    if (ctx.method !== 'POST') {
      const { user_code: code, k: proof } = ctx.query;
      const keys = Array.isArray(ctx.app.keys) ? (ctx.app.keys as string[]) : [];
      if (typeof code === 'string' && typeof proof === 'string' && checkVerificationLinkProof(keys, code, proof)) {
        rememberCode(ctx, code, devicePath);
      }
      return next();
    }

    const body = await normaliseForm(ctx);
    const code = typeof body.user_code === 'string' ? body.user_code : '';
    if (code && !knownCodes(ctx).includes(code)) {
      const verdict = limiter.check(entry.keys);
      if (verdict.waitMs > 0) {
        // Not looked up at all: an empty code makes oidc-provider re-render the form (with a fresh
        // xsrf token), and the hook says how long to wait instead of "enter a code".
        entry.refused = { verdict, code };
        body.user_code = '';
      }
    }
    try {
      await next();
    } catch (err) {
      // oidc-provider 9.13 answers a device form posted by a browser without a session (a
      // forged cross-site POST) with a 500 when it tries to keep the fresh xsrf secret for a
      // session it never saved. Nothing was changed: say so with a 403.
      if (!(err instanceof TypeError) || !/persist/.test(err.message)) throw err;
      const { lang, m } = language(ctx);
      render(ctx, endPage({ lang, m, kind: 'forbidden', startHref: devicePath }), 403);
      return;
    }
    // Continue was pressed: the code is now reserved for this browser (device-hold.ts).
    const device = (ctx as Partial<KoaContextWithOIDC>).oidc?.entities.DeviceCode;
    if (body.confirm && device && isAwaitingDecision(device) && device.inFlight) await holdCode(device, browser);
  };
}

/** The refusal the guard decided for this request, if any (the hook renders it). */
export function refusedAttempt(ctx: Context): { verdict: GuessVerdict; code: string } | undefined {
  return state(ctx)?.refused;
}

/**
 * Counts a wrong code against this request's browser, address and the server; returns what the
 * limits say now (undefined when no guard is in front of this route).
 */
export function countWrongCode(ctx: Context): GuessVerdict | undefined {
  const entry = state(ctx);
  return entry ? entry.limiter.fail(entry.keys) : undefined;
}

/**
 * Reads the form and folds the typed code as RFC 8628 §6.1 asks: compared case-insensitively with
 * dashes and spaces ignored. oidc-provider upper-cases ASCII and drops non-word characters; before
 * that we fold full-width letters (typed with a CJK input method) to ASCII with NFKC, which it would
 * otherwise drop and call a wrong code. oidc-provider then reads the folded form (replayBody).
 */
async function normaliseForm(ctx: Context): Promise<Record<string, string | string[]>> {
  const body: Record<string, string | string[]> = {};
  if (!ctx.is('application/x-www-form-urlencoded')) return body;
  const form = await readForm(ctx, 56 * 1024);
  for (const key of new Set(form?.keys() ?? [])) {
    const values = form?.getAll(key) ?? [];
    body[key] = values.length === 1 ? (values[0] ?? '') : values;
  }
  if (typeof body.user_code === 'string') body.user_code = body.user_code.normalize('NFKC').toUpperCase().replace(/[^A-Z0-9]/g, '');
  replayBody(ctx, body);
  return body;
}

/**
 * Gives oidc-provider the folded form as a request body it can read as if nothing had read it before.
 * Its fallback for a body already read (ctx.request.body) works too, but prints a bold red
 * "oidc-provider WARNING: already parsed request body detected" into the operator's terminal at the
 * first typed code, about a choice made here on purpose. Only the stream oidc-provider reads
 * (ctx.req's iterator, with the length it checks) is replaced; headers, socket and the rest stay the
 * request's own.
 */
function replayBody(ctx: Context, body: Record<string, string | string[]>): void {
  // Encoded when oidc-provider reads it, not now: the guard may still blank the code (a refused attempt).
  let bytes: Buffer | undefined;
  const encoded = (): Buffer => {
    if (bytes) return bytes;
    const form = new URLSearchParams();
    for (const [key, value] of Object.entries(body)) for (const one of Array.isArray(value) ? value : [value]) form.append(key, one);
    bytes = Buffer.from(form.toString());
    request.headers['content-length'] = String(bytes.length);
    return bytes;
  };
  const request = ctx.req;
  ctx.req = new Proxy(request, {
    get(target, property) {
      // Asked first, before the length is read: the moment to encode (and set Content-Length).
      if (property === 'readable') {
        encoded();
        return true;
      }
      if (property === 'readableEncoding') return null;
      if (property === 'iterator') {
        const replay = Readable.from([encoded()]);
        return replay.iterator.bind(replay);
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  (ctx.request as unknown as { body: unknown }).body = body;
}
