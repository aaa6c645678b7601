// The HTML of the account website: one column, phone first, system font, no scripts. It looks like the
// server's phone pages (server/pages/layout.ts), whose look is copied here rather than imported: the site
// is a client of the server and never imports it. The stylesheet is inline and allowed by its hash in
// the Content-Security-Policy (site.ts), so a page is one request.
import { createHash } from 'node:crypto';

import { formatTime, type Lang, type Messages } from './i18n.ts';

/** Escapes text for HTML element content and attribute values. */
export function esc(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export const STYLE = `
:root{--bg:#eef1f8;--card:#fff;--ink:#161a2b;--muted:#5b6275;--line:#d5dae6;--brand:#4338ca;--brand-2:#7c3aed;--brand-ink:#fff;--ok:#047857;--bad:#b42318;color-scheme:light}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;min-height:100vh;background:radial-gradient(120% 60% at 50% 0%,#dfe4ff 0%,var(--bg) 60%);color:var(--ink);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans TC","PingFang TC","Microsoft JhengHei",sans-serif;overflow-x:hidden}
.top{display:flex;align-items:center;justify-content:space-between;gap:8px;max-width:560px;margin:0 auto;padding:8px 20px}
.brand{display:flex;align-items:center;gap:8px;font-weight:650;letter-spacing:.2px;color:var(--ink);text-decoration:none}
.brand small{font-weight:500;color:var(--muted)}
.brand svg{display:block}
.lang{display:inline-flex;align-items:center;min-height:44px;padding:0 14px;border-radius:22px;color:var(--brand);font-weight:600;text-decoration:none;background:rgba(67,56,202,.08);white-space:nowrap}
main{max-width:560px;margin:0 auto;padding:4px 16px 32px}
.card{background:var(--card);border-radius:20px;box-shadow:0 1px 2px rgba(22,26,43,.06),0 8px 28px rgba(22,26,43,.08);padding:20px 18px;margin-bottom:16px}
h1{font-size:1.375rem;line-height:1.25;margin:2px 0 8px;letter-spacing:-.2px;overflow-wrap:anywhere}
h2{font-size:1.125rem;line-height:1.3;margin:0 0 6px}
p{margin:0 0 12px;overflow-wrap:anywhere}
.lead{color:var(--muted)}
.hint{color:var(--muted);font-size:13.5px;margin-top:12px}
.icon{width:56px;height:56px;border-radius:16px;display:grid;place-items:center;margin-bottom:12px;background:linear-gradient(135deg,var(--brand),var(--brand-2));color:#fff}
.icon.ok{background:linear-gradient(135deg,#059669,#10b981)}
.icon.bad{background:linear-gradient(135deg,#dc2626,#f97316)}
.icon.wait{background:linear-gradient(135deg,#64748b,#94a3b8)}
form{margin:0}
.btn{display:flex;align-items:center;justify-content:center;width:100%;min-height:52px;margin-top:12px;padding:12px 16px;border:0;border-radius:14px;font:inherit;font-size:17px;font-weight:650;cursor:pointer;text-decoration:none;text-align:center}
.btn.primary{background:linear-gradient(135deg,var(--brand),var(--brand-2));color:var(--brand-ink);box-shadow:0 6px 16px rgba(67,56,202,.28)}
.btn.secondary{background:#fff;color:var(--ink);border:1.5px solid var(--line)}
.btn.danger{background:#fff;color:var(--bad);border:1.5px solid #fecdca}
.btn.small{width:auto;min-height:44px;margin-top:10px;padding:8px 14px;font-size:15px}
.btn:focus-visible,.lang:focus-visible{outline:3px solid rgba(67,56,202,.45);outline-offset:2px}
.msg{border-radius:12px;padding:12px 14px;margin:0 0 16px;font-weight:500}
.msg.error{background:#fef3f2;color:var(--bad);border:1px solid #fecdca}
.msg.ok{background:#ecfdf3;color:var(--ok);border:1px solid #abefc6}
.who{display:flex;align-items:center;gap:14px}
.who img,.who .avatar{flex:none;width:64px;height:64px;border-radius:50%;background:#f1f3fa;object-fit:cover;border:2px solid #fff;box-shadow:0 2px 8px rgba(22,26,43,.15)}
.who .avatar{display:grid;place-items:center;color:var(--brand);font-weight:700;font-size:26px}
.who h1{margin:0}
.who p{margin:2px 0 0;color:var(--muted)}
.hello{display:flex;align-items:center;justify-content:space-between;gap:8px 12px;flex-wrap:wrap}
.hello .btn.small{margin-top:0}
.row-title{font-size:14px;font-weight:650;color:var(--muted);margin:12px 0 6px}
.posters{display:flex;gap:10px;overflow-x:auto;padding:2px 2px 8px;margin:0 -2px;scroll-snap-type:x mandatory}
.posters figure{flex:none;width:108px;margin:0;scroll-snap-align:start}
.posters img{display:block;width:108px;height:162px;border-radius:10px;object-fit:cover;background:#e6e9f2}
.posters figcaption{font-size:13px;line-height:1.3;margin-top:4px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
ul.devices{list-style:none;margin:8px 0 0;padding:0}
ul.devices li{display:flex;gap:12px;padding:14px 0;border-top:1px solid #eef0f5}
ul.devices li:first-child{border-top:0}
.devices .tv{flex:none;width:40px;height:40px;border-radius:12px;display:grid;place-items:center;background:#161a2b;color:#fff}
.devices .what{flex:1;min-width:0}
.devices strong{display:block;overflow-wrap:anywhere}
.devices .method{font-weight:500;color:var(--muted);font-size:13.5px}
dl.facts{display:grid;grid-template-columns:auto 1fr;gap:0 10px;margin:4px 0 0;color:var(--muted);font-size:13.5px;line-height:1.45}
dl.facts dt{font-weight:600}
dl.facts dd{margin:0;overflow-wrap:anywhere}
.empty{color:var(--muted);margin:8px 0 0}
.foot{max-width:560px;margin:0 auto;padding:0 20px 24px;color:var(--muted);font-size:13px;text-align:center}
.foot a{color:var(--brand)}
@media (min-width:900px){main,.top,.foot{max-width:720px}.posters figure{width:124px}.posters img{width:124px;height:186px}}
`;

/** The CSP source that allows exactly the inline stylesheet above. */
export const STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

const LOGO = `<svg width="28" height="28" viewBox="0 0 28 28" aria-hidden="true"><defs><linearGradient id="lg" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#4338ca"/><stop offset="1" stop-color="#7c3aed"/></linearGradient></defs><rect width="28" height="28" rx="8" fill="url(#lg)"/><rect x="6" y="8" width="16" height="10" rx="2" fill="none" stroke="#fff" stroke-width="2"/><path d="M11 21h6" stroke="#fff" stroke-width="2" stroke-linecap="round"/></svg>`;

const ICONS = {
  tv: `<svg width="24" height="24" viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"><rect x="3" y="5" width="18" height="12" rx="2"/><path d="M9 20h6"/></svg>`,
  laptop: `<svg width="24" height="24" viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"><rect x="5" y="5" width="14" height="10" rx="1.5"/><path d="M3 19h18"/></svg>`,
  ok: `<svg width="30" height="30" viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2.5" stroke-linecap="round" stroke-linejoin="round"><path d="M5 12.5l4.5 4.5L19 7.5"/></svg>`,
  bad: `<svg width="30" height="30" viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2.5" stroke-linecap="round"><path d="M7 7l10 10M17 7L7 17"/></svg>`,
  wait: `<svg width="30" height="30" viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round"><circle cx="12" cy="12" r="8.5"/><path d="M12 7.5V12l3 2"/></svg>`,
  user: `<svg width="28" height="28" viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"><circle cx="12" cy="8" r="4"/><path d="M4 21c1.5-4 4.5-6 8-6s6.5 2 8 6"/></svg>`,
};

interface PageOptions {
  lang: Lang;
  m: Messages;
  title: string;
  body: string;
  /** `data-page` on <body>: a stable hook for tests and screenshots. */
  page: string;
  /** Where the language switch points: the same page in the other language. */
  switchHref?: string;
  /** Seconds before the browser moves on by itself (the "Signing you in…" step), and where to. */
  refresh?: { seconds: number; href: string };
}

/** Wraps a page body in the document shell. */
function layout(options: PageOptions): string {
  const { m, title, body, page, lang } = options;
  const switcher = options.switchHref
    ? `<a class="lang" href="${esc(options.switchHref)}" hreflang="${lang === 'en' ? 'zh-TW' : 'en'}" lang="${lang === 'en' ? 'zh-Hant-TW' : 'en'}" data-testid="lang-switch">${esc(m.switchTo)}</a>`
    : '';
  const refresh = options.refresh ? `\n<meta http-equiv="refresh" content="${options.refresh.seconds};url=${esc(options.refresh.href)}">` : '';
  return `<!DOCTYPE html>
<html lang="${esc(m.htmlLang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<meta name="referrer" content="same-origin">${refresh}
<title>${esc(title)} · ${esc(m.appName)}</title>
<style>${STYLE}</style>
</head>
<body data-page="${esc(page)}">
<header class="top"><a class="brand" href="/account/">${LOGO}<span>${esc(m.appName)} <small>${esc(m.siteName)}</small></span></a>${switcher}</header>
<main>
${body}
</main>
<footer class="foot"><a href="/">${esc(m.tvLink)}</a></footer>
</body>
</html>`;
}

/** A hidden CSRF field and a POST form around `inner`. */
function postForm(action: string, csrf: string, inner: string, extra = ''): string {
  return `<form method="post" action="${esc(action)}"${extra}><input type="hidden" name="csrf" value="${esc(csrf)}">${inner}</form>`;
}

function notice(flash: Flash | undefined): string {
  if (!flash) return '';
  return `<p class="msg ${flash.kind}" role="${flash.kind === 'error' ? 'alert' : 'status'}">${esc(flash.text)}</p>`;
}

/** A sentence to show once at the top of the next page (after a form's redirect). */
export interface Flash {
  kind: 'ok' | 'error';
  text: string;
}

const switchTo = (lang: Lang, path = '/account/') => `${path}?lang=${lang === 'en' ? 'zh-TW' : 'en'}`;

/** The start page: what the site is, and "Sign in". */
export function startPage(options: { lang: Lang; m: Messages; csrf: string; flash?: Flash; page?: string; title?: string; lead?: string }): string {
  const { lang, m } = options;
  const title = options.title ?? m.startTitle;
  const body = `${notice(options.flash)}<section class="card">
<div class="icon">${ICONS.user}</div>
<h1>${esc(title)}</h1>
<p class="lead">${esc(options.lead ?? m.startLead)}</p>
${postForm('/account/sign-in', options.csrf, `<button class="btn primary" type="submit">${esc(m.signIn)}</button>`)}
<p class="hint">${esc(m.signInHint)}</p>
</section>`;
  return layout({ lang, m, title, body, page: options.page ?? 'start', switchHref: switchTo(lang) });
}

/** The callback's first answer: "Signing you in…", moving on by itself to the code exchange. */
export function signingInPage(options: { lang: Lang; m: Messages; next: string }): string {
  const { lang, m } = options;
  const body = `<section class="card" aria-busy="true">
<div class="icon wait">${ICONS.wait}</div>
<h1>${esc(m.signingInTitle)}</h1>
<p class="lead" role="status">${esc(m.signingInLead)}</p>
<a class="btn secondary" href="${esc(options.next)}">${esc(m.continue)}</a>
</section>`;
  return layout({ lang, m, title: m.signingInTitle, body, page: 'signing-in', refresh: { seconds: 0, href: options.next } });
}

/** A page that ends a path: declined, refused callback, server down, session ended... with a way back. */
export function endPage(options: { lang: Lang; m: Messages; csrf: string; kind: 'bad' | 'wait' | 'ok'; page: string; title: string; lead: string }): string {
  const { lang, m } = options;
  const body = `<section class="card">
<div class="icon ${options.kind}">${ICONS[options.kind]}</div>
<h1>${esc(options.title)}</h1>
<p class="lead">${esc(options.lead)}</p>
${postForm('/account/sign-in', options.csrf, `<button class="btn primary" type="submit">${esc(options.page === 'declined' ? m.tryAgain : m.signIn)}</button>`)}
<a class="btn secondary" href="/account/">${esc(m.backToStart)}</a>
</section>`;
  return layout({ lang, m, title: options.title, body, page: options.page, switchHref: switchTo(lang) });
}

/** One device as the resource server lists it (GET /api/devices). */
export interface DeviceEntry {
  id: string;
  clientId?: string;
  clientName?: string;
  method?: 'device' | 'browser' | string;
  signedInAt?: string;
  lastUsedAt?: string;
  ip?: string;
  userAgent?: string;
}

/** A catalogue as the resource server answers GET /api/catalog (host/contract.ts Catalog's shape). */
export interface CatalogueView {
  rows: Array<{ id: string; title: string; assets: Array<{ id: string; title: string; poster?: string }> }>;
}

/** What the "Your devices" card shows. */
export type DevicesView =
  | { kind: 'list'; devices: DeviceEntry[] }
  | { kind: 'provider'; provider: string }
  | { kind: 'unavailable' }
  | { kind: 'not_allowed' };

/** The signed-in page: "Hi, {name}" with the picture, the catalogue, and "Your devices". */
export function homePage(options: {
  lang: Lang;
  m: Messages;
  csrf: string;
  flash?: Flash;
  profile: { name?: string; email?: string; picture?: string; sub: string };
  catalogue?: CatalogueView | 'unavailable';
  devices: DevicesView;
}): string {
  const { lang, m, csrf, profile } = options;
  const name = profile.name ?? profile.email ?? profile.sub;
  const picture = profile.picture && /^https?:\/\//.test(profile.picture)
    ? `<img src="${esc(profile.picture)}" alt="${esc(m.yourPicture)}" width="64" height="64">`
    : `<span class="avatar" aria-hidden="true">${esc(Array.from(name)[0]?.toUpperCase() ?? '?')}</span>`;
  const who = `<section class="card" aria-labelledby="hi">
<div class="hello"><div class="who">${picture}<div><h1 id="hi">${esc(m.hi(name))}</h1>${profile.email && profile.email !== name ? `<p>${esc(profile.email)}</p>` : ''}</div></div>
${postForm('/account/sign-out', csrf, `<button class="btn secondary small" type="submit">${esc(m.signOut)}</button>`)}</div>
</section>`;
  return layout({
    lang,
    m,
    title: m.hi(name),
    body: `${notice(options.flash)}${who}${catalogueCard(options.catalogue, m)}${devicesCard(options.devices, lang, m, csrf)}`,
    page: 'home',
    switchHref: switchTo(lang),
  });
}

function catalogueCard(catalogue: CatalogueView | 'unavailable' | undefined, m: Messages): string {
  if (!catalogue) return '';
  if (catalogue === 'unavailable') {
    return `<section class="card" aria-labelledby="catalogue"><h2 id="catalogue">${esc(m.catalogueTitle)}</h2><p class="empty">${esc(m.catalogueUnavailable)}</p></section>`;
  }
  // Two rows are enough to show the token works; the TV is where one browses.
  const rows = catalogue.rows.filter((row) => row.assets.length > 0).slice(0, 2);
  const strips = rows
    .map((row) => {
      const posters = row.assets
        .slice(0, 10)
        .map((asset) => `<figure>${asset.poster ? `<img src="${esc(asset.poster)}" alt="" loading="lazy" width="108" height="162">` : ''}<figcaption>${esc(asset.title)}</figcaption></figure>`)
        .join('');
      return `<h3 class="row-title">${esc(row.title)}</h3><div class="posters" role="list" aria-label="${esc(row.title)}">${posters.replace(/<figure>/g, '<figure role="listitem">')}</div>`;
    })
    .join('');
  return `<section class="card" aria-labelledby="catalogue" data-testid="catalogue"><h2 id="catalogue">${esc(m.catalogueTitle)}</h2>${strips}</section>`;
}

function devicesCard(view: DevicesView, lang: Lang, m: Messages, csrf: string): string {
  const head = `<h2 id="devices">${esc(m.devicesTitle)}</h2>`;
  let inner: string;
  switch (view.kind) {
    case 'provider':
      inner = `<p class="empty">${esc(m.devicesByProvider(view.provider))}</p>`;
      break;
    case 'unavailable':
      inner = `<p class="empty">${esc(m.devicesUnavailable)}</p>`;
      break;
    case 'not_allowed':
      inner = `<p class="empty">${esc(m.devicesNotAllowed)}</p>`;
      break;
    case 'list': {
      if (view.devices.length === 0) {
        inner = `<p class="lead">${esc(m.devicesLead)}</p><p class="empty" data-testid="no-devices">${esc(m.noDevices)}</p>${signOutEverywhere(csrf, m)}`;
        break;
      }
      const items = view.devices
        .map((device) => {
          const name = device.clientName ?? device.clientId ?? '?';
          const method = device.method === 'device' ? m.byCode : device.method === 'browser' ? m.byBrowser : '';
          return `<li data-device-id="${esc(device.id)}">
<span class="tv">${device.method === 'browser' ? ICONS.laptop : ICONS.tv}</span>
<div class="what"><strong>${esc(name)}${method ? ` <span class="method">· ${esc(method)}</span>` : ''}</strong>
<dl class="facts"><dt>${esc(m.signedInAt)}</dt><dd>${esc(formatTime(device.signedInAt, lang))}</dd><dt>${esc(m.ipAddress)}</dt><dd>${esc(device.ip ?? '—')}</dd><dt>${esc(m.lastUsed)}</dt><dd>${esc(formatTime(device.lastUsedAt, lang))}</dd></dl>
${postForm(`/account/devices/${encodeURIComponent(device.id)}/sign-out`, csrf, `<button class="btn danger small" type="submit">${esc(m.signOutDevice)}</button>`)}
</div>
</li>`;
        })
        .join('\n');
      inner = `<p class="lead">${esc(m.devicesLead)}</p><ul class="devices">\n${items}\n</ul>
${signOutEverywhere(csrf, m)}`;
      break;
    }
  }
  return `<section class="card" aria-labelledby="devices" data-testid="devices">${head}${inner}</section>`;
}

function signOutEverywhere(csrf: string, m: Messages): string {
  return postForm('/account/devices/sign-out', csrf, `<button class="btn danger" type="submit">${esc(m.signOutEverywhere)}</button>`);
}
