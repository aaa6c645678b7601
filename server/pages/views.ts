// The verification pages themselves: each function renders one page from plain data.
// The permissions are listed once, on consent, where the person decides; the code and the device
// that asks are on both confirm and consent (one function draws them), so that what is being allowed
// can be checked against the TV at the moment of deciding (RFC 8628 §5.4).
// A field with an error is marked aria-invalid and described by the message (#error), and the page
// loads with the field focused: without scripts, autofocus is how focus lands where the fix is typed.
// A user code is shown only through core/user-code.ts, so that the phone groups it exactly as the TV
// and the terminal do: it is the string the person compares between the two screens.
import { displayUserCode, userCodeGroups } from '../../core/user-code.ts';
import type { Lang, Messages } from './i18n.ts';
import { esc, ICONS, layout } from './layout.ts';
import { describeUserAgent } from './user-agent.ts';

export interface ViewBase {
  lang: Lang;
  m: Messages;
  /** The same page in the other language, for the switcher. */
  switchHref?: string;
}

/** The device flow being decided on: its code, the client that asks, and who and where the device is. */
export interface DeviceRequest {
  /** As the server holds it, with or without separators: the page groups it for reading. */
  userCode: string;
  clientName: string;
  /** The client's logo (its logo_uri), an http(s) URL; the page's CSP allows its origin. */
  logoUri?: string;
  /** Sentences about the device: what it runs, its address, when it asked for the code. */
  details: string[];
}

/** What the server recorded of the device when it asked for its code. */
export interface DeviceFacts {
  /** The device's address (the real client's behind a trusted proxy). */
  ip?: string;
  /** Its User-Agent header. */
  userAgent?: string;
  /** Epoch seconds when the code was issued. */
  issuedAt?: number;
}

/** What confirm and consent both show of a device flow (RFC 10027: who is asking and from where). */
export function deviceRequest(m: Messages, userCode: string, client: { name: string; logoUri?: string | undefined }, facts: DeviceFacts, now = Date.now()): DeviceRequest {
  const ua = describeUserAgent(facts.userAgent);
  const details = [
    m.device(m.deviceWords(ua.app, ua.platform)),
    ...(facts.ip ? [m.ipAddress(facts.ip)] : []),
    ...(facts.issuedAt !== undefined ? [m.issued(Math.max(0, Math.floor(now / 1000) - facts.issuedAt))] : []),
  ];
  return { userCode, clientName: client.name, ...(client.logoUri ? { logoUri: client.logoUri } : {}), details };
}

const ERROR_ID = 'error';

function scopeList(m: Messages, scope: string | undefined): string {
  const items = [...new Set((scope ?? '').split(/\s+/).filter(Boolean))]
    .map((s) => m.scopes[s] ?? s)
    .map((text) => `<li>${esc(text)}</li>`);
  return items.length ? `<p class="lead">${esc(m.consentAsks)}</p><ul class="scopes">${items.join('')}</ul>` : '';
}

function errorBox(text: string | undefined): string {
  return text ? `<p class="msg error" id="${ERROR_ID}" role="alert" data-testid="error">${esc(text)}</p>` : '';
}

/**
 * The attributes that tie a field to the error message: invalid and described by it when the error is
 * the field's; only described by it when the error is the form's (a lock-out, a timed-out page).
 */
function errorAttrs(error: string | undefined, fields: ReadonlyArray<string> | undefined, field: string): string {
  if (!error) return '';
  if (!fields?.length) return ` aria-describedby="${ERROR_ID}"`;
  return fields.includes(field) ? ` aria-invalid="true" aria-describedby="${ERROR_ID}"` : '';
}

