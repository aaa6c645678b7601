// The verification pages themselves: each function renders one page from plain data.
import type { Lang, Messages } from './i18n.ts';
import { codeGroups, esc, ICONS, layout } from './layout.ts';

export interface ViewBase {
  lang: Lang;
  m: Messages;
  /** The same page in the other language, for the switcher. */
  switchHref?: string;
}

function scopeList(m: Messages, scope: string | undefined): string {
  const items = [...new Set((scope ?? '').split(/\s+/).filter(Boolean))]
    .map((s) => m.scopes[s] ?? s)
    .map((text) => `<li>${esc(text)}</li>`);
  return items.length ? `<ul class="scopes">${items.join('')}</ul>` : '';
}

function errorBox(text: string | undefined): string {
  return text ? `<p class="msg error" role="alert" data-testid="error">${esc(text)}</p>` : '';
}

/** Enter code: the form posts back to oidc-provider's code verification route with its xsrf token. */
export function enterCodePage(v: ViewBase & { action: string; xsrf: string; code?: string; error?: string }): string {
  const { m } = v;
  const body = `<div class="icon">${ICONS.tv}</div>
<h1>${esc(m.enterTitle)}</h1>
<p class="lead">${esc(m.enterLead)}</p>
${errorBox(v.error)}
<form method="post" action="${esc(v.action)}" novalidate>
<input type="hidden" name="xsrf" value="${esc(v.xsrf)}">
<label for="user_code">${esc(m.code)}</label>
<input class="code" id="user_code" name="user_code" type="text" value="${esc(v.code ?? '')}" placeholder="${esc(m.codePlaceholder)}" autocomplete="one-time-code" autocapitalize="characters" autocorrect="off" spellcheck="false" maxlength="32" required${v.code ? '' : ' autofocus'}>
<div class="actions"><button class="btn primary" type="submit">${esc(m.continue)}</button></div>
</form>`;
  return layout({ ...v, title: m.enterTitle, body, page: 'enter-code' });
}

/** Confirm: the code grouped for reading, who asks, what for, and the RFC 8628 §5.4 warning. */
export function confirmPage(
  v: ViewBase & { action: string; xsrf: string; userCode: string; clientName: string; scope?: string; deviceHint?: string },
): string {
  const { m } = v;
  const groups = codeGroups(v.userCode)
    .map((g) => `<span>${esc(g)}</span>`)
    .join('');
  const body = `<h1>${esc(m.confirmTitle)}</h1>
<div class="usercode" data-testid="user-code" aria-label="${esc(v.userCode)}">${groups}</div>
<div class="client"><span class="tv">${ICONS.tv}</span><span><strong data-testid="client-name">${esc(v.clientName)}</strong><small>${esc(m.confirmClient(v.clientName))}</small>${v.deviceHint ? `<small>${esc(v.deviceHint)}</small>` : ''}</span></div>
${v.scope ? `<p class="lead">${esc(m.confirmAsks)}</p>${scopeList(m, v.scope)}` : ''}
<div class="warning" role="note"><strong>${esc(m.warningTitle)}</strong>${esc(m.warning)}</div>
<form method="post" action="${esc(v.action)}">
<input type="hidden" name="xsrf" value="${esc(v.xsrf)}">
<input type="hidden" name="user_code" value="${esc(v.userCode)}">
<input type="hidden" name="confirm" value="yes">
<div class="actions">
<button class="btn primary" type="submit">${esc(m.continue)}</button>
<button class="btn secondary" type="submit" name="abort" value="yes">${esc(m.deny)}</button>
</div>
</form>`;
  return layout({ ...v, title: m.confirmTitle, body, page: 'confirm' });
}

/** Sign in: email and password; the error never says which of the two was wrong. */
export function loginPage(v: ViewBase & { action: string; csrf: string; clientName: string; email?: string; error?: string }): string {
  const { m } = v;
  const body = `<div class="icon">${ICONS.user}</div>
<h1>${esc(m.loginTitle)}</h1>
<p class="lead">${esc(m.loginLead(v.clientName))}</p>
${errorBox(v.error)}
<form method="post" action="${esc(v.action)}">
<input type="hidden" name="csrf" value="${esc(v.csrf)}">
<label for="email">${esc(m.email)}</label>
<input id="email" name="email" type="email" value="${esc(v.email ?? '')}" autocomplete="username" inputmode="email" autocapitalize="none" spellcheck="false" required${v.email ? '' : ' autofocus'}>
<label for="password">${esc(m.password)}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${v.email ? ' autofocus' : ''}>
<div class="actions"><button class="btn primary" type="submit">${esc(m.signIn)}</button></div>
</form>`;
  return layout({ ...v, title: m.loginTitle, body, page: 'login' });
}

/** Consent: the scopes in plain words, Allow or Deny. */
export function consentPage(v: ViewBase & { action: string; csrf: string; clientName: string; email: string; scope?: string }): string {
  const { m } = v;
  const body = `<div class="icon">${ICONS.shield}</div>
<h1>${esc(m.consentTitle)}</h1>
<p class="lead">${esc(m.consentLead(v.clientName, v.email))}</p>
${scopeList(m, v.scope)}
<form method="post" action="${esc(v.action)}">
<input type="hidden" name="csrf" value="${esc(v.csrf)}">
<div class="actions">
<button class="btn primary" type="submit" name="decision" value="allow">${esc(m.allow)}</button>
<button class="btn secondary" type="submit" name="decision" value="deny">${esc(m.deny)}</button>
</div>
</form>`;
  return layout({ ...v, title: m.consentTitle, body, page: 'consent' });
}

export type EndKind = 'success' | 'denied' | 'expired' | 'used' | 'unknown' | 'error' | 'too-many' | 'forbidden';

/** The pages that end a visit: success, denied, expired or used code, errors, lock-out. */
export function endPage(v: ViewBase & { kind: EndKind; detail?: string; retryMinutes?: number; startHref?: string }): string {
  const { m } = v;
  const table: Record<EndKind, { icon: string; tone: string; title: string; text: string }> = {
    success: { icon: ICONS.ok, tone: 'ok', title: m.successTitle, text: m.success },
    denied: { icon: ICONS.bad, tone: 'bad', title: m.deniedTitle, text: m.denied },
    expired: { icon: ICONS.wait, tone: 'wait', title: m.expiredTitle, text: m.expired },
    used: { icon: ICONS.wait, tone: 'wait', title: m.usedTitle, text: m.used },
    unknown: { icon: ICONS.wait, tone: 'wait', title: m.unknownTitle, text: m.unknown },
    error: { icon: ICONS.bad, tone: 'bad', title: m.errorTitle, text: v.detail ?? m.unknown },
    'too-many': { icon: ICONS.wait, tone: 'bad', title: m.tooManyTitle, text: m.tooMany(v.retryMinutes ?? 10) },
    forbidden: { icon: ICONS.shield, tone: 'bad', title: m.forbiddenTitle, text: m.forbidden },
  };
  const entry = table[v.kind];
  const again = v.startHref && v.kind !== 'success' && v.kind !== 'too-many' ? `<a class="btn secondary" href="${esc(v.startHref)}">${esc(m.startAgain)}</a>` : '';
  const body = `<div class="icon ${entry.tone}">${entry.icon}</div>
<h1>${esc(entry.title)}</h1>
<p class="lead" data-testid="message">${esc(entry.text)}</p>
${again ? `<div class="actions">${again}</div>` : ''}`;
  return layout({ ...v, title: entry.title, body, page: v.kind });
}
