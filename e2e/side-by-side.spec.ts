// The side-by-side page (/ of `device-login web`), which `npm start` tells a person to open first: the
// TV beside a phone frame, with what the person needs to finish beside them (the demo account, and
// how a real phone gets in). With --lan the QR code's address is on the LAN, another site than the page
// on 127.0.0.1: the page offers that address rather than a frame that could not keep its cookies.
import { expect, test, type BrowserContext } from '@playwright/test';
import { CHROMIUM, missingReason } from '../scripts/system-parts.ts';
import { WebHost } from './support/processes.ts';
import { answerOnPhone, openPhone } from './support/screens.ts';

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

test('the side-by-side page shows the demo account, and how to bring a real phone in (--lan)', async ({ browser }) => {
  const host = await WebHost.start(['--interval', '1']);
  hosts.push(host);
  const context = await browser.newContext({ viewport: { width: 1600, height: 900 } });
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(host.ready.hostUrl);

  const account = page.getByRole('region', { name: 'Demo account' });
  await expect(account).toBeVisible({ timeout: 30_000 });
  await expect(account.locator('dt', { hasText: 'Email' }).locator('+ dd')).toHaveText(host.demoUser.email);
  await expect(account.locator('dt', { hasText: 'Password' }).locator('+ dd')).toHaveText(host.demoUser.password);
  await expect(page.locator('#real-phone')).toHaveText(/start with --lan --demo-user \(npm start -- --lan --demo-user\)/);
});

test('web --lan: the page names the address the phone must reach and offers it instead of a frame; a phone on it signs the TV in', async ({ browser }) => {
  const host = await WebHost.start(['--interval', '1', '--lan', '--demo-user']);
  hosts.push(host);
  const issuer = host.ready.issuer!;
  expect(new URL(issuer).hostname).not.toMatch(/^(127\.|localhost$)/);
  const context = await browser.newContext({ viewport: { width: 1600, height: 900 } });
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(host.ready.hostUrl);
  await expect(page.locator('#real-phone')).toHaveText(`Your own phone: scan the QR code on the TV; it leads to ${issuer}, which the phone must reach (the same Wi-Fi as this computer).`, { timeout: 30_000 });

  const tv = page.frameLocator('#tv');
  await expect(tv.getByRole('button', { name: 'Sign in', exact: true })).toBeVisible({ timeout: 30_000 });
  await tv.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(tv.getByTestId('tv')).toHaveAttribute('data-state', 'awaiting_user', { timeout: 30_000 });

  // A page on the LAN address is another site: framed, it would not get its own cookies. The phone
  // frame offers the QR code's address instead, which a phone (here a Pixel-sized page) opens.
  const link = page.locator('#phone-link');
  await expect(link).toBeVisible({ timeout: 30_000 });
  await expect(page.locator('#phone')).toBeHidden();
  const href = (await link.getAttribute('href')) ?? '';
  expect(href.startsWith(`${issuer}/device`)).toBe(true);
  await expect(page.locator('#phone-idle-text')).toHaveText(/Scan the QR code on the TV with your phone/);

  const { context: phoneContext, phone } = await openPhone(browser);
  contexts.push(phoneContext);
  expect(await answerOnPhone(phone, href, host.demoUser, 'Allow')).toBe('success');
  await expect(tv.getByTestId('tv')).toHaveAttribute('data-state', 'signed_in', { timeout: 30_000 });
});
