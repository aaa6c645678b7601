// A STUB of the 'electron' module, for running the built main process under plain Node: the real
// module is the Electron binary, which cannot be downloaded on our build machines. It implements the
// calls main.ts makes and records them; windows are records, not pixels. The one piece of behaviour
// it adds: capturePage() draws the QR code of the last ViewState sent to the TV (with the qrcode
// library, as a stand-in for the renderer), so that main's real scan path decodes a real picture.
import QRCode from 'qrcode';

type Listener = (...args: unknown[]) => unknown;

/** A recorded webContents. */
export class StubWebContents {
  static nextId = 1;
  readonly id = StubWebContents.nextId++;
  readonly sent: Array<{ channel: string; payload: unknown }> = [];
  readonly listeners = new Map<string, Listener[]>();
  windowOpenHandler: Listener | undefined;
  focused = false;
  readonly window: StubBrowserWindow;
  constructor(window: StubBrowserWindow) {
    this.window = window;
  }
  send(channel: string, payload: unknown): void {
    this.sent.push({ channel, payload: structuredClone(payload) });
  }
  on(event: string, fn: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), fn]);
    return this;
  }
  emit(event: string, ...args: unknown[]): void {
    for (const fn of this.listeners.get(event) ?? []) fn(...args);
  }
  setWindowOpenHandler(fn: Listener): void {
    this.windowOpenHandler = fn;
  }
  focus(): void {
    this.focused = true;
  }
  async capturePage(): Promise<unknown> {
    return drawTv(this.sent);
  }
}

/** A recorded BrowserWindow. */
export class StubBrowserWindow {
  readonly webContents: StubWebContents;
  readonly loaded: string[] = [];
  readonly listeners = new Map<string, Listener[]>();
  destroyed = false;
  readonly options: Record<string, unknown>;
  constructor(options: Record<string, unknown>) {
    this.options = options;
    this.webContents = new StubWebContents(this);
    stub.windows.push(this);
  }
  async loadURL(url: string): Promise<void> {
    this.loaded.push(url);
  }
  on(event: string, fn: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), fn]);
    return this;
  }
  once(event: string, fn: Listener): this {
    return this.on(event, fn);
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  isMinimized(): boolean {
    return false;
  }
  show(): void {}
  restore(): void {}
  focus(): void {}
  reload(): void {}
  static getAllWindows(): StubBrowserWindow[] {
    return stub.windows.filter((w) => !w.destroyed);
  }
}

class StubSession {
  permissionRequestHandler: Listener | undefined;
  permissionCheckHandler: Listener | undefined;
  devicePermissionHandler: Listener | undefined;
  userAgent: string | undefined;
  readonly partition: string;
  constructor(partition: string) {
    this.partition = partition;
  }
  setPermissionRequestHandler(fn: Listener): void {
    this.permissionRequestHandler = fn;
  }
  setPermissionCheckHandler(fn: Listener): void {
    this.permissionCheckHandler = fn;
  }
  setDevicePermissionHandler(fn: Listener): void {
    this.devicePermissionHandler = fn;
  }
  setUserAgent(agent: string): void {
    this.userAgent = agent;
  }
}

/** Everything the stub recorded, for the driver to inspect. */
export const stub = {
  appData: process.env.STUB_APPDATA ?? '/nonexistent',
  paths: new Map<string, string>(),
  appListeners: new Map<string, Listener[]>(),
  quitCalls: 0,
  exitCode: undefined as number | undefined,
  schemes: [] as unknown[],
  protocolHandlers: new Map<string, (request: Request) => Promise<Response>>(),
  handlers: new Map<string, Listener>(),
  windows: [] as StubBrowserWindow[],
  sessions: new Map<string, StubSession>(),
  errorBoxes: [] as string[],
  backend: process.env.STUB_SAFE_STORAGE_BACKEND ?? 'basic_text',
  /** What main asked the system to open (shell.openExternal). */
  openedExternally: [] as string[],
};

