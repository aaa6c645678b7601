// RFC 10027: the confirm and consent pages say who is asking and from where, so that a person sent a
// code by someone else can see it is not their TV: the client's name and logo, the device's address
// (the real one behind a trusted proxy), its user agent in words, when the code was issued, and the
// code to compare. Deny is as easy as Allow: the same size, both on screen at 360×640 without scrolling.
import { chromium, type Browser } from '@playwright/test';
import type { ClientMetadata } from 'oidc-provider';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { CHROMIUM, chromiumPath } from '../../scripts/system-parts.ts';
import { messages } from '../../server/pages/i18n.ts';
import { deviceRequest } from '../../server/pages/views.ts';
import { DEVICE_CODE_GRANT } from '../../server/provider.ts';
import { describeWith } from '../fixtures/needs.ts';
import { Phone, type PhonePage } from '../fixtures/phone.ts';
import { startDefencesServer, type DefencesServer } from './defences-harness.ts';

const LIVING_ROOM: ClientMetadata = {
  client_id: 'living-room',
  client_name: 'Living-room TV',
  logo_uri: 'https://tv.example/logo.png',
  token_endpoint_auth_method: 'none',
  grant_types: [DEVICE_CODE_GRANT, 'refresh_token'],
  response_types: [],
  redirect_uris: [],
};
const CHROME_ON_LINUX = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';

/** The text a person reads on the page. */
function text(page: PhonePage): string {
  return page.html
    .replace(/<style>[\s\S]*?<\/style>/, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, ' ');
}

let server: DefencesServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function issueFor(s: DefencesServer, clientId = 'living-room'): Promise<{ device_code: string; user_code: string; verification_uri_complete: string }> {
  const answer = await s.authorize({ clientId, ip: '198.51.100.23', userAgent: CHROME_ON_LINUX });
  expect(answer.status).toBe(200);
  return answer.body as { device_code: string; user_code: string; verification_uri_complete: string };
}

describe('who is asking and from where', () => {
  it('confirm and consent both show the client and its logo, the device in words, its address, when the code was issued, and the code', async () => {
    server = await startDefencesServer({ clients: [LIVING_ROOM] });
    const auth = await issueFor(server);
    const phone = new Phone();
    const confirm = await phone.get(auth.verification_uri_complete);
    expect(confirm.page).toBe('confirm');
    const consent = await phone.confirmAndSignIn(confirm, server.user);
    expect(consent.page).toBe('consent');
    const [a, b] = auth.user_code.split('-');
    for (const page of [confirm, consent]) {
      expect(page.html, page.page).toContain('<strong data-testid="client-name">Living-room TV</strong>');
      expect(page.html, page.page).toContain('src="https://tv.example/logo.png"');
      // The logo's origin, and only it, is added to the page's image sources.
      expect(page.headers.get('content-security-policy'), page.page).toContain("img-src 'self' data: https://tv.example;");
      expect(text(page), page.page).toContain('Device: Chrome on Linux');
      expect(text(page), page.page).toContain('IP address: 198.51.100.23');
      expect(text(page), page.page).toContain('Code requested just now');
      expect(page.html, page.page).toMatch(new RegExp(`data-testid="user-code"[^>]*><span>${a}</span><span>${b}</span>`));
    }
  });

  it('in Traditional Chinese', async () => {
    server = await startDefencesServer({ clients: [LIVING_ROOM] });
    const auth = await issueFor(server);
    const confirm = await new Phone({ acceptLanguage: 'zh-TW' }).get(auth.verification_uri_complete);
    expect(text(confirm)).toContain('裝置：Linux 上的 Chrome');
    expect(text(confirm)).toContain('IP 位址：198.51.100.23');
    expect(text(confirm)).toContain('代碼剛剛產生');
  });

  it('a client without a logo keeps the TV icon, a device that sends no User-Agent is "an unknown app", and the CSP stays closed', async () => {
    server = await startDefencesServer();
    const answer = await fetch(`${server.url}/device/auth`, {
      method: 'POST',
      // fetch always sends one; an empty header is what a client without one amounts to.
      headers: { 'user-agent': '' },
      body: new URLSearchParams({ client_id: 'tv-demo', scope: 'openid' }),
    });
    const auth = (await answer.json()) as { verification_uri_complete: string };
    const confirm = await new Phone().get(auth.verification_uri_complete);
    expect(confirm.html).not.toContain('data-testid="client-logo"');
    expect(text(confirm)).toContain('Device: an unknown app');
    expect(text(confirm)).toContain('IP address: 127.0.0.1');
    expect(confirm.headers.get('content-security-policy')).toContain("img-src 'self' data:;");
  });

  it('says how long ago the code was issued in minutes and hours', () => {
    const now = Date.parse('2026-05-01T12:00:00Z');
    const issuedAt = (secondsAgo: number) => Math.floor(now / 1000) - secondsAgo;
    const en = messages('en');
    const zh = messages('zh-TW');
    const line = (m: typeof en, ago: number) => deviceRequest(m, 'WDJBMJHT', { name: 'TV' }, { issuedAt: issuedAt(ago) }, now).details.at(-1);
    expect(line(en, 5)).toBe('Code requested just now');
    expect(line(en, 61)).toBe('Code requested 1 minute ago');
    expect(line(en, 125)).toBe('Code requested 2 minutes ago');
    expect(line(en, 2 * 3600 + 5)).toBe('Code requested 2 hours ago');
    expect(line(zh, 125)).toBe('代碼於 2 分鐘前產生');
    expect(line(zh, 3600)).toBe('代碼於 1 小時前產生');
  });
});