/** The grouped code and the client card (who asks, from what device, where, when): the same on confirm and consent. */
function requestCard(r: DeviceRequest, note?: string): string {
  const groups = userCodeGroups(r.userCode)
    .map((g) => `<span>${esc(g)}</span>`)
    .join('');
  const lead = note ? `<small>${esc(note)}</small>` : '';
  const facts = r.details.map((text) => `<li>${esc(text)}</li>`).join('');
  // The name beside it says who it is: the logo is decoration to a screen reader.
  const badge = r.logoUri
    ? `<img class="tv" src="${esc(r.logoUri)}" alt="" width="44" height="44" referrerpolicy="no-referrer" data-testid="client-logo">`
    : `<span class="tv">${ICONS.tv}</span>`;
  return `<div class="usercode" data-testid="user-code" aria-label="${esc(displayUserCode(r.userCode))}">${groups}</div>
<div class="client">${badge}<span><strong data-testid="client-name">${esc(r.clientName)}</strong>${lead}<ul class="facts" data-testid="device-facts">${facts}</ul></span></div>`;
}

/** Enter code: the form posts back to oidc-provider's code verification route with its xsrf token; `code` is what was typed. */
export function enterCodePage(v: ViewBase & { action: string; xsrf: string; code?: string; error?: string; invalid?: boolean }): string {
  const { m } = v;
  const body = `<div class="icon">${ICONS.tv}</div>
<h1>${esc(m.enterTitle)}</h1>
<p class="lead">${esc(m.enterLead)}</p>
${errorBox(v.error)}
<form method="post" action="${esc(v.action)}" novalidate>
<input type="hidden" name="xsrf" value="${esc(v.xsrf)}">
<label for="user_code">${esc(m.code)}</label>
<input class="code" id="user_code" name="user_code" type="text" value="${esc(v.code ? displayUserCode(v.code) : '')}" placeholder="${esc(m.codePlaceholder)}" autocomplete="one-time-code" autocapitalize="characters" autocorrect="off" spellcheck="false" maxlength="32" required${errorAttrs(v.error, v.invalid ? ['code'] : [], 'code')} autofocus>
<div class="actions"><button class="btn primary" type="submit">${esc(m.continue)}</button></div>
</form>`;
  return layout({ ...v, title: m.enterTitle, body, page: 'enter-code' });
}

/** Confirm: the code grouped for reading, who asks and from where, and the RFC 8628 §5.4 warning. */
export function confirmPage(v: ViewBase & DeviceRequest & { action: string; xsrf: string }): string {
  const { m } = v;
  const body = `<h1>${esc(m.confirmTitle)}</h1>
${requestCard(v, m.confirmClient(v.clientName))}
<div class="warning" role="note"><strong>${esc(m.warningTitle)}</strong>${esc(m.warning)}</div>
<form method="post" action="${esc(v.action)}">
<input type="hidden" name="xsrf" value="${esc(v.xsrf)}">
<input type="hidden" name="user_code" value="${esc(v.userCode)}">
<input type="hidden" name="confirm" value="yes">
<div class="actions choice">
<button class="btn primary" type="submit">${esc(m.continue)}</button>
<button class="btn secondary" type="submit" name="abort" value="yes">${esc(m.deny)}</button>
</div>
</form>`;
  return layout({ ...v, title: m.confirmTitle, body, page: 'confirm' });
}

/**
 * Sign in: email and password; a failed sign-in never says which of the two was wrong, so it marks
 * both. Focus goes to the first empty field (the password is never sent back).
 */
export function loginPage(
  v: ViewBase & {
    action: string;
    csrf: string;
    clientName: string;
    email?: string;
    error?: string;
    invalid?: ReadonlyArray<'email' | 'password'>;
    /** Asking again before a device is approved: the account is fixed, `age` says how old the last sign-in is. */
    reauth?: { age: string };
  },
): string {
  const { m } = v;
  // Signing in again is for the account already signed in: its email is shown, not typed.
  const fixed = v.reauth ? ' readonly' : '';
  const body = `<div class="icon">${ICONS.user}</div>
<h1>${esc(m.loginTitle)}</h1>
<p class="lead"${v.reauth ? ' data-testid="reauth"' : ''}>${esc(v.reauth ? m.reauthLead(v.reauth.age) : m.loginLead(v.clientName))}</p>
${errorBox(v.error)}
<form method="post" action="${esc(v.action)}" novalidate>
<input type="hidden" name="csrf" value="${esc(v.csrf)}">
<label for="email">${esc(m.email)}</label>
<input id="email" name="email" type="email" value="${esc(v.email ?? '')}" autocomplete="username" inputmode="email" autocapitalize="none" spellcheck="false" required${fixed}${errorAttrs(v.error, v.invalid, 'email')}${v.email ? '' : ' autofocus'}>
<label for="password">${esc(m.password)}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${errorAttrs(v.error, v.invalid, 'password')}${v.email ? ' autofocus' : ''}>
<div class="actions"><button class="btn primary" type="submit">${esc(m.signIn)}</button></div>
</form>`;
  return layout({ ...v, title: m.loginTitle, body, page: 'login' });
}

