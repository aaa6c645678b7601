// What the TV says when something behind it is gone (issue 11, item 6), end to end with `device-login
// web` as a child process and the TV driven with remote keys: its own app (the browser host) killed or
// hung, so that nothing polls the code on screen; the sign-in service out of reach, so that a phone
// that scans the QR code fails; and a failed action's toast, which must not cover the focused button.
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { CHROMIUM, missingReason } from '../scripts/system-parts.ts';
import { AuthServer, WebHost } from './support/processes.ts';
import { openTv, screen, shownUserCode } from './support/screens.ts';

test.setTimeout(180_000);
test.skip(!CHROMIUM.find(), missingReason(CHROMIUM));

let disposables: Array<{ dispose(): Promise<void> }> = [];
let contexts: BrowserContext[] = [];

// eslint-disable-next-line no-empty-pattern -- Playwright requires a destructured fixtures argument.
test.afterEach(async ({}, info) => {
  for (const context of contexts) await context.close().catch(() => undefined);
  contexts = [];
  for (const each of disposables.reverse()) {
    if (info.status !== info.expectedStatus && each instanceof WebHost) {
      await info.attach('device-login web log', { body: each.log(), contentType: 'text/plain' });
    }
    await each.dispose();
  }
  disposables = [];
});

async function startTv(browser: Browser, flags: string[]): Promise<{ host: WebHost; tv: Page }> {
  const host = await WebHost.start(flags);
  disposables.push(host);
  const { context, tv } = await openTv(browser, host.ready.url);
  contexts.push(context);
  return { host, tv };
}

/** OK on the focused "Sign in" (whatever its language); resolves with the code shown. */
async function pressSignIn(tv: Page): Promise<string> {
  await expect(screen(tv)).toHaveAttribute('data-state', 'idle', { timeout: 30_000 });
  await expect(tv.locator('.welcome .button--primary')).toBeFocused({ timeout: 15_000 });
  await tv.keyboard.press('Enter');
  await expect(screen(tv)).toHaveAttribute('data-state', 'awaiting_user', { timeout: 30_000 });
  return shownUserCode(tv);
}

/** Presses `keys` in turn until `target` has focus. */
async function focusWith(tv: Page, target: ReturnType<Page['getByRole']>, keys: string[]): Promise<void> {
  for (let i = 0; i < keys.length * 3; i++) {
    if (await target.evaluate((element) => element === document.activeElement).catch(() => false)) return;
    await tv.keyboard.press(keys[Math.min(i, keys.length - 1)]!);
  }
  await expect(target).toBeFocused();
}

test('the TV app is killed while a code is shown: within seconds the TV says so instead of waiting, and comes back with the same code', async ({ browser }) => {
  const { host, tv } = await startTv(browser, ['--interval', '1']);
  const userCode = await pressSignIn(tv);
  await expect(tv.getByTestId('code-status')).toHaveText('Waiting for you on your phone');

  await host.crash();
  const killedAt = Date.now();
  await expect(screen(tv)).toHaveAttribute('data-host', 'lost', { timeout: 6_000 });
  expect(Date.now() - killedAt, 'noticed within seconds').toBeLessThan(6_000);
  await expect(tv.getByRole('heading', { name: 'The TV app stopped' })).toBeVisible();
  // On the screen itself: the same words are also in the screen reader's alert while it is announced.
  await expect(tv.getByRole('main').getByText(/Reconnecting/)).toBeVisible();
  // No flow state is claimed, and nothing says it is waiting or counts down.
  await expect(screen(tv)).not.toHaveAttribute('data-state', /./);
  await expect(tv.getByText('Waiting for you on your phone')).toHaveCount(0);
  await expect(tv.getByTestId('user-code')).toHaveCount(0);

  await host.startAgain();
  await expect(screen(tv)).toHaveAttribute('data-state', 'awaiting_user', { timeout: 20_000 });
  await expect(screen(tv)).not.toHaveAttribute('data-host', 'lost');
  expect(await shownUserCode(tv)).toBe(userCode);
  await expect(tv.getByTestId('code-status')).toHaveText('Waiting for you on your phone');
});

