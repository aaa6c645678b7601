// The emulated phone's camera (host/phone-camera.ts), tested on real pictures: the real TV renderer,
// built with Vite and drawn by real Chromium at the TV window's 1280x720, with a stand-in for the
// Electron preload's window.deviceLogin (the Electron binary cannot run on this machine). The PNG
// screenshot is turned into the BGRA bitmap Electron's capturePage().toBitmap() gives.
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { chromium, type Browser } from '@playwright/test';
import { build } from 'vite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ViewState } from '../../host/contract.ts';
import { createPhoneScanner, decodeQr, type Bitmap } from '../../host/phone-camera.ts';
import { phoneMayNavigate, phoneOrigins } from '../../electron/security.ts';
import { CHROMIUM, chromiumPath } from '../../scripts/system-parts.ts';
import { describeWith } from '../fixtures/needs.ts';
import { decodePng, toBgra } from '../electron/png.ts';

const VERIFY = 'http://127.0.0.1:8787/device';

function awaiting(userCode: string, qrText = `${VERIFY}?user_code=${userCode}`): ViewState {
  const now = Date.now();
  return {
    state: 'awaiting_user',
    network: 'online',
    code: {
      userCode,
      displayCode: userCode,
      verificationUri: VERIFY,
      verificationUriComplete: `${VERIFY}?user_code=${userCode}`,
      qrText,
      expiresAt: now + 600_000,
      issuedAt: now,
      interval: 5,
    },
    provider: { name: 'device-login (embedded)', issuer: 'http://127.0.0.1:8787' },
    language: 'en',
    hostNow: now,
  };
}

let dir: string;
let server: Server;
let origin: string;
let browser: Browser;

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };

beforeAll(async () => {
  if (!CHROMIUM.find()) return; // the suites below are skipped, saying why
  dir = await mkdtemp(join(tmpdir(), 'tv-renderer-'));
  await build({
    configFile: join(import.meta.dirname, '../../renderer/vite.config.ts'),
    build: { outDir: dir, emptyOutDir: true },
    logLevel: 'silent',
  });
  server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const file = normalize(join(dir, path === '/' ? 'index.html' : path));
    const info = file.startsWith(dir) ? await stat(file).catch(() => undefined) : undefined;
    if (!info?.isFile()) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A 1280x720 picture of the TV showing `view`, as capturePage().toBitmap() would return it. */
async function captureTv(view: ViewState): Promise<Bitmap> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  try {
    // Same shape as the Electron preload's window.deviceLogin, answering with a fixed state.
    await page.addInitScript((state: ViewState) => {
      const done = () => Promise.resolve();
      Object.defineProperty(globalThis, 'deviceLogin', {
        value: {
          getState: () => Promise.resolve({ ...state, hostNow: Date.now() }),
          onState: () => () => undefined,
          signIn: done,
          cancel: done,
          newCode: done,
          signOut: done,
          getCatalog: () => Promise.resolve({ rows: [] }),
          setLanguage: done,
        },
      });
    }, view);
    await page.goto(`${origin}/`);
    await page.locator(`[data-testid="tv"][data-state="${view.state}"]`).waitFor({ timeout: 15_000 });
    if (view.state === 'awaiting_user') await page.getByRole('img', { name: /QR/ }).waitFor({ timeout: 15_000 });
    // Let entrance animations finish, as the scanner's first capture waits a moment too.
    await page.waitForTimeout(600);
    const png = await page.screenshot({ type: 'png' });
    const { data, width, height } = decodePng(png);
    return { data: toBgra(data), width, height, order: 'bgra' };
  } finally {
    await page.close();
  }
}

function blank(width = 1280, height = 720): Bitmap {
  return { data: new Uint8Array(width * height * 4).fill(20), width, height, order: 'bgra' };
}

async function until(condition: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!condition() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
}

const quietLogger = () => {
  const lines: string[] = [];
  return { lines, info: (m: string) => void lines.push(`info ${m}`), warn: (m: string) => void lines.push(`warn ${m}`) };
};

describeWith([CHROMIUM], 'decoding the QR code from a capture of the TV window', () => {
  it('reads verification_uri_complete from a 1280x720 BGRA capture of the real TV screen', async () => {
    const view = awaiting('WDJBMJHT');
    const bitmap = await captureTv(view);
    expect(bitmap.width).toBe(1280);
    expect(await decodeQr(bitmap)).toBe(view.code?.qrText);
  });

  it('reads the same capture in RGBA order (the PNG decoder order)', async () => {
    const bitmap = await captureTv(awaiting('KQLZRVXN'));
    const rgba = { ...bitmap, data: toBgra(new Uint8Array(bitmap.data)), order: 'rgba' as const };
    expect(await decodeQr(rgba)).toBe(`${VERIFY}?user_code=KQLZRVXN`);
  });

  it('finds no QR code on the Welcome screen or in an empty picture', async () => {
    const idle: ViewState = { state: 'idle', provider: { name: 'x' }, language: 'en', hostNow: Date.now() };
    expect(await decodeQr(await captureTv(idle))).toBeUndefined();
    expect(await decodeQr(blank())).toBeUndefined();
    expect(await decodeQr({ data: new Uint8Array(8), width: 1280, height: 720, order: 'rgba' })).toBeUndefined();
  });
});

describeWith([CHROMIUM], 'the phone scanner', () => {
  it('opens the scanned URL on the phone once per code, and again for a new code', async () => {
    const first = awaiting('WDJBMJHT');
    const second = awaiting('PQRSTVWX');
    const pictures = new Map([
      ['WDJBMJHT', await captureTv(first)],
      ['PQRSTVWX', await captureTv(second)],
    ]);
    let showing = 'WDJBMJHT';
    let captures = 0;
    const opened: Array<[string, string]> = [];
    const logger = quietLogger();
    const scanner = createPhoneScanner({
      capture: async () => {
        captures++;
        return pictures.get(showing);
      },
      open: (url, how) => opened.push([url, how]),
      allowed: (url, view) => phoneMayNavigate(url, phoneOrigins(view.code)),
      logger,
      intervalMs: 30,
      fallbackAfterMs: 5000,
    });
    try {
      scanner.update(first);
      await until(() => opened.length === 1, 5000);
      const capturesAfterScan = captures;
      scanner.update({ ...first, hostNow: Date.now() }); // same code again: nothing new to scan
      await new Promise((r) => setTimeout(r, 200));
      expect(captures).toBe(capturesAfterScan);

      showing = 'PQRSTVWX';
      scanner.update(second);
      await until(() => opened.length === 2, 5000);
      expect(opened).toEqual([
        [first.code?.qrText, 'scanned'],
        [second.code?.qrText, 'scanned'],
      ]);
      expect(logger.lines.some((l) => l.includes('phone scanned the QR code'))).toBe(true);
    } finally {
      scanner.stop();
    }
  });

  it('falls back to the code\'s qrText after N seconds without a decode, and says so in the log', async () => {
    const view = awaiting('WDJBMJHT');
    const opened: Array<[string, string]> = [];
    const logger = quietLogger();
    const started = Date.now();
    const scanner = createPhoneScanner({
      capture: async () => blank(),
      open: (url, how) => opened.push([url, how]),
      allowed: (url, v) => phoneMayNavigate(url, phoneOrigins(v.code)),
      logger,
      intervalMs: 20,
      fallbackAfterMs: 300,
    });
    try {
      scanner.update(view);
      await until(() => opened.length > 0, 3000);
      expect(opened).toEqual([[view.code?.qrText, 'fallback']]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(300);
      expect(logger.lines.some((l) => l.startsWith('warn') && l.includes('could not be decoded'))).toBe(true);
    } finally {
      scanner.stop();
    }
  });

  it('refuses a QR code that points outside the verification origin', async () => {
    // The TV draws a QR code of another site: the phone must not follow it.
    const view = awaiting('WDJBMJHT', 'https://evil.example/device?user_code=WDJBMJHT');
    const picture = await captureTv(view);
    expect(await decodeQr(picture)).toBe('https://evil.example/device?user_code=WDJBMJHT');
    const opened: string[] = [];
    const logger = quietLogger();
    const scanner = createPhoneScanner({
      capture: async () => picture,
      open: (url) => opened.push(url),
      allowed: (url, v) => phoneMayNavigate(url, phoneOrigins(v.code)),
      logger,
      intervalMs: 20,
      fallbackAfterMs: 300,
    });
    try {
      scanner.update(view);
      await until(() => logger.lines.some((l) => l.includes('could not be decoded')), 3000);
      expect(opened).toEqual([]);
      expect(logger.lines.some((l) => l.includes('points outside the verification origin'))).toBe(true);
    } finally {
      scanner.stop();
    }
  });

  it('stops capturing when the TV leaves awaiting_user', async () => {
    let captures = 0;
    const scanner = createPhoneScanner({
      capture: async () => {
        captures++;
        return blank(64, 64);
      },
      open: () => undefined,
      allowed: () => true,
      logger: quietLogger(),
      intervalMs: 20,
      fallbackAfterMs: 60_000,
    });
    try {
      scanner.update(awaiting('WDJBMJHT'));
      await until(() => captures >= 2, 3000);
      scanner.update({ state: 'signed_in', provider: { name: 'x' }, language: 'en', hostNow: Date.now() });
      const stoppedAt = captures;
      await new Promise((r) => setTimeout(r, 200));
      expect(captures).toBeLessThanOrEqual(stoppedAt + 1); // at most the one already in flight
    } finally {
      scanner.stop();
    }
  });
});
