// The emulator's two windows: the TV (1280x720, or fullscreen in kiosk mode) and the phone (390x844
// with a mobile user agent, in a session of its own). Both get the rules of electron/security.ts, and
// the phone's camera (host/phone-camera.ts) sees the TV through captureWindow.
import { endianness } from 'node:os';
import { BrowserWindow, session, type BrowserWindowConstructorOptions, type WebContents } from 'electron';
import type { Logger } from '../core/ports.ts';
import type { Bitmap } from '../host/phone-camera.ts';
import { denyAllPermissions, locationKey, phoneMayNavigate, tvMayNavigate, windowOpenDecision } from './security.ts';

/** A phone's user agent, so verification pages render their mobile layout. */
export const PHONE_USER_AGENT =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Mobile Safari/537.36';

/** The phone's in-memory session: its sign-in cookies never mix with the TV's and vanish on exit. */
export const PHONE_PARTITION = 'phone';

/** Creates the TV window with the preload that exposes window.deviceLogin. */
export function createTvWindow(options: {
  preload: string;
  tvBase: string;
  kiosk: boolean;
  logger: Pick<Logger, 'warn'>;
}): BrowserWindow {
  const { kiosk } = options;
  const frame = { width: 1280, height: 720, title: 'device-login TV', backgroundColor: '#0b0f17', kiosk, fullscreen: kiosk };
  const tv = lockedWindow({ ...frame, ...(kiosk ? {} : { x: 40, y: 40 }), show: false }, { preload: options.preload });
  tv.once('ready-to-show', () => tv.show());
  guardNavigation(tv.webContents, 'tv', (url) => tvMayNavigate(url, options.tvBase), options.logger);
  return tv;
}

/**
 * Creates the phone window, showing where to point it until it scans the TV; `allowedOrigins` is read
 * on every navigation (it changes with each code).
 */
export function createPhoneWindow(options: {
  allowedOrigins: () => readonly string[];
  logger: Pick<Logger, 'warn'>;
}): BrowserWindow {
  const phoneSession = session.fromPartition(PHONE_PARTITION);
  phoneSession.setUserAgent(PHONE_USER_AGENT);
  denyAllPermissions(phoneSession, options.logger);
  const frame = { width: 390, height: 844, x: 1340, y: 40, title: 'Phone', backgroundColor: '#ffffff' };
  const phone = lockedWindow(frame, { session: phoneSession });
  guardNavigation(phone.webContents, 'phone', (url) => phoneMayNavigate(url, options.allowedOrigins()), options.logger);
  phone.webContents.setWindowOpenHandler(({ url }) => {
    const decision = windowOpenDecision('phone', url, options.allowedOrigins());
    // A link that opens a new tab on a real phone opens in place here; anything else is refused.
    if (decision.loadInPlace) void phone.loadURL(url);
    return { action: decision.action };
  });
  void phone.loadURL(WAITING_PAGE);
  return phone;
}

/** A picture of the window as the phone's camera sees it; undefined while it cannot be taken. */
export async function captureWindow(window: BrowserWindow): Promise<Bitmap | undefined> {
  if (window.isDestroyed() || window.isMinimized()) return undefined;
  let image = await window.webContents.capturePage();
  if (image.isEmpty()) return undefined;
  // HiDPI screens capture at twice the size; decoding time grows with the pixels, the QR code is large.
  if (image.getSize().width > 1280) image = image.resize({ width: 1280, quality: 'good' });
  const { width, height } = image.getSize();
  // NativeImage bitmaps are in Skia's native order: BGRA on little-endian desktops.
  return { data: image.toBitmap(), width, height, order: endianness() === 'LE' ? 'bgra' : 'rgba' };
}

/** A window with every protection on: only its frame, the TV's preload and the phone's session differ. */
function lockedWindow(
  frame: BrowserWindowConstructorOptions,
  parts: { preload?: string; session?: Electron.Session },
): BrowserWindow {
  return new BrowserWindow({
    ...frame,
    useContentSize: true,
    autoHideMenuBar: true,
    // Literals, not a shared constant: electronegativity (npm run check:electron) reads them here.
    webPreferences: {
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      // A middle click would otherwise open links in a new window without window.open.
      disableBlinkFeatures: 'Auxclick',
      // Spread only when given: a key holding undefined is not the same as no key to Electron.
      ...(parts.preload ? { preload: parts.preload } : {}),
      ...(parts.session ? { session: parts.session } : {}),
    },
  });
}

/** Denies navigations and redirects the window's rule refuses, and every new window. */
function guardNavigation(
  contents: WebContents,
  name: 'tv' | 'phone',
  allowed: (url: string) => boolean,
  logger: Pick<Logger, 'warn'>,
): void {
  const refuse = (event: { preventDefault(): void }, url: string) => {
    if (allowed(url)) return;
    event.preventDefault();
    logger.warn(`navigation refused in the ${name} window`, { to: locationKey(url) ?? 'not a URL' });
  };
  contents.on('will-navigate', (event) => refuse(event, event.url));
  contents.on('will-redirect', (event) => refuse(event, event.url));
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    logger.warn(`window.open refused in the ${name} window`, { to: locationKey(url) ?? 'not a URL' });
    return { action: 'deny' };
  });
}

/** The phone's first page, until it scans the TV. A data: URL, so it needs no server and no script. */
const WAITING_PAGE = `data:text/html;charset=utf-8,${encodeURIComponent(
  '<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width">' +
    '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'">' +
    '<title>Phone</title><body style="font:18px system-ui;margin:0;display:grid;place-items:center;height:100vh;' +
    'background:#f4f5f7;color:#222;text-align:center"><p>Point the phone at the TV:<br>it opens the page in the QR code.</p>',
)}`;
