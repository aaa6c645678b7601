// Screenshots of every screen of a real flow, for the README: `device-login web` runs as a child
// process, the TV (1280x720) is driven with remote keys, the phone (Pixel 7) taps through the real
// verification pages after decoding the QR code off the TV. Not part of `npm test` or `npm run e2e`:
//   node scripts/screenshots.ts [outDir [flow ...]]   (default docs/screenshots, every flow; flows:
//   main, side-by-side, expired, reconnecting, sign-out, host-lost, chinese, words, account; sign-out retakes
//   only the Settings and sign-out shots that main takes too)
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { constants, crc32, deflateSync, inflateSync } from 'node:zlib';
import { join, resolve } from 'node:path';
import { chromium, devices, type Browser, type Page } from '@playwright/test';
import { AuthServer, WebHost } from '../e2e/support/processes.ts';
import { answerOnPhone, openPhone, openTv, scanTv, shownUserCode } from '../e2e/support/screens.ts';

const OUT = resolve(process.argv[2] ?? join(import.meta.dirname, '..', 'docs', 'screenshots'));
const MAX_BYTES = 400_000;
const WAIT_MS = 45_000;

const saved: Array<{ name: string; bytes: number }> = [];

/** Saves a PNG of `page` as <OUT>/<name>.png and records its size. */
async function shot(page: Page, name: string, options: { animations?: 'disabled' | 'allow'; imageWaitMs?: number; fullPage?: boolean } = {}): Promise<void> {
  // Posters and the avatar load lazily: wait for the visible ones, bounded.
  await page
    .waitForFunction(() => [...document.images].every((image) => image.complete), undefined, { timeout: options.imageWaitMs ?? 10_000 })
    .catch(() => undefined);
  const path = join(OUT, `${name}.png`);
  // Animations are finished before the shot, except where one is held mid-way on purpose.
  await page.screenshot({ path, animations: options.animations ?? 'disabled', caret: 'hide', fullPage: options.fullPage ?? false });
  await writeFile(path, recompressPng(await readFile(path)));
  const { size } = await stat(path);
  saved.push({ name, bytes: size });
  process.stdout.write(`  ${name}.png  ${Math.round(size / 1024)} kB\n`);
}

/**
 * The same PNG, its pixel data deflated again at level 9: Chromium compresses screenshots for speed,
 * and the README's images are some 8% smaller this way, every pixel unchanged.
 */
function recompressPng(png: Buffer): Buffer {
  const chunks: Array<{ type: string; data: Buffer }> = [];
  const idat: Buffer[] = [];
  for (let offset = 8; offset < png.length; ) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IDAT') {
      if (!idat.length) chunks.push({ type, data: Buffer.alloc(0) }); // where the pixel data goes
      idat.push(data);
    } else {
      chunks.push({ type, data });
    }
    offset += 12 + length;
  }
  const pixels = deflateSync(inflateSync(Buffer.concat(idat)), { level: 9, memLevel: 9, strategy: constants.Z_DEFAULT_STRATEGY });
  const out = [png.subarray(0, 8)];
  for (const { type, data } of chunks) {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), type === 'IDAT' ? pixels : data]);
    const head = Buffer.alloc(4);
    head.writeUInt32BE(body.length - 4);
    const tail = Buffer.alloc(4);
    tail.writeUInt32BE(crc32(body));
    out.push(head, body, tail);
  }
  return Buffer.concat(out);
}

async function waitForState(tv: Page, state: string, timeout = WAIT_MS): Promise<void> {
  await tv.locator(`[data-testid="tv"][data-state="${state}"]`).waitFor({ timeout });
}

async function focusOn(tv: Page, name: string, keys: string[], attempts = 10): Promise<void> {
  const target = tv.getByRole('button', { name, exact: true });
  for (let i = 0; i < attempts; i++) {
    if (await target.evaluate((el) => el === document.activeElement).catch(() => false)) return;
    await tv.keyboard.press(keys[Math.min(i, keys.length - 1)]!);
    await tv.waitForTimeout(150);
  }
  throw new Error(`could not move the remote's focus to "${name}"`);
}

