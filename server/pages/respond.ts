// How a page reaches the phone: in the language the request asks for, with the link to the same
// page in the other language, as an HTML response. Shared by the device-flow hooks, the code-entry
// guard and the sign-in and consent routes, so that every page picks its language the same way.
import type { Context } from 'koa';

import { messages, pickLang, type Lang, type Messages } from './i18n.ts';
import { endPage } from './views.ts';

/** The request's language and its message catalogue. */
export function language(ctx: Context): { lang: Lang; m: Messages } {
  const lang = pickLang(ctx);
  return { lang, m: messages(lang) };
}

/** The same page in the other language: `path` with `extra` and ?lang= set. */
export function switchHref(current: Lang, path: string, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams(extra);
  params.set('lang', current === 'en' ? 'zh-TW' : 'en');
  return `${path}?${params.toString()}`;
}

/** Answers with a page. */
export function render(ctx: Context, html: string, status?: number): void {
  if (status !== undefined) ctx.status = status;
  ctx.type = 'html';
  ctx.body = html;
}

/** Sets Retry-After for a lock of `waitMs` and returns the whole minutes to tell the person. */
export function retryAfter(ctx: Context, waitMs: number): number {
  ctx.set('Retry-After', String(Math.ceil(waitMs / 1000)));
  return Math.max(1, Math.ceil(waitMs / 60_000));
}

/** The lock-out page of code entry: too many wrong codes, try again in a few minutes. */
export function renderTooMany(ctx: Context, waitMs: number): void {
  const { lang, m } = language(ctx);
  const minutes = retryAfter(ctx, waitMs);
  render(ctx, endPage({ lang, m, kind: 'too-many', retryMinutes: minutes }), 429);
}
