// The browser host end to end: `device-login web` runs as a child process, the TV is a 1280x720
// Chromium page on /tv driven with remote keys only (arrows, Enter = OK, Escape = Back), and the
// phone is a Pixel 7 browser context that opens what it decodes from a screenshot of the TV and taps
// through the real verification pages. GET /bridge/state is read only to check what the TV shows.
import { readFile } from 'node:fs/promises';
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import type { StoredSession } from '../core/types.ts';
import { CHROMIUM, missingReason } from '../scripts/system-parts.ts';
import { AuthServer, WebHost } from './support/processes.ts';
import { answerOnPhone, bridgeState, openPhone, openTv, scanTv, screen, shownUserCode } from './support/screens.ts';

// Every wait is bounded, generously: two shared cores, a Vite build on the first start, child processes.
test.setTimeout(180_000);

interface Run {
  host: WebHost;
  tv: Page;
  phone: Page;
  contexts: BrowserContext[];
}

// Without Chromium every test here is skipped, saying which part is missing and how to install it.
test.skip(!CHROMIUM.find(), missingReason(CHROMIUM));

let runs: Array<{ dispose(): Promise<void> }> = [];
let contexts: BrowserContext[] = [];

// eslint-disable-next-line no-empty-pattern -- Playwright requires a destructured fixtures argument.
test.afterEach(async ({}, info) => {
  for (const context of contexts) await context.close().catch(() => undefined);
  contexts = [];
  for (const run of runs.reverse()) {
    if (info.status !== info.expectedStatus && run instanceof WebHost) {
      await info.attach('device-login web log', { body: run.log(), contentType: 'text/plain' });
    }
    await run.dispose();
  }
  runs = [];
});

/** Starts `device-login web` (extra flags as given) with a TV on /tv and a phone. */
async function start(browser: Browser, flags: string[] = [], host?: WebHost): Promise<Run> {
  const web = host ?? (await WebHost.start(flags));
  if (!host) runs.push(web);
  const { context: tvContext, tv } = await openTv(browser, web.ready.url);
  const { context: phoneContext, phone } = await openPhone(browser);
  contexts.push(tvContext, phoneContext);
  return { host: web, tv, phone, contexts: [tvContext, phoneContext] };
}

/** On the welcome screen, the remote's OK on the focused "Sign in"; resolves with the code shown. */
async function pressSignIn(tv: Page): Promise<string> {
  await expect(screen(tv)).toHaveAttribute('data-state', 'idle', { timeout: 30_000 });
  await expect(tv.getByRole('button', { name: 'Sign in', exact: true })).toBeFocused({ timeout: 15_000 });
  await tv.keyboard.press('Enter');
  await expect(screen(tv)).toHaveAttribute('data-state', 'awaiting_user', { timeout: 30_000 });
  return shownUserCode(tv);
}

/** What the phone camera reads off the TV: retried briefly, as a hand-held phone would. */
async function scanUntilFound(tv: Page): Promise<string> {
  let text: string | undefined;
  await expect
    .poll(async () => (text = await scanTv(tv)), { timeout: 20_000, message: 'a QR code should be readable on the TV' })
    .toBeTruthy();
  return text!;
}

/** Signs in end to end: Sign in on the TV, scan, approve on the phone; the TV reaches signed_in. */
async function signIn(run: Run): Promise<void> {
  const { tv, phone, host } = run;
  await pressSignIn(tv);
  const scanned = await scanUntilFound(tv);
  const outcome = await answerOnPhone(phone, scanned, host.demoUser, 'Allow');
  expect(outcome).toBe('success');
  await expect(screen(tv)).toHaveAttribute('data-state', 'signed_in', { timeout: 30_000 });
  await expect(tv.getByTestId('home')).toBeVisible({ timeout: 20_000 });
}

