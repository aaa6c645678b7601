// The phone side of the device flow: oidc-provider's device-flow hooks (enter code, confirm,
// success, errors), our interaction routes (sign in, consent), and the defences around them.
// Consent stays explicit for every device sign-in, even for a phone already signed in and a client
// already allowed: it is where the person sees the code and the device once more and decides, which
// is the defence against a code sent by someone else (RFC 8628 §5.4).
import { randomBytes } from 'node:crypto';

import type Koa from 'koa';
import type { Context, Next } from 'koa';

import type { Accounts } from '../accounts.ts';
import { messages, pickLang, type Lang, type Messages } from './i18n.ts';
import { esc } from './layout.ts';
import { checkCsrf, createAttemptLimiter, csrfToken, jsonHeaders, readForm, securityHeaders, type AttemptLimiter, type AttemptLimiterOptions } from './security.ts';
import { confirmPage, consentPage, endPage, enterCodePage, loginPage, type DeviceRequest, type EndKind } from './views.ts';

// oidc-provider ships no types; these are the parts of it the pages use.
interface ClientLike {
  clientId: string;
  clientName?: string;
}
interface DeviceCodeLike {
  userCode?: string;
  deviceInfo?: { ip?: string; ua?: string };
}
interface GrantLike {
  addOIDCScope(scope: string): void;
  addOIDCClaims(claims: string[]): void;
  addResourceScope(indicator: string, scope: string): void;
  save(): Promise<string>;
}
export interface InteractionLike {
  uid: string;
  prompt: { name: string; details: Record<string, unknown> };
  params: Record<string, unknown>;
  session?: { accountId?: string };
  grantId?: string;
  deviceCode?: string;
  returnTo?: string;
}
export interface ProviderLike {
  issuer: string;
  pathFor(name: string): string;
  use(fn: (ctx: Context, next: Next) => Promise<void>): unknown;
  interactionDetails(req: unknown, res: unknown): Promise<InteractionLike>;
  interactionResult(req: unknown, res: unknown, result: Record<string, unknown>, options?: { mergeWithLastSubmission?: boolean }): Promise<string>;
  Client: { find(id: string): Promise<ClientLike | undefined> };
  Grant: { new (init: { accountId: string; clientId: string }): GrantLike; find(id: string): Promise<GrantLike | undefined> };
  /** The device code of a device-flow interaction, for its user code and where it started. */
  DeviceCode?: { find(id: string, options?: { ignoreSessionBinding?: boolean }): Promise<DeviceCodeLike | undefined> };
}

/** What an oidc-provider hook's ctx carries (ctx.oidc), as far as the pages read it. */
interface OidcCtx {
  oidc?: {
    provider?: ProviderLike;
    client?: ClientLike;
    route?: string;
  };
}

const DEVICE_COOKIE = 'dl_device';
const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access', 'address', 'phone']);
// The limiter is created with the routes (mountInteractions) and read by the hooks, which only see
// ctx; keying it by provider keeps the two halves together without a global.
const limiters = new WeakMap<object, AttemptLimiter>();

function lang(ctx: Context): { lang: Lang; m: Messages } {
  const l = pickLang(ctx);
  return { lang: l, m: messages(l) };
}

/** The same URL with ?lang= set to the other language. */
function switchHref(ctx: Context, current: Lang, path = ctx.path, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams(extra);
  params.set('lang', current === 'en' ? 'zh-TW' : 'en');
  return `${path}?${params.toString()}`;
}

function clientLabel(client: ClientLike | undefined): string {
  return client?.clientName || client?.clientId || 'device-login';
}

/** Pulls an attribute value out of oidc-provider's form HTML (its action and xsrf). */
function formField(html: string, pattern: RegExp): string {
  const raw = pattern.exec(html)?.[1] ?? '';
  return raw.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}
const formAction = (html: string) => formField(html, /action="([^"]*)"/);
const formXsrf = (html: string) => formField(html, /name="xsrf" value="([^"]*)"/);

