// What a person reads on the TV when something goes wrong or changes by itself (issue 11, items 4
// and 7): in the TV's language, what happened and what to do next, never a developer's message; a
// code renewed without asking says so beside the code; the ring's face and its words tell one time.
// `device-login web` runs as a child process (with a separate authorization server where one must
// die), the TV is a 1280x720 Chromium page driven with remote keys, the phone a Pixel 7 context.
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { CHROMIUM, missingReason } from '../scripts/system-parts.ts';
import { AuthServer, runCliOnce, WebHost } from './support/processes.ts';
import { answerOnPhone, openPhone, openTv, scanTv, screen, shownUserCode } from './support/screens.ts';

// Every wait is bounded, generously: two shared cores, a Vite build on the first start, child processes.
test.setTimeout(180_000);
test.skip(!CHROMIUM.find(), missingReason(CHROMIUM));

let disposables: Array<{ dispose(): Promise<void> }> = [];
let contexts: BrowserContext[] = [];
let hosts: WebHost[] = [];

// eslint-disable-next-line no-empty-pattern -- Playwright requires a destructured fixtures argument.
test.afterEach(async ({}, info) => {
  for (const context of contexts) await context.close().catch(() => undefined);
  if (info.status !== info.expectedStatus) {
    for (const host of hosts) await info.attach('device-login web log', { body: host.log(), contentType: 'text/plain' });
  }
  for (const each of disposables.reverse()) await each.dispose();
  disposables = [];
  contexts = [];
  hosts = [];
});

/** An authorization server of its own (so it can die) and `device-login web` signing in with it. */
async function hostWithOwnServer(): Promise<{ server: AuthServer; host: WebHost }> {
  const server = await AuthServer.start();
  disposables.push(server);
  const host = await WebHost.start(['--issuer', server.ready.issuer, '--client-id', server.ready.clientId, '--interval', '1']);
  disposables.push(host);
  hosts.push(host);
  return { server, host };
}

async function tvAt(browser: Browser, url: string): Promise<Page> {
  const { context, tv } = await openTv(browser, url);
  contexts.push(context);
  return tv;
}

/** Moves the remote's focus to the button named `name`, pressing `keys` in turn. */
async function focusOn(tv: Page, name: string, keys: string[]): Promise<void> {
  const target = tv.getByRole('button', { name, exact: true });
  for (let i = 0; i < 10; i++) {
    if (await target.evaluate((el) => el === document.activeElement).catch(() => false)) return;
    await tv.keyboard.press(keys[Math.min(i, keys.length - 1)]!);
    await tv.waitForTimeout(150);
  }
  await expect(target).toBeFocused();
}

/** On Welcome: the remote chooses 繁體中文, and the whole page turns Chinese. */
async function chooseChinese(tv: Page): Promise<void> {
  await expect(screen(tv)).toHaveAttribute('data-state', 'idle', { timeout: 30_000 });
  await focusOn(tv, '繁體中文', ['ArrowDown', 'ArrowRight', 'ArrowRight']);
  await tv.keyboard.press('Enter');
  await expect(tv.locator('html')).toHaveAttribute('lang', 'zh-TW');
}

/** On a zh-TW Welcome: the remote presses 登入, the phone scans the TV's QR code and allows; the TV signs in. */
async function signInWithPhone(browser: Browser, tv: Page, user: { email: string; password: string }): Promise<void> {
  await focusOn(tv, '登入', ['ArrowUp']);
  await tv.keyboard.press('Enter');
  await expect(screen(tv)).toHaveAttribute('data-state', 'awaiting_user', { timeout: 30_000 });
  let scanned: string | undefined;
  await expect.poll(async () => (scanned = await scanTv(tv)), { timeout: 20_000 }).toBeTruthy();
  const { context, phone } = await openPhone(browser);
  contexts.push(context);
  expect(await answerOnPhone(phone, scanned!, user, 'Allow')).toBe('success');
  await expect(screen(tv)).toHaveAttribute('data-state', 'signed_in', { timeout: 30_000 });
}

