// The built Electron app (electron-vite build, as `npm start` and `npm run dist` build it), checked
// as far as it can be without the Electron binary, which cannot be downloaded here:
// - main: the bundle is loaded by Node with a STUB 'electron' module (a test double: the real one is
//   the missing binary). Every import of the bundle (oidc-provider, node:sqlite, koa, ...) must link and
//   evaluate; the stub then declines the single-instance lock, so main stops before any window. jsqr,
//   a devDependency, is not in it: the emulated phone imports it on demand.
// - preload: evaluated as Electron evaluates a sandboxed preload (CommonJS, `require` of 'electron'
//   only) with stub contextBridge/ipcRenderer: it must expose exactly the DeviceBridge and nothing else.
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INVOKE_CHANNELS, STATE_CHANNEL } from '../../electron/channels.ts';

const run = promisify(execFile);
const root = join(import.meta.dirname, '../..');
// Inside the project, so that the bundle's external dependencies resolve from node_modules.
const out = join(root, 'out', `.test-bundle-${process.pid}`);

beforeAll(async () => {
  await run(process.execPath, [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], {
    cwd: root,
    env: { ...process.env, DEVICE_LOGIN_OUT_DIR: out },
    timeout: 120_000,
  });
}, 150_000);

afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

describe('the Electron build', () => {
  it('writes main, a CommonJS preload, the renderer with its CSP, and the demo catalogue', async () => {
    expect((await stat(join(out, 'main/index.js'))).size).toBeGreaterThan(10_000);
    expect((await stat(join(out, 'preload/index.cjs'))).size).toBeGreaterThan(500);
    expect((await stat(join(out, 'assets/catalog.json'))).isFile()).toBe(true);
    const html = await readFile(join(out, 'renderer/index.html'), 'utf8');
    expect(html).toContain('http-equiv="Content-Security-Policy"');
    expect(html).toMatch(/src="\.\/assets\/index-[\w-]+\.js"/);
  });

  it('leaves jsqr (a devDependency) out of main: the emulated phone imports it on demand', async () => {
    const files = [join(out, 'main/index.js'), ...(await readdir(join(out, 'main/chunks')).catch(() => [])).map((f) => join(out, 'main/chunks', f))];
    const code = (await Promise.all(files.map((f) => readFile(f, 'utf8')))).join('\n');
    // Names from jsQR's decoder (its Galois field, its Shift_JIS table), which a bundled copy would carry.
    expect(code).not.toMatch(/GenericGF|shiftJISTable/);
    expect(code).toContain('import("jsqr")');
    expect(code).not.toMatch(/from\s*["']jsqr["']/);
  });

  it('main links and evaluates every dependency in Node, registers app:// and yields to a running instance', async () => {
    const stubDir = join(out, 'stub');
    await mkdir(stubDir, { recursive: true });
    const report = join(stubDir, 'report.json');
    await writeFile(
      join(stubDir, 'electron.mjs'),
      `import { writeFileSync } from 'node:fs';
const calls = [];
const record = (name, value) => { calls.push({ name, value }); writeFileSync(${JSON.stringify(report)}, JSON.stringify(calls)); };
export const app = {
  getPath: (name) => '/nonexistent/' + name,
  setPath: (name, value) => record('setPath', [name, value]),
  requestSingleInstanceLock: () => { record('requestSingleInstanceLock', true); return false; },
  quit: () => record('quit', true),
  isReady: () => false,
  on() {},
};
export const protocol = { registerSchemesAsPrivileged: (schemes) => record('registerSchemesAsPrivileged', schemes), handle() {} };
export const BrowserWindow = class {};
export const dialog = {};
export const ipcMain = {};
export const safeStorage = {};
export const session = {};
export const shell = {};
export default { app, protocol, BrowserWindow, dialog, ipcMain, safeStorage, session, shell };
`,
    );
    await writeFile(
      join(stubDir, 'hooks.mjs'),
      `export async function resolve(specifier, context, next) {
  if (specifier === 'electron') return { url: ${JSON.stringify(pathToFileURL(join(stubDir, 'electron.mjs')).href)}, shortCircuit: true };
  return next(specifier, context);
}
`,
    );
    await writeFile(
      join(stubDir, 'register.mjs'),
      `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(stubDir, 'hooks.mjs')).href)});\n`,
    );
    const { stderr } = await run(
      process.execPath,
      ['--disable-warning=ExperimentalWarning', '--import', pathToFileURL(join(stubDir, 'register.mjs')).href, join(out, 'main/index.js')],
      { cwd: root, timeout: 60_000 },
    );
    expect(stderr).not.toMatch(/Error/);
    const calls = JSON.parse(await readFile(report, 'utf8')) as Array<{ name: string; value: unknown }>;
    expect(calls.map((c) => c.name)).toEqual(['setPath', 'registerSchemesAsPrivileged', 'requestSingleInstanceLock', 'quit']);
    expect(calls[0]?.value).toEqual(['userData', '/nonexistent/appData/device-login-tv']);
    expect(calls[1]?.value).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
  });

  it('the sandboxed preload exposes exactly window.deviceLogin with the DeviceBridge calls', async () => {
    const code = await readFile(join(out, 'preload/index.cjs'), 'utf8');
    const exposed = new Map<string, Record<string, unknown>>();
    const invoked: unknown[][] = [];
    const listeners = new Map<string, Set<(...args: unknown[]) => void>>();
    const required: string[] = [];
    const electronStub = {
      contextBridge: { exposeInMainWorld: (key: string, api: Record<string, unknown>) => exposed.set(key, api) },
      ipcRenderer: {
        invoke: (...args: unknown[]) => {
          invoked.push(args);
          return Promise.resolve(undefined);
        },
        on: (channel: string, fn: (...args: unknown[]) => void) => {
          if (!listeners.has(channel)) listeners.set(channel, new Set());
          listeners.get(channel)?.add(fn);
        },
        removeListener: (channel: string, fn: (...args: unknown[]) => void) => listeners.get(channel)?.delete(fn),
      },
    };
    const module = { exports: {} };
    runInNewContext(code, {
      require: (name: string) => {
        required.push(name);
        if (name !== 'electron') throw new Error(`a sandboxed preload cannot require ${name}`);
        return electronStub;
      },
      module,
      exports: module.exports,
    });
    expect(required).toEqual(['electron']);
    expect([...exposed.keys()]).toEqual(['deviceLogin']);
    const api = exposed.get('deviceLogin')!;
    expect(Object.keys(api).sort()).toEqual(
      ['cancel', 'enterCheckNumber', 'getCatalog', 'getState', 'newCode', 'onState', 'setLanguage', 'signIn', 'signInOnThisComputer', 'signOut'].sort(),
    );
    for (const value of Object.values(api)) expect(typeof value).toBe('function');

    await (api.signIn as () => Promise<void>)();
    await (api.setLanguage as (l: string) => Promise<void>)('zh-TW');
    expect(invoked).toEqual([[INVOKE_CHANNELS.signIn], [INVOKE_CHANNELS.setLanguage, 'zh-TW']]);

    // onState passes the state alone (never the IPC event, which carries the sender) and unsubscribes.
    const seen: unknown[][] = [];
    const off = (api.onState as (fn: (...a: unknown[]) => void) => () => void)((...args) => seen.push(args));
    for (const fn of listeners.get(STATE_CHANNEL) ?? []) fn({ sender: 'ipc event' }, { state: 'idle' });
    expect(seen).toEqual([[{ state: 'idle' }]]);
    off();
    expect(listeners.get(STATE_CHANNEL)?.size).toBe(0);
  });
});
