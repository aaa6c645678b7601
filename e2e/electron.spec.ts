// The Electron TV app end to end through Playwright's _electron.launch: the happy path (the phone
// window opens what it decodes from the TV's QR code, signs in as the demo user and allows; the TV
// reaches Home with the user's name) and Home driven by the remote control alone.
//
// These tests need the Electron binary. Where it is not installed (our build machines cannot
// download it) they are reported as SKIPPED with the reason: they never pass without running.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron as electron, expect, test, type ElectronApplication, type Page } from '@playwright/test';
import { electronBinary } from '../scripts/start.ts';

const root = join(import.meta.dirname, '..');
const binary = electronBinary(root, process.env);
const SKIP_REASON =
  'Electron binary not installed (node_modules/electron/dist is missing: downloads are blocked on this machine); ' +
  'run `node node_modules/electron/install.js` with internet access to run these tests';

interface Launched {
  app: ElectronApplication;
  tv: Page;
  phone: Page;
  demoUser: { email: string; password: string };
  home: string;
}

test.describe('Electron TV app', () => {
  test.skip(!binary, SKIP_REASON);

  let launched: Launched | undefined;

  test.beforeAll(() => {
    // The app under test is the current source, built as `npm start` builds it.
    const built = spawnSync(process.execPath, [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], {
      cwd: root,
      stdio: 'inherit',
    });
    expect(built.status, 'electron-vite build').toBe(0);
  });

  test.afterEach(async () => {
    if (!launched) return;
    await launched.app.close().catch(() => undefined);
    await rm(launched.home, { recursive: true, force: true });
    launched = undefined;
  });

  async function launch(): Promise<Launched> {
    // A fresh config/data directory: Electron's userData, the embedded server's data, no old tokens.
    const home = await mkdtemp(join(tmpdir(), 'device-login-electron-'));
    const app = await electron.launch({
      executablePath: binary!,
      args: [join(root, 'out/main/index.js')],
      cwd: root,
      env: { ...(process.env as Record<string, string>), XDG_CONFIG_HOME: home, DEVICE_LOGIN_LOG_LEVEL: 'info' },
    });
    launched = { app, home } as Launched;
    // The first stdout line names the embedded server and its demo account.
    const demoUser = await new Promise<{ email: string; password: string }>((resolve, reject) => {
      let buffered = '';
      const timer = setTimeout(() => reject(new Error('no ready line from the Electron app within 30 s')), 30_000);
      app.process().stdout?.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('utf8');
        const line = buffered.split('\n')[0];
        if (buffered.includes('\n') && line) {
          clearTimeout(timer);
          try {
            resolve((JSON.parse(line) as { demoUser: { email: string; password: string } }).demoUser);
          } catch (err) {
            reject(err as Error);
          }
        }
      });
    });
    const windows = async () => {
      for (let i = 0; i < 100 && app.windows().length < 2; i++) await new Promise((r) => setTimeout(r, 100));
      return app.windows();
    };
    const all = await windows();
    const tv = all.find((w) => w.url().startsWith('app://tv/'));
    const phone = all.find((w) => !w.url().startsWith('app://tv/'));
    expect(tv, 'the TV window').toBeDefined();
    expect(phone, 'the phone window').toBeDefined();
    launched = { app, tv: tv!, phone: phone!, demoUser, home };
    return launched;
  }

  /** Signs in on the phone as the demo user and allows, whatever order the pages come in. */
  async function approveOnPhone(phone: Page, demoUser: { email: string; password: string }): Promise<void> {
    for (let step = 0; step < 8; step++) {
      await phone.waitForLoadState('domcontentloaded');
      if (await phone.getByRole('button', { name: 'Allow' }).isVisible()) {
        await phone.getByRole('button', { name: 'Allow' }).click();
        return;
      }
      if (await phone.getByLabel('Email').isVisible()) {
        await phone.getByLabel('Email').fill(demoUser.email);
        await phone.getByLabel('Password').fill(demoUser.password);
        await phone.getByRole('button', { name: 'Sign in' }).click();
        continue;
      }
      if (await phone.getByRole('button', { name: 'Continue' }).isVisible()) {
        await phone.getByRole('button', { name: 'Continue' }).click();
        continue;
      }
      await phone.waitForTimeout(250);
    }
    throw new Error(`the phone never reached the consent page (at ${new URL(phone.url()).pathname})`);
  }

  async function signIn(): Promise<Launched> {
    const run = await launch();
    const { tv, phone, demoUser } = run;
    const screen = tv.getByTestId('tv');
    await expect(screen).toHaveAttribute('data-state', 'idle');
    // The remote's OK on the focused "Sign in".
    await tv.keyboard.press('Enter');
    await expect(screen).toHaveAttribute('data-state', 'awaiting_user');
    await expect(tv.getByRole('img', { name: /QR/ })).toBeVisible();
    const userCode = ((await tv.getByTestId('user-code').textContent()) ?? '').replace(/[^A-Z0-9]/gi, '');
    const verificationUri = ((await tv.getByTestId('verification-uri').textContent()) ?? '').trim();

    // The phone opens what main decoded from a capture of the TV: the verification page of this code.
    await expect.poll(() => phone.url(), { timeout: 20_000 }).toContain('/device');
    const opened = new URL(phone.url());
    expect(opened.origin).toBe(new URL(verificationUri.startsWith('http') ? verificationUri : `http://${verificationUri}`).origin);
    expect(decodeURIComponent(opened.search).replace(/[^A-Z0-9]/gi, '')).toContain(userCode);

    await approveOnPhone(phone, demoUser);
    await expect(screen).toHaveAttribute('data-state', 'signed_in', { timeout: 30_000 });
    return run;
  }

  test('happy path: the phone scans the TV, signs in and allows; the TV shows Home with the name', async () => {
    const { tv } = await signIn();
    await expect(tv.getByTestId('home')).toBeVisible({ timeout: 20_000 });
    await expect(tv.getByTestId('home')).toContainText(/Demo/i);
  });

  test('remote control only: arrows move through Home and Enter opens an Asset', async () => {
    const { tv } = await signIn();
    await expect(tv.getByTestId('home')).toBeVisible({ timeout: 20_000 });
    await tv.keyboard.press('ArrowDown');
    await tv.keyboard.press('ArrowRight');
    await tv.keyboard.press('Enter');
    await expect(tv.getByTestId('asset-detail')).toBeVisible();
    await tv.keyboard.press('Escape');
    await expect(tv.getByTestId('home')).toBeVisible();
  });
});