export const app = {
  isPackaged: false,
  getPath(name: string): string {
    return stub.paths.get(name) ?? (name === 'appData' ? stub.appData : `${stub.appData}/${name}`);
  },
  setPath(name: string, value: string): void {
    stub.paths.set(name, value);
  },
  requestSingleInstanceLock: () => true,
  whenReady: () => Promise.resolve(),
  isReady: () => true,
  on(event: string, fn: Listener) {
    stub.appListeners.set(event, [...(stub.appListeners.get(event) ?? []), fn]);
    return app;
  },
  quit(): void {
    stub.quitCalls++;
    let prevented = false;
    for (const fn of stub.appListeners.get('will-quit') ?? []) fn({ preventDefault: () => (prevented = true) });
    if (!prevented) stub.exitCode ??= 0;
  },
  exit(code: number): void {
    stub.exitCode = code;
  },
};

export const protocol = {
  registerSchemesAsPrivileged(schemes: unknown[]): void {
    stub.schemes.push(...schemes);
  },
  handle(scheme: string, handler: (request: Request) => Promise<Response>): void {
    stub.protocolHandlers.set(scheme, handler);
  },
};

function sessionFor(partition: string): StubSession {
  let s = stub.sessions.get(partition);
  if (!s) {
    s = new StubSession(partition);
    stub.sessions.set(partition, s);
  }
  return s;
}

export const session = {
  get defaultSession() {
    return sessionFor('default');
  },
  fromPartition: (partition: string) => sessionFor(partition),
};

export const ipcMain = {
  handle(channel: string, fn: Listener): void {
    stub.handlers.set(channel, fn);
  },
  removeHandler(channel: string): void {
    stub.handlers.delete(channel);
  },
};

export const dialog = {
  showErrorBox(title: string, message: string): void {
    stub.errorBoxes.push(`${title}: ${message}`);
  },
};

// Reversible and not the identity, so a token written in the clear would still be noticed.
export const safeStorage = {
  isAsyncEncryptionAvailable: async () => true,
  getSelectedStorageBackend: () => stub.backend,
  encryptStringAsync: async (text: string) => Buffer.from(text, 'utf8').reverse(),
  decryptStringAsync: async (data: Buffer) => ({ result: Buffer.from(data).reverse().toString('utf8'), shouldReEncrypt: false }),
};

export const shell = {
  async openExternal(url: string): Promise<void> {
    stub.openedExternally.push(url);
  },
};

export const BrowserWindow = StubBrowserWindow;

export default { app, protocol, session, ipcMain, dialog, safeStorage, shell, BrowserWindow };

/** A 1280x720 BGRA picture of the TV: dark, with the QR code of the last code sent on a light card. */
function drawTv(sent: Array<{ channel: string; payload: unknown }>): unknown {
  const width = 1280;
  const height = 720;
  const pixels = Buffer.alloc(width * height * 4, 24);
  const last = [...sent].reverse().find((s) => s.channel === 'device-login:state')?.payload as
    | { state: string; code?: { qrText: string } }
    | undefined;
  if (last?.state === 'awaiting_user' && last.code) {
    const { modules } = QRCode.create(last.code.qrText, { errorCorrectionLevel: 'M' });
    const scale = 8;
    const quiet = 4;
    const side = (modules.size + quiet * 2) * scale;
    const left = 120;
    const top = Math.max(0, Math.floor((height - side) / 2));
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        const row = Math.floor(y / scale) - quiet;
        const col = Math.floor(x / scale) - quiet;
        const dark = row >= 0 && col >= 0 && row < modules.size && col < modules.size && modules.get(row, col);
        const value = dark ? 0 : 255;
        const i = ((top + y) * width + left + x) * 4;
        pixels[i] = value;
        pixels[i + 1] = value;
        pixels[i + 2] = value;
        pixels[i + 3] = 255;
      }
    }
  }
  return {
    isEmpty: () => false,
    getSize: () => ({ width, height }),
    toBitmap: () => pixels,
  };
}