/** Text on the TV in a language other than the page's, unless marked with its own `lang`. */
function unmarkedLatin(tv: Page): Promise<string[]> {
  return tv.getByTestId('tv').evaluate((root) => {
    const out: string[] = [];
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent?.trim() ?? '';
      const element = node.parentElement;
      if (!text || !element || element.closest('[aria-hidden="true"]') || element.closest('kbd')) continue;
      const marked = element.closest('[lang]')?.getAttribute('lang') ?? 'zh-TW';
      if (marked === 'zh-TW' && /[A-Za-z]{2,}/.test(text)) out.push(text);
    }
    return out;
  });
}

test('zh-TW: the server is gone when the TV asks for a code: it says so in Chinese, with the next step, and no address or error code', async ({ browser }) => {
  const { server, host } = await hostWithOwnServer();
  const tv = await tvAt(browser, host.ready.url);
  await chooseChinese(tv);

  await server.crash();
  await focusOn(tv, '登入', ['ArrowUp']);
  await tv.keyboard.press('Enter');
  await expect(screen(tv)).toHaveAttribute('data-state', 'error', { timeout: 45_000 });

  const main = tv.locator('main');
  await expect(main).toContainText('電視無法連線到登入服務');
  await expect(main).toContainText('請確認電視已連上網路');
  await expect(tv.getByTestId('error-what')).toHaveAttribute('data-error-code', 'network');
  await expect(main).not.toContainText(/127\.0\.0\.1|ECONN|network|Error code|錯誤代碼/);
  expect(await unmarkedLatin(tv)).toEqual([]);
  // The screen reader hears the same words, in the same language.
  await expect(tv.getByRole('alert')).toContainText('電視無法連線到登入服務');
  // The details are for whoever looks after the TV: in the host's log.
  await expect.poll(() => host.log(), { timeout: 10_000 }).toMatch(/sign-in stopped with an error.*network.*ECONNREFUSED|ECONNREFUSED.*network/i);

  await expect(tv.getByRole('button', { name: '重試' })).toBeFocused();
});

