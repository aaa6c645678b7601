// The HTML shell of every verification page: one column, phone first, system font, no scripts.
// The stylesheet is inline and allowed by its hash in the Content-Security-Policy (see security.ts),
// so a page is one request and works the same whichever server mounts it.
import { createHash } from 'node:crypto';

import type { Lang, Messages } from './i18n.ts';

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
:root{--bg:#eef1f8;--card:#fff;--ink:#161a2b;--muted:#5b6275;--line:#d5dae6;--brand:#4338ca;--brand-2:#7c3aed;--brand-ink:#fff;--ok:#047857;--bad:#b42318;--warn-bg:#fff7e6;--warn-line:#f3c26b;--warn-ink:#6b4100;color-scheme:light}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;min-height:100vh;background:radial-gradient(120% 60% at 50% 0%,#dfe4ff 0%,var(--bg) 60%);color:var(--ink);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans TC","PingFang TC","Microsoft JhengHei",sans-serif;overflow-x:hidden}
.top{display:flex;align-items:center;justify-content:space-between;max-width:480px;margin:0 auto;padding:8px 20px}
.brand{display:flex;align-items:center;gap:8px;font-weight:650;letter-spacing:.2px;color:var(--ink);text-decoration:none}
.brand svg{display:block}
.lang{display:inline-flex;align-items:center;min-height:44px;padding:0 14px;border-radius:22px;color:var(--brand);font-weight:600;text-decoration:none;background:rgba(67,56,202,.08)}
main{max-width:480px;margin:0 auto;padding:4px 16px 32px}
.card{background:var(--card);border-radius:20px;box-shadow:0 1px 2px rgba(22,26,43,.06),0 8px 28px rgba(22,26,43,.08);padding:20px 18px}
h1{font-size:1.375rem;line-height:1.25;margin:2px 0 8px;letter-spacing:-.2px}
p{margin:0 0 12px;overflow-wrap:anywhere}
h1{overflow-wrap:anywhere}
.lead{color:var(--muted)}
.icon{width:56px;height:56px;border-radius:16px;display:grid;place-items:center;margin-bottom:12px;background:linear-gradient(135deg,var(--brand),var(--brand-2));color:#fff}
.icon.ok{background:linear-gradient(135deg,#059669,#10b981)}
.icon.bad{background:linear-gradient(135deg,#dc2626,#f97316)}
.icon.wait{background:linear-gradient(135deg,#64748b,#94a3b8)}
label{display:block;font-weight:600;margin:16px 0 6px}
input[type=text],input[type=email],input[type=password]{display:block;width:100%;min-height:52px;padding:12px 14px;font:inherit;font-size:18px;color:var(--ink);background:#fff;border:1.5px solid var(--line);border-radius:12px;outline:none;-webkit-appearance:none;appearance:none}
input:focus{border-color:var(--brand);box-shadow:0 0 0 4px rgba(67,56,202,.15)}
input[aria-invalid=true]{border-color:var(--bad)}
input.code{text-transform:uppercase;letter-spacing:.18em;text-align:center;font-family:ui-monospace,"SF Mono",Menlo,Consolas,monospace;font-size:22px}
input.code::placeholder{letter-spacing:.18em;color:#b6bccb}
.btn{display:flex;align-items:center;justify-content:center;width:100%;min-height:52px;margin-top:12px;padding:12px 16px;border:0;border-radius:14px;font:inherit;font-size:17px;font-weight:650;cursor:pointer;text-decoration:none;text-align:center}
.btn.primary{background:linear-gradient(135deg,var(--brand),var(--brand-2));color:var(--brand-ink);box-shadow:0 6px 16px rgba(67,56,202,.28)}
.btn.secondary{background:#fff;color:var(--ink);border:1.5px solid var(--line)}
.btn:focus-visible,.lang:focus-visible{outline:3px solid rgba(67,56,202,.45);outline-offset:2px}
.actions{margin-top:20px}
.actions.choice{display:grid;grid-template-columns:1fr 1fr;gap:12px;margin-top:14px}
.actions.choice .btn{margin-top:0}
.msg{border-radius:12px;padding:12px 14px;margin:12px 0 4px;font-weight:500}
.msg.error{background:#fef3f2;color:var(--bad);border:1px solid #fecdca}
.usercode{display:flex;justify-content:center;flex-wrap:wrap;gap:8px;margin:8px 0 12px;font-family:ui-monospace,"SF Mono",Menlo,Consolas,monospace;font-size:clamp(28px,9vw,40px);font-weight:700;letter-spacing:.12em}
.usercode span{background:#f1f3fa;border:1.5px solid var(--line);border-radius:12px;padding:4px 2px 4px 10px}
.client{display:flex;align-items:flex-start;gap:10px;padding:10px 12px;border-radius:14px;background:#f6f7fb;margin:4px 0 12px}
.client .tv{flex:none;width:36px;height:36px;border-radius:10px;display:grid;place-items:center;background:#161a2b;color:#fff}
.client strong{display:block}
.client small{display:block;color:var(--muted);overflow-wrap:anywhere}
.client img.tv{background:#fff;object-fit:contain}
ul.facts{list-style:none;margin:2px 0 0;padding:0;color:var(--muted);font-size:13.5px;line-height:1.35}
ul.facts li{overflow-wrap:anywhere}
ul.scopes{list-style:none;margin:4px 0 8px;padding:0}
ul.scopes li{position:relative;padding:4px 0 4px 30px;border-bottom:1px solid #eef0f5}
ul.scopes li:last-child{border-bottom:0}
ul.scopes li::before{content:"";position:absolute;left:8px;top:7px;width:7px;height:13px;border:solid var(--brand);border-width:0 3px 3px 0;transform:rotate(45deg)}
.warning{background:var(--warn-bg);border:1px solid var(--warn-line);color:var(--warn-ink);border-radius:14px;padding:8px 12px;margin:10px 0 0;font-size:14px;line-height:1.4}
.warning strong{display:block;margin-bottom:2px}
.foot{max-width:480px;margin:0 auto;padding:0 20px 24px;color:var(--muted);font-size:13px;text-align:center}
`;

/** The CSP source that allows exactly the inline stylesheet above. */
export const STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

const LOGO = `<svg width="28" height="28" viewBox="0 0 28 28" aria-hidden="true"><defs><linearGradient id="lg" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#4338ca"/><stop offset="1" stop-color="#7c3aed"/></linearGradient></defs><rect width="28" height="28" rx="8" fill="url(#lg)"/><rect x="6" y="8" width="16" height="10" rx="2" fill="none" stroke="#fff" stroke-width="2"/><path d="M11 21h6" stroke="#fff" stroke-width="2" stroke-linecap="round"/></svg>`;

export const ICONS = {
  tv: `<svg width="26" height="26" viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"><rect x="3" y="5" width="18" height="12" rx="2"/><path d="M9 20h6"/></svg>`,
  ok: `<svg width="30" height="30" viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2.5" stroke-linecap="round" stroke-linejoin="round"><path d="M5 12.5l4.5 4.5L19 7.5"/></svg>`,
  bad: `<svg width="30" height="30" viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2.5" stroke-linecap="round"><path d="M7 7l10 10M17 7L7 17"/></svg>`,
  wait: `<svg width="30" height="30" viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round"><circle cx="12" cy="12" r="8.5"/><path d="M12 7.5V12l3 2"/></svg>`,
  key: `<svg width="28" height="28" viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><circle cx="8" cy="15" r="4"/><path d="M11 12l8-8M16 7l2 2M14 9l2 2"/></svg>`,
  user: `<svg width="28" height="28" viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"><circle cx="12" cy="8" r="4"/><path d="M4 21c1.5-4 4.5-6 8-6s6.5 2 8 6"/></svg>`,
  shield: `<svg width="28" height="28" viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round"><path d="M12 3l8 3v6c0 4.5-3.4 8.2-8 9-4.6-.8-8-4.5-8-9V6z"/></svg>`,
};

export interface PageOptions {
  lang: Lang;
  m: Messages;
  title: string;
  body: string;
  /** Where the language switcher points (the same page in the other language); none on end pages. */
  switchHref?: string;
  /** `data-page` on <body>, a stable hook for tests and screenshots. */
  page: string;
}

/** Wraps a page body in the document shell. */
export function layout(options: PageOptions): string {
  const { m, title, body, switchHref, page } = options;
  const switcher = switchHref
    ? `<a class="lang" href="${esc(switchHref)}" hreflang="${options.lang === 'en' ? 'zh-TW' : 'en'}" data-testid="lang-switch">${esc(m.switchTo)}</a>`
    : '';
  return `<!DOCTYPE html>
<html lang="${esc(m.htmlLang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<meta name="referrer" content="no-referrer">
<title>${esc(title)} · ${esc(m.appName)}</title>
<style>${STYLE}</style>
</head>
<body data-page="${esc(page)}">
<header class="top"><span class="brand">${LOGO}<span>${esc(m.appName)}</span></span>${switcher}</header>
<main>
<div class="card">
${body}
</div>
</main>
</body>
</html>`;
}
