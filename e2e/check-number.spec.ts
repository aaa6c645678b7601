// The proximity check (RFC 10027) on the TV, end to end: `device-login web` runs as a child process
// whose HTTP client leaves from 127.0.0.2 (DEVICE_LOGIN_LOCAL_ADDRESS, for tests and demos), so the
// embedded server on 127.0.0.1 sees the TV on another network than the phone. The phone (a Pixel 7
// context) approves and shows a two-digit number; the TV asks for it and takes it from the remote
// only: the D-pad (▲ ▼ turn a digit, ◀ ▶ move, OK sends) and the number buttons.
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { CHROMIUM, missingReason } from '../scripts/system-parts.ts';
import { WebHost } from './support/processes.ts';
import { answerOnPhone, bridgeState, openPhone, openTv, scanTv, screen } from './support/screens.ts';

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

/** `device-login web` with the TV's requests coming from another loopback address, a TV and a phone. */
async function remoteTv(browser: Browser): Promise<{ host: WebHost; tv: Page; phone: Page }> {
  const host = await WebHost.start(['--interval', '1'], { DEVICE_LOGIN_LOCAL_ADDRESS: '127.0.0.2' });
  hosts.push(host);
  const { context: tvContext, tv } = await openTv(browser, host.ready.url);
  const { context: phoneContext, phone } = await openPhone(browser);
  contexts.push(tvContext, phoneContext);
  return { host, tv, phone };
}

/** OK on Welcome's focused Sign in, the phone scans the QR code and allows; resolves with the number the phone shows. */
async function approveFromPhone(host: WebHost, tv: Page, phone: Page, signIn: string): Promise<string> {
  await expect(tv.getByRole('button', { name: signIn, exact: true })).toBeFocused({ timeout: 30_000 });
  await tv.keyboard.press('Enter');
  await expect(screen(tv)).toHaveAttribute('data-state', 'awaiting_user', { timeout: 30_000 });
  let scanned: string | undefined;
  await expect.poll(async () => (scanned = await scanTv(tv)), { timeout: 20_000 }).toBeTruthy();
  expect(await answerOnPhone(phone, scanned!, host.demoUser, 'Allow')).toBe('check-number');
  const number = (await phone.getByTestId('check-number').textContent())?.trim() ?? '';
  expect(number).toMatch(/^\d\d$/);
  await expect(phone.getByTestId('message')).toHaveText(`Your TV is on another network. To finish, enter ${number} on the TV.`);
  return number;
}

const digit = (tv: Page, n: 1 | 2) => tv.getByRole('spinbutton', { name: `Digit ${n} of 2` });

/** Turns the focused, empty digit to `value` with the D-pad: ▲ from empty is 0, ▼ from empty is 9. */
async function dial(tv: Page, value: number, direction: 'ArrowUp' | 'ArrowDown'): Promise<void> {
  const presses = direction === 'ArrowUp' ? value + 1 : 10 - value;
  for (let i = 0; i < presses; i++) await tv.keyboard.press(direction);
}

