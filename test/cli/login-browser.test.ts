// `device-login login --browser` end to end: the real CLI as a child process, the real embedded
// server and a plain oidc-provider, and a real Chromium on the browser's side. The CLI opens the
// browser through DEVICE_LOGIN_OPEN_COMMAND (for tests: a script that writes the address to a file,
// which the test opens in Playwright), or prints the address with --no-open for the test to read.
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from '@playwright/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CHROMIUM, chromiumPath } from '../../scripts/system-parts.ts';
import { startServer, type RunningServer } from '../../server/app.ts';
import { startOidcFixture, type OidcFixture } from '../fixtures/oidc-provider.ts';
import { describeWith } from '../fixtures/needs.ts';
import { tempDataDir } from '../server/device-helpers.ts';
import { runCli, type CliRun } from './run-cli.ts';

let server: RunningServer;
let data: ReturnType<typeof tempDataDir>;
let fixture: OidcFixture;
let home: string;
let opener: string;
let browser: Browser;

beforeAll(async () => {
  data = tempDataDir();
  server = await startServer({ port: 0, dataDir: data.dir, interval: 1 });
  fixture = await startOidcFixture();
  home = await mkdtemp(join(tmpdir(), 'device-login-browser-'));
  opener = join(home, 'open-url.sh');
  await writeFile(opener, '#!/bin/sh\nprintf "%s\\n" "$1" >> "$OPENED_FILE"\n');
  await chmod(opener, 0o755);
});
// A failed test must not leave a login waiting for ten minutes.
const started: CliRun[] = [];
afterAll(async () => {
  for (const cli of started) if (cli.child.exitCode === null) cli.child.kill();
  await browser?.close();
  await server?.close();
  await fixture?.close();
  data?.remove();
  await rm(home, { recursive: true, force: true });
});

let runs = 0;
/** A login (and the commands after it) against one server, with its own store and "opened" file. */
function account(flags: string[]) {
  runs += 1;
  const store = join(home, `tokens-${runs}.json`);
  const opened = join(home, `opened-${runs}.txt`);
  // A display, so that --browser does not fall back to a code; the opener stands in for xdg-open.
  const env = { HOME: home, XDG_CONFIG_HOME: home, DISPLAY: ':99', DEVICE_LOGIN_OPEN_COMMAND: opener, OPENED_FILE: opened };
  return {
    env,
    run(command: string, extra: string[] = [], envOverride: Record<string, string> = env): CliRun {
      const cli = runCli([command, ...flags, '--store', store, ...extra], envOverride);
      started.push(cli);
      return cli;
    },
    /** The address the CLI opened, once it has. */
    async openedUrl(): Promise<string> {
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline) {
        const text = await readFile(opened, 'utf8').catch(() => '');
        if (text.trim()) return text.trim().split('\n')[0]!;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('the CLI opened no address within 15 s');
    },
  };
}

const embeddedFlags = () => ['--issuer', server.issuer, '--client-id', 'tv-demo'];
const fixtureFlags = () => ['--issuer', fixture.issuer, '--client-id', fixture.clientId];

