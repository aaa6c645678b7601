// The account website end to end in Chromium: `device-login web` runs as a child process; a phone-sized
// browser signs in on /account/ through the server's real login and consent pages; the TV (/tv, remote
// keys only) signs in with the device flow and shows up in "Your devices", and signing it out there
// sends it back to Welcome with the sentence that says so.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import type { StoredSession } from '../core/types.ts';
import { CHROMIUM, missingReason } from '../scripts/system-parts.ts';
import { WebHost, type WebReady } from './support/processes.ts';
import { answerOnPhone, openPhone, openTv, scanTv, screen, shownUserCode, submit } from './support/screens.ts';

test.setTimeout(180_000);
test.skip(!CHROMIUM.find(), missingReason(CHROMIUM));

let hosts: WebHost[] = [];
let contexts: BrowserContext[] = [];

// eslint-disable-next-line no-empty-pattern -- Playwright requires a destructured fixtures argument.
test.afterEach(async ({}, info) => {
  for (const context of contexts) await context.close().catch(() => undefined);
  contexts = [];
  for (const host of hosts) {
    if (info.status !== info.expectedStatus) await info.attach('device-login web log', { body: host.log(), contentType: 'text/plain' });
    await host.dispose();
  }
  hosts = [];
});

/** `device-login web` on free ports; the TV checks its sign-in every second (DEVICE_LOGIN_SESSION_CHECK_SECONDS). */
async function startWeb(): Promise<WebHost> {
  const host = await WebHost.start([], { DEVICE_LOGIN_SESSION_CHECK_SECONDS: '1' });
  hosts.push(host);
  return host;
}

/** The account website's address, as web's JSON line gives it. */
function accountUrl(host: WebHost): string {
  const url = (host.ready as WebReady & { accountUrl?: string }).accountUrl;
  expect(url).toBe(`${host.origin}/account/`);
  return url!;
}

/** A phone-sized browser of its own (its own cookies: another person, or the same one elsewhere). */
async function newPhone(browser: Browser, locale = 'en-US'): Promise<Page> {
  const { context, phone } = await openPhone(browser, locale);
  contexts.push(context);
  return phone;
}

async function pageName(page: Page): Promise<string | null> {
  return page.locator('body').getAttribute('data-page', { timeout: 15_000 });
}

/** On the account website: Sign in, the server's login (when asked) and Allow; ends on "Hi, {name}". */
async function signInOnSite(page: Page, url: string, user: { email: string; password: string }): Promise<void> {
  await page.goto(url);
  await submit(page, 'Sign in');
  if ((await pageName(page)) === 'login') {
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(user.password);
    await submit(page, 'Sign in');
  }
  await expect(page.locator('body')).toHaveAttribute('data-page', 'consent');
  await page.getByRole('button', { name: 'Allow', exact: true }).click();
  await expect(page.locator('body')).toHaveAttribute('data-page', 'home', { timeout: 30_000 });
}

/** The TV signs in with the device flow: Sign in with the remote, the phone scans and allows. */
async function signInTv(browser: Browser, host: WebHost): Promise<Page> {
  const { context, tv } = await openTv(browser, host.ready.url);
  contexts.push(context);
  await expect(screen(tv)).toHaveAttribute('data-state', 'idle', { timeout: 30_000 });
  await expect(tv.getByRole('button', { name: 'Sign in', exact: true })).toBeFocused({ timeout: 15_000 });
  await tv.keyboard.press('Enter');
  await expect(screen(tv)).toHaveAttribute('data-state', 'awaiting_user', { timeout: 30_000 });
  await shownUserCode(tv);
  let scanned: string | undefined;
  await expect.poll(async () => (scanned = await scanTv(tv)), { timeout: 20_000 }).toBeTruthy();
  const phone = await newPhone(browser);
  expect(await answerOnPhone(phone, scanned!, host.demoUser, 'Allow')).toBe('success');
  await expect(screen(tv)).toHaveAttribute('data-state', 'signed_in', { timeout: 30_000 });
  return tv;
}

