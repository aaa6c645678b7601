// The page a browser lands on at the end of a sign-in through it (the loopback redirect, RFC 8252):
// written for the person, in English or Traditional Chinese by Accept-Language, saying to go back
// to the terminal (the CLI) or the TV app (a DeviceController's sign-in on this computer), or what
// went wrong. No script, no outside resource, nothing to leak.
import { preferredLanguage, type PageLanguage } from '../core/language.ts';

/** The languages of the page: Traditional Chinese for zh-TW, zh-HK, zh-MO and zh-Hant, else English (core/language.ts). */
export type RedirectLang = PageLanguage;

/** What the page says. */
export type RedirectPageKind = 'signed_in' | 'denied' | 'wrong_state' | 'failed';

/** Where the person goes back to: the terminal of `login --browser`, or the TV app. */
export type RedirectReturn = 'terminal' | 'app';

type Words = Record<RedirectLang, Record<RedirectPageKind, readonly [string, string]>>;

const TERMINAL_WORDS = {
  en: {
    signed_in: ['Signed in', 'You are signed in. You can close this tab and go back to the terminal.'],
    denied: ['Sign-in cancelled', 'You did not allow the sign-in. You can close this tab; the terminal says what to do next.'],
    wrong_state: [
      'This sign-in link is not the one being waited for',
      'This answer belongs to no sign-in in progress here, so it was ignored. If you are signing in, use the address the terminal shows.',
    ],
    failed: ['Sign-in failed', 'The sign-in did not work. You can close this tab; the terminal says what went wrong.'],
  },
  'zh-TW': {
    signed_in: ['已登入', '您已登入。可以關閉此分頁，回到終端機。'],
    denied: ['已取消登入', '您沒有允許這次登入。可以關閉此分頁；終端機會說明接下來怎麼做。'],
    wrong_state: ['這不是正在等待的登入連結', '這個回應不屬於此處進行中的任何登入，所以已略過。若您正在登入，請使用終端機顯示的網址。'],
    failed: ['登入失敗', '這次登入沒有成功。可以關閉此分頁；終端機會說明出了什麼問題。'],
  },
} as const satisfies Words;

const APP_WORDS = {
  en: {
    signed_in: ['Signed in', 'You are signed in. You can close this tab and go back to the TV app.'],
    denied: ['Sign-in cancelled', 'You did not allow the sign-in. You can close this tab; the TV app says what to do next.'],
    wrong_state: [
      'This sign-in link is not the one being waited for',
      'This answer belongs to no sign-in in progress here, so it was ignored. If you are signing in, start again from the TV app.',
    ],
    failed: ['Sign-in failed', 'The sign-in did not work. You can close this tab; the TV app says what went wrong.'],
  },
  'zh-TW': {
    signed_in: ['已登入', '您已登入。可以關閉此分頁，回到電視應用程式。'],
    denied: ['已取消登入', '您沒有允許這次登入。可以關閉此分頁；電視應用程式會說明接下來怎麼做。'],
    wrong_state: ['這不是正在等待的登入連結', '這個回應不屬於此處進行中的任何登入，所以已略過。若您正在登入，請從電視應用程式重新開始。'],
    failed: ['登入失敗', '這次登入沒有成功。可以關閉此分頁；電視應用程式會說明出了什麼問題。'],
  },
} as const satisfies Words;

/** The page's language from an Accept-Language header: the first listed language we have, by q, else English. */
export function redirectLang(acceptLanguage: string | undefined): RedirectLang {
  return preferredLanguage(acceptLanguage) ?? 'en';
}

/** The HTML of the page; `detail` (English, from the error) is added to `failed` for whoever reads it. */
export function redirectPage(kind: RedirectPageKind, lang: RedirectLang, detail?: string, returnTo: RedirectReturn = 'terminal'): string {
  const [title, text] = (returnTo === 'app' ? APP_WORDS : TERMINAL_WORDS)[lang][kind];
  const more = detail ? `<p>${escapeHtml(detail)}</p>` : '';
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title></head><body><main><h1>${title}</h1><p>${text}</p>${more}</main></body></html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