async function scanned(tv: Page): Promise<string> {
  for (let i = 0; i < 40; i++) {
    const text = await scanTv(tv);
    if (text) return text;
    await tv.waitForTimeout(500);
  }
  throw new Error('no QR code could be read off the TV');
}

/**
 * From Home: Settings (shot), Sign out, the question (shot), "Sign out" again, and Welcome saying
 * Signed out (shot).
 */
async function signOutFromHome(tv: Page): Promise<void> {
  await focusOn(tv, 'Settings', ['ArrowUp', 'ArrowUp', 'ArrowUp', 'ArrowRight', 'ArrowRight']);
  await tv.keyboard.press('Enter');
  await tv.getByTestId('settings').waitFor({ timeout: WAIT_MS });
  await tv.waitForTimeout(600);
  await shot(tv, 'tv-settings');
  await focusOn(tv, 'Sign out', ['ArrowDown']);
  await tv.keyboard.press('Enter');
  const dialog = tv.getByRole('alertdialog');
  await dialog.getByRole('button', { name: 'Cancel' }).waitFor({ timeout: WAIT_MS });
  await tv.waitForTimeout(500);
  await shot(tv, 'tv-sign-out-confirm');
  await tv.keyboard.press('ArrowLeft');
  await tv.waitForTimeout(200);
  await tv.keyboard.press('Enter');
  await waitForState(tv, 'idle');
  await tv.getByTestId('signed-out').waitFor({ timeout: WAIT_MS });
  await tv.waitForTimeout(500);
  await shot(tv, 'tv-signed-out');
}

/** Sign in, Home, an Asset, Settings, sign out; then Deny. */
async function mainFlow(browser: Browser): Promise<void> {
  await withTv(browser, [], async (tv, host) => {
    await tv.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
    await tv.waitForTimeout(500);
    await shot(tv, 'tv-welcome');

    await tv.keyboard.press('Enter');
    await waitForState(tv, 'awaiting_user');
    await tv.getByRole('img', { name: /QR/ }).waitFor();
    await shot(tv, 'tv-code');
    const url = await scanned(tv);

    // The phone of someone who typed the address instead of scanning: the enter-code page, code typed.
    const typed = await openPhone(browser);
    const address = ((await tv.getByTestId('verification-uri').textContent()) ?? '').trim();
    await typed.phone.goto(address.startsWith('http') ? address : `https://${address}`);
    const code = await shownUserCode(tv);
    await typed.phone.getByLabel('Code').fill(code.length === 8 ? `${code.slice(0, 4)}-${code.slice(4)}` : code);
    await shot(typed.phone, 'phone-enter-code');
    await typed.context.close();

    // Home with the greeting banner over it. The banner is on screen for about two seconds, while
    // the phone is still busy with its own pages: watch for it from now on, and hold its animation
    // where it is fully in.
    const signedInShot = tv
      .getByTestId('welcome-banner')
      .waitFor({ timeout: WAIT_MS })
      .then(async () => {
        await tv.evaluate(() => {
          for (const animation of document.getAnimations()) {
            const target = (animation.effect as KeyframeEffect | null)?.target;
            if (target instanceof Element && target.classList.contains('welcome-banner')) {
              animation.pause();
              animation.currentTime = 900;
            }
          }
        });
        await tv.locator('.asset-card').first().waitFor({ timeout: 1_500 });
        // 'allow': disabling animations would finish the banner's, which ends faded out.
        // (and the banner leaves after two seconds: no long wait for images either).
        await shot(tv, 'tv-signed-in', { animations: 'allow', imageWaitMs: 500 });
      })
      .catch(() => process.stdout.write('  (the greeting banner was gone before it could be taken)\n'));

    const { context: phoneContext, phone } = await openPhone(browser);
    const end = await answerOnPhone(phone, url, host.demoUser, 'Allow', (step) => shot(phone, `phone-${step}`));
    if (end !== 'success') throw new Error(`the phone ended on ${end}`);
    await phoneContext.close();

    await waitForState(tv, 'signed_in');
    await signedInShot;
    await tv.getByTestId('home').waitFor({ timeout: WAIT_MS });
    await tv.locator('.asset-card').first().waitFor({ timeout: WAIT_MS });
    await tv.getByTestId('welcome-banner').waitFor({ state: 'detached', timeout: WAIT_MS });
    await tv.waitForTimeout(300);
    await shot(tv, 'tv-home');

    await tv.keyboard.press('ArrowDown');
    await tv.waitForTimeout(400);
    await tv.keyboard.press('ArrowRight');
    await tv.waitForTimeout(400);
    await tv.keyboard.press('Enter');
    await tv.getByTestId('asset-detail').waitFor({ timeout: WAIT_MS });
    await tv.waitForTimeout(600);
    await shot(tv, 'tv-asset');
    await tv.keyboard.press('Escape');
    await tv.getByTestId('home').waitFor({ timeout: WAIT_MS });

    await signOutFromHome(tv);

    // Deny: a new code, the phone declines at the consent page.
    await tv.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
    await tv.waitForTimeout(300);
    await tv.keyboard.press('Enter');
    await waitForState(tv, 'awaiting_user');
    await shownUserCode(tv);
    const denyUrl = await scanned(tv);
    const { context: phone2Context, phone: phone2 } = await openPhone(browser);
    const denied = await answerOnPhone(phone2, denyUrl, host.demoUser, 'Deny', async (step) => {
      if (step === 'denied') await shot(phone2, 'phone-denied');
    });
    if (denied !== 'denied') throw new Error(`the phone ended on ${denied}, not denied`);
    await phone2Context.close();
    await waitForState(tv, 'denied');
    await tv.waitForTimeout(500);
    await shot(tv, 'tv-denied');
  });
}