/** Adds an account to the running web host's embedded server with `device-login users add`. */
async function addUser(host: WebHost, user: { email: string; name: string; password: string }): Promise<void> {
  const child = spawn(process.execPath, [join(import.meta.dirname, '..', 'bin', 'device-login.js'), 'users', 'add', '--email', user.email, '--name', user.name, '--data', join(host.dataDir, 'server')], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stdin.end(`${user.password}\n`);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  expect(code, output).toBe(0);
}

test('the site signs in with the server’s pages: a wrong password says login failed and keeps the email, No says you declined, Yes says Hi, Demo Viewer', async ({ browser }) => {
  const host = await startWeb();
  const url = accountUrl(host);
  const page = await newPhone(browser);
  await page.goto(url);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your device-login account');
  await submit(page, 'Sign in');
  expect(await pageName(page)).toBe('login');

  await page.getByLabel('Email').fill(host.demoUser.email);
  await page.getByLabel('Password').fill('not the password');
  await submit(page, 'Sign in');
  expect(await pageName(page)).toBe('login');
  await expect(page.getByRole('alert')).toContainText(/login failed/i);
  await expect(page.getByLabel('Email')).toHaveValue(host.demoUser.email);

  await page.getByLabel('Password').fill(host.demoUser.password);
  await submit(page, 'Sign in');
  expect(await pageName(page)).toBe('consent');
  await submit(page, 'Deny');
  expect(await pageName(page)).toBe('declined');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(/you declined/i);
  expect(new URL(page.url()).origin).toBe(host.origin);

  // Again: the server remembers the sign-in, so only the consent question is asked.
  await submit(page, 'Try again');
  await expect(page.locator('body')).toHaveAttribute('data-page', 'consent');
  await page.getByRole('button', { name: 'Allow', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Hi, Demo Viewer', { timeout: 30_000 });
  await expect(page.getByRole('img', { name: 'Your picture' })).toBeVisible();
  await expect(page.getByTestId('catalogue').getByRole('listitem').first()).toBeVisible();
  await expect(page.getByRole('button', { name: 'Sign out', exact: true })).toBeVisible();
  // The site's own sign-in is not one of "Your devices".
  await expect(page.getByTestId('devices')).toContainText('No devices are signed in');
});

test('a TV signed in with the device flow is in Your devices; Sign out this device sends it to Welcome with the sentence and its refresh is refused', async ({ browser }) => {
  const host = await startWeb();
  const tv = await signInTv(browser, host);
  const stored = JSON.parse(await readFile(host.storePath, 'utf8')) as { sessions?: Record<string, StoredSession> } & Record<string, StoredSession>;
  const refreshToken = JSON.stringify(stored).match(/"refreshToken":"([^"]+)"/)?.[1];
  expect(refreshToken, 'the TV keeps a refresh token').toBeTruthy();

  const page = await newPhone(browser);
  await signInOnSite(page, accountUrl(host), host.demoUser);
  const device = page.getByRole('listitem').filter({ hasText: 'device-login TV' });
  await expect(device).toHaveCount(1);
  await expect(device).toContainText('127.0.0.1');
  await expect(device).toContainText('Signed in');
  await expect(device).toContainText('Last used');
  await device.getByRole('button', { name: 'Sign out this device' }).click();
  await expect(page.getByRole('status')).toContainText('device-login TV was signed out');
  await expect(page.getByRole('listitem').filter({ hasText: 'device-login TV' })).toHaveCount(0);

  // The TV notices at its next check (every second here) and says why it is on Welcome.
  await expect(screen(tv)).toHaveAttribute('data-state', 'idle', { timeout: 30_000 });
  await expect(tv.locator('[data-notice=signed_out_from_account]')).toContainText('This TV was signed out from your account page.');

  const refused = await fetch(`${host.ready.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken!, client_id: host.ready.clientId! }),
  });
  expect(refused.status).toBe(400);
  expect(await refused.json()).toMatchObject({ error: 'invalid_grant', reason: 'signed_out_from_account' });
});

test('one account cannot see or sign out another account’s devices', async ({ browser }) => {
  const host = await startWeb();
  const tv = await signInTv(browser, host);
  const ada = { email: 'ada@example.test', name: 'Ada Lovelace', password: 'analytical engine 1843' };
  await addUser(host, ada);

  const demoPage = await newPhone(browser);
  await signInOnSite(demoPage, accountUrl(host), host.demoUser);
  const tvItem = demoPage.getByRole('listitem').filter({ hasText: 'device-login TV' });
  await expect(tvItem).toHaveCount(1);
  const deviceId = await tvItem.getAttribute('data-device-id');

  const adaPage = await newPhone(browser);
  await signInOnSite(adaPage, accountUrl(host), ada);
  await expect(adaPage.getByRole('heading', { level: 1 })).toHaveText('Hi, Ada Lovelace');
  await expect(adaPage.getByTestId('devices').getByRole('listitem')).toHaveCount(0);

  // Ada's session posts a sign-out of the demo account's TV, as a crafted form would.
  const csrf = await adaPage.locator('input[name=csrf]').first().inputValue();
  const answer = await adaPage.request.post(`${host.origin}/account/devices/${deviceId}/sign-out`, { form: { csrf }, maxRedirects: 0 });
  expect(answer.status()).toBe(303);
  await adaPage.reload();
  await expect(adaPage.getByRole('alert')).toContainText('That device was already signed out.');

  await demoPage.reload();
  await expect(demoPage.getByRole('listitem').filter({ hasText: 'device-login TV' })).toHaveCount(1);
  await expect(screen(tv)).toHaveAttribute('data-state', 'signed_in');

  // The owner can: Sign out everywhere ends it.
  await demoPage.getByRole('button', { name: 'Sign out everywhere' }).click();
  await expect(demoPage.getByRole('status')).toContainText('1 device was signed out.');
  await expect(screen(tv)).toHaveAttribute('data-state', 'idle', { timeout: 30_000 });
});
