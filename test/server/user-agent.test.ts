// The device's User-Agent in words on the phone pages (server/pages/user-agent.ts), checked with the
// headers the common browsers, systems and command-line clients really send.
import { describe, expect, it } from 'vitest';

import { messages } from '../../server/pages/i18n.ts';
import { describeUserAgent } from '../../server/pages/user-agent.ts';

const en = messages('en');
const zh = messages('zh-TW');
const words = (ua: string | undefined, m = en) => {
  const { app, platform } = describeUserAgent(ua);
  return m.deviceWords(app, platform);
};

describe('a User-Agent in words', () => {
  it.each([
    ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36', 'Chrome on Linux'],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51', 'Edge on Windows'],
    ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15', 'Safari on macOS'],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1', 'Safari on iPhone'],
    ['Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1', 'Chrome on iPad'],
    ['Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36', 'Chrome on Android'],
    ['Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36', 'Samsung Internet on Android'],
    ['Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0', 'Firefox on Linux'],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 OPR/109.0.0.0', 'Opera on Windows'],
    ['Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36', 'Chrome on ChromeOS'],
    ['Mozilla/5.0 (SMART-TV; LINUX; Tizen 6.0) AppleWebKit/537.36 (KHTML, like Gecko) 76.0.3809.146/6.0 TV Safari/537.36', 'Tizen'],
    ['Mozilla/5.0 (Web0S; Linux/SmartTV) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/79.0.3945.79 Safari/537.36 WebAppManager', 'Chrome on webOS'],
    ['Mozilla/5.0 (PlayStation; PlayStation 5/2.26) AppleWebKit/605.1.15 (KHTML, like Gecko)', 'PlayStation'],
    ['Mozilla/5.0 (Linux; Android 9; AFTMM Build/PS7233) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36', 'Chrome on Android TV'],
    ['curl/8.5.0', 'curl'],
    ['Wget/1.21.4', 'Wget'],
    ['axios/1.7.2', 'axios (Node.js)'],
    ['node', 'Node.js'],
    ['undici', 'Node.js'],
    ['device-login/0.4.0', 'device-login'],
    ['python-requests/2.31.0', 'Python requests'],
    ['Go-http-client/1.1', 'Go'],
    ['okhttp/4.12.0', 'OkHttp'],
    ['PostmanRuntime/7.37.3', 'Postman'],
    ['Mozilla/5.0 (Windows NT; Windows NT 10.0; en-US) WindowsPowerShell/5.1.22621.2506', 'PowerShell on Windows'],
  ])('%s -> %s', (ua, expected) => {
    expect(words(ua)).toBe(expected);
  });

  it('an empty, missing or unknown header is "an unknown app"; a huge one costs no more than its first 512 characters', () => {
    expect(words(undefined)).toBe('an unknown app');
    expect(words('')).toBe('an unknown app');
    expect(words('SomeRobot/1.0')).toBe('an unknown app');
    expect(words(`${'x'.repeat(100_000)} curl/8`)).toBe('an unknown app');
  });

  it('in Traditional Chinese the system comes first, as the sentence is built there', () => {
    expect(words('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36', zh)).toBe('Linux 上的 Chrome');
    expect(words('curl/8.5.0', zh)).toBe('curl');
    expect(words(undefined, zh)).toBe('不明的應用程式');
  });
});