test('a TV on another network asks for the phone’s number: a wrong one with the D-pad is refused with the tries left, the right one with the number buttons signs in', async ({ browser }) => {
  const { host, tv, phone } = await remoteTv(browser);
  const number = await approveFromPhone(host, tv, phone, 'Sign in');
  await phone.screenshot({ path: test.info().outputPath('phone-check-number.png') });

  // The TV says what happened, to the eye and to a screen reader, and waits on the first digit.
  await expect(tv.getByTestId('check-number-screen')).toBeVisible({ timeout: 30_000 });
  await expect(screen(tv)).toHaveAttribute('data-state', 'awaiting_user');
  await expect(tv.getByRole('heading', { name: 'Your phone is on another network' })).toBeVisible();
  await expect(tv.getByText('Enter the number your phone shows')).toBeVisible();
  await expect(tv.getByTestId('live-polite')).toContainText('Your phone is on another network. Enter the two-digit number your phone shows');
  await expect(digit(tv, 1)).toBeFocused();
  expect((await bridgeState(host.origin)).code?.proximity).toEqual({ step: 'needed', attemptsLeft: 3 });
  await tv.screenshot({ path: test.info().outputPath('tv-check-number.png') });

  // A wrong number with the D-pad: ▲ turns the first digit, ▶ moves, ▼ turns the second, OK sends.
  const [first, second] = [Number(number[0]), Number(number[1])];
  const wrongFirst = (first + 1) % 10;
  await dial(tv, wrongFirst, 'ArrowUp');
  await expect(digit(tv, 1)).toHaveAttribute('aria-valuenow', String(wrongFirst));
  await tv.keyboard.press('ArrowRight');
  await expect(digit(tv, 2)).toBeFocused();
  await dial(tv, second, 'ArrowDown');
  await expect(digit(tv, 2)).toHaveAttribute('aria-valuenow', String(second));
  await tv.keyboard.press('Enter');
  await expect(tv.getByTestId('check-message')).toHaveText('That is not the number on your phone. 2 tries left.', { timeout: 15_000 });
  expect((await bridgeState(host.origin)).code?.proximity).toEqual({ step: 'wrong', attemptsLeft: 2 });
  // The entry starts again, empty, on the first digit.
  await expect(digit(tv, 1)).toBeFocused();
  await expect(digit(tv, 1)).toHaveAttribute('aria-valuetext', 'blank');
  await tv.screenshot({ path: test.info().outputPath('tv-check-number-wrong.png') });

  // The right number with the number buttons: each sets a digit and moves on, to Confirm; OK sends.
  await tv.keyboard.press(number[0]!);
  await expect(digit(tv, 2)).toBeFocused();
  await tv.keyboard.press(number[1]!);
  await expect(tv.getByRole('button', { name: 'Confirm', exact: true })).toBeFocused();
  await tv.keyboard.press('Enter');
  await expect(screen(tv)).toHaveAttribute('data-state', 'signed_in', { timeout: 30_000 });
  await expect(tv.getByTestId('home')).toBeVisible({ timeout: 20_000 });
});

test('zh-TW: the TV asks in Chinese, and the D-pad alone enters the number', async ({ browser }) => {
  const { host, tv, phone } = await remoteTv(browser);
  await expect(screen(tv)).toHaveAttribute('data-state', 'idle', { timeout: 30_000 });
  // Welcome: ▼ to the language picker, ▶ to 繁體中文, OK; then ▲ back to 登入.
  const chinese = tv.getByRole('button', { name: '繁體中文', exact: true });
  for (let i = 0; i < 6 && !(await chinese.evaluate((el) => el === document.activeElement)); i++) {
    await tv.keyboard.press(i === 0 ? 'ArrowDown' : 'ArrowRight');
  }
  await tv.keyboard.press('Enter');
  await expect(tv.locator('html')).toHaveAttribute('lang', 'zh-TW');
  await tv.keyboard.press('ArrowUp');
  const number = await approveFromPhone(host, tv, phone, '登入');

  await expect(tv.getByRole('heading', { name: '你的手機位於其他網路' })).toBeVisible({ timeout: 30_000 });
  await expect(tv.getByText('請輸入手機上顯示的號碼')).toBeVisible();
  await expect(tv.getByRole('spinbutton', { name: '第 1 位數，共 2 位' })).toBeFocused();
  await dial(tv, Number(number[0]), 'ArrowDown');
  await tv.keyboard.press('ArrowRight');
  await dial(tv, Number(number[1]), 'ArrowUp');
  await tv.screenshot({ path: test.info().outputPath('tv-check-number-zh-TW.png') });
  await tv.keyboard.press('Enter');
  await expect(screen(tv)).toHaveAttribute('data-state', 'signed_in', { timeout: 30_000 });
});
