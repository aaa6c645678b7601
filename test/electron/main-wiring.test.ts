// The built Electron main process, run under plain Node with a STUB 'electron' module
// (test/electron/stub/electron.ts): the Electron binary cannot be downloaded on this machine, so
// Electron's own objects are records. Everything else is real: the embedded server, the
// DeviceController, main's IPC handlers and checks, the app:// protocol, the navigation and
// permission rules, the QR scan of a captured picture, and the phone (real Chromium, Pixel-sized).
// A second run hides jsqr from module resolution, as a packaged app is installed without it.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CHROMIUM } from '../../scripts/system-parts.ts';
import { describeWith } from '../fixtures/needs.ts';

const run = promisify(execFile);
const root = join(import.meta.dirname, '../..');
const out = join(root, 'out', `.test-wiring-${process.pid}`);
let home: string;
let report: Record<string, unknown>;
let log: string;
let packaged: { report: Record<string, unknown>; log: string };

/** Runs the built main under the stub with `extra` environment; its report and its log (stderr). */
async function driveMain(extra: Record<string, string>): Promise<{ report: Record<string, unknown>; log: string }> {
  const env: Record<string, string | undefined> = { ...process.env, STUB_APPDATA: home, XDG_CONFIG_HOME: home, DEVICE_LOGIN_LOG_LEVEL: 'info' };
  for (const key of Object.keys(env)) if (key.startsWith('DEVICE_LOGIN_') && key !== 'DEVICE_LOGIN_LOG_LEVEL') delete env[key];
  delete env.ELECTRON_RENDERER_URL;
  const { stdout, stderr } = await run(
    process.execPath,
    ['--import', './test/electron/stub/register.mjs', 'test/electron/stub/drive-main.ts', join(out, 'main/index.js')],
    { cwd: root, env: { ...env, ...extra }, timeout: 120_000 },
  );
  return { report: JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>, log: stderr };
}

beforeAll(async () => {
  if (!CHROMIUM.find()) return; // the phone is a real Chromium: the suite below is skipped, saying why
  home = await mkdtemp(join(tmpdir(), 'electron-main-'));
  await run(process.execPath, [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], {
    cwd: root,
    env: { ...process.env, DEVICE_LOGIN_OUT_DIR: out },
    timeout: 120_000,
  });
  ({ report, log } = await driveMain({}));
  packaged = await driveMain({ STUB_MISSING_PACKAGES: 'jsqr', STUB_DRIVE_UNTIL_PHONE: '1' });
}, 240_000);

afterAll(async () => {
  await rm(out, { recursive: true, force: true });
  if (home) await rm(home, { recursive: true, force: true });
});

