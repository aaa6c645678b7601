// The pages oidc-provider asks us to draw: the device flow's enter code (and its re-renders after a
// wrong, expired, used or denied code), confirm and success, and renderError for any other error a
// browser meets. The hooks keep oidc-provider's own forms working: same action, same xsrf token.
// A code in flight (Continue was pressed) is not simply "used": the browser holding it may resume,
// and after codeHoldSeconds without progress anyone with the code may take it over (device-hold.ts).
import type { Client, KoaContextWithOIDC } from 'oidc-provider';

import { SERVER_DEFAULTS } from '../defaults.ts';
import type { PageHooks } from '../provider.ts';
import { checkNumberToShow } from '../proximity.ts';
import { checkNumberPage } from './check-number.ts';
import { normaliseUserCode } from '../user-codes.ts';
import { browserOf, countWrongCode, refusedAttempt, rememberCode } from './code-entry.ts';
import { heldForOthers, isAwaitingDecision, releaseCode, type HoldableCode } from './device-hold.ts';
import type { GuessVerdict } from './guess-limits.ts';
import type { Messages } from './i18n.ts';
import { clientBadge, deviceFacts, deviceForm, endKindFor, errorText, routePath, typedCode } from './oidc.ts';
import { language, render, renderTooMany, retryAfter, switchHref } from './respond.ts';
import { allowImageFrom } from './security.ts';
import { confirmPage, deviceRequest, endPage, enterCodePage } from './views.ts';

type DeviceFlowHooks = Required<Pick<PageHooks, 'userCodeInputSource' | 'userCodeConfirmSource' | 'successSource'>>;

export interface DeviceHookOptions {
  /** Seconds an idle hold keeps a code from other browsers (SERVER_DEFAULTS.codeHoldSeconds). */
  codeHoldSeconds?: number;
}

/** The sentence under a wrong or refused code: how long to wait, and how many attempts are left. */
function limitWords(m: Messages, verdict: GuessVerdict): string {
  const wait = Math.ceil(verdict.waitMs / 1000);
  return m.sentences(wait > 0 ? m.tryAgainIn(wait) : '', m.attemptsLeft(verdict.attemptsLeft));
}

/** Draws confirm for `code`, and remembers that this browser may decide on it without being counted. */
function renderConfirm(ctx: KoaContextWithOIDC, client: Client | undefined, code: HoldableCode & { iat?: number | undefined } | undefined, userCode: string): void {
  const { lang, m } = language(ctx);
  const { action, xsrf } = deviceForm(ctx);
  const badge = clientBadge(client);
  if (badge.logoUri && !allowImageFrom(ctx, badge.logoUri)) delete badge.logoUri;
  const request = deviceRequest(m, userCode, badge, deviceFacts(code));
  const path = new URL(action).pathname;
  rememberCode(ctx, userCode, path);
  render(ctx, confirmPage({ lang, m, action, xsrf, ...request, switchHref: switchHref(lang, path, { user_code: userCode }) }), 200);
}

/** oidc-provider `features.deviceFlow` hooks that render our pages. */
export function deviceFlowHooks(options: DeviceHookOptions = {}): DeviceFlowHooks {
  const holdSeconds = options.codeHoldSeconds ?? SERVER_DEFAULTS.codeHoldSeconds;
  return {
    async userCodeInputSource(ctx, _form, _out, err) {
      const { lang, m } = language(ctx);
      const { action, xsrf } = deviceForm(ctx);
      const base = { lang, m, action, xsrf, switchHref: switchHref(lang, new URL(action).pathname) };
      if (!err) return render(ctx, enterCodePage(base));

      const refused = err.name === 'NoCodeError' ? refusedAttempt(ctx) : undefined;
      if (refused) {
        // The guard kept this attempt from being looked up: too soon after a wrong code, or a budget spent.
        if (refused.verdict.exhausted) return renderTooMany(ctx, refused.verdict.waitMs);
        retryAfter(ctx, refused.verdict.waitMs);
        const wait = Math.ceil(refused.verdict.waitMs / 1000);
        const error = m.sentences(m.waitFirst(wait), m.attemptsLeft(refused.verdict.attemptsLeft));
        return render(ctx, enterCodePage({ ...base, code: refused.code, error }), 429);
      }

      if (err.name === 'AlreadyUsedError') {
        const typed = typedCode(err);
        const code = typed ? await ctx.oidc.provider.DeviceCode.findByUserCode(normaliseUserCode(typed), { ignoreExpiration: true }) : undefined;
        if (code?.inFlight && isAwaitingDecision(code)) {
          const browser = browserOf(ctx);
          const wait = heldForOthers(code, browser, holdSeconds);
          if (wait > 0) return render(ctx, enterCodePage({ ...base, code: typed!, error: m.codeHeld(Math.ceil(wait / 1000)) }), 409);
          // Its own browser coming back, or the holder went idle: the code starts again, at confirm.
          await releaseCode(code, browser);
          return renderConfirm(ctx, await ctx.oidc.provider.Client.find(code.clientId!), code, code.userCode ?? typed!);
        }
      }

      const end = endKindFor(err);
      if (end) return render(ctx, endPage({ lang, m, kind: end, startHref: action }), end === 'denied' ? 200 : undefined);

      if (err.name === 'NotFoundError') {
        const verdict = countWrongCode(ctx);
        if (verdict?.exhausted) return renderTooMany(ctx, verdict.waitMs);
        const typed = typedCode(err);
        const error = verdict ? m.sentences(m.wrongCode, limitWords(m, verdict)) : m.wrongCode;
        return render(ctx, enterCodePage({ ...base, ...(typed ? { code: typed } : {}), error, invalid: true }));
      }
      if (err.name === 'NoCodeError') return render(ctx, enterCodePage({ ...base, error: m.noCode, invalid: true }));
      if (/xsrf|device form details/.test(errorText(err))) {
        // A forged or replayed form: refuse it (nothing was changed) and offer a fresh one.
        return render(ctx, enterCodePage({ ...base, error: m.formExpired }), 403);
      }
      return render(ctx, enterCodePage({ ...base, error: m.genericError }));
    },

    /** "Does this code match the one on your TV?", with who asks and from where (what it may do is asked on consent). */
    async userCodeConfirmSource(ctx, _form, client, _deviceInfo, userCode) {
      // The code itself (oidc-provider has just set it on the context): its deviceInfo and when it was issued.
      renderConfirm(ctx, client, ctx.oidc.entities.DeviceCode, userCode);
    },

    /** "You're signed in on your TV.", or, approved from another network, the number to enter there. */
    async successSource(ctx) {
      const { lang, m } = language(ctx);
      const checkNumber = checkNumberToShow(ctx);
      render(ctx, checkNumber ? checkNumberPage({ lang, m, checkNumber }) : endPage({ lang, m, kind: 'success' }));
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