/**
 * The side-by-side page at / (what `npm start` says to open), with a code on the TV: the phone frame on
 * its verification page; and with --lan, the address a real phone must reach instead of the frame.
 */
async function sideBySideFlow(browser: Browser): Promise<void> {
  for (const [name, flags] of [['browser-tv-and-phone', []], ['browser-tv-and-phone-lan', ['--lan', '--demo-user']]] as const) {
    const host = await WebHost.start(['--interval', '1', ...flags]);
    try {
      const side = await browser.newContext({ viewport: { width: 1600, height: 900 } });
      const page = await side.newPage();
      await page.goto(host.ready.hostUrl);
      const tv = page.frameLocator('#tv');
      await tv.getByRole('button', { name: 'Sign in', exact: true }).click({ timeout: WAIT_MS });
      await tv.locator('[data-testid="tv"][data-state="awaiting_user"]').waitFor({ timeout: WAIT_MS });
      await tv.getByRole('img', { name: /QR/ }).waitFor({ timeout: WAIT_MS });
      if (flags.length) {
        await page.locator('#phone-link:not([hidden])').waitFor({ timeout: WAIT_MS });
      } else {
        await page.locator('#phone:not([hidden])').waitFor({ timeout: WAIT_MS });
        await page.frameLocator('#phone').locator('body[data-page]').waitFor({ timeout: WAIT_MS });
      }
      // Keyboard focus back in the TV frame, so that the remote's focus ring shows as on a TV.
      await page.locator('#tv').focus();
      await page.waitForTimeout(1000);
      await shot(page, name);
      await side.close();
    } finally {
      await host.dispose();
    }
  }
}

/** A code nobody uses: the TV's Expired screen, and the phone opening it too late. */
async function expiredFlow(browser: Browser): Promise<void> {
  await withCodeOnTv(browser, ['--code-ttl', '10', '--max-auto-renewals', '0'], async (tv) => {
    const url = await scanned(tv);
    await waitForState(tv, 'expired', 60_000);
    await tv.waitForTimeout(500);
    await shot(tv, 'tv-expired');

    const { context: phoneContext, phone } = await openPhone(browser);
    await phone.goto(url);
    await phone.locator('body[data-page]').waitFor({ timeout: WAIT_MS });
    const page = await phone.locator('body').getAttribute('data-page');
    if (page === 'expired') await shot(phone, 'phone-expired');
    else process.stdout.write(`  (the phone showed "${page}" for the expired code, not the expired page)\n`);
    await phoneContext.close();
  });
}