test('happy path: the phone opens the QR code from the TV, signs in and allows; the TV shows Home with the name', async ({ browser }) => {
  const run = await start(browser, ['--interval', '1']);
  const { tv, phone, host } = run;
  const userCode = await pressSignIn(tv);
  await expect(tv.getByRole('img', { name: /QR/ })).toBeVisible();

  const state = await bridgeState(host.origin);
  expect(state.code?.verificationUriComplete, 'the embedded server sends verification_uri_complete').toBeTruthy();
  expect(state.code?.userCode.replace(/[^A-Z0-9]/gi, '')).toBe(userCode);
  const scanned = await scanUntilFound(tv);
  expect(scanned).toBe(state.code!.verificationUriComplete);

  expect(await answerOnPhone(phone, scanned, host.demoUser, 'Allow')).toBe('success');
  await expect(screen(tv)).toHaveAttribute('data-state', 'signed_in', { timeout: 30_000 });
  const profile = (await bridgeState(host.origin)).profile;
  expect(profile?.name).toBeTruthy();
  await expect(tv.getByTestId('home')).toBeVisible({ timeout: 20_000 });
  await expect(tv.getByTestId('home')).toContainText(profile!.name);
});

test('deny: the TV says sign-in was declined, and OK gives a new code', async ({ browser }) => {
  const run = await start(browser, ['--interval', '1']);
  const { tv, phone, host } = run;
  const first = await pressSignIn(tv);
  const scanned = await scanUntilFound(tv);

  expect(await answerOnPhone(phone, scanned, host.demoUser, 'Deny')).toBe('denied');
  await expect(screen(tv)).toHaveAttribute('data-state', 'denied', { timeout: 30_000 });
  await expect(tv.getByRole('heading', { name: 'Sign-in was declined' })).toBeVisible();

  await expect(tv.getByRole('button', { name: 'Get a new code' })).toBeFocused({ timeout: 15_000 });
  await tv.keyboard.press('Enter');
  await expect(screen(tv)).toHaveAttribute('data-state', 'awaiting_user', { timeout: 30_000 });
  const second = await shownUserCode(tv);
  expect(second).not.toBe(first);
});

test('expiry: a code nobody uses expires, the TV says so, and OK gives a new code', async ({ browser }) => {
  // 10 s is the shortest code lifetime the server accepts (server/app.ts); no automatic renewals,
  // so the TV stops at Expired and waits for the viewer (RFC 8628 §3.5).
  const run = await start(browser, ['--interval', '1', '--code-ttl', '10', '--max-auto-renewals', '0']);
  const { tv } = run;
  const first = await pressSignIn(tv);

  await expect(screen(tv)).toHaveAttribute('data-state', 'expired', { timeout: 45_000 });
  await expect(tv.getByRole('heading', { name: 'This code has expired' })).toBeVisible();

  await expect(tv.getByRole('button', { name: 'Get a new code' })).toBeFocused({ timeout: 15_000 });
  await tv.keyboard.press('Enter');
  await expect(screen(tv)).toHaveAttribute('data-state', 'awaiting_user', { timeout: 30_000 });
  expect(await shownUserCode(tv)).not.toBe(first);
});

test('the server stops mid-poll and comes back: the TV says it is reconnecting, keeps the code, and completes', async ({ browser }) => {
  // The authorization server on its own, so it can die while the host keeps running: the host is
  // configured for it as for any external provider.
  const server = await AuthServer.start();
  runs.push(server);
  const run = await start(browser, ['--issuer', server.ready.issuer, '--client-id', server.ready.clientId]);
  const { tv, phone } = run;
  const userCode = await pressSignIn(tv);
  const scanned = await scanUntilFound(tv);
  await expect(tv.getByTestId('code-status')).toHaveText(/Waiting/i);

  await server.crash();
  await expect(tv.getByTestId('code-status')).toHaveText(/Reconnecting/, { timeout: 45_000 });
  await expect(screen(tv)).toHaveAttribute('data-state', 'awaiting_user');
  expect((await bridgeState(run.host.origin)).network).toBe('retrying');
  expect(await shownUserCode(tv)).toBe(userCode);

  await server.startAgain();
  expect(await answerOnPhone(phone, scanned, server.ready.demoUser, 'Allow')).toBe('success');
  await expect(screen(tv)).toHaveAttribute('data-state', 'signed_in', { timeout: 60_000 });
  await expect(tv.getByTestId('user-code')).toBeHidden();
});

