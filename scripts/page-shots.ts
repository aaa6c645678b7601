// Screenshots of every verification page at phone size (390x844), English and zh-TW, with a check
// for horizontal scroll at 360 px and for tap targets under 44 px. Not part of `npm test`.
// Run: node scripts/page-shots.ts [outDir]   (default /tmp/pages-shots)
// With --docs, it also retakes the README's phone screenshots of these pages (docs/screenshots/phone-
// {enter-code,confirm,login,consent,confirm-zh-TW}.png) on the same Pixel 7 as scripts/screenshots.ts,
// without the TV and the whole flow that script drives, so that a change to the pages alone can
// refresh them.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { chromium, devices, type Browser, type Page } from '@playwright/test';

import { startServer } from '../server/app.ts';
import { chromiumPath } from './system-parts.ts';

const args = process.argv.slice(2);
const docs = args.includes('--docs');
const outDir = args.find((a) => !a.startsWith('--')) ?? '/tmp/pages-shots';
const docsDir = join(import.meta.dirname, '..', 'docs', 'screenshots');
mkdirSync(outDir, { recursive: true });
const dataDir = mkdtempSync(join(tmpdir(), 'dl-shots-'));
const quiet = { info() {}, warn() {}, debug() {}, error(message: string) { process.stderr.write(`${message}\n`); } };
const server = await startServer({ port: 0, dataDir, codeTtl: 10, logger: quiet as never });
const browser = await chromium.launch({
  executablePath: chromiumPath(),
  args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const problems: string[] = [];

async function authorize(): Promise<{ user_code: string; verification_uri_complete: string; verification_uri: string }> {
  const res = await fetch(`${server.url}/device/auth`, { method: 'POST', body: new URLSearchParams({ client_id: server.clientId, scope: 'openid profile email offline_access' }) });
  return (await res.json()) as { user_code: string; verification_uri_complete: string; verification_uri: string };
}

async function check(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(outDir, `${name}.png`), fullPage: true });
  await page.setViewportSize({ width: 360, height: 740 });
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  if (width > 360) problems.push(`${name}: horizontal scroll at 360 px (scrollWidth ${width})`);
  const small = await page.evaluate(() =>
    [...document.querySelectorAll('a, button, input:not([type=hidden])')]
      .map((el) => ({ el: el.outerHTML.slice(0, 60), r: el.getBoundingClientRect() }))
      .filter((x) => x.r.height < 44)
      .map((x) => `${x.el} (${Math.round(x.r.height)} px)`),
  );
  for (const s of small) problems.push(`${name}: small tap target ${s}`);
  await page.setViewportSize({ width: 390, height: 844 });
}

async function walk(lang: 'en' | 'zh-TW'): Promise<void> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, locale: lang, extraHTTPHeaders: { 'accept-language': lang } });
  const page = await context.newPage();
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) problems.push(`${lang} console: ${msg.text()}`);
  });
  const p = (name: string) => `${lang}-${name}`;
  const creds = server.demoUser!;

  // Issued first so it has expired (10 s lifetime) by the time the walk gets to it.
  const c = await authorize();
  const cIssued = Date.now();
  // Enter code, a wrong code, then the real one typed by hand.
  const a = await authorize();
  await page.goto(`${server.url}/device`);
  await check(page, p('1-enter-code'));
  await page.locator('#user_code').fill('BCDF-GHJK');
  await page.locator('button[type=submit]').first().click();
  await page.waitForLoadState();
  await check(page, p('2-wrong-code'));
  await page.locator('#user_code').fill(a.user_code.toLowerCase());
  await page.locator('button[type=submit]').first().click();
  await page.waitForSelector('body[data-page=confirm]');
  await check(page, p('3-confirm'));
  await page.locator('form button:not([name])').click();
  await page.waitForSelector('body[data-page=login]');
  await check(page, p('4-login'));
  await page.locator('#email').fill(creds.email);
  await page.locator('#password').fill('wrong password!');
  await page.locator('button[type=submit]').click();
  await page.waitForSelector('body[data-page=login]');
  await check(page, p('5-login-failed'));
  await page.locator('#password').fill(creds.password);
  await page.locator('button[type=submit]').click();
  await page.waitForSelector('body[data-page=consent]');
  await check(page, p('6-consent'));
  await page.locator('button[value=allow]').click();
  await page.waitForSelector('body[data-page=success]');
  await check(page, p('7-success'));

  // verification_uri_complete straight to confirm (the QR path), then Deny.
  const b = await authorize();
  await page.goto(b.verification_uri_complete);
  await page.waitForSelector('body[data-page=confirm]');
  await page.locator('button[name=abort]').click();
  await page.waitForSelector('body[data-page=denied]');
  await check(page, p('8-denied'));

  // An expired code.
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, cIssued + 11_000 - Date.now())));
  await page.goto(c.verification_uri_complete);
  await page.waitForSelector('body[data-page=expired]');
  await check(page, p('9-expired'));

  // An interaction that does not exist.
  await page.goto(`${server.url}/interaction/doesnotexist`);
  await check(page, p('10-unknown'));
  await context.close();
}

async function lockout(): Promise<void> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
  const page = await context.newPage();
  await page.goto(`${server.url}/device`);
  for (let i = 0; i < 6; i += 1) {
    const input = page.locator('#user_code');
    if (!(await input.count())) break;
    await input.fill(`BCDF-GHJ${'BCDFGH'[i]}`);
    await page.locator('button[type=submit]').first().click();
    await page.waitForLoadState();
  }
  await check(page, 'en-11-too-many');
  await context.close();
}

/** The README's phone shots of these pages, as scripts/screenshots.ts takes them (viewport, Pixel 7). */
async function docsShots(b: Browser): Promise<void> {
  const { defaultBrowserType: _ignored, ...pixel } = devices['Pixel 7'];
  const shot = async (page: Page, name: string) => {
    await page.screenshot({ path: join(docsDir, `${name}.png`), animations: 'disabled', caret: 'hide' });
    process.stdout.write(`  docs/screenshots/${name}.png\n`);
  };
  const en = await b.newContext({ ...pixel, locale: 'en-US' });
  const page = await en.newPage();
  const typed = await authorize();
  await page.goto(typed.verification_uri);
  await page.getByLabel('Code').fill(typed.user_code);
  await shot(page, 'phone-enter-code');
  const scanned = await authorize();
  await page.goto(scanned.verification_uri_complete);
  await page.waitForSelector('body[data-page=confirm]');
  await shot(page, 'phone-confirm');
  await page.getByRole('button', { name: 'Continue', exact: true }).click();
  await page.waitForSelector('body[data-page=login]');
  await shot(page, 'phone-login');
  await page.getByLabel('Email').fill(server.demoUser!.email);
  await page.getByLabel('Password').fill(server.demoUser!.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForSelector('body[data-page=consent]');
  await shot(page, 'phone-consent');
  await en.close();

  const zh = await b.newContext({ ...pixel, locale: 'zh-TW' });
  const zhPage = await zh.newPage();
  await zhPage.goto((await authorize()).verification_uri_complete);
  await zhPage.waitForSelector('body[data-page=confirm]');
  await shot(zhPage, 'phone-confirm-zh-TW');
  await zh.close();
}

try {
  await walk('en');
  await walk('zh-TW');
  // Before the lock-out, which locks this address out of code entry for ten minutes.
  if (docs) await docsShots(browser);
  await lockout();
} finally {
  await browser.close();
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
}
process.stdout.write(`screenshots in ${outDir}\n${problems.length ? problems.join('\n') : 'no layout problems found'}\n`);
process.exitCode = problems.length ? 1 : 0;