test('zh-TW: the grant cannot be revoked at sign-out: one short notice in Chinese, clear of the artwork', async ({ browser }) => {
  const { server, host } = await hostWithOwnServer();
  const tv = await tvAt(browser, host.ready.url);
  await chooseChinese(tv);
  await signInWithPhone(browser, tv, server.ready.demoUser);

  // The provider is unreachable at the moment of signing out. The TV page sends the bridge's sign-out
  // as Settings does (how Settings asks for it is another test's concern).
  await server.crash();
  const status = await tv.evaluate(async () => {
    const res = await fetch('/bridge/sign-out', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    return res.status;
  });
  expect(status).toBe(200);
  await expect(screen(tv)).toHaveAttribute('data-state', 'idle', { timeout: 30_000 });

  const notice = tv.getByRole('note');
  await expect(notice).toHaveAttribute('data-notice', 'revocation_failed');
  await expect(notice).toContainText('你已在這台電視上登出');
  await expect(notice).not.toContainText(/revocation|http|ECONN|grant/i);
  expect(await unmarkedLatin(tv)).toEqual([]);
  // Short enough to read from the sofa, and not drawn over the posters of the artwork.
  const box = (await notice.boundingBox())!;
  const lineHeight = await notice.evaluate((el) => parseFloat(getComputedStyle(el).lineHeight) || parseFloat(getComputedStyle(el).fontSize) * 1.4);
  const scale = await notice.evaluate((el) => el.getBoundingClientRect().height / (el as HTMLElement).offsetHeight);
  expect(box.height / scale, 'at most three lines').toBeLessThanOrEqual(lineHeight * 3 + 48);
  for (const poster of await tv.locator('.welcome__art span').all()) {
    const art = (await poster.boundingBox())!;
    const overlaps = box.x < art.x + art.width && art.x < box.x + box.width && box.y < art.y + art.height && art.y < box.y + box.height;
    expect(overlaps, 'the notice overlaps the artwork').toBe(false);
  }
  await expect.poll(() => host.log(), { timeout: 10_000 }).toMatch(/revocation failed/i);
});

test('zh-TW: the provider ends the sign-in (signed out elsewhere): the TV goes back to Welcome and says so in Chinese', async ({ browser }) => {
  // The embedded server: its catalogue is the API the TV calls with its access token.
  const host = await WebHost.start(['--interval', '1']);
  disposables.push(host);
  hosts.push(host);
  const tv = await tvAt(browser, host.ready.url);
  await chooseChinese(tv);
  await signInWithPhone(browser, tv, host.demoUser);

  // Another device ends this grant at the provider: `logout` on the TV's own token store revokes the
  // refresh token (and with it the grant) while the TV still holds its tokens in memory.
  const logout = await runCliOnce(['logout', '--store', host.storePath, '--issuer', host.ready.issuer!, '--client-id', host.ready.clientId!]);
  expect(logout.code, logout.output).toBe(0);
  expect(logout.output).toMatch(/revoked the tokens/);

  // The next time the TV needs its access token (the home screen asks for the catalogue again), the
  // refused refresh brings it back to Welcome, with the notice in its language.
  await tv.reload();
  await expect(screen(tv)).toHaveAttribute('data-state', 'idle', { timeout: 30_000 });
  const notice = tv.getByRole('note');
  await expect(notice).toHaveAttribute('data-notice', 'session_ended');
  await expect(notice).toContainText('你的登入已結束');
  expect(await unmarkedLatin(tv)).toEqual([]);
});

test('a code expires and the TV takes a new one: it says so beside the code, and the ring and its words tell the same time', async ({ browser }) => {
  // 10 s codes, one automatic renewal: the second code is the renewed one.
  const host = await WebHost.start(['--interval', '1', '--code-ttl', '10', '--max-auto-renewals', '1']);
  disposables.push(host);
  hosts.push(host);
  const tv = await tvAt(browser, host.ready.url);
  await expect(screen(tv)).toHaveAttribute('data-state', 'idle', { timeout: 30_000 });
  await expect(tv.getByRole('button', { name: 'Sign in', exact: true })).toBeFocused({ timeout: 15_000 });
  await tv.keyboard.press('Enter');
  await expect(screen(tv)).toHaveAttribute('data-state', 'awaiting_user', { timeout: 30_000 });
  const first = await shownUserCode(tv);
  await expect(tv.getByTestId('code-renewed')).toBeHidden();

  // The face and the words read at one moment, several times through the code's last seconds.
  const disagreements: string[] = [];
  for (let i = 0; i < 12 && (await shownUserCode(tv)) === first; i++) {
    const { face, words } = await tv.evaluate(() => ({
      face: document.querySelector('[data-testid="countdown-face"]')?.textContent ?? '',
      words: document.querySelector('[data-testid="countdown-words"]')?.textContent ?? '',
    }));
    const seconds = Number(face.split(':')[1]);
    const said = Number(/\d+/.exec(words)?.[0]);
    if (face.startsWith('0:') && said !== seconds) disagreements.push(`${face} beside "${words}"`);
    await tv.waitForTimeout(600);
  }
  expect(disagreements).toEqual([]);

  await expect.poll(() => shownUserCode(tv), { timeout: 30_000 }).not.toBe(first);
  await expect(screen(tv)).toHaveAttribute('data-state', 'awaiting_user');
  const renewed = tv.getByTestId('code-renewed');
  await expect(renewed).toHaveText('New code: the old one expired');
  await expect(tv.getByTestId('live-polite')).toContainText('The old code expired');
  // Near the code: right above it, in the same column.
  const [note, code] = [(await renewed.boundingBox())!, (await tv.getByTestId('user-code').boundingBox())!];
  expect(Math.abs(code.y - (note.y + note.height))).toBeLessThan(80);
  expect(Math.abs(code.x - note.x)).toBeLessThan(40);
});