test('a TV app that hangs is declared lost after about two missed heartbeats, and found again when it goes on', async ({ browser }) => {
  const { host, tv } = await startTv(browser, ['--interval', '1']);
  const userCode = await pressSignIn(tv);
  // SIGSTOP: the process is there and its connections stay open, but it says nothing any more.
  host.freeze(true);
  try {
    const frozenAt = Date.now();
    await expect(screen(tv)).toHaveAttribute('data-host', 'lost', { timeout: 9_000 });
    expect(Date.now() - frozenAt, 'not before two heartbeats were missed').toBeGreaterThan(3_000);
    await expect(tv.getByRole('heading', { name: 'The TV app stopped' })).toBeVisible();
  } finally {
    host.freeze(false);
  }
  await expect(screen(tv)).toHaveAttribute('data-state', 'awaiting_user', { timeout: 15_000 });
  expect(await shownUserCode(tv)).toBe(userCode);
});

test('while the sign-in service is unreachable the QR code is dimmed and says why in the TV’s language, the code kept', async ({ browser }) => {
  const server = await AuthServer.start();
  disposables.push(server);
  const { tv } = await startTv(browser, ['--issuer', server.ready.issuer, '--client-id', server.ready.clientId]);
  // The remote chooses 繁體中文 on Welcome.
  await expect(screen(tv)).toHaveAttribute('data-state', 'idle', { timeout: 30_000 });
  await focusWith(tv, tv.getByRole('button', { name: '繁體中文' }), ['ArrowDown', 'ArrowRight', 'ArrowRight']);
  await tv.keyboard.press('Enter');
  await expect(tv.locator('html')).toHaveAttribute('lang', 'zh-TW');
  await focusWith(tv, tv.getByRole('button', { name: '登入', exact: true }), ['ArrowUp']);
  const userCode = await pressSignIn(tv);

  const qr = tv.getByRole('img', { name: /QR/ });
  const card = tv.locator('.qr-card');
  const opacity = () => card.evaluate((element) => Number(getComputedStyle(element).opacity));
  await expect(tv.getByTestId('qr-caption')).toHaveText('將手機相機對準這裡');
  expect(await opacity()).toBe(1);

  await server.crash();
  await expect(tv.getByTestId('code-status')).toHaveText('正在重新連線…', { timeout: 45_000 });
  await expect(tv.getByTestId('qr-caption')).toHaveText('電視重新連上登入服務之前，掃描無法使用。');
  await expect.poll(opacity).toBeLessThan(0.5);
  await expect(qr).toBeVisible();
  expect(await shownUserCode(tv)).toBe(userCode);

  await server.startAgain();
  await expect(tv.getByTestId('code-status')).toHaveText('正在等待你在手機上完成登入', { timeout: 30_000 });
  await expect(tv.getByTestId('qr-caption')).toHaveText('將手機相機對準這裡');
  await expect.poll(opacity).toBe(1);
});

test('a failed action’s toast never covers the focused button (WCAG 2.4.11)', async ({ browser }) => {
  const { tv } = await startTv(browser, ['--interval', '1']);
  await expect(screen(tv)).toHaveAttribute('data-state', 'idle', { timeout: 30_000 });
  // The TV's service fails the language change (as when it cannot reach what it needs).
  await tv.route('**/bridge/language', (route) => route.fulfill({ status: 502, body: '{}', contentType: 'application/json' }));
  const toast = tv.getByTestId('toast');
  const overlapping = async (button: ReturnType<Page['getByRole']>) => {
    const [a, b] = [await toast.boundingBox(), await button.boundingBox()];
    if (!a || !b) throw new Error('toast or button not on screen');
    return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
  };

  // The language buttons are at the foot of Welcome, where a toast used to appear.
  const chinese = tv.getByRole('button', { name: '繁體中文' });
  await focusWith(tv, chinese, ['ArrowDown', 'ArrowRight', 'ArrowRight']);
  await tv.keyboard.press('Enter');
  await expect(toast).toBeVisible();
  expect(await overlapping(chinese), 'the toast covers the focused language button').toBe(false);

  // Focus goes up to "Sign in" while the toast is shown: the toast keeps out of its way there too.
  const signIn = tv.getByRole('button', { name: 'Sign in', exact: true });
  await focusWith(tv, signIn, ['ArrowUp']);
  await expect(toast).toBeVisible();
  expect(await overlapping(signIn), 'the toast covers the focused Sign in button').toBe(false);
});