test('the host restarts while a code is shown: the same code comes back and the flow completes', async ({ browser }) => {
  const run = await start(browser, ['--interval', '1']);
  const { tv, phone, host } = run;
  const userCode = await pressSignIn(tv);
  const scanned = await scanUntilFound(tv);

  await host.restart();
  // The TV page stays open across the restart, as a screen would; it reconnects by itself.
  expect((await bridgeState(host.origin)).code?.userCode.replace(/[^A-Z0-9]/gi, '')).toBe(userCode);
  await expect(screen(tv)).toHaveAttribute('data-state', 'awaiting_user', { timeout: 30_000 });
  await expect.poll(() => shownUserCode(tv), { timeout: 30_000 }).toBe(userCode);

  expect(await answerOnPhone(phone, scanned, host.demoUser, 'Allow')).toBe('success');
  await expect(screen(tv)).toHaveAttribute('data-state', 'signed_in', { timeout: 30_000 });
});

test('sign out from Settings with the remote: Back keeps the Settings tab, Sign out asks first, Welcome says Signed out, and the old access token then gets 401 at /api/me', async ({ browser }) => {
  const run = await start(browser, ['--interval', '1']);
  const { tv, host } = run;
  await signIn(run);

  // The TV never holds a token; the test reads the one the host stored, as an attacker with the disk would.
  const file = JSON.parse(await readFile(host.storePath, 'utf8')) as { sessions: Record<string, StoredSession> };
  const accessToken = Object.values(file.sessions).find((s) => s.tokens)?.tokens?.accessToken;
  expect(accessToken, 'an access token in the token store').toBeTruthy();
  const me = () =>
    fetch(`${host.ready.issuer}/api/me`, { headers: { authorization: `Bearer ${accessToken}` }, signal: AbortSignal.timeout(10_000) });
  expect((await me()).status, 'the token works before signing out').toBe(200);

  // Remote: up to the Menu, right to Settings, OK; then down to Sign out, OK.
  const settings = tv.getByRole('button', { name: 'Settings' });
  for (let i = 0; i < 6 && !(await isFocused(settings)); i++) {
    await tv.keyboard.press((await isFocusedInMenu(tv)) ? 'ArrowRight' : 'ArrowUp');
  }
  await expect(settings).toBeFocused();
  await tv.keyboard.press('Enter');
  await expect(tv.getByTestId('settings')).toBeVisible();
  // Back returns Home with focus on the Settings tab that opened it (not on the featured title).
  await tv.keyboard.press('Escape');
  await expect(tv.getByTestId('settings')).toBeHidden();
  await expect(settings).toBeFocused();
  await tv.keyboard.press('Enter');
  await expect(tv.getByTestId('settings')).toBeVisible();

  const signOut = tv.getByTestId('settings').getByRole('button', { name: 'Sign out' });
  for (let i = 0; i < 8 && !(await isFocused(signOut)); i++) await tv.keyboard.press('ArrowDown');
  await expect(signOut).toBeFocused();
  // Sign out asks first, with Cancel focused: a stray OK loses nothing.
  await tv.keyboard.press('Enter');
  const confirm = tv.getByRole('alertdialog', { name: 'Sign out of this TV?' });
  await expect(confirm).toBeVisible();
  await expect(confirm.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await tv.keyboard.press('Enter');
  await expect(confirm).toBeHidden();
  await expect(signOut).toBeFocused();
  expect((await me()).status, 'Cancel keeps the sign-in').toBe(200);
  // Asked again: left to "Sign out", OK.
  await tv.keyboard.press('Enter');
  await expect(confirm.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await tv.keyboard.press('ArrowLeft');
  await expect(confirm.getByRole('button', { name: 'Sign out' })).toBeFocused();
  await tv.keyboard.press('Enter');

  await expect(screen(tv)).toHaveAttribute('data-state', 'idle', { timeout: 30_000 });
  await expect(tv.getByTestId('signed-out')).toHaveText('Signed out');
  await expect(tv.getByRole('button', { name: 'Sign in', exact: true })).toBeFocused();
  const after = await me();
  expect(after.status).toBe(401);
  expect(after.headers.get('www-authenticate')).toMatch(/^Bearer/i);
});

async function isFocused(locator: ReturnType<Page['getByRole']>): Promise<boolean> {
  return locator.evaluate((element) => element === document.activeElement).catch(() => false);
}

async function isFocusedInMenu(tv: Page): Promise<boolean> {
  return tv.evaluate(() => Boolean(document.activeElement?.closest('.menu')));
}

test('remote control only: arrows move through Home, Enter opens an Asset, Back returns', async ({ browser }) => {
  const run = await start(browser, ['--interval', '1']);
  const { tv } = run;
  await signIn(run);

  const focused = () => tv.evaluate(() => document.activeElement?.outerHTML.slice(0, 200) ?? '');
  await expect.poll(focused, { timeout: 15_000 }).toMatch(/<(button|a)\b/);
  const start0 = await focused();
  await tv.keyboard.press('ArrowDown');
  await expect.poll(focused, { timeout: 10_000 }).not.toBe(start0);
  const afterDown = await focused();
  await tv.keyboard.press('ArrowRight');
  await expect.poll(focused, { timeout: 10_000 }).not.toBe(afterDown);
  // The focused card's accessible name: "<title>, <year>".
  const chosen = await tv.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent ?? '');

  await tv.keyboard.press('Enter');
  const detail = tv.getByTestId('asset-detail');
  await expect(detail).toBeVisible({ timeout: 15_000 });
  // The detail is of the Asset that had focus.
  const title = ((await detail.getByRole('heading').first().textContent()) ?? '').trim();
  expect(title.length).toBeGreaterThan(0);
  expect(chosen).toContain(title);

  await tv.keyboard.press('Escape');
  await expect(tv.getByTestId('home')).toBeVisible({ timeout: 15_000 });
  await expect(detail).toBeHidden();
});

test('the side-by-side page: the phone frame opens the verification page of the code the TV shows', async ({ browser }) => {
  const run = await start(browser, ['--interval', '1']);
  const side = await browser.newContext({ viewport: { width: 1600, height: 900 } });
  contexts.push(side);
  const page = await side.newPage();
  await page.goto(run.host.ready.hostUrl);
  await expect(page.getByText('When the TV shows a code')).toBeVisible({ timeout: 30_000 });

  // The remote on the TV (the /tv page shows the same device as the frame).
  const userCode = await pressSignIn(run.tv);
  const tvFrame = page.frameLocator('#tv');
  await expect(tvFrame.getByTestId('tv')).toHaveAttribute('data-state', 'awaiting_user', { timeout: 30_000 });
  await expect(tvFrame.getByTestId('user-code')).toHaveText(new RegExp(`${userCode.slice(0, 4)}\\W*${userCode.slice(4)}`));

  const phoneFrame = page.frameLocator('#phone');
  await expect(page.locator('#phone')).toBeVisible({ timeout: 30_000 });
  await expect(phoneFrame.locator('body')).toHaveAttribute('data-page', 'confirm', { timeout: 30_000 });
  await expect(phoneFrame.locator('body')).toContainText(userCode.slice(0, 4));
  // The placeholder gives way to the frame; it must not linger below it.
  await expect(page.locator('#phone-idle')).toBeHidden();
});