/** The path of a URL oidc-provider built absolute, for same-origin links. */
function pathOf(url: string): string {
  return new URL(url, 'http://localhost').pathname;
}

/** A normalised 8-character code shown back grouped as issued (BBBBCCCC -> BBBB-CCCC). */
function readable(code: string | undefined): string | undefined {
  return code && /^[A-Z0-9]{8}$/.test(code) ? `${code.slice(0, 4)}-${code.slice(4)}` : code;
}

function limiterKeys(ctx: Context): string[] {
  const keys = [`ip:${ctx.ip}`];
  const sid = (ctx.state as { deviceSid?: string }).deviceSid ?? ctx.cookies.get(DEVICE_COOKIE);
  if (sid) keys.push(`sid:${sid}`);
  return keys;
}

function render(ctx: Context, html: string, status?: number): void {
  if (status !== undefined) ctx.status = status;
  ctx.type = 'html';
  ctx.body = html;
}

function endKindFor(error: { name?: string; error?: string; message?: string } | undefined): EndKind | undefined {
  switch (error?.name) {
    case 'ExpiredError':
      return 'expired';
    case 'AlreadyUsedError':
      return 'used';
    case 'AbortedError':
      return 'denied';
    case 'SessionNotFound':
      return 'unknown';
  }
  if (error?.error === 'access_denied') return 'denied';
  return undefined;
}

export interface DeviceFlowHookDeps {
  /** Only for tests: the error thrown is shown to no one, but hooks may log through this. */
  onError?: (err: unknown) => void;
}

/** oidc-provider `features.deviceFlow` hooks that render our pages. */
export function deviceFlowHooks(_deps: DeviceFlowHookDeps = {}) {
  return {
    /** Enter code, and the re-render after a wrong, expired, used or aborted code. */
    async userCodeInputSource(ctx: Context, form: string, _out?: unknown, err?: { name?: string; error?: string; error_description?: string; message?: string; userCode?: string }) {
      const { lang: l, m } = lang(ctx);
      const action = formAction(form);
      const xsrf = formXsrf(form);
      const base = { lang: l, m, action, xsrf, switchHref: switchHref(ctx, l, pathOf(action)) };
      if (!err) return render(ctx, enterCodePage(base));

      const end = endKindFor(err);
      if (end) return render(ctx, endPage({ lang: l, m, kind: end, startHref: action }), end === 'denied' ? 200 : undefined);

      if (err.name === 'NotFoundError') {
        const limiter = limiters.get((ctx as OidcCtx).oidc?.provider ?? {});
        if (limiter) {
          limiter.recordFailure(limiterKeys(ctx));
          const wait = limiter.blockedFor(limiterKeys(ctx));
          if (wait > 0) return renderTooMany(ctx, l, m, wait);
        }
        return render(ctx, enterCodePage({ ...base, code: readable(err.userCode), error: m.wrongCode, invalid: true }));
      }
      if (err.name === 'NoCodeError') return render(ctx, enterCodePage({ ...base, error: m.noCode, invalid: true }));
      const desc = `${err.error_description ?? ''} ${err.message ?? ''}`;
      if (/xsrf|device form details/.test(desc)) {
        // A forged or replayed form: refuse it (nothing was changed) and offer a fresh one.
        return render(ctx, enterCodePage({ ...base, error: m.formExpired }), 403);
      }
      return render(ctx, enterCodePage({ ...base, error: m.genericError }));
    },

    /** "Does this code match the one on your TV?" (what it may do is asked on consent). */
    async userCodeConfirmSource(ctx: Context, form: string, client: ClientLike, deviceInfo: { ip?: string; ua?: string } | undefined, userCode: string) {
      const { lang: l, m } = lang(ctx);
      const action = formAction(form);
      render(
        ctx,
        confirmPage({
          lang: l,
          m,
          action,
          xsrf: formXsrf(form),
          ...deviceRequest(m, userCode, clientLabel(client), deviceInfo),
          switchHref: switchHref(ctx, l, pathOf(action), { user_code: userCode }),
        }),
      );
    },

    /** "You're signed in on your TV." */
    async successSource(ctx: Context) {
      const { lang: l, m } = lang(ctx);
      render(ctx, endPage({ lang: l, m, kind: 'success' }));
    },
  };
}

