// The words of the account website, in English and Traditional Chinese (Taiwan), and how a request
// picks its language: ?lang= (remembered in a cookie under /account), then that cookie, then
// Accept-Language. The rule is the phone pages' (core/language.ts): only Traditional Chinese tags
// get Chinese; Simplified Chinese falls through to the next language listed, else English.
import type { IncomingMessage } from 'node:http';

import { matchLanguage, preferredLanguage, type PageLanguage } from '../core/language.ts';

export type Lang = PageLanguage;

const en = {
  htmlLang: 'en',
  switchTo: '繁體中文',
  appName: 'device-login',
  siteName: 'Account',
  startTitle: 'Your device-login account',
  startLead: 'Sign in to see your profile, what you can watch, and every TV and device signed in to your account.',
  signIn: 'Sign in',
  signInHint: 'You sign in on the sign-in server’s own page: this site never sees your password.',
  signingInTitle: 'Signing you in…',
  signingInLead: 'Loading… one moment while we finish signing you in.',
  continue: 'Continue',
  hi: (name: string) => `Hi, ${name}`,
  yourPicture: 'Your picture',
  signOut: 'Sign out',
  catalogueTitle: 'What you can watch',
  catalogueUnavailable: 'The catalogue cannot be shown right now. Try again in a moment.',
  devicesTitle: 'Your devices',
  devicesLead: 'Every TV and device signed in to your account. Sign out any you do not recognise.',
  noDevices: 'No devices are signed in to your account.',
  signedInAt: 'Signed in',
  lastUsed: 'Last used',
  ipAddress: 'IP address',
  byCode: 'with a code',
  byBrowser: 'in a browser',
  signOutDevice: 'Sign out this device',
  signOutEverywhere: 'Sign out everywhere',
  devicesUnavailable: 'Your devices cannot be shown right now. Try again in a moment.',
  devicesNotAllowed: 'This sign-in may not manage your devices. Sign out and sign in again to allow it.',
  devicesByProvider: (provider: string) => `Your devices are managed by ${provider}. Sign them out on its own account page.`,
  deviceSignedOut: (name: string) => `${name} was signed out. It will ask to sign in again.`,
  deviceAlreadyGone: 'That device was already signed out.',
  allSignedOut: (count: number) => (count === 0 ? 'No devices were signed in.' : `${count} device${count === 1 ? ' was' : 's were'} signed out.`),
  signedOutTitle: 'You are signed out',
  signedOutLead: 'You signed out of this site. Sign in again whenever you like.',
  declinedTitle: 'You declined',
  declinedLead: 'You declined to share your account with this site, so you are not signed in. Nothing was shared.',
  tryAgain: 'Try again',
  wrongStateTitle: 'This sign-in is not valid',
  wrongStateLead: 'This sign-in answer does not belong to a sign-in started here, or it was already used. Start again.',
  codeUsedTitle: 'This sign-in was already used',
  codeUsedLead: 'The sign-in answer was already used or has expired, so it was refused. Start again.',
  wrongIssuerTitle: 'This sign-in was refused',
  wrongIssuerLead: 'The sign-in answer came from another server than this site’s sign-in server, so it was refused. Start again.',
  serverDownTitle: 'The sign-in server cannot be reached',
  serverDownLead: 'The sign-in server did not answer. Try again in a moment.',
  sessionEndedTitle: 'Your session has ended',
  sessionEndedLead: 'You were signed out of this site because your sign-in ended or was signed out elsewhere. Sign in again.',
  formExpired: 'This page had timed out, so nothing was changed. Try again.',
  notFoundTitle: 'Page not found',
  notFoundLead: 'There is no page at this address.',
  errorTitle: 'Something went wrong',
  errorLead: 'The sign-in could not be finished. Start again.',
  notRegisteredLead: 'This site is not registered with the sign-in server (its client id or secret was refused).',
  backToStart: 'Back to the start',
  tvLink: 'The TV and phone',
};

type Messages = typeof en;

