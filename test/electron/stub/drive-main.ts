// Drives the built Electron main process under Node with the stub 'electron' (see electron.ts here):
// the embedded server, the DeviceController, main's IPC handlers, app:// protocol, navigation and
// permission rules and the QR scan are all real; only Electron's own objects are records. The phone
// is real Chromium (a Pixel-sized page). Prints one JSON report as its last stdout line. With
// STUB_DRIVE_UNTIL_PHONE set, it stops once the phone has opened the code (no sign-in).
//
//   node --import ./test/electron/stub/register.mjs test/electron/stub/drive-main.ts out/main/index.js
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, devices } from '@playwright/test';
import { INVOKE_CHANNELS } from '../../../electron/channels.ts';
import { stub, type StubBrowserWindow } from './electron.ts';

const bundle = process.argv[2];
if (!bundle) throw new Error('usage: drive-main.ts <out/main/index.js>');

// main prints its ready line (issuer, demo user) on stdout; keep it for signing in on the phone.
let readyLine = '';
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
  if (!readyLine) readyLine = String(chunk).split('\n')[0] ?? '';
  return write(chunk as string, ...(rest as []));
}) as typeof process.stdout.write;

async function until<T>(what: string, probe: () => T | undefined | false, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

type View = { state: string; notice?: string; code?: { qrText: string; verificationUri: string }; profile?: { name: string } };

const report: Record<string, unknown> = {};
await import(pathToFileURL(bundle).href);
await until('main to register its handlers and load the TV', () => stub.handlers.size === Object.keys(INVOKE_CHANNELS).length && stub.windows[0]?.loaded.length);

const [tv, phone] = stub.windows as [StubBrowserWindow, StubBrowserWindow | undefined];
const prefs = (w: StubBrowserWindow | undefined) => {
  const { session: _session, preload, ...rest } = (w?.options.webPreferences ?? {}) as Record<string, unknown>;
  return { ...rest, hasPreload: typeof preload === 'string' };
};
report.windows = stub.windows.length;
report.tvPrefs = prefs(tv);
report.tvSize = [tv.options.width, tv.options.height];
report.phonePrefs = prefs(phone);
report.phoneSize = [phone?.options.width, phone?.options.height];
report.phoneUserAgent = stub.sessions.get('phone')?.userAgent;
report.tvLoaded = tv.loaded[0];
report.tvFocused = tv.webContents.focused;
report.schemes = stub.schemes;

// app:// as the TV loads it.
const appHandler = stub.protocolHandlers.get('app')!;
const index = await appHandler(new Request('app://tv/index.html'));
report.appIndex = { status: index.status, type: index.headers.get('content-type'), csp: index.headers.get('content-security-policy') };
report.appTraversal = (await appHandler(new Request('app://tv/..%2f..%2fpackage.json'))).status;
report.appOtherHost = (await appHandler(new Request('app://other/index.html'))).status;

// IPC as the TV's preload sends it, and as others might.
const tvEvent = { sender: { id: tv.webContents.id }, senderFrame: { url: 'app://tv/index.html', parent: null } };
const invoke = async (channel: string, event: unknown, ...args: unknown[]) => {
  try {
    return { ok: true, value: await stub.handlers.get(`device-login:${channel}`)!(event, ...args) };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
};
report.initial = await invoke('get-state', tvEvent);
report.fromPhone = await invoke('get-state', { sender: { id: phone?.webContents.id }, senderFrame: { url: 'app://tv/index.html', parent: null } });
report.fromIframe = await invoke('get-state', { ...tvEvent, senderFrame: { url: 'app://tv/index.html', parent: {} } });
report.fromForeignPage = await invoke('get-state', { ...tvEvent, senderFrame: { url: 'https://evil.example/', parent: null } });
report.badLanguage = await invoke('set-language', tvEvent, 'fr');
report.extraArgument = await invoke('sign-in', tvEvent, { clientId: 'x' });

// Sign in on this computer: main opens the system browser at the authorization server and the TV
// waits for it (no address reaches the renderer); Cancel ends it.
type Here = { value?: { state: string; method?: string; canSignInOnThisComputer?: boolean } };
report.offersComputer = (report.initial as Here).value?.canSignInOnThisComputer;
report.computerSignIn = await invoke('sign-in-on-this-computer', tvEvent);
report.openedExternally = [...stub.openedExternally];
const waitingHere = ((await invoke('get-state', tvEvent)) as Here).value;
report.computerWaiting = { state: waitingHere?.state, method: waitingHere?.method };
await invoke('cancel', tvEvent);
report.computerCancelled = ((await invoke('get-state', tvEvent)) as Here).value?.state;
report.computerExtraArgument = await invoke('sign-in-on-this-computer', tvEvent, 'https://evil.example/');
const deviceFrom = tv.webContents.sent.length;

// Sign in: the TV gets a code; the "camera" decodes it from a capture; the phone opens it.
await invoke('sign-in', tvEvent);
const states = () => tv.webContents.sent.slice(deviceFrom).filter((s) => s.channel === 'device-login:state').map((s) => s.payload as View);
const awaiting = await until('awaiting_user on the TV', () => states().find((s) => s.state === 'awaiting_user'));
report.awaitingNotice = awaiting.notice;
report.qrText = awaiting.code?.qrText;
const opened = await until('the phone to open the scanned URL', () => phone?.loaded[1], 15_000);
report.phoneOpened = opened;

if (process.env.STUB_DRIVE_UNTIL_PHONE) {
  // Enough for a start without devDependencies: the TV got its code and the phone followed it.
  const { app } = await import('./electron.ts');
  app.quit();
  await until('main to finish quitting', () => stub.exitCode !== undefined || stub.quitCalls >= 2, 10_000);
  report.errorBoxes = stub.errorBoxes;
  write(`${JSON.stringify(report)}\n`);
  process.exit(0);
}

// Navigation and window rules as Electron would ask them.
const navigate = (w: StubBrowserWindow | undefined, url: string) => {
  let prevented = false;
  w?.webContents.emit('will-navigate', { url, preventDefault: () => (prevented = true) });
  return prevented;
};
report.phoneToEvilPrevented = navigate(phone, 'https://evil.example/login');
report.phoneToVerificationPrevented = navigate(phone, new URL('/device/x', opened).href);
report.tvToWebPrevented = navigate(tv, 'https://example.com/');
report.tvWindowOpen = tv.webContents.windowOpenHandler?.({ url: 'https://example.com/' });
report.phoneWindowOpenEvil = phone?.webContents.windowOpenHandler?.({ url: 'https://evil.example/' });
const permission = await new Promise((resolve) =>
  stub.sessions.get('default')?.permissionRequestHandler?.(tv.webContents, 'media', resolve),
);
report.permissionRequest = permission;
report.permissionCheck = stub.sessions.get('phone')?.permissionCheckHandler?.(phone?.webContents, 'notifications');

// The phone: real Chromium signs in as the demo user and allows.
const { demoUser } = JSON.parse(readyLine) as { demoUser: { email: string; password: string } };
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  const context = await browser.newContext({ ...devices['Pixel 7'] });
  const page = await context.newPage();
  await page.goto(opened);
  for (let step = 0; step < 8; step++) {
    await page.waitForLoadState('domcontentloaded');
    if (await page.getByRole('button', { name: 'Allow' }).isVisible()) {
      await page.getByRole('button', { name: 'Allow' }).click();
      break;
    }
    if (await page.getByLabel('Email').isVisible()) {
      await page.getByLabel('Email').fill(demoUser.email);
      await page.getByLabel('Password').fill(demoUser.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      continue;
    }
    if (await page.getByRole('button', { name: 'Continue' }).isVisible()) {
      await page.getByRole('button', { name: 'Continue' }).click();
      continue;
    }
    await page.waitForTimeout(250);
  }
} finally {
  await browser.close();
}
const signedIn = await until('signed_in on the TV', () => states().find((s) => s.state === 'signed_in'), 40_000);
report.signedInName = signedIn.profile?.name;
report.stateSequence = [...new Set(states().map((s) => s.state))];
const catalog = (await invoke('get-catalog', tvEvent)) as { ok: boolean; value?: { rows: unknown[] }; error?: string };
report.catalogRows = catalog.value?.rows.length;
report.catalogError = catalog.error;
report.tokenFileWritten = existsSync(join(stub.paths.get('userData') ?? '', 'tokens.safe.json'));

// Quit: main closes the controller and the embedded server, then quits for real.
const issuer = (JSON.parse(readyLine) as { issuer: string }).issuer;
const { app } = await import('./electron.ts');
app.quit();
await until('main to finish quitting', () => stub.exitCode !== undefined || stub.quitCalls >= 2, 10_000);
report.quitCalls = stub.quitCalls;
report.serverClosed = await fetch(`${issuer}/.well-known/openid-configuration`).then(
  () => false,
  () => true,
);
report.handlersLeft = stub.handlers.size;
report.errorBoxes = stub.errorBoxes;

write(`${JSON.stringify(report)}\n`);
process.exit(0);