/** What confirm and consent both show of a device flow: the grouped code, the client, where it started. */
function deviceRequest(m: Messages, userCode: string, clientName: string, deviceInfo: { ip?: string } | undefined): DeviceRequest {
  return { userCode, clientName, ...(deviceInfo?.ip ? { deviceHint: m.startedFrom(deviceInfo.ip) } : {}) };
}

function renderTooMany(ctx: Context, l: Lang, m: Messages, waitMs: number): void {
  const minutes = Math.max(1, Math.ceil(waitMs / 60_000));
  ctx.set('Retry-After', String(Math.ceil(waitMs / 1000)));
  render(ctx, endPage({ lang: l, m, kind: 'too-many', retryMinutes: minutes }), 429);
}

/** oidc-provider `interactions.url`: where login and consent happen. */
export async function interactionUrl(_ctx: unknown, interaction: { uid: string }): Promise<string> {
  return `/interaction/${interaction.uid}`;
}

/** oidc-provider `renderError`: a readable page instead of a stack of fields. */
export async function renderError(ctx: Context, out: { error?: string; error_description?: string }, error: { name?: string; error?: string } | undefined): Promise<void> {
  const { lang: l, m } = lang(ctx);
  const provider = (ctx as OidcCtx).oidc?.provider;
  let start: string | undefined;
  try {
    start = provider?.pathFor('code_verification');
  } catch {
    start = undefined;
  }
  const kind = endKindFor(error) ?? 'error';
  const detail = kind === 'error' ? (out.error_description ?? out.error ?? m.unknown) : undefined;
  render(ctx, endPage({ lang: l, m, kind, ...(detail ? { detail } : {}), ...(start ? { startHref: start } : {}) }));
}

export interface InteractionDeps {
  accounts: Accounts;
  limiter?: AttemptLimiterOptions;
  /** Password guessing: failures per address and per email before sign-in pauses (default 10 in 10 min). */
  loginLimiter?: AttemptLimiterOptions;
  /** Origins besides our own allowed to frame the pages (read per response; see securityHeaders). */
  frameAncestors?: readonly string[];
}

/**
 * Registers the sign-in and consent routes (`/interaction/:uid`) on the app, and, inside the
 * provider, the security headers of every page, the session cookie and brute-force lock of code
 * entry, and §6.1 normalisation of typed codes.
 */
