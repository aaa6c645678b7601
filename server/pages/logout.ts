// The pages of RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0), drawn like the others:
// oidc-provider's end_session route asks "sign out of this browser too?" through logoutSource, and
// without a registered post_logout_redirect_uri ends on postLogoutSuccessSource. The form is ours,
// posted to oidc-provider's confirm route with the xsrf secret it keeps in the session state (as the
// device pages do, server/pages/oidc.ts), and allowed by the page's form-action to carry on to the
// site's address: Chromium applies form-action to the redirect after a submitted form.
import type { KoaContextWithOIDC, Provider } from 'oidc-provider';

import { matchLanguage } from '../../core/language.ts';
import type { PageHooks } from '../provider.ts';
import { messages, type Lang, type Messages } from './i18n.ts';
import { clientLabel } from './oidc.ts';
import { language, render } from './respond.ts';
import { allowFormActionTo } from './security.ts';
import { loggedOutPage, logoutPage } from './views.ts';

/** The language of a logout page: the site's ui_locales when it names one we have, else as every page picks it. */
function logoutLanguage(ctx: KoaContextWithOIDC): { lang: Lang; m: Messages } {
  const asked = ctx.oidc.params?.ui_locales;
  if (typeof asked === 'string') {
    for (const tag of asked.split(/\s+/)) {
      const lang = matchLanguage(tag);
      if (lang) return { lang, m: messages(lang) };
    }
  }
  return language(ctx);
}

/** The address the session will return to after logout, as oidc-provider recorded it (untyped session state). */
function postLogoutTarget(ctx: KoaContextWithOIDC): string | undefined {
  const target: unknown = ctx.oidc.session?.state?.postLogoutRedirectUri;
  return typeof target === 'string' ? target : undefined;
}

/** oidc-provider `features.rpInitiatedLogout.logoutSource`: the "sign out?" page. */
export const logoutSource: NonNullable<PageHooks['logoutSource']> = async (ctx) => {
  const { lang, m } = logoutLanguage(ctx);
  const xsrf: unknown = ctx.oidc.session?.state?.secret;
  // oidc-provider sets it just before calling us; without it no form of ours could be accepted.
  if (typeof xsrf !== 'string') throw new Error('oidc-provider left no xsrf secret in the session state (lib/actions/end_session.js changed?)');
  const target = postLogoutTarget(ctx);
  if (target) allowFormActionTo(ctx, target);
  const client = ctx.oidc.client ? { clientName: clientLabel(ctx.oidc.client) } : {};
  render(ctx, logoutPage({ lang, m, action: ctx.oidc.urlFor('end_session_confirm'), xsrf, ...client }));
};

/** oidc-provider `features.rpInitiatedLogout.postLogoutSuccessSource`: signed out, nowhere to return to. */
export const postLogoutSuccessSource: NonNullable<PageHooks['postLogoutSuccessSource']> = async (ctx) => {
  const { lang, m } = logoutLanguage(ctx);
  const client = ctx.oidc.client ? { clientName: clientLabel(ctx.oidc.client) } : {};
  render(ctx, loggedOutPage({ lang, m, ...client }));
};

/**
 * Lets the page oidc-provider draws itself on the end_session route (the auto-submitted form when the
 * browser has no signed-in session) carry on to the site's post-logout address, as logoutSource does.
 */
export function allowPostLogoutRedirect(provider: Provider): void {
  provider.use(async (ctx, next) => {
    await next();
    const oidc = (ctx as Partial<KoaContextWithOIDC>).oidc;
    if (oidc?.route !== 'end_session' || !ctx.response.is('html')) return;
    const target = postLogoutTarget(ctx as KoaContextWithOIDC);
    if (target) allowFormActionTo(ctx, target);
  });
}
