// "Sign in on this computer" (issue 14) in the browser host, end to end: `device-login web` as a child
// process with its embedded server, the TV page in Chromium. The remote's OK on the Welcome button
// makes the TV page open the authorization server in a new tab; the person signs in there with the
// demo account and allows; the tab lands on the host's loopback redirect, and the TV reaches Home with
// the name. Cancel while the browser is waiting brings Welcome back and ends the sign-in.
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { CHROMIUM, missingReason } from '../scripts/system-parts.ts';
import { WebHost } from './support/processes.ts';
import { bridgeState, openTv, screen, submit, waitForPhonePage } from './support/screens.ts';

test.setTimeout(180_000);
test.skip(!CHROMIUM.find(), missingReason(CHROMIUM));

let hosts: WebHost[] = [];
let contexts: BrowserContext[] = [];

// eslint-disable-next-line no-empty-pattern -- Playwright requires a destructured fixtures argument.
test.afterEach(async ({}, info) => {
  for (const context of contexts) await context.close().catch(() => undefined);
  for (const host of hosts) {
    if (info.status !== info.expectedStatus) await info.attach('device-login web log', { body: host.log(), contentType: 'text/plain' });
    await host.dispose();
  }
  hosts = [];
  contexts = [];
});

/** Welcome with both ways to sign in; the remote moves to "Sign in on this computer" and presses OK: the new tab. */
async function pressSignInHere(tv: Page, context: BrowserContext, name: string, phoneName: string): Promise<Page> {
  const here = tv.getByRole('button', { name, exact: true });
  await expect(tv.getByRole('button', { name: phoneName, exact: true })).toBeFocused({ timeout: 30_000 });
  await expect(here).toBeVisible();
  await tv.keyboard.press('ArrowRight');
  await expect(here).toBeFocused();
  const opened = context.waitForEvent('page');
  await tv.keyboard.press('Enter');
  const tab = await opened;
  await expect(screen(tv)).toHaveAttribute('data-state', 'awaiting_user');
  await expect(tv.getByTestId('in-browser')).toBeVisible();
  return tab;
}

test('Sign in on this computer: the TV opens a tab, the person signs in and allows there, the tab says to go back, and the TV is on Home with the name', async ({ browser }) => {
  const host = await WebHost.start(['--interval', '1']);
  hosts.push(host);
  const { context, tv } = await openTv(browser, host.ready.url);
  contexts.push(context);

  const tab = await pressSignInHere(tv, context, 'Sign in on this computer', 'Sign in');
  await expect(tv.getByRole('heading', { name: 'Finish signing in in your browser' })).toBeVisible();
  // The device, not the page, holds the sign-in: the state says browser and shows no code.
  const waiting = await bridgeState(host.origin);
  expect(waiting).toMatchObject({ state: 'awaiting_user', method: 'browser' });
  expect(waiting.code).toBeUndefined();
  await expect(tv.getByTestId('user-code')).toHaveCount(0);

  // The tab is the embedded server's sign-in page (the authorization code flow, no code to type).
  await tab.waitForLoadState('domcontentloaded');
  expect(new URL(tab.url()).origin).toBe(new URL(host.ready.issuer!).origin);
  expect(await waitForPhonePage(tab, ['login'])).toBe('login');
  await tab.getByLabel('Email').fill(host.demoUser.email);
  await tab.getByLabel('Password').fill(host.demoUser.password);
  await submit(tab, 'Sign in');
  expect(await waitForPhonePage(tab, ['consent'])).toBe('consent');
  await tab.getByRole('button', { name: 'Allow', exact: true }).click();

  // The last hop: the host's loopback redirect answers the tab.
  await expect(tab.getByRole('heading', { name: 'Signed in' })).toBeVisible({ timeout: 20_000 });
  expect(tab.url()).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback\?/);
  await expect(tab.locator('body')).toContainText('go back to the TV app');

  await expect(screen(tv)).toHaveAttribute('data-state', 'signed_in', { timeout: 20_000 });
  const signedIn = await bridgeState(host.origin);
  expect(signedIn.profile?.email).toBe(host.demoUser.email);
  await expect(tv.getByText(signedIn.profile!.name).first()).toBeVisible();
});

test('Cancel while the browser is waiting: Welcome again, and the sign-in in the tab is over (zh-TW)', async ({ browser }) => {
  const host = await WebHost.start(['--interval', '1']);
  hosts.push(host);
  const { context, tv } = await openTv(browser, host.ready.url);
  contexts.push(context);
  await expect(screen(tv)).toHaveAttribute('data-state', 'idle', { timeout: 30_000 });
  await tv.getByRole('button', { name: '繁體中文' }).click();
  await expect(tv.locator('html')).toHaveAttribute('lang', 'zh-TW');
  await tv.getByRole('button', { name: '登入', exact: true }).focus();

  // The address the tab was opened at (the server then redirects it to its sign-in page).
  const asked: string[] = [];
  context.on('request', (request) => asked.push(request.url()));
  const tab = await pressSignInHere(tv, context, '在這台電腦上登入', '登入');
  await expect(tv.getByRole('heading', { name: '請在瀏覽器中完成登入' })).toBeVisible();
  await tab.waitForLoadState('domcontentloaded');
  const redirectUri = asked.map((url) => new URL(url).searchParams.get('redirect_uri')).find(Boolean);
  expect(redirectUri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);

  await tv.getByRole('button', { name: '取消', exact: true }).click();
  await expect(screen(tv)).toHaveAttribute('data-state', 'idle');
  await expect(tv.getByRole('button', { name: '登入', exact: true })).toBeFocused();
  // The loopback listener is closed: nothing answers the redirect any more.
  await expect.poll(() => fetch(redirectUri!).then(() => 'answered', () => 'closed'), { timeout: 10_000 }).toBe('closed');
});