export function mountInteractions(app: Koa, provider: ProviderLike, deps: InteractionDeps): void {
  const limiter = createAttemptLimiter(deps.limiter);
  limiters.set(provider, limiter);
  const loginLimiter = createAttemptLimiter({ maxFailures: 10, ...deps.loginLimiter });
  const devicePath = provider.pathFor('code_verification');
  const jsonPaths = new Set(['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']);
  for (const route of ['token', 'device_authorization', 'userinfo', 'jwks', 'introspection', 'revocation']) {
    try {
      jsonPaths.add(provider.pathFor(route));
    } catch {
      // a feature this provider has not enabled: no such route
    }
  }

  const ancestors = deps.frameAncestors ?? [];
  provider.use(async (ctx, next) => {
    if (jsonPaths.has(ctx.path)) return jsonHeaders(ctx, next);
    if (ctx.path !== devicePath) return securityHeaders(ctx, next, ancestors);
    return securityHeaders(ctx, async () => {
      let sid = ctx.cookies.get(DEVICE_COOKIE);
      if (!sid || !/^[A-Za-z0-9_-]{16,64}$/.test(sid)) {
        sid = randomBytes(18).toString('base64url');
        ctx.cookies.set(DEVICE_COOKIE, sid, { httpOnly: true, sameSite: 'lax', secure: ctx.secure, path: devicePath });
      }
      (ctx.state as { deviceSid?: string }).deviceSid = sid;
      if (ctx.method === 'POST') {
        const wait = limiter.blockedFor(limiterKeys(ctx));
        if (wait > 0) {
          const { lang: l, m } = lang(ctx);
          return renderTooMany(ctx, l, m, wait);
        }
        await normaliseUserCode(ctx);
        try {
          await next();
        } catch (err) {
          // oidc-provider 9.13 answers a device form posted by a browser without a session (a
          // forged cross-site POST) with a 500 when it tries to keep the fresh xsrf secret for a
          // session it never saved. Nothing was changed: say so with a 403.
          if (!(err instanceof TypeError) || !/persist/.test(err.message)) throw err;
          const { lang: l, m } = lang(ctx);
          render(ctx, endPage({ lang: l, m, kind: 'forbidden', startHref: devicePath }), 403);
        }
        return;
      }
      await next();
    }, ancestors);
  });

  app.use(async (ctx, next) => {
    const match = /^\/interaction\/([A-Za-z0-9_-]{1,128})(?:\/(login|consent))?$/.exec(ctx.path);
    if (!match) return next();
    return securityHeaders(
      ctx,
      () => handleInteraction(ctx, provider, deps.accounts, loginLimiter, match[1] ?? '', match[2]),
      ancestors,
    );
  });
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

async function handleInteraction(
  ctx: Context,
  provider: ProviderLike,
  accounts: Accounts,
  loginLimiter: AttemptLimiter,
  uid: string,
  step: string | undefined,
): Promise<void> {
  const { lang: l, m } = lang(ctx);
  let start: string | undefined;
  try {
    start = provider.pathFor('code_verification');
  } catch {
    start = undefined;
  }
  const startHref = start ? { startHref: start } : {};

  let details: InteractionLike;
  try {
    details = await provider.interactionDetails(ctx.req, ctx.res);
  } catch {
    return render(ctx, endPage({ lang: l, m, kind: 'unknown', ...startHref }), 400);
  }
  if (details.uid !== uid) return render(ctx, endPage({ lang: l, m, kind: 'unknown', ...startHref }), 400);

  const clientId = String(details.params.client_id ?? '');
  const client = await provider.Client.find(clientId);
  const clientName = clientLabel(client);
  const scope = typeof details.params.scope === 'string' ? details.params.scope : undefined;
  const base = `/interaction/${uid}`;
  const sw = { switchHref: switchHref(ctx, l, base) };

  if (ctx.method === 'GET' && !step) {
    if (details.prompt.name === 'login') {
      return render(ctx, loginPage({ lang: l, m, ...sw, action: `${base}/login`, csrf: csrfToken(ctx, uid), clientName }));
    }
    if (details.prompt.name === 'consent') {
      const account = details.session?.accountId ? accounts.get(details.session.accountId) : undefined;
      // The interaction names its device code; the code holds the user code and where it started.
      const code = details.deviceCode ? await provider.DeviceCode?.find(details.deviceCode, { ignoreSessionBinding: true }) : undefined;
      const device = code?.userCode ? { device: deviceRequest(m, readable(code.userCode) ?? code.userCode, clientName, code.deviceInfo) } : {};
      return render(
        ctx,
        consentPage({ lang: l, m, ...sw, action: `${base}/consent`, csrf: csrfToken(ctx, uid), clientName, email: account?.email ?? '', ...(scope ? { scope } : {}), ...device }),
      );
    }
    return render(ctx, endPage({ lang: l, m, kind: 'error', detail: `Unsupported step: ${esc(details.prompt.name)}`, ...startHref }), 400);
  }

  if (ctx.method !== 'POST' || !step || step !== details.prompt.name) {
    return render(ctx, endPage({ lang: l, m, kind: 'unknown', ...startHref }), ctx.method === 'POST' ? 400 : 405);
  }
  const form = await readForm(ctx);
  if (!form || !checkCsrf(ctx, uid, form.get('csrf'))) {
    return render(ctx, endPage({ lang: l, m, kind: 'forbidden' }), 403);
  }

  if (step === 'login') {
    const email = form.get('email') ?? '';
    const login = { lang: l, m, ...sw, action: `${base}/login`, csrf: csrfToken(ctx, uid), clientName, email };
    // An empty field is a slip, not a guess: said plainly, tied to the field, and not counted.
    if (!email.trim()) return render(ctx, loginPage({ ...login, error: m.noEmail, invalid: ['email'] }), 400);
    if (!form.get('password')) return render(ctx, loginPage({ ...login, error: m.noPassword, invalid: ['password'] }), 400);
    // Keyed by address and by the email typed (known or not, so the lock reveals nothing about
    // which accounts exist). Someone can pause sign-in for a victim's email for a few minutes;
    // that is the price of stopping password guessing without CAPTCHAs.
    const keys = [`login-ip:${ctx.ip}`, `login-email:${email.trim().toLowerCase()}`];
    const wait = loginLimiter.blockedFor(keys);
    if (wait > 0) {
      const minutes = Math.max(1, Math.ceil(wait / 60_000));
      ctx.set('Retry-After', String(Math.ceil(wait / 1000)));
      return render(ctx, loginPage({ ...login, error: m.tooMany(minutes) }), 429);
    }
    const sub = await accounts.verify(email, form.get('password') ?? '');
    if (!sub) {
      loginLimiter.recordFailure(keys);
      return render(ctx, loginPage({ ...login, error: m.loginFailed, invalid: ['email', 'password'] }), 401);
    }
    const returnTo = await provider.interactionResult(ctx.req, ctx.res, { login: { accountId: sub } }, { mergeWithLastSubmission: false });
    ctx.status = 303;
    return ctx.redirect(returnTo);
  }

  // consent
  const decision = form.get('decision');
  if (decision !== 'allow') {
    const returnTo = await provider.interactionResult(ctx.req, ctx.res, { error: 'access_denied', error_description: 'End-User denied the request' }, { mergeWithLastSubmission: false });
    ctx.status = 303;
    return ctx.redirect(returnTo);
  }
  const accountId = details.session?.accountId;
  if (!accountId) return render(ctx, endPage({ lang: l, m, kind: 'unknown', ...startHref }), 400);
  const promptDetails = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };

  // A device flow always gets a grant of its own: two TVs approved from one phone must not share
  // one, or revoking one would sign the other out. Browser flows extend the existing grant.
  const isDevice = Boolean(details.deviceCode);
  const existing = !isDevice && details.grantId ? await provider.Grant.find(details.grantId) : undefined;
  const grant = existing ?? new provider.Grant({ accountId, clientId });
  const scopes = new Set(promptDetails.missingOIDCScope ?? []);
  if (isDevice) for (const s of (scope ?? '').split(/\s+/)) if (OIDC_SCOPES.has(s)) scopes.add(s);
  if (scopes.size) grant.addOIDCScope([...scopes].join(' '));
  if (promptDetails.missingOIDCClaims?.length) grant.addOIDCClaims(promptDetails.missingOIDCClaims);
  for (const [indicator, list] of Object.entries(promptDetails.missingResourceScopes ?? {})) grant.addResourceScope(indicator, list.join(' '));
  const grantId = await grant.save();
  const consent = existing ? {} : { grantId };
  const returnTo = await provider.interactionResult(ctx.req, ctx.res, { consent }, { mergeWithLastSubmission: true });
  ctx.status = 303;
  ctx.redirect(returnTo);
}