describeWith([CHROMIUM], 'Deny is as easy as Allow (Chromium, 360×640)', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: chromiumPath(),
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('on confirm and on consent, in both languages, the two buttons are the same size and both on screen without scrolling', async () => {
    server = await startDefencesServer({ clients: [LIVING_ROOM] });
    const seen: Array<{ page: string; lang: string; boxes: Array<{ name: string; top: number; bottom: number; width: number; height: number }>; scrollY: number }> = [];
    // The demo client asks for four permissions, the living-room one has a logo: the two longest pages.
    for (const [clientId, locale] of [['tv-demo', 'en-US'], ['living-room', 'en-US'], ['tv-demo', 'zh-TW'], ['living-room', 'zh-TW']] as const) {
      const auth = await issueFor(server, clientId);
      const context = await browser.newContext({ viewport: { width: 360, height: 640 }, locale });
      const page = await context.newPage();
      // The logo's host does not exist here: answer it locally so the page is measured as it would look.
      await page.route('https://tv.example/**', (route) => route.fulfill({ status: 404, body: '' }));
      const measure = async (name: string) => {
        await page.waitForSelector(`body[data-page=${name}]`);
        seen.push({
          page: name,
          lang: `${locale} ${clientId}`,
          scrollY: await page.evaluate<number>('window.scrollY'),
          // A string expression: it runs in the page, whose DOM types this Node project does not load.
          boxes: await page.evaluate<Array<{ name: string; top: number; bottom: number; width: number; height: number }>>(
            "[...document.querySelectorAll('.actions.choice button')].map((b) => { const r = b.getBoundingClientRect(); return { name: b.textContent.trim(), top: r.top, bottom: r.bottom, width: Math.round(r.width), height: Math.round(r.height) }; })",
          ),
        });
      };
      await page.goto(auth.verification_uri_complete);
      await measure('confirm');
      await page.click('form button:not([name])');
      await page.fill('#email', server.user.email);
      await page.fill('#password', server.user.password);
      await page.click('button[type=submit]');
      await measure('consent');
      await context.close();
    }

    expect(seen.map((s) => `${s.lang} ${s.page}: ${s.boxes.map((b) => b.name).join(' / ')}`)).toEqual([
      'en-US tv-demo confirm: Continue / Deny',
      'en-US tv-demo consent: Allow / Deny',
      'en-US living-room confirm: Continue / Deny',
      'en-US living-room consent: Allow / Deny',
      'zh-TW tv-demo confirm: 繼續 / 拒絕',
      'zh-TW tv-demo consent: 允許 / 拒絕',
      'zh-TW living-room confirm: 繼續 / 拒絕',
      'zh-TW living-room consent: 允許 / 拒絕',
    ]);
    expect(seen.find((s) => s.lang === 'en-US tv-demo' && s.page === 'consent')).toBeDefined();
    for (const s of seen) {
      const [yes, no] = s.boxes;
      expect(s.scrollY, `${s.lang} ${s.page}`).toBe(0);
      expect(no?.width, `${s.lang} ${s.page}`).toBe(yes?.width);
      expect(no?.height, `${s.lang} ${s.page}`).toBe(yes?.height);
      for (const box of s.boxes) {
        expect(box.top, `${s.lang} ${s.page} ${box.name}`).toBeGreaterThanOrEqual(0);
        expect(box.bottom, `${s.lang} ${s.page} ${box.name}`).toBeLessThanOrEqual(640);
      }
    }
  });
});
