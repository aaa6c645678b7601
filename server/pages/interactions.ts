// The sign-in and consent routes (/interaction/:uid) that oidc-provider sends a browser to when a
// flow needs a person: GET draws the step the interaction is at, POST /login and /consent decide it.
// Consent stays explicit for every device sign-in, even for a phone already signed in and a client
// already allowed: it is where the person sees the code and the device once more and decides, which
// is the defence against a code sent by someone else (RFC 8628 §5.4). A device sign-in goes on only
// in the browser that holds its code (device-hold.ts), and each step it takes keeps the hold alive.
// When the phone's password is older than SERVER_DEFAULTS.deviceReauthAfter, oidc-provider asks for
// the login step again (server/provider.ts devicePolicy): the page says why, for the same account.
import type Koa from 'koa';
import type { Context } from 'koa';
import type { Interaction, Provider } from 'oidc-provider';

import type { Accounts } from '../accounts.ts';
import { DEVICE_REAUTH, type PageHooks } from '../provider.ts';
import { browserOf } from './code-entry.ts';
import { holdCode, isAwaitingDecision, isHeldBy } from './device-hold.ts';
import { clientBadge, clientLabel, deviceFacts, routePath } from './oidc.ts';
import { language, render, retryAfter, switchHref } from './respond.ts';
import { allowFormActionTo, allowImageFrom, checkCsrf, csrfToken, readForm, securityHeaders, type AttemptLimiter } from './security.ts';
import { consentPage, deviceRequest, endPage, loginPage } from './views.ts';

const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access', 'devices', 'address', 'phone']);
const ROUTE = /^\/interaction\/([A-Za-z0-9_-]{1,128})(?:\/(login|consent))?$/;

/** oidc-provider `interactions.url`: where sign-in and consent happen (the routes below). */
export const interactionUrl: NonNullable<PageHooks['interactionUrl']> = async (_ctx, interaction) => `/interaction/${interaction.uid}`;

export interface InteractionRoutes {
  accounts: Accounts;
  /** Password guessing: failures per address and per email before sign-in pauses. */
  loginLimiter: AttemptLimiter;
  /** Origins besides our own allowed to frame the pages (see securityHeaders). */
  frameAncestors: readonly string[];
}

/** Registers the sign-in and consent routes on `app`, for the interactions of `provider`. */
export function mountInteractionRoutes(app: Koa, provider: Provider, routes: InteractionRoutes): void {
  app.use(async (ctx, next) => {
    const match = ROUTE.exec(ctx.path);
    if (!match) return next();
    return securityHeaders(ctx, () => handleInteraction(ctx, provider, routes, match[1] ?? '', match[2]), routes.frameAncestors);
  });
}

