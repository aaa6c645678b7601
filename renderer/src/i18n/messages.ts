// The TV's words, in English and Traditional Chinese (Taiwan). The English catalogue defines the
// shape; `Messages` widens it, so the zh-TW catalogue fails to type-check when a key is missing,
// extra, or a function takes different arguments.
import type { Language } from '../../../host/contract.ts';

const en = {
  appName: 'Device Login TV',
  languageName: 'English',
  common: {
    back: 'Back',
    retry: 'Retry',
    getNewCode: 'Get a new code',
    backToStart: 'Back to start',
    loading: 'Loading…',
    actionFailed: 'The TV could not reach its sign-in service. Try again in a moment.',
    connecting: 'Connecting to the TV service…',
  },
  welcome: {
    title: 'Sign in to start watching',
    subtitle: 'Use your phone. There is nothing to type on the TV.',
    /** When the TV can also sign in through this computer's browser. */
    subtitleWithComputer: 'Use your phone, or the browser on this computer. There is nothing to type on the TV.',
    signIn: 'Sign in',
    /** Beside Sign in (with the phone): the authorization code flow in this computer's browser. */
    signInOnThisComputer: 'Sign in on this computer',
    signedOut: 'Signed out',
    provider: (name: string) => `Signs in with ${name}`,
    /** The name of the sign-in server that came with this app (ViewState.provider.embedded). */
    embeddedProvider: 'this app’s own sign-in server',
    language: 'Language',
  },
  requesting: {
    title: 'Getting your sign-in code…',
  },
  inBrowser: {
    title: 'Finish signing in in your browser',
    body: 'A browser tab opened on this computer. Sign in there and allow this TV; this screen moves on by itself.',
    openAgain: 'Open the browser again',
    cancel: 'Cancel',
  },
  code: {
    title: 'Sign in with your phone',
    scanStep: 'Scan the QR code with your phone’s camera',
    orVisit: 'Or open this address on any phone or computer',
    enterCode: 'and enter this code',
    codeLabel: (spoken: string) => `Sign-in code: ${spoken}`,
    qrLabel: 'QR code to sign in',
    scanCaption: 'Point your phone’s camera here',
    qrOffline: 'Scanning will not work until the TV reaches the sign-in service again.',
    waiting: 'Waiting for you on your phone',
    reconnecting: 'Reconnecting…',
    hint: 'Only continue if your phone shows this same code',
    expiresIn: (relative: string) => `Code expires ${relative}`,
    readAloud: 'Read code aloud',
    cancel: 'Cancel',
    speech: (characters: string) => `Your sign-in code is: ${characters}.`,
    providerMessage: 'Message from your sign-in provider',
    renewed: 'New code: the old one expired',
  },
  /** The proximity check: approved on a phone on another network, the TV asks for the number it shows. */
  check: {
    title: 'Your phone is on another network',
    lead: 'Enter the number your phone shows',
    why: 'To keep your account safe, the TV signs in only once it has the two-digit number on your phone.',
    digitLabel: (position: number, of: number) => `Digit ${position} of ${of}`,
    blank: 'blank',
    howTo: 'Press the number buttons, or ▲ ▼ to change a digit and ◀ ▶ to move. Then press OK.',
    send: 'Confirm',
    checking: 'Checking the number…',
    wrong: 'That is not the number on your phone. Try again.',
    wrongLeft: (left: number) => `That is not the number on your phone. ${left} ${left === 1 ? 'try' : 'tries'} left.`,
    incomplete: 'Enter both digits, then press OK.',
  },
  signedIn: {
    welcome: (name: string) => `Welcome, ${name}`,
    /** When the provider did not say who signed in. */
    welcomeUnnamed: 'Welcome',
    subtitle: 'You are signed in on this TV.',
  },
  signingOut: {
    title: 'Signing out…',
  },
  hostLost: {
    title: 'The TV app stopped',
    body: 'Reconnecting… This screen comes back by itself once the app is running again.',
  },
  denied: {
    title: 'Sign-in was declined',
    body: 'Someone chose “Deny” on the phone, so nothing was signed in.',
    /** After too many wrong numbers in the proximity check (check_number_exhausted). */
    checkNumber: 'The number from the phone was entered wrong too many times, so nothing was signed in.',
  },
  expired: {
    title: 'This code has expired',
    body: 'Codes only last a few minutes, to keep your account safe.',
    pressOk: 'Press OK for a new code',
  },
  error: {
    title: 'Something went wrong',
    // What happened, then what to do next, by the kind of failure (logic/error-kind.ts).
    network: {
      what: 'The TV could not reach the sign-in service.',
      next: 'Check that the TV is connected to the internet, then choose Retry.',
    },
    server: {
      what: 'The sign-in service is having trouble right now.',
      next: 'Wait a few minutes, then choose Retry.',
    },
    setup: {
      what: 'This TV’s sign-in settings do not work with the sign-in service.',
      next: 'Ask whoever set up this TV to check its sign-in settings.',
    },
    refused: {
      what: 'The sign-in service would not let this TV sign in.',
      next: 'Ask whoever set up this TV whether the sign-in service allows it, then choose Retry.',
    },
    code: {
      what: 'The sign-in code stopped working before the sign-in was finished.',
      next: 'Choose Retry for a new code, then enter it on your phone.',
    },
    session: {
      what: 'Your sign-in on this TV has ended.',
      next: 'Choose Retry to sign in again with your phone.',
    },
    storage: {
      what: 'The TV could not read or save your sign-in.',
      next: 'Choose Retry to sign in again. If it keeps happening, ask whoever set up this TV to check its storage.',
    },
    response: {
      what: 'The sign-in service sent an answer the TV could not read.',
      next: 'Choose Retry. If it happens again, ask whoever set up this TV to check its sign-in settings.',
    },
    other: {
      what: 'The TV could not finish signing in.',
      next: 'Choose Retry to try again.',
    },
  },
  notice: {
    session_ended: 'Your sign-in has ended. Sign in again to keep watching.',
    signed_out_from_account: 'This TV was signed out from your account page. Sign in again to keep watching.',
    profile_unavailable: 'You are signed in, but your name and picture could not be loaded.',
    revocation_failed:
      'You are signed out on this TV, but the sign-in service could not be told. To be sure, remove this TV from your account’s devices.',
    revocation_unsupported:
      'You are signed out on this TV. The sign-in service keeps its access until you remove this TV from your account’s connected apps.',
    tokens_memory_only: 'This TV cannot keep your sign-in safely, so you will sign in again after it restarts.',
    tokens_unencrypted: 'This TV keeps your sign-in without the system’s protection. If others use this TV, sign out when you are done.',
  },
  home: {
    menuLabel: 'Menu',
    home: 'Home',
    settings: 'Settings',
    featured: 'Featured',
    moreInfo: 'More info',
    play: 'Play',
    playUnavailable: 'Playback is not part of this demo.',
    catalogFailed: 'The catalogue could not be loaded.',
    emptyCatalog: 'Nothing to watch yet.',
    signedInAs: (name: string) => `Signed in as ${name}`,
  },
  settings: {
    title: 'Settings',
    account: 'Account',
    provider: 'Sign-in provider',
    issuer: 'Issuer',
    language: 'Language',
    signOut: 'Sign out',
    signOutHint: 'Signing out removes your account from this TV.',
    confirmTitle: 'Sign out of this TV?',
    confirmBody: 'To watch again, you will sign in with your phone.',
    confirmSignOut: 'Sign out',
    confirmCancel: 'Cancel',
  },
  live: {
    idle: 'Ready to sign in.',
    requesting: 'Getting your sign-in code.',
    awaitingUser: (spoken: string, uri: string) => `Your sign-in code is ${spoken}. Open ${uri} on your phone, or scan the QR code.`,
    reconnecting: 'Connection lost. Reconnecting. Your code is still valid.',
    reconnected: 'Connected again. Waiting for you on your phone.',
    oneMinute: 'One minute left to use this code.',
    signedIn: (name: string) => `Signed in. Welcome, ${name}.`,
    signedInUnnamed: 'Signed in. Welcome.',
    signingOut: 'Signing out.',
    signedOut: 'Signed out. Ready to sign in again.',
    hostLost: 'The TV app stopped. Reconnecting.',
    hostBack: 'The TV app is running again.',
    renewed: 'The old code expired, so the TV shows a new one.',
    checkNumber: 'Your phone is on another network. Enter the two-digit number your phone shows, with the number buttons or the arrow keys, then press OK.',
    checkNumberChecking: 'Checking the number.',
    inBrowser: 'A browser tab opened on this computer. Finish signing in there, or press Back to cancel.',
  },
};