/** Sign in pressed on the Welcome screen, and the code on screen. */
async function showCode(tv: Page): Promise<void> {
  await waitForState(tv, 'idle');
  await tv.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
  await tv.waitForTimeout(300);
  await tv.keyboard.press('Enter');
  await waitForState(tv, 'awaiting_user');
}

/**
 * `device-login web --interval 1` (and `flags`) with a TV page on its Welcome screen, handed to
 * `take`; the page and the host are closed afterwards, and the host's log is printed if `take` fails.
 */
async function withTv(browser: Browser, flags: string[], take: (tv: Page, host: WebHost) => Promise<void>): Promise<void> {
  const host = await WebHost.start(['--interval', '1', ...flags]);
  try {
    const { context, tv } = await openTv(browser, host.ready.url);
    await waitForState(tv, 'idle');
    await take(tv, host);
    await context.close();
  } catch (err) {
    process.stderr.write(`--- device-login web log ---\n${host.log()}\n`);
    throw err;
  } finally {
    await host.dispose();
  }
}

/** `withTv`, with the code already on the TV when `take` gets it. */
async function withCodeOnTv(browser: Browser, flags: string[], take: (tv: Page, host: WebHost) => Promise<void>): Promise<void> {
  await withTv(browser, flags, async (tv, host) => {
    await showCode(tv);
    await take(tv, host);
  });
}

/** The authorization server goes away while the code is shown: the TV says it is reconnecting. */
async function reconnectingFlow(browser: Browser): Promise<void> {
  const server = await AuthServer.start();
  let host: WebHost | undefined;
  try {
    host = await WebHost.start(['--issuer', server.ready.issuer, '--client-id', server.ready.clientId]);
    const { context, tv } = await openTv(browser, host.ready.url);
    await showCode(tv);
    await tv.getByRole('img', { name: /QR/ }).waitFor();
    await server.crash();
    await tv.locator('.status--retrying').waitFor({ timeout: WAIT_MS });
    await tv.waitForTimeout(500);
    await shot(tv, 'tv-code-reconnecting');
    await context.close();
  } finally {
    await host?.dispose();
    await server.dispose();
  }
}

/** Only the sign-out screens (a sign-in first, no shots of it): Settings, the question, Signed out. */
async function signOutFlow(browser: Browser): Promise<void> {
  await withCodeOnTv(browser, [], async (tv, host) => {
    const url = await scanned(tv);
    const { context: phoneContext, phone } = await openPhone(browser);
    if ((await answerOnPhone(phone, url, host.demoUser, 'Allow')) !== 'success') throw new Error('the phone did not sign in');
    await phoneContext.close();
    await waitForState(tv, 'signed_in');
    await tv.getByTestId('home').waitFor({ timeout: WAIT_MS });
    await tv.getByTestId('welcome-banner').waitFor({ state: 'detached', timeout: WAIT_MS });
    await signOutFromHome(tv);
  });
}

/** The TV's own app dies while a code is shown: the TV says so within seconds. */
async function hostLostFlow(browser: Browser): Promise<void> {
  await withCodeOnTv(browser, [], async (tv, host) => {
    await tv.getByRole('img', { name: /QR/ }).waitFor();
    await host.crash();
    await tv.locator('[data-testid="tv"][data-host="lost"]').waitFor({ timeout: WAIT_MS });
    await tv.waitForTimeout(600);
    await shot(tv, 'tv-host-lost');
  });
}

/** The same code screens in Traditional Chinese: the language chosen on the TV with the remote. */
async function chineseFlow(browser: Browser): Promise<void> {
  await withTv(browser, [], async (tv) => {
    await chooseLanguage(tv, 'zh-TW');
    await pressSignIn(tv, 'zh-TW');
    await waitForState(tv, 'awaiting_user');
    await tv.getByRole('img', { name: /QR/ }).waitFor();
    await tv.waitForTimeout(500);
    await shot(tv, 'tv-code-zh-TW');
    const url = await scanned(tv);

    const { context: phoneContext, phone } = await openPhone(browser, 'zh-TW');
    await phone.goto(url);
    await phone.locator('body[data-page="confirm"]').waitFor({ timeout: WAIT_MS });
    await shot(phone, 'phone-confirm-zh-TW');
    await phoneContext.close();
  });
}

