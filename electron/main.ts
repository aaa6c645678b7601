// The Electron main process: a thin shell around the DeviceController of host/. It starts the embedded
// server unless a provider is configured, opens the TV (and, in emulator mode, the phone), relays
// ViewState to the TV over IPC and runs the TV's bridge calls. No token ever leaves this process.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, dialog, ipcMain, safeStorage, session, shell, type IpcMainInvokeEvent } from 'electron';
import { DeviceLoginError, toDeviceLoginError } from '../core/errors.ts';
import type { Ports } from '../core/ports.ts';
import { systemClock } from '../host/clock.ts';
import { loadConfig, namesServer } from '../host/config.ts';
import type { ViewState } from '../host/contract.ts';
import type { DeviceController } from '../host/device-controller.ts';
import { createAxiosHttpClient } from '../host/http.ts';
import { createStreamLogger, type RedactingLogger } from '../host/logger.ts';
import { createPhoneScanner } from '../host/phone-camera.ts';
import { redactingStore } from '../host/redacting-store.ts';
import { createDeviceRuntime } from '../host/runtime.ts';
import { openTokenStorage } from '../host/storage-policy.ts';
import { startServer, type RunningServer } from '../server/app.ts';
import { SERVER_DEFAULTS } from '../server/defaults.ts';
import { registerAppScheme, serveRenderer } from './app-protocol.ts';
import { INVOKE_CHANNELS, STATE_CHANNEL } from './channels.ts';
import { parseInvoke, type BridgeCall } from './ipc.ts';
import { parseShellArguments } from './options.ts';
import { safeStorageCodec } from './safe-storage.ts';
import {
  denyAllPermissions,
  isTrustedSender,
  locationKey,
  mayOpenForSignIn,
  phoneMayNavigate,
  phoneOrigins,
  TV_BASE_URL,
  tvContentSecurityPolicy,
} from './security.ts';
import { captureWindow, createPhoneWindow, createTvWindow } from './windows.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const PRELOAD = join(here, '../preload/index.cjs');
const RENDERER_DIR = join(here, '../renderer');

// One data directory in development and in installed builds (tokens, the embedded server's data).
app.setPath('userData', join(app.getPath('appData'), 'device-login-tv'));
registerAppScheme();

if (!app.requestSingleInstanceLock()) {
  // A second start (a kiosk autostart racing a manual one) hands over to the first and leaves.
  app.quit();
} else {
  start().catch((err: unknown) => {
    const error = toDeviceLoginError(err);
    process.stderr.write(`device-login TV: ${error.message}\n`);
    if (app.isReady()) dialog.showErrorBox('device-login TV could not start', error.message);
    app.exit(error.code === 'configuration' ? 2 : 1);
  });
}

