// The pages oidc-provider asks us to draw: the device flow's enter code (and its re-renders after a
// wrong, expired, used or denied code), confirm and success, and renderError for any other error a
// browser meets. The hooks keep oidc-provider's own forms working: same action, same xsrf token.
import type { PageHooks } from '../provider.ts';
import { countWrongCode } from './code-entry.ts';
import { clientLabel, deviceForm, endKindFor, errorText, routePath, startedFrom, typedCode } from './oidc.ts';
import { language, render, renderTooMany, switchHref } from './respond.ts';
import { confirmPage, deviceRequest, endPage, enterCodePage } from './views.ts';

type DeviceFlowHooks = Required<Pick<PageHooks, 'userCodeInputSource' | 'userCodeConfirmSource' | 'successSource'>>;

/** oidc-provider `features.deviceFlow` hooks that render our pages. */
export function deviceFlowHooks(): DeviceFlowHooks {
  return {
    async userCodeInputSource(ctx, _form, _out, err) {
      const { lang, m } = language(ctx);
      const { action, xsrf } = deviceForm(ctx);
      const base = { lang, m, action, xsrf, switchHref: switchHref(lang, new URL(action).pathname) };
      if (!err) return render(ctx, enterCodePage(base));

      const end = endKindFor(err);
      if (end) return render(ctx, endPage({ lang, m, kind: end, startHref: action }), end === 'denied' ? 200 : undefined);

      if (err.name === 'NotFoundError') {
        const wait = countWrongCode(ctx);
        if (wait > 0) return renderTooMany(ctx, wait);
        const typed = typedCode(err);
        return render(ctx, enterCodePage({ ...base, ...(typed ? { code: typed } : {}), error: m.wrongCode, invalid: true }));
      }
      if (err.name === 'NoCodeError') return render(ctx, enterCodePage({ ...base, error: m.noCode, invalid: true }));
      if (/xsrf|device form details/.test(errorText(err))) {
        // A forged or replayed form: refuse it (nothing was changed) and offer a fresh one.
        return render(ctx, enterCodePage({ ...base, error: m.formExpired }), 403);
      }
      return render(ctx, enterCodePage({ ...base, error: m.genericError }));
    },

    /** "Does this code match the one on your TV?" (what it may do is asked on consent). */
    async userCodeConfirmSource(ctx, _form, client, deviceInfo, userCode) {
      const { lang, m } = language(ctx);
      const { action, xsrf } = deviceForm(ctx);
      const request = deviceRequest(m, userCode, clientLabel(client), startedFrom(deviceInfo));
      render(ctx, confirmPage({ lang, m, action, xsrf, ...request, switchHref: switchHref(lang, new URL(action).pathname, { user_code: userCode }) }));
    },

    /** "You're signed in on your TV." */
    async successSource(ctx) {
      const { lang, m } = language(ctx);
      render(ctx, endPage({ lang, m, kind: 'success' }));
    },
  };
}

/** oidc-provider `renderError`: a readable page instead of a stack of fields. */
export const renderError: NonNullable<PageHooks['renderError']> = async (ctx, out, error) => {
  const { lang, m } = language(ctx);
  const start = routePath(ctx.oidc.provider, 'code_verification');
  const kind = endKindFor(error) ?? 'error';
  const detail = kind === 'error' ? (out.error_description ?? out.error ?? m.unknown) : undefined;
  render(ctx, endPage({ lang, m, kind, ...(detail ? { detail } : {}), ...(start ? { startHref: start } : {}) }));
};
