// The phone pages as the server plugs them in: the hooks that go into oidc-provider's configuration
// (device-hooks.ts, interactionUrl), and mountInteractions, which puts the headers of every response
// and the code-entry guard in front of oidc-provider's routes and adds the sign-in and consent routes.
import type Koa from 'koa';
import type { Provider } from 'oidc-provider';

import type { Accounts } from '../accounts.ts';
import { codeEntryGuard } from './code-entry.ts';
import { mountInteractionRoutes } from './interactions.ts';
import { routePath } from './oidc.ts';
import { createAttemptLimiter, jsonHeaders, securityHeaders, type AttemptLimiterOptions } from './security.ts';

export { deviceFlowHooks, renderError } from './device-hooks.ts';
export { interactionUrl } from './interactions.ts';

export interface InteractionDeps {
  accounts: Accounts;
  /** Wrong codes per address and per browser session before code entry pauses (default 5 in 10 min). */
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
export function mountInteractions(app: Koa, provider: Provider, deps: InteractionDeps): void {
  const devicePath = provider.pathFor('code_verification');
  const guard = codeEntryGuard(devicePath, createAttemptLimiter(deps.limiter));
  const jsonPaths = new Set(['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']);
  for (const route of ['token', 'device_authorization', 'userinfo', 'jwks', 'introspection', 'revocation']) {
    const path = routePath(provider, route);
    if (path) jsonPaths.add(path);
  }

  const ancestors = deps.frameAncestors ?? [];
  provider.use(async (ctx, next) => {
    if (jsonPaths.has(ctx.path)) return jsonHeaders(ctx, next);
    if (ctx.path !== devicePath) return securityHeaders(ctx, next, ancestors);
    return securityHeaders(ctx, () => guard(ctx, next), ancestors);
  });

  mountInteractionRoutes(app, provider, {
    accounts: deps.accounts,
    loginLimiter: createAttemptLimiter({ maxFailures: 10, ...deps.loginLimiter }),
    frameAncestors: ancestors,
  });
}