/** The catalogue's shape: every key of the English catalogue, with strings widened. */
type Widen<T> = {
  [K in keyof T]: T[K] extends string ? string : T[K] extends (...args: infer A) => string ? (...args: A) => string : Widen<T[K]>;
};

/** The typed message catalogue every language must fill completely. */
export type Messages = Widen<typeof en>;

const zhTW: Messages = {
  appName: '裝置登入電視',
  languageName: '繁體中文',
  common: {
    back: '返回',
    retry: '重試',
    getNewCode: '取得新代碼',
    backToStart: '回到開始畫面',
    loading: '載入中…',
    actionFailed: '電視無法連線到登入服務，請稍後再試。',
    connecting: '正在連線到電視服務…',
  },
  welcome: {
    title: '登入後即可開始觀看',
    subtitle: '使用手機登入，不必在電視上打字。',
    subtitleWithComputer: '使用手機或這台電腦的瀏覽器登入，不必在電視上打字。',
    signIn: '登入',
    signInOnThisComputer: '在這台電腦上登入',
    signedOut: '已登出',
    provider: (name) => `使用 ${name} 登入`,
    embeddedProvider: '本應用程式內建的登入服務',
    language: '語言',
  },
  requesting: {
    title: '正在取得登入代碼…',
  },
  inBrowser: {
    title: '請在瀏覽器中完成登入',
    body: '這台電腦已開啟一個瀏覽器分頁。請在那裡登入並允許這台電視；完成後這個畫面會自動前進。',
    openAgain: '再次開啟瀏覽器',
    cancel: '取消',
  },
  code: {
    title: '使用手機登入',
    scanStep: '用手機相機掃描 QR 碼',
    orVisit: '或在任何手機或電腦上開啟這個網址',
    enterCode: '並輸入這組代碼',
    codeLabel: (spoken) => `登入代碼：${spoken}`,
    qrLabel: '登入用的 QR 碼',
    scanCaption: '將手機相機對準這裡',
    qrOffline: '電視重新連上登入服務之前，掃描無法使用。',
    waiting: '正在等待你在手機上完成登入',
    reconnecting: '正在重新連線…',
    hint: '請確認手機上顯示的代碼與此相同再繼續',
    expiresIn: (relative) => `代碼將於 ${relative}失效`,
    readAloud: '朗讀代碼',
    cancel: '取消',
    speech: (characters) => `你的登入代碼是：${characters}。`,
    providerMessage: '登入服務提供者的訊息',
    renewed: '已換成新代碼：舊代碼已過期',
  },
  check: {
    title: '你的手機位於其他網路',
    lead: '請輸入手機上顯示的號碼',
    why: '為了保護你的帳號，電視取得你手機上的兩位數號碼後才會登入。',
    digitLabel: (position, of) => `第 ${position} 位數，共 ${of} 位`,
    blank: '空白',
    howTo: '請按數字鍵輸入，或用 ▲ ▼ 改變數字、◀ ▶ 移動，然後按 OK 鍵。',
    send: '確認',
    checking: '正在核對號碼…',
    wrong: '這不是手機上顯示的號碼，請再試一次。',
    wrongLeft: (left) => `這不是手機上顯示的號碼。還可以再試 ${left} 次。`,
    incomplete: '請輸入兩位數字，然後按 OK 鍵。',
  },
  signedIn: {
    welcome: (name) => `歡迎，${name}`,
    welcomeUnnamed: '歡迎',
    subtitle: '你已在這台電視上登入。',
  },
  signingOut: {
    title: '正在登出…',
  },
  hostLost: {
    title: '電視應用程式已停止',
    body: '正在重新連線…應用程式恢復執行後，畫面會自動回來。',
  },
  denied: {
    title: '登入已被拒絕',
    body: '有人在手機上選擇了「拒絕」，因此沒有登入任何帳號。',
    checkNumber: '手機上的號碼輸入錯誤太多次，因此沒有登入任何帳號。',
  },
  expired: {
    title: '這組代碼已過期',
    body: '為了保護你的帳號，代碼只在幾分鐘內有效。',
    pressOk: '按 OK 鍵取得新代碼',
  },
  error: {
    title: '發生錯誤',
    network: {
      what: '電視無法連線到登入服務。',
      next: '請確認電視已連上網路，然後選擇「重試」。',
    },
    server: {
      what: '登入服務目前發生問題。',
      next: '請稍候幾分鐘，再選擇「重試」。',
    },
    setup: {
      what: '這台電視的登入設定無法與登入服務配合。',
      next: '請聯絡設定這台電視的人檢查登入設定。',
    },
    refused: {
      what: '登入服務不允許這台電視登入。',
      next: '請詢問設定這台電視的人，登入服務是否允許這台電視登入，然後選擇「重試」。',
    },
    code: {
      what: '登入代碼在完成登入之前就失效了。',
      next: '請選擇「重試」取得新代碼，再到手機上輸入。',
    },
    session: {
      what: '你在這台電視上的登入已經結束。',
      next: '請選擇「重試」，再用手機重新登入。',
    },
    storage: {
      what: '電視無法讀取或儲存你的登入資訊。',
      next: '請選擇「重試」重新登入。如果一直發生，請聯絡設定這台電視的人檢查儲存空間。',
    },
    response: {
      what: '登入服務傳回了電視無法讀取的回應。',
      next: '請選擇「重試」。如果再次發生，請聯絡設定這台電視的人檢查登入設定。',
    },
    other: {
      what: '電視無法完成登入。',
      next: '請選擇「重試」再試一次。',
    },
  },
  notice: {
    session_ended: '你的登入已結束。請重新登入以繼續觀看。',
    signed_out_from_account: '這台電視已從你的帳號頁面登出。請重新登入以繼續觀看。',
    profile_unavailable: '你已登入，但無法載入你的名稱和相片。',
    revocation_failed: '你已在這台電視上登出，但無法通知登入服務。為了安全起見，請到帳號的裝置清單中移除這台電視。',
    revocation_unsupported: '你已在這台電視上登出。在你從帳號的已連結應用程式中移除這台電視之前，登入服務仍會保留它的存取權。',
    tokens_memory_only: '這台電視無法安全地保存你的登入資訊，因此重新啟動後需要再次登入。',
    tokens_unencrypted: '這台電視保存登入資訊時沒有系統的加密保護。如果還有其他人使用這台電視，用完後請登出。',
  },
  home: {
    menuLabel: '選單',
    home: '首頁',
    settings: '設定',
    featured: '精選',
    moreInfo: '更多資訊',
    play: '播放',
    playUnavailable: '這個示範不包含播放功能。',
    catalogFailed: '無法載入節目目錄。',
    emptyCatalog: '目前沒有可觀看的內容。',
    signedInAs: (name) => `目前登入：${name}`,
  },
  settings: {
    title: '設定',
    account: '帳號',
    provider: '登入服務提供者',
    issuer: '簽發者',
    language: '語言',
    signOut: '登出',
    signOutHint: '登出後，你的帳號會從這台電視移除。',
    confirmTitle: '要從這台電視登出嗎？',
    confirmBody: '之後要觀看時，需要再用手機登入。',
    confirmSignOut: '登出',
    confirmCancel: '取消',
  },
  live: {
    idle: '可以開始登入。',
    requesting: '正在取得登入代碼。',
    awaitingUser: (spoken, uri) => `你的登入代碼是 ${spoken}。請在手機上開啟 ${uri}，或掃描 QR 碼。`,
    reconnecting: '連線中斷，正在重新連線。你的代碼仍然有效。',
    reconnected: '已重新連線，正在等待你在手機上完成登入。',
    oneMinute: '這組代碼只剩一分鐘。',
    signedIn: (name) => `已登入。歡迎，${name}。`,
    signedInUnnamed: '已登入。歡迎。',
    signingOut: '正在登出。',
    signedOut: '已登出，可以重新登入。',
    hostLost: '電視應用程式已停止，正在重新連線。',
    hostBack: '電視應用程式已恢復執行。',
    renewed: '舊代碼已過期，電視已顯示新代碼。',
    checkNumber: '你的手機位於其他網路。請用數字鍵或方向鍵輸入手機上顯示的兩位數號碼，然後按 OK 鍵。',
    checkNumberChecking: '正在核對號碼。',
    inBrowser: '這台電腦已開啟瀏覽器分頁。請在那裡完成登入，或按返回鍵取消。',
  },
};

/** Every catalogue, by language. */
export const catalogues: Record<Language, Messages> = { en, 'zh-TW': zhTW };

/** The languages offered on Welcome and in Settings, in menu order. */
export const LANGUAGES: readonly Language[] = ['en', 'zh-TW'];

/** The catalogue for a language (English for anything unknown). */
export function messagesFor(language: Language): Messages {
  return catalogues[language] ?? en;
}
