// A device's User-Agent header in words for the phone pages ("Chrome on Linux", "curl"), so that a
// person can tell whether the device asking is the one in front of them (RFC 10027). Only the common
// browsers, systems and command-line clients are named; anything else is "an unknown app". The words
// are names (Chrome, Windows, curl), the same in every language; the sentence around them is i18n's.

/** What a User-Agent says, in names. */
export interface UserAgentWords {
  /** The browser, app or HTTP client (Chrome, Safari, curl, Node.js). */
  app?: string;
  /** The operating system or device (Linux, iPhone, Android, PlayStation). */
  platform?: string;
}

/** Clients that are not browsers, by the product token they start with. */
const CLIENTS: ReadonlyArray<readonly [RegExp, string]> = [
  [/^device-login\//i, 'device-login'],
  [/^curl\//i, 'curl'],
  [/^wget\//i, 'Wget'],
  [/^httpie\//i, 'HTTPie'],
  [/^axios\//i, 'axios (Node.js)'],
  [/^node-fetch\b/i, 'node-fetch (Node.js)'],
  [/^(node|undici)(\/|$)/i, 'Node.js'],
  [/^got\b/i, 'got (Node.js)'],
  [/^python-requests\//i, 'Python requests'],
  [/^python-httpx\//i, 'Python httpx'],
  [/^(python-urllib|aiohttp)\b/i, 'Python'],
  [/^go-http-client\//i, 'Go'],
  [/^okhttp\//i, 'OkHttp'],
  [/^java\//i, 'Java'],
  [/^dart\b/i, 'Dart'],
  [/^postmanruntime\//i, 'Postman'],
  [/^insomnia\//i, 'Insomnia'],
  [/^powershell\b|WindowsPowerShell/i, 'PowerShell'],
];

/** Browsers, most specific first: Edge and Opera also say Chrome, Chrome also says Safari. */
const BROWSERS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bElectron\//, 'Electron'],
  [/\bEdg(e|A|iOS)?\//, 'Edge'],
  [/\b(OPR|Opera)\//, 'Opera'],
  [/\bSamsungBrowser\//, 'Samsung Internet'],
  [/\b(Firefox|FxiOS)\//, 'Firefox'],
  [/\bCriOS\//, 'Chrome'],
  [/\bChromium\//, 'Chromium'],
  [/\bChrome\//, 'Chrome'],
  [/\bVersion\/[\d.]+.*\bSafari\//, 'Safari'],
];

/** Systems and devices, most specific first: Android says Linux, iPhone says "like Mac OS X". */
const PLATFORMS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bPlayStation\b/i, 'PlayStation'],
  [/\bXbox\b/i, 'Xbox'],
  [/\bNintendo\b/i, 'Nintendo'],
  [/\bRoku\b/i, 'Roku'],
  [/\b(AppleTV|tvOS)\b/i, 'Apple TV'],
  [/\bTizen\b/, 'Tizen'],
  [/\bWeb0S\b|\bwebOS\b/i, 'webOS'],
  [/\bCrKey\b/, 'Chromecast'],
  [/\bAndroid\b.*\b(TV|AFT\w*)\b/, 'Android TV'],
  [/\biPhone\b/, 'iPhone'],
  [/\biPad\b/, 'iPad'],
  [/\bAndroid\b/, 'Android'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bWindows\b/, 'Windows'],
  [/\bMac OS X\b|\bMacintosh\b/, 'macOS'],
  [/\bLinux\b|\bX11\b/, 'Linux'],
];

function first(table: ReadonlyArray<readonly [RegExp, string]>, text: string): string | undefined {
  return table.find(([pattern]) => pattern.test(text))?.[1];
}

/** The names in a User-Agent header; empty when it names nothing we know. */
export function describeUserAgent(header: string | undefined): UserAgentWords {
  // Only the start: a hostile header of any length costs no more than this.
  const ua = (header ?? '').slice(0, 512).trim();
  if (!ua) return {};
  const client = first(CLIENTS, ua);
  const platform = first(PLATFORMS, ua);
  const app = client ?? (/^Mozilla\//.test(ua) || /AppleWebKit|Gecko\//.test(ua) ? first(BROWSERS, ua) : undefined);
  return { ...(app ? { app } : {}), ...(platform ? { platform } : {}) };
}