const zhTW: Messages = {
  htmlLang: 'zh-Hant-TW',
  switchTo: 'English',
  appName: 'device-login',
  siteName: '帳戶',
  startTitle: '您的 device-login 帳戶',
  startLead: '登入後即可查看您的個人資料、可觀看的內容，以及已登入您帳戶的所有電視與裝置。',
  signIn: '登入',
  signInHint: '您會在登入伺服器自己的頁面上登入：本網站永遠不會看到您的密碼。',
  signingInTitle: '正在為您登入…',
  signingInLead: '載入中…請稍候，我們正在完成登入。',
  continue: '繼續',
  hi: (name: string) => `嗨，${name}`,
  yourPicture: '您的大頭貼',
  signOut: '登出',
  catalogueTitle: '可觀看的內容',
  catalogueUnavailable: '目前無法顯示片單，請稍後再試。',
  devicesTitle: '您的裝置',
  devicesLead: '已登入您帳戶的所有電視與裝置。若有您不認得的，請將它登出。',
  noDevices: '目前沒有裝置登入您的帳戶。',
  signedInAt: '登入時間',
  lastUsed: '上次使用',
  ipAddress: 'IP 位址',
  byCode: '以代碼登入',
  byBrowser: '以瀏覽器登入',
  signOutDevice: '登出此裝置',
  signOutEverywhere: '登出所有裝置',
  devicesUnavailable: '目前無法顯示您的裝置，請稍後再試。',
  devicesNotAllowed: '這次登入沒有管理裝置的權限。請登出後重新登入並允許。',
  devicesByProvider: (provider: string) => `您的裝置由 ${provider} 管理，請在其帳戶頁面登出裝置。`,
  deviceSignedOut: (name: string) => `已登出 ${name}，它會要求重新登入。`,
  deviceAlreadyGone: '該裝置已經登出。',
  allSignedOut: (count: number) => (count === 0 ? '沒有已登入的裝置。' : `已登出 ${count} 台裝置。`),
  signedOutTitle: '您已登出',
  signedOutLead: '您已登出本網站，隨時可以重新登入。',
  declinedTitle: '您已拒絕',
  declinedLead: '您拒絕與本網站分享您的帳戶，因此尚未登入，也沒有分享任何資料。',
  tryAgain: '再試一次',
  wrongStateTitle: '這次登入無效',
  wrongStateLead: '這個登入回應不屬於在此開始的登入，或已經使用過。請重新開始。',
  codeUsedTitle: '這次登入已使用過',
  codeUsedLead: '這個登入回應已經使用過或已過期，因此被拒絕。請重新開始。',
  wrongIssuerTitle: '這次登入被拒絕',
  wrongIssuerLead: '這個登入回應來自本網站登入伺服器以外的伺服器，因此被拒絕。請重新開始。',
  serverDownTitle: '無法連線到登入伺服器',
  serverDownLead: '登入伺服器沒有回應，請稍後再試。',
  sessionEndedTitle: '您的工作階段已結束',
  sessionEndedLead: '由於您的登入已結束或在其他地方被登出，您已登出本網站。請重新登入。',
  formExpired: '此頁面已逾時，因此沒有做任何變更。請再試一次。',
  notFoundTitle: '找不到頁面',
  notFoundLead: '這個網址沒有頁面。',
  errorTitle: '發生錯誤',
  errorLead: '無法完成登入，請重新開始。',
  notRegisteredLead: '本網站尚未在登入伺服器註冊（其用戶端 ID 或密鑰被拒絕）。',
  backToStart: '回到首頁',
  tvLink: '電視與手機',
};

const CATALOGUE: Record<Lang, Messages> = { en, 'zh-TW': zhTW };

export type { Messages };

/** The messages of one language. */
export function messages(lang: Lang): Messages {
  return CATALOGUE[lang];
}

/** The cookie that remembers a ?lang= choice; its own name and Path=/account, apart from the server's. */
export const LANG_COOKIE = 'dl_account_lang';

/** The language of a request: the query's choice, then the cookie's, then Accept-Language, else English. */
export function pickLang(req: IncomingMessage, query: URLSearchParams, cookies: Record<string, string>): { lang: Lang; chosen: boolean } {
  const fromQuery = matchLanguage(query.get('lang') ?? undefined);
  if (fromQuery) return { lang: fromQuery, chosen: true };
  const fromCookie = matchLanguage(cookies[LANG_COOKIE]);
  if (fromCookie) return { lang: fromCookie, chosen: false };
  return { lang: preferredLanguage(req.headers['accept-language']) ?? 'en', chosen: false };
}

/** A date and time as people of `lang` read it, e.g. "12 May 2025, 14:03" / "2025年5月12日 下午2:03". */
export function formatTime(iso: string | undefined, lang: Lang): string {
  const time = iso ? Date.parse(iso) : NaN;
  if (Number.isNaN(time)) return '—';
  return new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'zh-TW', { dateStyle: 'medium', timeStyle: 'short' }).format(time);
}