async function start(): Promise<void> {
  const args = parseShellArguments(process.argv.slice(1), process.env);
  const config = loadConfig({ flags: args.flags, env: process.env });
  const logger = createStreamLogger({ stream: process.stderr, level: config.logLevel, prefix: 'device-login TV: ' });
  logger.redact(config.client.clientSecret);
  logger.redact(config.client.clientToken);

  await app.whenReady();
  denyAllPermissions(session.defaultSession, logger);

  const userData = app.getPath('userData');
  const storage = await openTokenStorage({
    keyring: safeStorageCodec(safeStorage),
    platform: process.platform,
    allowPlaintextTokenStorage: args.allowPlaintextTokenStorage,
    path: join(userData, 'tokens.safe.json'),
    plaintextPath: config.storePath,
    logger,
  });
  const storageNotice = storage.notice;
  const store = redactingStore(storage.store, logger);

  // host/runtime.ts decides the rest (server, client, scope, secret) as for the CLI and `web`.
  const server = namesServer(config) ? undefined : await startEmbeddedServer(join(userData, 'server'), logger);
  const ports: Ports = { http: createAxiosHttpClient(), clock: systemClock, store, logger };
  const runtime = await createDeviceRuntime({ config, ports, command: 'device-login TV', ...(server ? { embedded: server } : {}) });
  // A kiosk has no system browser to offer: it signs in with a phone only.
  const controller = await runtime.openController({ signInOnThisComputer: !args.kiosk });

  // electron-vite's dev server in development; the built renderer over app:// otherwise.
  const devUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined;
  const tvBase = devUrl ?? TV_BASE_URL;
  const imageOrigins = runtime.resourceServer ? [locationKey(runtime.resourceServer) ?? ''] : [];
  serveRenderer(RENDERER_DIR, tvContentSecurityPolicy({ imageOrigins: imageOrigins.filter(Boolean) }));

  const tv = createTvWindow({ preload: PRELOAD, tvBase, kiosk: args.kiosk, logger });
  let phoneAllowed: string[] = [];
  const phone = args.kiosk ? undefined : createPhoneWindow({ allowedOrigins: () => phoneAllowed, logger });

  const scanner = phone
    ? createPhoneScanner({
        capture: () => captureWindow(tv),
        open(url) {
          if (!phone.isDestroyed()) void phone.loadURL(url);
        },
        allowed: (url, view) => phoneMayNavigate(url, phoneOrigins(view.code)),
        logger,
      })
    : undefined;

  const decorate = (view: ViewState): ViewState =>
    storageNotice && !view.notice ? { ...view, notice: storageNotice } : view;
  const follow = (view: ViewState) => {
    // The phone keeps its allow-list after the code is gone, so it can still show the success page.
    if (view.code) phoneAllowed = phoneOrigins(view.code);
    scanner?.update(view);
  };
  const unsubscribe = controller.onState((view) => {
    follow(view);
    if (!tv.isDestroyed()) tv.webContents.send(STATE_CHANNEL, decorate(view));
  });
  // A code restored from the store after a restart is on screen before any change: scan it too.
  follow(controller.getState());

  for (const channel of Object.values(INVOKE_CHANNELS)) {
    ipcMain.handle(channel, async (event: IpcMainInvokeEvent, ...payload: unknown[]) => {
      const frame = event.senderFrame;
      const trusted = isTrustedSender(
        { webContentsId: event.sender.id, frameUrl: frame?.url, isMainFrame: frame ? frame.parent === null : false },
        { webContentsId: tv.isDestroyed() ? undefined : tv.webContents.id, base: tvBase },
      );
      if (!trusted) {
        logger.warn('IPC refused: not from the TV window', { channel });
        throw new Error('Refused: this window may not use the device bridge.');
      }
      const parsed = parseInvoke(channel, payload);
      if (!parsed.ok) {
        logger.warn('IPC refused: invalid payload', { channel, reason: parsed.message });
        throw new Error(parsed.message);
      }
      try {
        return await run(controller, parsed.call, decorate);
      } catch (err) {
        // Only the readable message crosses to the renderer; DeviceLoginError messages never hold secrets.
        throw new Error(toDeviceLoginError(err).message, { cause: err });
      }
    });
  }

  tv.webContents.on('render-process-gone', (_event, details) => {
    logger.warn('the TV renderer stopped; reloading it', { reason: details.reason });
    if (!tv.isDestroyed()) tv.reload();
  });
  app.on('second-instance', () => {
    if (tv.isDestroyed()) return;
    if (tv.isMinimized()) tv.restore();
    tv.focus();
  });
  app.on('window-all-closed', () => app.quit());

  let closed = false;
  app.on('will-quit', (event) => {
    if (closed) return;
    event.preventDefault();
    closed = true;
    scanner?.stop();
    unsubscribe();
    for (const channel of Object.values(INVOKE_CHANNELS)) ipcMain.removeHandler(channel);
    void controller
      .close()
      .then(() => server?.close())
      .catch((err: unknown) => logger.warn('the embedded server did not close cleanly', { error: String(err) }))
      .finally(() => app.quit());
  });
  phone?.on('closed', () => scanner?.stop());

  await tv.loadURL(devUrl ?? `${TV_BASE_URL}index.html`);
  // A TV has no pointer: put the keyboard (remote) focus in the page at once.
  tv.webContents.focus();
}

/** Starts the embedded server in-process, for a configuration that names no authorization server. */
async function startEmbeddedServer(dataDir: string, logger: RedactingLogger): Promise<RunningServer> {
  // The usual port keeps the issuer, and with it the stored session's key, the same across restarts.
  let server: RunningServer;
  try {
    server = await startServer({ port: SERVER_DEFAULTS.port, host: '127.0.0.1', dataDir, logger });
  } catch (err) {
    logger.warn(
      `the embedded server could not listen on port ${SERVER_DEFAULTS.port}, so it takes a free port and a sign-in will not survive a restart`,
      { reason: toDeviceLoginError(err).message },
    );
    server = await startServer({ port: 0, host: '127.0.0.1', dataDir, logger });
  }
  // One JSON line on stdout, as `device-login serve` and `web` print: how to sign in on the phone.
  process.stdout.write(
    `${JSON.stringify({ issuer: server.issuer, clientId: server.clientId, ...(server.demoUser ? { demoUser: server.demoUser } : {}) })}\n`,
  );
  logger.info('embedded authorization server started', { issuer: server.issuer });
  return server;
}

/** Runs one validated bridge call against the controller. */
async function run(
  controller: DeviceController,
  call: BridgeCall,
  decorate: (view: ViewState) => ViewState,
): Promise<unknown> {
  switch (call.name) {
    case 'getState':
      return decorate(controller.getState());
    case 'signIn':
      return controller.signIn();
    case 'signInOnThisComputer': {
      // The address stays in main: the system browser gets it, the renderer does not.
      const url = await controller.signInOnThisComputer();
      if (url && !mayOpenForSignIn(url, controller.endpoints.authorizationEndpoint)) {
        controller.cancel();
        throw new DeviceLoginError('configuration', 'The sign-in address is not on the authorization server; it was not opened.');
      }
      if (url) await shell.openExternal(url);
      return undefined;
    }
    case 'cancel':
      return controller.cancel();
    case 'newCode':
      return controller.newCode();
    case 'enterCheckNumber':
      return controller.enterCheckNumber(call.checkNumber);
    case 'signOut':
      return controller.signOut();
    case 'getCatalog':
      return controller.getCatalog();
    case 'setLanguage':
      return controller.setLanguage(call.language);
    default:
      throw new DeviceLoginError('invalid_request', 'Unknown bridge call.');
  }
}