/** Consent: for a device, its code and where it started again; the scopes in plain words; Allow or Deny. */
export function consentPage(v: ViewBase & { action: string; csrf: string; clientName: string; email: string; scope?: string; device?: DeviceRequest }): string {
  const { m } = v;
  const body = `${v.device ? '' : `<div class="icon">${ICONS.shield}</div>\n`}<h1>${esc(m.consentTitle)}</h1>
<p class="lead">${esc(m.consentLead(v.clientName, v.email))}</p>
${v.device ? requestCard(v.device) : ''}
${scopeList(m, v.scope)}
<form method="post" action="${esc(v.action)}">
<input type="hidden" name="csrf" value="${esc(v.csrf)}">
<div class="actions choice">
<button class="btn primary" type="submit" name="decision" value="allow">${esc(m.allow)}</button>
<button class="btn secondary" type="submit" name="decision" value="deny">${esc(m.deny)}</button>
</div>
</form>`;
  return layout({ ...v, title: m.consentTitle, body, page: 'consent' });
}

export type EndKind = 'success' | 'denied' | 'expired' | 'used' | 'unknown' | 'error' | 'too-many' | 'forbidden' | 'bad-link';

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
    'bad-link': { icon: ICONS.bad, tone: 'bad', title: m.badLinkTitle, text: m.badLink },
  };
  const entry = table[v.kind];
  const again = v.startHref && v.kind !== 'success' && v.kind !== 'too-many' ? `<a class="btn secondary" href="${esc(v.startHref)}">${esc(m.startAgain)}</a>` : '';
  const body = `<div class="icon ${entry.tone}">${entry.icon}</div>
<h1>${esc(entry.title)}</h1>
<p class="lead" data-testid="message">${esc(entry.text)}</p>
${again ? `<div class="actions">${again}</div>` : ''}`;
  return layout({ ...v, title: entry.title, body, page: v.kind });
}

/**
 * Sign out (RP-initiated logout): a site asks to end the person's session in this browser. "Sign out"
 * ends it; "Stay signed in" ends only the site's part. Either way the browser goes back to the site
 * when it named a registered post_logout_redirect_uri. The form posts to oidc-provider's confirm route
 * with the xsrf secret it keeps in the session.
 */
export function logoutPage(v: ViewBase & { action: string; xsrf: string; clientName?: string }): string {
  const { m } = v;
  const body = `<div class="icon">${ICONS.user}</div>
<h1>${esc(m.logoutTitle)}</h1>
<p class="lead">${esc(m.logoutLead(v.clientName))}</p>
<p class="lead">${esc(m.logoutNote)}</p>
<form method="post" action="${esc(v.action)}">
<input type="hidden" name="xsrf" value="${esc(v.xsrf)}">
<div class="actions choice">
<button class="btn primary" type="submit" name="logout" value="yes" autofocus>${esc(m.signOut)}</button>
<button class="btn secondary" type="submit">${esc(m.staySignedIn)}</button>
</div>
</form>`;
  return layout({ ...v, title: m.logoutTitle, body, page: 'logout' });
}

/** Signed out, when the site named no address to return to. */
export function loggedOutPage(v: ViewBase & { clientName?: string }): string {
  const { m } = v;
  const body = `<div class="icon ok">${ICONS.ok}</div>
<h1>${esc(m.loggedOutTitle)}</h1>
<p class="lead" data-testid="message">${esc(m.loggedOut(v.clientName))}</p>`;
  return layout({ ...v, title: m.loggedOutTitle, body, page: 'logged-out' });
}
