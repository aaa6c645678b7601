// The emulator's two windows: the TV (1280x720, or fullscreen in kiosk mode) and the phone (390x844
// with a mobile user agent, in a session of its own). Both get the rules of electron/security.ts.
import { BrowserWindow, session, type WebContents } from 'electron';
import type { Logger } from '../core/ports.ts';
import { permissionAllowed, phoneMayNavigate, tvMayNavigate, windowOpenDecision } from './security.ts';

/** A phone's user agent, so verification pages render their mobile layout. */
export const PHONE_USER_AGENT =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Mobile Safari/537.36';

/** The phone's in-memory session: its sign-in cookies never mix with the TV's and vanish on exit. */
export const PHONE_PARTITION = 'phone';

/** Refuses every permission request and check in a session (camera, microphone, notifications, ...). */
export function denyAllPermissions(target: Electron.Session, logger: Pick<Logger, 'warn'>): void {
  target.setPermissionRequestHandler((_contents, permission, callback) => {
    logger.warn('permission request refused', { permission });
    callback(permissionAllowed(permission));
  });
  target.setPermissionCheckHandler((_contents, permission) => permissionAllowed(permission));
  target.setDevicePermissionHandler(() => false);
}

/** Creates the TV window with the preload that exposes window.deviceLogin. */
export function createTvWindow(options: {
  preload: string;
  tvBase: string;
  kiosk: boolean;
  logger: Pick<Logger, 'warn'>;
}): BrowserWindow {
  const tv = new BrowserWindow({
    width: 1280,
    height: 720,
    useContentSize: true,
    x: options.kiosk ? undefined : 40,
    y: options.kiosk ? undefined : 40,
    title: 'device-login TV',
    backgroundColor: '#0b0f17',
    kiosk: options.kiosk,
    fullscreen: options.kiosk,
    autoHideMenuBar: true,
    show: false,
    // Spelled out in both windows on purpose: electronegativity (npm run check:electron) reads these
    // literals and cannot see through a shared constant, so a spread would fail the check.
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
      preload: options.preload,
    },
  });
  tv.once('ready-to-show', () => tv.show());
  guardNavigation(tv.webContents, 'tv', (url) => tvMayNavigate(url, options.tvBase), options.logger);
  return tv;
}

/** Creates the phone window; `allowedOrigins` is read on every navigation (it changes with each code). */
export function createPhoneWindow(options: {
  allowedOrigins: () => readonly string[];
  logger: Pick<Logger, 'warn'>;
}): BrowserWindow {
  const phoneSession = session.fromPartition(PHONE_PARTITION);
  phoneSession.setUserAgent(PHONE_USER_AGENT);
  denyAllPermissions(phoneSession, options.logger);
  const phone = new BrowserWindow({
    width: 390,
    height: 844,
    useContentSize: true,
    x: 1340,
    y: 40,
    title: 'Phone',
    backgroundColor: '#ffffff',
    autoHideMenuBar: true,
    webPreferences: {
      session: phoneSession,
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
      disableBlinkFeatures: 'Auxclick',
    },
  });
  guardNavigation(phone.webContents, 'phone', (url) => phoneMayNavigate(url, options.allowedOrigins()), options.logger);
  phone.webContents.setWindowOpenHandler(({ url }) => {
    const decision = windowOpenDecision('phone', url, options.allowedOrigins());
    // A link that opens a new tab on a real phone opens in place here; anything else is refused.
    if (decision.loadInPlace) void phone.loadURL(url);
    return { action: decision.action };
  });
  return phone;
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
    logger.warn(`navigation refused in the ${name} window`, { to: safeOrigin(url) });
  };
  contents.on('will-navigate', (event) => refuse(event, event.url));
  contents.on('will-redirect', (event) => refuse(event, event.url));
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    logger.warn(`window.open refused in the ${name} window`, { to: safeOrigin(url) });
    return { action: 'deny' };
  });
}

function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'not a URL';
  }
}
