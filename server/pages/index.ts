// The phone pages as the server plugs them in: the hooks that go into oidc-provider's configuration
// (device-hooks.ts, interactionUrl), and mountInteractions, which puts the headers of every response
// and the code-entry guard in front of oidc-provider's routes and adds the sign-in and consent routes.
import type Koa from 'koa';
import type { Context, Next } from 'koa';
import type { Provider } from 'oidc-provider';

import type { Accounts } from '../accounts.ts';
import { SERVER_DEFAULTS } from '../defaults.ts';
import { codeEntryGuard, type CodeEntryLimits } from './code-entry.ts';
import { createGuessLimiter } from './guess-limits.ts';
import { mountInteractionRoutes } from './interactions.ts';
import { allowPostLogoutRedirect } from './logout.ts';
import { routePath } from './oidc.ts';
import { language, render } from './respond.ts';
import { createAttemptLimiter, jsonHeaders, securityHeaders, type AttemptLimiterOptions } from './security.ts';
import { endPage } from './views.ts';

export { deviceFlowHooks, renderError } from './device-hooks.ts';
export { interactionUrl } from './interactions.ts';
export { logoutSource, postLogoutSuccessSource } from './logout.ts';

export interface InteractionDeps {
  accounts: Accounts;
  /** Wrong codes: delays and budgets per browser, address and server (default SERVER_DEFAULTS.codeEntry). */
  codeEntry?: Partial<CodeEntryLimits>;
  /** Password guessing: failures per address and per email before sign-in pauses (default 10 in 10 min). */
  loginLimiter?: AttemptLimiterOptions;
  /** Origins besides our own allowed to frame the pages (read per response; see securityHeaders). */
  frameAncestors?: readonly string[];
}

/**
 * Registers the sign-in and consent routes (`/interaction/:uid`) on the app, and, inside the
 * provider, the security headers of every page, the code-entry guard with its limits on guessing,
 * §6.1 normalisation of typed codes, and the guard of the device resume route.
 */
export function mountInteractions(app: Koa, provider: Provider, deps: InteractionDeps): void {
  const devicePath = provider.pathFor('code_verification');
  const guard = codeEntryGuard(devicePath, createGuessLimiter({ ...SERVER_DEFAULTS.codeEntry, ...deps.codeEntry }));
  const resume = resumeGuard(provider, devicePath);
  const jsonPaths = new Set(['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']);
  for (const route of ['token', 'device_authorization', 'userinfo', 'jwks', 'introspection', 'revocation']) {
    const path = routePath(provider, route);
    if (path) jsonPaths.add(path);
  }

  const ancestors = deps.frameAncestors ?? [];
  provider.use(async (ctx, next) => {
    if (jsonPaths.has(ctx.path)) return jsonHeaders(ctx, next);
    if (ctx.path === devicePath) return securityHeaders(ctx, () => guard(ctx, next), ancestors);
    if (ctx.path.startsWith(`${devicePath}/`)) return securityHeaders(ctx, () => resume(ctx, next), ancestors);
    return securityHeaders(ctx, next, ancestors);
  });

  allowPostLogoutRedirect(provider);
  mountInteractionRoutes(app, provider, {
    accounts: deps.accounts,
    loginLimiter: createAttemptLimiter({ maxFailures: 10, ...deps.loginLimiter }),
    frameAncestors: ancestors,
  });
}

/**
 * In front of oidc-provider's device resume route (`/device/:uid`), where a browser comes back from
 * sign-in and consent. Without the resume cookie that sign-in set there is nothing to resume, and a
 * path that is not valid percent-encoding names nothing: both are answered here with a page for a
 * person (400). oidc-provider 9.13 would answer them with a 500 and a stack trace in the log, when
 * it tries to keep the xsrf secret of a session it never saved (the code-entry guard meets the same).
 */
function resumeGuard(provider: Provider, devicePath: string): (ctx: Context, next: Next) => Promise<void> {
  const cookie = provider.cookieName('resume');
  const answer = (ctx: Context, kind: 'unknown' | 'bad-link'): void => {
    const { lang, m } = language(ctx);
    render(ctx, endPage({ lang, m, kind, startHref: devicePath }), 400);
  };
  return async (ctx, next) => {
    try {
      decodeURIComponent(ctx.path);
    } catch {
      return answer(ctx, 'bad-link');
    }
    if (!ctx.cookies.get(cookie)) return answer(ctx, 'unknown');
    try {
      await next();
    } catch (err) {
      if (!(err instanceof TypeError) || !/persist/.test(err.message)) throw err;
      answer(ctx, 'unknown');
    }
  };
}