/** On Welcome: the remote chooses 繁體中文 (or stays in English). */
async function chooseLanguage(tv: Page, language: 'en' | 'zh-TW'): Promise<void> {
  await waitForState(tv, 'idle');
  if (language === 'en') return;
  await focusOn(tv, '繁體中文', ['ArrowDown', 'ArrowRight', 'ArrowRight']);
  await tv.keyboard.press('Enter');
  await tv.locator('html[lang="zh-TW"]').waitFor({ timeout: WAIT_MS });
}

async function pressSignIn(tv: Page, language: 'en' | 'zh-TW'): Promise<void> {
  await focusOn(tv, language === 'en' ? 'Sign in' : '登入', ['ArrowUp', 'ArrowUp', 'ArrowUp']);
  await tv.keyboard.press('Enter');
}

/**
 * What the TV says when things go wrong or change by themselves, in English and Chinese: a code
 * renewed after the old one expired, the server gone when a code is asked for, and the notice after
 * a sign-out the provider could not be told of.
 */
async function wordsFlow(browser: Browser): Promise<void> {
  for (const language of ['en', 'zh-TW'] as const) {
    const suffix = language === 'en' ? '' : '-zh-TW';
    // A code that expires and is renewed without asking (20 s codes: the shortest that read well).
    const renewing = await WebHost.start(['--interval', '1', '--code-ttl', '20', '--max-auto-renewals', '1']);
    try {
      const { context, tv } = await openTv(browser, renewing.ready.url);
      await chooseLanguage(tv, language);
      await pressSignIn(tv, language);
      await waitForState(tv, 'awaiting_user');
      await tv.getByTestId('code-renewed').waitFor({ timeout: 60_000 });
      await tv.getByRole('img', { name: /QR/ }).waitFor();
      await tv.waitForTimeout(1500);
      await shot(tv, `tv-code-renewed${suffix}`);
      await context.close();
    } finally {
      await renewing.dispose();
    }

    const server = await AuthServer.start();
    let host: WebHost | undefined;
    try {
      host = await WebHost.start(['--issuer', server.ready.issuer, '--client-id', server.ready.clientId, '--interval', '1']);
      const { context, tv } = await openTv(browser, host.ready.url);
      await chooseLanguage(tv, language);
      // Signed in, then the server goes away: signing out cannot reach it.
      await pressSignIn(tv, language);
      await waitForState(tv, 'awaiting_user');
      const { context: phoneContext, phone } = await openPhone(browser);
      await answerOnPhone(phone, await scanned(tv), server.ready.demoUser, 'Allow');
      await phoneContext.close();
      await waitForState(tv, 'signed_in');
      await server.crash();
      await tv.evaluate(() => fetch('/bridge/sign-out', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }));
      await waitForState(tv, 'idle');
      await tv.getByRole('note').waitFor();
      await tv.waitForTimeout(500);
      await shot(tv, `tv-welcome-notice${suffix}`);
      // A new code is asked for while the server is still gone.
      await pressSignIn(tv, language);
      await waitForState(tv, 'error');
      await tv.waitForTimeout(500);
      await shot(tv, `tv-error${suffix}`);
      await context.close();
    } finally {
      await host?.dispose();
      await server.dispose();
    }
  }
}

/** The account website's words for the buttons a person presses, per language (its own and the server's pages). */
const ACCOUNT_WORDS = {
  en: { signIn: 'Sign in', allow: 'Allow', deny: 'Deny', tryAgain: 'Try again', email: 'Email', password: 'Password' },
  'zh-TW': { signIn: '登入', allow: '允許', deny: '拒絕', tryAgain: '再試一次', email: '電子郵件', password: '密碼' },
} as const;

/**
 * The account website (/account/) on a phone in English and Chinese: the start page, "you declined"
 * after No at consent, and the signed-in page with the TV in "Your devices" (the TV signed in first
 * with the device flow); the signed-in page once more on a desktop-sized window.
 */