/** One request to an interaction: the step at `uid`, or a decision posted to its `step`. */
async function handleInteraction(ctx: Context, provider: Provider, routes: InteractionRoutes, uid: string, step: string | undefined): Promise<void> {
  const { lang, m } = language(ctx);
  const start = routePath(provider, 'code_verification');
  const startHref = start ? { startHref: start } : {};

  let details: Interaction;
  try {
    details = await provider.interactionDetails(ctx.req, ctx.res);
  } catch {
    return render(ctx, endPage({ lang, m, kind: 'unknown', ...startHref }), 400);
  }
  if (details.uid !== uid) return render(ctx, endPage({ lang, m, kind: 'unknown', ...startHref }), 400);

  const clientId = String(details.params.client_id ?? '');
  const client = await provider.Client.find(clientId);
  const clientName = clientLabel(client);
  const scope = typeof details.params.scope === 'string' ? details.params.scope : undefined;
  // A browser sign-in (authorization code) ends in a redirect to the client's callback, which follows
  // the form of this page: the policy names that one URI, as the request gave it and the client allows.
  const redirectUri = typeof details.params.redirect_uri === 'string' ? details.params.redirect_uri : undefined;
  if (redirectUri && client?.redirectUriAllowed(redirectUri)) allowFormActionTo(ctx, redirectUri);
  const base = `/interaction/${uid}`;
  const page = { lang, m, switchHref: switchHref(lang, base), clientName };

  // The interaction names its device code; the code is bound to no session before it is approved,
  // so a plain find finds it. A code another browser took over ends this sign-in here.
  const code = details.deviceCode ? await provider.DeviceCode.find(details.deviceCode, { ignoreExpiration: true }) : undefined;
  if (code && isAwaitingDecision(code)) {
    const browser = browserOf(ctx);
    if (!browser || !isHeldBy(code, browser)) return render(ctx, endPage({ lang, m, kind: 'unknown', ...startHref }), 400);
    await holdCode(code, browser);
  }
  // Asked again before approving a device: the account signed in on this phone, never another one.
  const account = details.session?.accountId ? routes.accounts.get(details.session.accountId) : undefined;
  const reauth = details.prompt.name === 'login' && details.prompt.reasons.includes(DEVICE_REAUTH) && account ? account : undefined;

  if (ctx.method === 'GET' && !step) {
    if (details.prompt.name === 'login') {
      const again = reauth ? { email: reauth.email, reauth: { age: m.duration(await signedInFor(provider, details.session?.uid)) } } : {};
      return render(ctx, loginPage({ ...page, action: `${base}/login`, csrf: csrfToken(ctx, uid), ...again }));
    }
    if (details.prompt.name === 'consent') {
      // The code holds the user code and what the device said of itself when it asked for it.
      // oidc-provider keeps the user code without separators: the view groups it as every screen does.
      const badge = clientBadge(client);
      if (badge.logoUri && !allowImageFrom(ctx, badge.logoUri)) delete badge.logoUri;
      const device = code?.userCode ? { device: deviceRequest(m, code.userCode, badge, deviceFacts(code)) } : {};
      return render(
        ctx,
        consentPage({ ...page, action: `${base}/consent`, csrf: csrfToken(ctx, uid), email: account?.email ?? '', ...(scope ? { scope } : {}), ...device }),
      );
    }
    return render(ctx, endPage({ lang, m, kind: 'error', detail: `Unsupported step: ${details.prompt.name}`, ...startHref }), 400);
  }

  if (ctx.method !== 'POST' || !step || step !== details.prompt.name) {
    return render(ctx, endPage({ lang, m, kind: 'unknown', ...startHref }), ctx.method === 'POST' ? 400 : 405);
  }
  const form = await readForm(ctx);
  if (!form || !checkCsrf(ctx, uid, form.get('csrf'))) {
    return render(ctx, endPage({ lang, m, kind: 'forbidden' }), 403);
  }

  if (step === 'login') {
    // Signing in again is for the account already signed in, whatever the form says.
    const email = reauth?.email ?? form.get('email') ?? '';
    const again = reauth ? { reauth: { age: m.duration(await signedInFor(provider, details.session?.uid)) } } : {};
    const login = { ...page, action: `${base}/login`, csrf: csrfToken(ctx, uid), email, ...again };
    // An empty field is a slip, not a guess: said plainly, tied to the field, and not counted.
    if (!email.trim()) return render(ctx, loginPage({ ...login, error: m.noEmail, invalid: ['email'] }), 400);
    if (!form.get('password')) return render(ctx, loginPage({ ...login, error: m.noPassword, invalid: ['password'] }), 400);
    // Keyed by address and by the email typed (known or not, so the lock reveals nothing about
    // which accounts exist). Someone can pause sign-in for a victim's email for a few minutes;
    // that is the price of stopping password guessing without CAPTCHAs.
    const keys = [`login-ip:${ctx.ip}`, `login-email:${email.trim().toLowerCase()}`];
    const wait = routes.loginLimiter.blockedFor(keys);
    if (wait > 0) return render(ctx, loginPage({ ...login, error: m.tooMany(retryAfter(ctx, wait)) }), 429);
    const sub = await routes.accounts.verify(email, form.get('password') ?? '');
    if (!sub) {
      routes.loginLimiter.recordFailure(keys);
      return render(ctx, loginPage({ ...login, error: m.loginFailed, invalid: ['email', 'password'] }), 401);
    }
    return finish(ctx, await provider.interactionResult(ctx.req, ctx.res, { login: { accountId: sub } }, { mergeWithLastSubmission: false }));
  }

  // consent
  if (form.get('decision') !== 'allow') {
    const denied = { error: 'access_denied', error_description: 'End-User denied the request' };
    return finish(ctx, await provider.interactionResult(ctx.req, ctx.res, denied, { mergeWithLastSubmission: false }));
  }
  const accountId = details.session?.accountId;
  if (!accountId) return render(ctx, endPage({ lang, m, kind: 'unknown', ...startHref }), 400);
  const consent = await grantConsent(provider, details, accountId, clientId, scope);
  return finish(ctx, await provider.interactionResult(ctx.req, ctx.res, { consent }, { mergeWithLastSubmission: true }));
}

/** Seconds since the phone's session last signed in (0 when unknown), for the page that asks again. */
async function signedInFor(provider: Provider, sessionUid: string | undefined): Promise<number> {
  const session = sessionUid ? await provider.Session.findByUid(sessionUid) : undefined;
  const loginTs = session?.loginTs;
  return typeof loginTs === 'number' ? Math.max(0, Math.floor(Date.now() / 1000) - loginTs) : 0;
}

/** What the consent prompt reports missing (oidc-provider's prompt details are untyped). */
interface MissingGrants {
  missingOIDCScope?: string[];
  missingOIDCClaims?: string[];
  missingResourceScopes?: Record<string, string[]>;
}

/**
 * Grants what the consent prompt asked for and returns the consent result. A device flow always
 * gets a grant of its own: two TVs approved from one phone must not share one, or revoking one
 * would sign the other out. Browser flows extend the existing grant.
 */
async function grantConsent(provider: Provider, details: Interaction, accountId: string, clientId: string, scope: string | undefined): Promise<{ grantId?: string }> {
  const missing = details.prompt.details as MissingGrants;
  const isDevice = Boolean(details.deviceCode);
  const existing = !isDevice && details.grantId ? await provider.Grant.find(details.grantId) : undefined;
  const grant = existing ?? new provider.Grant({ accountId, clientId });
  const scopes = new Set(missing.missingOIDCScope ?? []);
  if (isDevice) for (const s of (scope ?? '').split(/\s+/)) if (OIDC_SCOPES.has(s)) scopes.add(s);
  if (scopes.size) grant.addOIDCScope([...scopes].join(' '));
  if (missing.missingOIDCClaims?.length) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, list] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(indicator, list.join(' '));
  const grantId = await grant.save();
  return existing ? {} : { grantId };
}

/** Sends the browser back to oidc-provider to resume the flow. */
function finish(ctx: Context, returnTo: string): void {
  ctx.status = 303;
  ctx.redirect(returnTo);
}