describeWith([CHROMIUM], 'the Electron main process (stub Electron, real everything else)', () => {
  it('opens a sandboxed, context-isolated TV at 1280x720 with the preload, and a phone at 390x844 without one', () => {
    const locked = { contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false };
    expect(report.windows).toBe(2);
    expect(report.tvPrefs).toMatchObject({ ...locked, hasPreload: true });
    expect(report.phonePrefs).toMatchObject({ ...locked, hasPreload: false });
    expect(report.tvSize).toEqual([1280, 720]);
    expect(report.phoneSize).toEqual([390, 844]);
    expect(report.phoneUserAgent).toMatch(/Mobile/);
    expect(report.tvLoaded).toBe('app://tv/index.html');
  });

  it('serves the renderer over app:// with a strict CSP header and nothing outside the build', () => {
    const index = report.appIndex as { status: number; type: string; csp: string };
    expect(index.status).toBe(200);
    expect(index.type).toMatch(/^text\/html/);
    expect(index.csp).toContain("default-src 'none'");
    expect(index.csp).toContain("script-src 'self'");
    expect(report.appTraversal).toBe(404);
    expect(report.appOtherHost).toBe(404);
  });

  it('answers IPC only from the TV top frame, and only with valid payloads', () => {
    expect(report.initial).toMatchObject({ ok: true, value: { state: 'idle' } });
    for (const key of ['fromPhone', 'fromIframe', 'fromForeignPage']) {
      expect(report[key], key).toEqual({ ok: false, error: 'Refused: this window may not use the device bridge.' });
    }
    expect(report.badLanguage).toMatchObject({ ok: false, error: expect.stringMatching(/^Invalid arguments for setLanguage/) });
    expect(report.extraArgument).toMatchObject({ ok: false, error: expect.stringMatching(/^Invalid arguments for signIn/) });
  });

  it('signs in on this computer through the system browser: main opens the authorization endpoint, the renderer gets no address, Cancel ends it', () => {
    expect(report.offersComputer).toBe(true);
    // The call answers nothing to the renderer: the address went to shell.openExternal only.
    expect(report.computerSignIn).toEqual({ ok: true });
    const opened = report.openedExternally as string[];
    expect(opened).toHaveLength(1);
    const url = new URL(opened[0]!);
    expect(url.pathname).toMatch(/\/auth$/);
    expect(url.searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(report.computerWaiting).toEqual({ state: 'awaiting_user', method: 'browser' });
    expect(report.computerCancelled).toBe('idle');
    expect(report.computerExtraArgument).toMatchObject({ ok: false, error: expect.stringMatching(/^Invalid arguments for signInOnThisComputer/) });
  });

  it('refuses to persist tokens with the basic_text backend and says so on the TV and in the log', () => {
    // The TV words a code in its language; the technical reason and the flag that changes it are logged.
    expect((report.initial as { value: { notice?: string } }).value.notice).toBe('tokens_memory_only');
    expect(report.awaitingNotice).toBe('tokens_memory_only');
    expect(log).toMatch(/--allow-plaintext-token-storage/);
    expect(report.tokenFileWritten).toBe(false);
    expect(log).toMatch(/\[warn\] No system keyring/);
  });

  it('the phone opens the URL decoded from a capture of the TV, not a fallback', () => {
    expect(report.qrText).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/device\?user_code=/);
    expect(report.phoneOpened).toBe(report.qrText);
    expect(log).toMatch(/phone scanned the QR code on the TV/);
    expect(log).not.toMatch(/could not be decoded/);
  });

  it('denies navigation off the allow-lists, new windows and permission requests', () => {
    expect(report.phoneToEvilPrevented).toBe(true);
    expect(report.phoneToVerificationPrevented).toBe(false);
    expect(report.tvToWebPrevented).toBe(true);
    expect(report.tvWindowOpen).toEqual({ action: 'deny' });
    expect(report.phoneWindowOpenEvil).toEqual({ action: 'deny' });
    expect(report.permissionRequest).toBe(false);
    expect(report.permissionCheck).toBe(false);
  });

  it('signs in end to end: the phone allows, the TV gets signed_in with the demo user name', () => {
    expect(report.stateSequence).toEqual(['requesting', 'awaiting_user', 'signed_in']);
    expect(report.signedInName).toEqual(expect.any(String));
    expect(String(report.signedInName).length).toBeGreaterThan(0);
    // The catalogue call is relayed to the controller: rows, or its readable error when the server has none.
    expect(typeof report.catalogRows === 'number' || /catalogue/.test(String(report.catalogError))).toBe(true);
  });

  it('on quit closes the embedded server and removes its IPC handlers, then quits', () => {
    expect(report.serverClosed).toBe(true);
    expect(report.handlersLeft).toBe(0);
    expect(report.quitCalls).toBe(2);
    expect(report.errorBoxes).toEqual([]);
  });

  it('never writes a token or device code to the log', () => {
    expect(log).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./);
    expect(log).not.toMatch(/device_code/i);
  });
});

describeWith([CHROMIUM], 'the Electron main process installed without devDependencies (no jsqr)', () => {
  it('starts, says in the log that the phone cannot scan, and opens the code on the phone directly', () => {
    expect(packaged.report.qrText).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/device\?user_code=/);
    expect(packaged.report.phoneOpened).toBe(packaged.report.qrText);
    expect(packaged.log).toMatch(/\[warn\] the emulated phone has no QR decoder \(jsqr, a development dependency, is not installed\)/);
    expect(packaged.log).not.toMatch(/phone scanned the QR code/);
    expect(packaged.report.errorBoxes).toEqual([]);
  });
});
