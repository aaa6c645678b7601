// What the pages read from oidc-provider, typed with its published types (@types/oidc-provider).
// The device-flow hooks also receive the HTML form oidc-provider drew for its own page; we read
// nothing from that HTML: where to post is a route of ctx.oidc, and the xsrf secret is the one
// oidc-provider has just put in the session's state (lib/shared/xsrf.js) and checks on the post.
// Two things the published types lack are read here, checked at run time, and nowhere else: that
// secret's name in the untyped session state, and the typed code a re-render error carries.
import { errors, type Client, type KoaContextWithOIDC, type Provider, type UnknownObject } from 'oidc-provider';

import type { DeviceFacts, EndKind } from './views.ts';

/** Where the enter-code and confirm forms post, and the xsrf token they must carry. */
export function deviceForm(ctx: KoaContextWithOIDC): { action: string; xsrf: string } {
  const xsrf = ctx.oidc.session?.state?.secret;
  // oidc-provider calls the hooks only after setting it; without it our form could never be
  // accepted, so a change of oidc-provider's internals must fail here, loudly, not on the phone.
  if (typeof xsrf !== 'string') throw new Error('oidc-provider left no xsrf secret in the session state (lib/shared/xsrf.js changed?)');
  return { action: ctx.oidc.urlFor('code_verification'), xsrf };
}

/** The path of one of the provider's routes, or undefined when its feature is off. */
export function routePath(provider: Provider, route: string): string | undefined {
  try {
    return provider.pathFor(route);
  } catch {
    // a feature this provider has not enabled: no such route
    return undefined;
  }
}

/** The code the person typed, as a re-render of the enter-code page carries it (not in the published types). */
export function typedCode(err: Error | undefined): string | undefined {
  const code = err && 'userCode' in err ? err.userCode : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** The description of an oidc-provider error and its message, for telling its kinds apart. */
export function errorText(err: Error): string {
  const description = err instanceof errors.OIDCProviderError ? (err.error_description ?? '') : '';
  return `${description} ${err.message}`;
}

/**
 * Which end page an oidc-provider error means. The device flow's re-render errors
 * (lib/helpers/re_render_errors.js) are not exported, so they are known by their names.
 */
export function endKindFor(err: Error | undefined): EndKind | undefined {
  switch (err?.name) {
    case 'ExpiredError':
      return 'expired';
    case 'AlreadyUsedError':
      return 'used';
    case 'AbortedError':
      return 'denied';
    case 'SessionNotFound':
      return 'unknown';
  }
  return err instanceof errors.OIDCProviderError && err.error === 'access_denied' ? 'denied' : undefined;
}

/** The name a client goes by on the pages. */
export function clientLabel(client: Client | undefined): string {
  return client?.clientName || client?.clientId || 'device-login';
}

/** The client as the pages show it: its name, and its logo when it registered an http(s) logo_uri. */
export function clientBadge(client: Client | undefined): { name: string; logoUri?: string } {
  const logo = client?.logoUri;
  return { name: clientLabel(client), ...(typeof logo === 'string' && /^https?:\/\//i.test(logo) ? { logoUri: logo } : {}) };
}

/**
 * What a device code recorded of its device (deviceInfo is untyped: our deviceInfo hook in
 * server/provider.ts puts the address and the User-Agent there) and when it was issued.
 */
export function deviceFacts(code: { deviceInfo?: UnknownObject | undefined; iat?: number | undefined } | undefined): DeviceFacts {
  const ip = code?.deviceInfo?.ip;
  const ua = code?.deviceInfo?.ua;
  return {
    ...(typeof ip === 'string' && ip ? { ip } : {}),
    ...(typeof ua === 'string' && ua ? { userAgent: ua } : {}),
    ...(typeof code?.iat === 'number' ? { issuedAt: code.iat } : {}),
  };
}
