// The two screens of the e2e tests, driven as people drive them: the TV with remote keys only
// (arrows, Enter for OK, Escape for Back) and the phone (a Pixel-sized Chromium context) by tapping
// the verification pages. The bridge is read only to check what the TV should be showing.
import { devices, expect, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { decodeQr } from '../../host/phone-camera.ts';
import type { ViewState } from '../../host/contract.ts';
import { decodePng } from '../../test/electron/png.ts';

/** The TV: a 1280x720 page (a 720p set) on /tv. */
export async function openTv(browser: Browser, url: string): Promise<{ context: BrowserContext; tv: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const tv = await context.newPage();
  await tv.goto(url);
  return { context, tv };
}

/** The phone: a Pixel 7 browser (touch, mobile viewport and user agent) in the given language. */
export async function openPhone(browser: Browser, locale = 'en-US'): Promise<{ context: BrowserContext; phone: Page }> {
  const { defaultBrowserType: _ignored, ...pixel } = devices['Pixel 7'];
  const context = await browser.newContext({ ...pixel, locale });
  const phone = await context.newPage();
  return { context, phone };
}

/** The TV's root element, whose data-state is the flow state. */
export function screen(tv: Page) {
  return tv.getByTestId('tv');
}

/** What the device says the TV should show now (GET /bridge/state), for assertions only. */
export async function bridgeState(origin: string): Promise<ViewState> {
  const res = await fetch(`${origin}/bridge/state`, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`GET /bridge/state answered ${res.status}`);
  return (await res.json()) as ViewState;
}

/** The user code as shown on the TV, without the grouping dash. */
export async function shownUserCode(tv: Page): Promise<string> {
  const text = (await tv.getByTestId('user-code').textContent({ timeout: 15_000 })) ?? '';
  return text.replace(/[^A-Z0-9]/gi, '');
}

/** Reads the QR code the way a phone camera does: from a picture of the whole TV screen. */
export async function scanTv(tv: Page): Promise<string | undefined> {
  const png = await tv.screenshot({ timeout: 15_000 });
  const { data, width, height } = decodePng(png);
  return decodeQr({ data, width, height, order: 'rgba' });
}

/** The name of the verification page on the phone (<body data-page="...">). */
export async function phonePage(phone: Page): Promise<string | null> {
  return phone.locator('body').getAttribute('data-page', { timeout: 15_000 });
}

/** Waits until the phone shows one of `pages`, and returns which. */
export async function waitForPhonePage(phone: Page, pages: string[], timeout = 30_000): Promise<string> {
  let seen: string | null = null;
  await expect
    .poll(
      async () => {
        seen = await phone
          .locator('body')
          .getAttribute('data-page', { timeout: 2_000 })
          .catch(() => null);
        return seen !== null && pages.includes(seen);
      },
      { timeout, message: `the phone should reach ${pages.join(' or ')}` },
    )
    .toBe(true);
  return seen!;
}

/** Taps a button that posts a form, and waits until the next document has loaded. */
export async function submit(phone: Page, button: string): Promise<void> {
  // A mark on the old document: gone once the browser has replaced it with the answer.
  await phone.evaluate(() => {
    (window as unknown as { e2eOld?: boolean }).e2eOld = true;
  });
  await phone.getByRole('button', { name: button, exact: true }).click();
  await expect
    .poll(
      () =>
        phone
          .evaluate(() => document.readyState === 'complete' && !(window as unknown as { e2eOld?: boolean }).e2eOld)
          .catch(() => false),
      { timeout: 30_000, message: `the page after tapping "${button}" should load` },
    )
    .toBe(true);
}

/** Every phone page the approval went through, for the screenshot script. */
export type PhoneStep = 'enter-code' | 'confirm' | 'login' | 'consent' | 'success' | 'check-number' | 'denied';

/**
 * On the phone: opens the verification URL, continues on the confirm page, signs in, and taps
 * `decision` on the consent page. `onPage` is called on every page reached (screenshots).
 */
export async function answerOnPhone(
  phone: Page,
  url: string,
  user: { email: string; password: string },
  decision: 'Allow' | 'Deny',
  onPage?: (step: PhoneStep) => Promise<void>,
): Promise<string> {
  await phone.goto(url);
  for (let step = 0; step < 8; step++) {
    // check-number: approved from another network than the TV's; the TV now asks for the number shown.
    const page = await waitForPhonePage(phone, ['enter-code', 'confirm', 'login', 'consent', 'success', 'check-number', 'denied', 'expired', 'error', 'used', 'unknown']);
    if (['enter-code', 'confirm', 'login', 'consent', 'success', 'check-number', 'denied'].includes(page)) await onPage?.(page as PhoneStep);
    switch (page) {
      case 'enter-code':
        // Pre-filled from verification_uri_complete: the user only checks it and continues.
        await expect(phone.getByLabel('Code')).not.toHaveValue('');
        await submit(phone, 'Continue');
        break;
      case 'confirm':
        await submit(phone, 'Continue');
        break;
      case 'login':
        await phone.getByLabel('Email').fill(user.email);
        await phone.getByLabel('Password').fill(user.password);
        await submit(phone, 'Sign in');
        break;
      case 'consent':
        await submit(phone, decision);
        break;
      default:
        return page;
    }
  }
  throw new Error(`the phone did not finish within 8 pages (at ${new URL(phone.url()).pathname})`);
}