async function accountFlow(browser: Browser): Promise<void> {
  await withTv(browser, [], async (tv, host) => {
    await showCode(tv);
    const url = await scanned(tv);
    const approving = await openPhone(browser);
    await answerOnPhone(approving.phone, url, host.demoUser, 'Allow');
    await approving.context.close();
    await waitForState(tv, 'signed_in');
    const accountUrl = `${host.origin}/account/`;

    for (const language of ['en', 'zh-TW'] as const) {
      const words = ACCOUNT_WORDS[language];
      const suffix = language === 'en' ? '' : '-zh-TW';
      // A Pixel 7 at 1.75 device pixels per CSS pixel: the whole signed-in page (posters and all) stays under MAX_BYTES.
      const { defaultBrowserType: _ignored, ...pixel } = devices['Pixel 7'];
      const context = await browser.newContext({ ...pixel, deviceScaleFactor: 1.75, locale: language === 'en' ? 'en-US' : 'zh-TW' });
      const phone = await context.newPage();
      await phone.goto(accountUrl);
      await shot(phone, `account-start${suffix}`);
      await submitOn(phone, words.signIn);
      await phone.getByLabel(words.email).fill(host.demoUser.email);
      await phone.getByLabel(words.password).fill(host.demoUser.password);
      await submitOn(phone, words.signIn);
      await submitOn(phone, words.deny);
      await phone.locator('body[data-page=declined]').waitFor({ timeout: WAIT_MS });
      await shot(phone, `account-declined${suffix}`);
      await submitOn(phone, words.tryAgain);
      await submitOn(phone, words.allow);
      await phone.locator('body[data-page=home]').waitFor({ timeout: WAIT_MS });
      await phone.getByRole('listitem').filter({ hasText: 'device-login TV' }).waitFor({ timeout: WAIT_MS });
      await shot(phone, `account-signed-in${suffix}`, { fullPage: true });
      if (language === 'en') {
        const desktop = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        // The same browser's session, on a wider window.
        await desktop.context().addCookies(await context.cookies());
        await desktop.goto(accountUrl);
        await desktop.locator('body[data-page=home]').waitFor({ timeout: WAIT_MS });
        await shot(desktop, 'account-signed-in-desktop', { fullPage: true });
        await desktop.close();
      }
      await context.close();
    }
  });
}

/** Presses a button that posts a form and waits for the next document. */
async function submitOn(page: Page, button: string): Promise<void> {
  await Promise.all([page.waitForNavigation({ timeout: WAIT_MS }), page.getByRole('button', { name: button, exact: true }).click()]);
  await page.waitForLoadState('load');
}

const FLOWS: Record<string, (browser: Browser) => Promise<void>> = {
  main: mainFlow,
  'side-by-side': sideBySideFlow,
  expired: expiredFlow,
  reconnecting: reconnectingFlow,
  'sign-out': signOutFlow,
  'host-lost': hostLostFlow,
  chinese: chineseFlow,
  words: wordsFlow,
  account: accountFlow,
};
const ONLY = process.argv.slice(3);

async function main(): Promise<number> {
  const unknown = ONLY.filter((name) => !(name in FLOWS));
  if (unknown.length) {
    process.stderr.write(`unknown flow ${unknown.join(', ')}; the flows are ${Object.keys(FLOWS).join(', ')}\n`);
    return 2;
  }
  await mkdir(OUT, { recursive: true });
  process.stdout.write(`screenshots into ${OUT}\n`);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    for (const [name, flow] of Object.entries(FLOWS)) if (!ONLY.length || ONLY.includes(name)) await flow(browser);
  } finally {
    await browser.close();
  }
  const big = saved.filter((each) => each.bytes > MAX_BYTES);
  for (const each of big) process.stderr.write(`${each.name}.png is ${Math.round(each.bytes / 1024)} kB (over ${MAX_BYTES / 1000} kB)\n`);
  process.stdout.write(`${saved.length} screenshots saved\n`);
  return big.length ? 1 : 0;
}

process.exitCode = await main();