/** Chromium, started by the first test that needs it. */
async function launched(): Promise<Browser> {
  browser ??= await chromium.launch({
    executablePath: chromiumPath(),
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  return browser;
}

async function newPage(): Promise<Page> {
  const context = await (await launched()).newContext({ locale: 'en-US' });
  return context.newPage();
}

/** The embedded server's sign-in page: email and password, then Sign in. */
async function signInEmbedded(page: Page, password: string): Promise<void> {
  await page.getByLabel('Email').fill(server.demoUser!.email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** `status --json` and `token` after a sign-in: signed in, and the token is accepted by `check`. */
async function expectSignedIn(run: (command: string, extra?: string[]) => CliRun, check: (token: string) => Promise<number>): Promise<void> {
  const status = run('status', ['--json']);
  expect(await status.exited).toBe(0);
  expect(status.jsonLines()[0]).toMatchObject({ state: 'signed_in' });
  const token = run('token');
  expect(await token.exited).toBe(0);
  expect(await check(token.stdout().trim())).toBe(200);
}

const apiMe = async (token: string) => (await fetch(`${server.url}/api/me`, { headers: { authorization: `Bearer ${token}` } })).status;

describeWith([CHROMIUM], 'login --browser against the embedded server, in Chromium', () => {
  it('opens the browser, signs in after Allow (exit 0), and status and token work as after a code', async () => {
    const me = account(embeddedFlags());
    const cli = me.run('login', ['--browser', '--json']);
    const waiting = await cli.waitForJson((l) => l.state === 'awaiting_user');
    expect(Object.keys(waiting).sort()).toEqual(['authorizationUrl', 'method', 'state']);
    expect(waiting.method).toBe('browser');
    const url = await me.openedUrl();
    expect(url).toBe(waiting.authorizationUrl);
    // The address is on stderr too, for a person whose browser did not open.
    expect(cli.stderr()).toContain(url);
    expect(new URL(url).searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);

    const page = await newPage();
    await page.goto(url);
    await signInEmbedded(page, server.demoUser!.password);
    await page.getByRole('button', { name: 'Allow' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Signed in' }).count(), { timeout: 15_000 }).toBe(1);
    expect(await page.textContent('body')).toContain('go back to the terminal');

    expect(await cli.exited).toBe(0);
    expect(cli.jsonLines().map((l) => l.state)).toEqual(['awaiting_user', 'signed_in']);
    expect(cli.jsonLines()[1]).toMatchObject({ profile: { email: server.demoUser!.email } });
    await page.context().close();
    await expectSignedIn(me.run, apiMe);
  });

  it('a wrong password first, then the right one, signs in; the landing page speaks Traditional Chinese when asked', async () => {
    const me = account(embeddedFlags());
    const cli = me.run('login', ['--browser']);
    const url = await me.openedUrl();
    const context = await (await launched()).newContext({ locale: 'zh-TW' });
    const page = await context.newPage();
    // The sign-in pages in English (their hooks are the English words: a cookie on the server's
    // origin), while the landing page on 127.0.0.1 follows the browser's Accept-Language.
    await page.goto(`${server.url}/device?lang=en`);
    await page.goto(url);
    await signInEmbedded(page, 'not-the-password');
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Login failed');
    expect(cli.child.exitCode).toBeNull();
    await signInEmbedded(page, server.demoUser!.password);
    await page.getByRole('button', { name: 'Allow' }).click();
    await expect.poll(() => page.getByRole('heading', { name: '已登入' }).count(), { timeout: 15_000 }).toBe(1);
    expect(await cli.exited).toBe(0);
    expect(cli.stderr()).toMatch(/Signed in to .* as /);
    await context.close();
  });

  it('Deny ends with exit 3 and the page says the sign-in was cancelled', async () => {
    const me = account(embeddedFlags());
    const cli = me.run('login', ['--browser', '--json']);
    const page = await newPage();
    await page.goto(await me.openedUrl());
    await signInEmbedded(page, server.demoUser!.password);
    await page.getByRole('button', { name: 'Deny' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Sign-in cancelled' }).count(), { timeout: 15_000 }).toBe(1);
    expect(await cli.exited).toBe(3);
    expect(cli.jsonLines().at(-1)).toMatchObject({ state: 'denied', code: 'access_denied' });
    const status = me.run('status');
    expect(await status.exited).toBe(1);
    await page.context().close();
  });

  it('a forged callback with a wrong state gets an error page and the sign-in then completes (--no-open)', async () => {
    const me = account(embeddedFlags());
    const cli = me.run('login', ['--browser', '--no-open', '--json']);
    const waiting = await cli.waitForJson((l) => l.state === 'awaiting_user');
    const url = String(waiting.authorizationUrl);
    const redirect = new URL(url).searchParams.get('redirect_uri')!;
    const page = await newPage();
    const forged = await page.goto(`${redirect}?code=forged-code&state=forged-state`);
    expect(forged?.status()).toBe(400);
    await expect.poll(() => page.getByRole('heading', { name: /not the one being waited for/ }).count()).toBe(1);
    expect(cli.child.exitCode).toBeNull();

    await page.goto(url);
    await signInEmbedded(page, server.demoUser!.password);
    await page.getByRole('button', { name: 'Allow' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Signed in' }).count(), { timeout: 15_000 }).toBe(1);
    expect(await cli.exited).toBe(0);
    // --no-open: nothing was opened.
    await expect(readFile(me.env.OPENED_FILE, 'utf8')).rejects.toThrow();
    await page.context().close();
  });

  it('ends with exit 4 when nobody signs in within --timeout, and takes the --redirect-port asked for', async () => {
    const me = account(embeddedFlags());
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const cli = me.run('login', ['--browser', '--no-open', '--timeout', '1', '--redirect-port', String(port), '--json']);
    const waiting = await cli.waitForJson((l) => l.state === 'awaiting_user');
    expect(new URL(String(waiting.authorizationUrl)).searchParams.get('redirect_uri')).toBe(`http://127.0.0.1:${port}/callback`);
    expect(await cli.exited).toBe(4);
    expect(cli.jsonLines().at(-1)).toMatchObject({ state: 'expired', code: 'expired_token' });
  });
});

describeWith([CHROMIUM], 'login --browser against a plain oidc-provider, in Chromium', () => {
  /** oidc-provider's development pages: any login, then Continue (or Cancel). */
  async function devSignIn(page: Page, decision: 'continue' | 'cancel'): Promise<void> {
    await page.locator('input[name=login]').fill('ada');
    await page.locator('input[name=password]').fill('any');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    if (decision === 'cancel') await page.getByRole('link', { name: '[ Cancel ]' }).click();
    else await page.getByRole('button', { name: 'Continue' }).click();
  }

  it('signs in (exit 0) with the id_token validated against its nonce, then status and token work', async () => {
    const me = account(fixtureFlags());
    const cli = me.run('login', ['--browser', '--json']);
    const page = await newPage();
    await page.goto(await me.openedUrl());
    await devSignIn(page, 'continue');
    await expect.poll(() => page.getByRole('heading', { name: 'Signed in' }).count(), { timeout: 15_000 }).toBe(1);
    expect(await cli.exited).toBe(0);
    expect(cli.jsonLines().at(-1)).toMatchObject({ state: 'signed_in', profile: { sub: 'ada', name: 'Ada Lovelace' } });
    await page.context().close();
    await expectSignedIn(me.run, (token) => fixture.userinfoStatus(token));
  });

  it('Cancel ends with exit 3', async () => {
    const me = account(fixtureFlags());
    const cli = me.run('login', ['--browser']);
    const page = await newPage();
    await page.goto(await me.openedUrl());
    await devSignIn(page, 'cancel');
    await expect.poll(() => page.getByRole('heading', { name: 'Sign-in cancelled' }).count(), { timeout: 15_000 }).toBe(1);
    expect(await cli.exited).toBe(3);
    expect(cli.stderr()).toContain('refused in the browser');
    await page.context().close();
  });

  it('a forged callback with a wrong state does not end the sign-in, which then completes', async () => {
    const me = account(fixtureFlags());
    const cli = me.run('login', ['--browser', '--json']);
    const url = await me.openedUrl();
    const redirect = new URL(url).searchParams.get('redirect_uri')!;
    const forged = await fetch(`${redirect}?error=access_denied&state=not-ours`);
    expect(forged.status).toBe(400);
    expect(await forged.text()).toContain('not the one being waited for');
    const page = await newPage();
    await page.goto(url);
    await devSignIn(page, 'continue');
    expect(await cli.exited).toBe(0);
    await page.context().close();
  });
});

describe('login --browser on a machine where no browser can run', () => {
  it('says so in one line and signs in with a code instead (no DISPLAY)', async () => {
    const me = account(fixtureFlags());
    const { DISPLAY: _display, ...headless } = me.env;
    const cli = me.run('login', ['--browser', '--json'], headless);
    const awaiting = await cli.waitForJson((l) => l.state === 'awaiting_user');
    expect(awaiting.method).toBe('device');
    expect(cli.stderr()).toContain('no browser can sign in here (there is no display');
    await fixture.approveDeviceCode(String(awaiting.userCode));
    expect(await cli.exited).toBe(0);
    await expect(readFile(me.env.OPENED_FILE, 'utf8')).rejects.toThrow();
  });

  it('in an SSH session too, while --no-open keeps the browser sign-in and waits', async () => {
    const me = account(fixtureFlags());
    const ssh = { ...me.env, SSH_CONNECTION: '10.0.0.1 50000 10.0.0.2 22' };
    const fallback = me.run('login', ['--browser', '--json'], ssh);
    expect((await fallback.waitForJson((l) => l.state === 'awaiting_user')).method).toBe('device');
    expect(fallback.stderr()).toContain('this is an SSH session');
    fallback.child.kill('SIGINT');
    await fallback.exited;
    const noOpen = me.run('login', ['--browser', '--no-open', '--json'], ssh);
    expect((await noOpen.waitForJson((l) => l.state === 'awaiting_user')).method).toBe('browser');
    noOpen.child.kill('SIGINT');
    expect(await noOpen.exited).toBe(130);
  });
});
