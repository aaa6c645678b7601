// The words of the verification pages, in English and Traditional Chinese (Taiwan), and how a
// request picks its language: ?lang= (remembered in a cookie), then the cookie, then Accept-Language
// (core/language.ts says which tags get Chinese). The switcher says 繁體中文, so anyone who prefers it
// can choose it.
import type { Context } from 'koa';

import { matchLanguage, preferredLanguage, type PageLanguage } from '../../core/language.ts';

export type Lang = PageLanguage;
export const LANGS: readonly Lang[] = ['en', 'zh-TW'];
export const LANG_COOKIE = 'dl_lang';

const en = {
  htmlLang: 'en',
  langName: 'English',
  appName: 'device-login',
  enterTitle: 'Sign in on your TV',
  enterLead: 'Enter the code shown on your TV.',
  code: 'Code',
  codePlaceholder: 'WDJB-MJHT',
  continue: 'Continue',
  wrongCode: "That code isn't right. Check the code on your TV and try again.",
  noCode: 'Enter the code shown on your TV.',
  noEmail: 'Enter your email address.',
  noPassword: 'Enter your password.',
  formExpired: 'This page timed out. Enter the code again.',
  genericError: 'Something went wrong. Enter the code again.',
  tooManyTitle: 'Too many attempts',
  tooMany: (minutes: number) => `Too many attempts, try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
  /** Sentences one after another: English puts a space between them. */
  sentences: (...parts: string[]) => parts.filter(Boolean).join(' '),
  attemptsLeft: (n: number) => `${n} attempt${n === 1 ? '' : 's'} left.`,
  tryAgainIn: (seconds: number) => `You can try again in ${seconds} second${seconds === 1 ? '' : 's'}.`,
  waitFirst: (seconds: number) => `Wait ${seconds} second${seconds === 1 ? '' : 's'} before you try again.`,
  codeHeld: (seconds: number) =>
    `Someone is signing in with this code on another phone or browser. If that isn't you, try again in ${seconds} second${seconds === 1 ? '' : 's'}, or ask your TV for a new code.`,
  confirmTitle: 'Does this code match the one on your TV?',
  confirmClient: (_client: string) => 'is asking to sign in to your account.',
  consentAsks: 'It will be able to:',
  ipAddress: (ip: string) => `IP address: ${ip}`,
  device: (words: string) => `Device: ${words}`,
  deviceWords: (app: string | undefined, platform: string | undefined) =>
    app && platform ? `${app} on ${platform}` : (app ?? platform ?? 'an unknown app'),
  issued: (seconds: number) => {
    if (seconds < 60) return 'Code requested just now';
    const minutes = Math.floor(seconds / 60);
    if (minutes < 60) return `Code requested ${minutes} minute${minutes === 1 ? '' : 's'} ago`;
    const hours = Math.floor(minutes / 60);
    return `Code requested ${hours} hour${hours === 1 ? '' : 's'} ago`;
  },
  warningTitle: 'Only continue if you started this yourself',
  warning:
    'Continue only if you started signing in on a device that is in front of you right now. If someone sent you this code or link, stop: they could take over your account.',
  deny: 'Deny',
  loginTitle: 'Sign in',
  loginLead: (client: string) => `Sign in to continue to ${client}.`,
  reauthLead: (age: string) => `For your safety, enter your password again to approve a device: you last signed in more than ${age} ago.`,
  duration: (seconds: number) => {
    if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`;
    const minutes = Math.floor(seconds / 60);
    if (minutes < 60) return `${minutes} minute${minutes === 1 ? '' : 's'}`;
    const hours = Math.floor(minutes / 60);
    return `${hours} hour${hours === 1 ? '' : 's'}`;
  },
  email: 'Email',
  password: 'Password',
  signIn: 'Sign in',
  loginFailed: 'Login failed: the email or password is incorrect.',
  consentTitle: 'Allow access?',
  consentLead: (client: string, email: string) => `${client} is asking for access to your account ${email}.`,
  allow: 'Allow',
  successTitle: "You're signed in",
  success: "You're signed in on your TV. You can close this page.",
  // The proximity check (server/proximity.ts): approved from another network than the TV's.
  checkNumberTitle: 'One more step on your TV',
  checkNumber: (n: string) => `Your TV is on another network. To finish, enter ${n} on the TV.`,
  checkNumberLabel: (n: string) => `Check number: ${n}`,
  checkNumberWarning:
    "Didn't start this on a TV in front of you? Then give this number to no one: whoever asks you for it could take over your account.",
  deniedTitle: 'Request denied',
  denied: 'Nothing was shared and your TV was not signed in. You can close this page.',
  expiredTitle: 'This code has expired',
  expired: 'Ask your TV for a new code and enter it here.',
  usedTitle: 'This code was already used',
  used: 'Ask your TV for a new code if it is not signed in.',
  unknownTitle: 'This page has expired',
  unknown: 'Start again: enter the code shown on your TV.',
  errorTitle: 'Something went wrong',
  startAgain: 'Enter a code',
  forbiddenTitle: 'This form has expired',
  forbidden: 'For your safety this form can only be sent once from the page that showed it. Go back and try again.',
  badLinkTitle: "This link isn't valid",
  badLink: 'Check the address, or enter the code shown on your TV.',
  scopes: {
    openid: 'Know who you are',
    profile: 'See your name and profile picture',
    email: 'See your email address',
    offline_access: 'Stay signed in on this device',
    devices: 'See and sign out the devices signed in to your account',
  } as Record<string, string>,
  // RP-initiated logout (server/pages/logout.ts): a site signing the person out of this browser.
  logoutTitle: 'Sign out',
  logoutLead: (client: string | undefined) =>
    client ? `${client} is signing you out. Sign out of device-login in this browser too?` : 'Sign out of device-login in this browser?',
  logoutNote: 'Your TV and the other devices signed in to your account stay signed in.',
  signOut: 'Sign out',
  staySignedIn: 'Stay signed in',
  loggedOutTitle: "You're signed out",
  loggedOut: (client: string | undefined) =>
    client ? `You signed out of ${client}. You can close this page.` : 'You signed out of device-login in this browser. You can close this page.',
  // The script, not just the language: a reader of Simplified Chinese knows what the link gives.
  switchTo: '繁體中文',
};

type Messages = typeof en;

const zhTW: Messages = {
  htmlLang: 'zh-Hant-TW',
  langName: '中文（台灣）',
  appName: 'device-login',
  enterTitle: '在電視上登入',
  enterLead: '輸入電視上顯示的代碼。',
  code: '代碼',
  codePlaceholder: 'WDJB-MJHT',
  continue: '繼續',
  wrongCode: '代碼不正確。請核對電視上的代碼後再試一次。',
  noCode: '請輸入電視上顯示的代碼。',
  noEmail: '請輸入您的電子郵件地址。',
  noPassword: '請輸入您的密碼。',
  formExpired: '此頁面已逾時，請重新輸入代碼。',
  genericError: '發生錯誤，請重新輸入代碼。',
  tooManyTitle: '嘗試次數過多',
  tooMany: (minutes: number) => `嘗試次數過多，請在 ${minutes} 分鐘後再試。`,
  // Chinese sentences follow each other without a space.
  sentences: (...parts: string[]) => parts.filter(Boolean).join(''),
  attemptsLeft: (n: number) => `還可以嘗試 ${n} 次。`,
  tryAgainIn: (seconds: number) => `請在 ${seconds} 秒後再試。`,
  waitFirst: (seconds: number) => `請等待 ${seconds} 秒後再試。`,
  codeHeld: (seconds: number) => `有人正在其他手機或瀏覽器上使用這組代碼登入。如果不是您，請在 ${seconds} 秒後再試，或在電視上取得新的代碼。`,
  confirmTitle: '這組代碼與電視上的相同嗎？',
  confirmClient: (_client: string) => '要求登入您的帳戶。',
  consentAsks: '它將能夠：',
  ipAddress: (ip: string) => `IP 位址：${ip}`,
  device: (words: string) => `裝置：${words}`,
  deviceWords: (app: string | undefined, platform: string | undefined) =>
    app && platform ? `${platform} 上的 ${app}` : (app ?? platform ?? '不明的應用程式'),
  issued: (seconds: number) => {
    if (seconds < 60) return '代碼剛剛產生';
    const minutes = Math.floor(seconds / 60);
    if (minutes < 60) return `代碼於 ${minutes} 分鐘前產生`;
    return `代碼於 ${Math.floor(minutes / 60)} 小時前產生`;
  },
  warningTitle: '只有在您親自發起時才繼續',
  warning: '只有當您正在眼前的裝置上登入時才繼續。如果有人傳給您這組代碼或連結，請停止：對方可能會盜用您的帳戶。',
  deny: '拒絕',
  loginTitle: '登入',
  loginLead: (client: string) => `登入以繼續使用 ${client}。`,
  reauthLead: (age: string) => `為了您的安全，核准裝置前請再次輸入密碼：您上次登入已超過 ${age}。`,
  duration: (seconds: number) => {
    if (seconds < 60) return `${seconds} 秒`;
    const minutes = Math.floor(seconds / 60);
    return minutes < 60 ? `${minutes} 分鐘` : `${Math.floor(minutes / 60)} 小時`;
  },
  email: '電子郵件',
  password: '密碼',
  signIn: '登入',
  loginFailed: '登入失敗：電子郵件或密碼不正確。',
  consentTitle: '允許存取？',
  consentLead: (client: string, email: string) => `${client} 要求存取您的帳戶 ${email}。`,
  allow: '允許',
  successTitle: '您已登入',
  success: '您已在電視上登入。您可以關閉此頁面。',
  checkNumberTitle: '請在電視上完成最後一步',
  checkNumber: (n: string) => `您的電視位於其他網路。若要完成登入，請在電視上輸入 ${n}。`,
  checkNumberLabel: (n: string) => `確認號碼：${n}`,
  checkNumberWarning: '如果不是您在眼前的電視上開始登入的，請不要把這個號碼告訴任何人：向您索取號碼的人可能會盜用您的帳戶。',
  deniedTitle: '已拒絕要求',
  denied: '未分享任何資料，電視也沒有登入。您可以關閉此頁面。',
  expiredTitle: '此代碼已過期',
  expired: '請在電視上取得新的代碼，然後在此輸入。',
  usedTitle: '此代碼已使用過',
  used: '如果電視尚未登入，請取得新的代碼。',
  unknownTitle: '此頁面已過期',
  unknown: '請重新開始：輸入電視上顯示的代碼。',
  errorTitle: '發生錯誤',
  startAgain: '輸入代碼',
  forbiddenTitle: '此表單已失效',
  forbidden: '為了您的安全，此表單只能從顯示它的頁面送出一次。請返回後再試。',
  badLinkTitle: '此連結無效',
  badLink: '請檢查網址，或輸入電視上顯示的代碼。',
  scopes: {
    openid: '確認您的身分',
    profile: '查看您的姓名與大頭貼',
    email: '查看您的電子郵件地址',
    offline_access: '在此裝置上保持登入',
    devices: '查看並登出已登入您帳戶的裝置',
  },
  logoutTitle: '登出',
  logoutLead: (client: string | undefined) => (client ? `${client} 正在將您登出。也要在此瀏覽器上登出 device-login 嗎？` : '要在此瀏覽器上登出 device-login 嗎？'),
  logoutNote: '您的電視與其他已登入您帳戶的裝置會保持登入。',
  signOut: '登出',
  staySignedIn: '保持登入',
  loggedOutTitle: '您已登出',
  loggedOut: (client: string | undefined) => (client ? `您已登出 ${client}。您可以關閉此頁面。` : '您已在此瀏覽器上登出 device-login。您可以關閉此頁面。'),
  switchTo: 'English',
};

const CATALOGUE: Record<Lang, Messages> = { en, 'zh-TW': zhTW };

/** The messages of one language. */
export function messages(lang: Lang): Messages {
  return CATALOGUE[lang];
}

export type { Messages };

/** Picks the language of a request; a ?lang= choice is remembered in a cookie. */
export function pickLang(ctx: Context): Lang {
  const query = typeof ctx.query.lang === 'string' ? matchLanguage(ctx.query.lang) : undefined;
  if (query) {
    ctx.cookies.set(LANG_COOKIE, query, { httpOnly: true, sameSite: 'lax', secure: ctx.secure, maxAge: 365 * 24 * 3600 * 1000, path: '/' });
    return query;
  }
  const cookie = matchLanguage(ctx.cookies.get(LANG_COOKIE));
  if (cookie) return cookie;
  return preferredLanguage(ctx.get('accept-language')) ?? 'en';
}
