// "Sign in on this computer" (issue 14, the desktop app): the real DeviceController, made by the real
// runtime over the real embedded server, runs the authorization code flow on its loopback redirect;
// the browser's side is played by the phone fixture over real HTTP (cookies, forms, redirects, the
// last hop to 127.0.0.1 included). The ViewState says `awaiting_user` with method `browser` and no
// code; Cancel closes the listener; Deny and a time-out end as the device flow's denied and expired.
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Logger } from '../../core/ports.ts';
import { startBrowserHost } from '../../host/browser-host.ts';
import { prepareBrowserSignIn } from '../../host/browser-sign-in.ts';
import { systemClock } from '../../host/clock.ts';
import { loadConfig } from '../../host/config.ts';
import { BRIDGE_ROUTES, type ViewState } from '../../host/contract.ts';
import { DeviceController } from '../../host/device-controller.ts';
import { createAxiosHttpClient } from '../../host/http.ts';
import { createMemoryTokenStore } from '../../host/memory-token-store.ts';
import { createDeviceRuntime, type DeviceRuntime } from '../../host/runtime.ts';
import { startServer, type RunningServer } from '../../server/app.ts';
import { Phone, type PhonePage } from '../fixtures/phone.ts';
import { viewWhere } from '../fixtures/views.ts';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

let dir: string;
let server: RunningServer;
let runtime: DeviceRuntime;
const closing: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'device-login-here-'));
  server = await startServer({ port: 0, dataDir: join(dir, 'data'), interval: 1, logger: quiet });
  runtime = await newRuntime();
});

/** The runtime as `web` and Electron build it for the embedded server, with a token store of its own. */
function newRuntime(): Promise<DeviceRuntime> {
  return createDeviceRuntime({
    config: loadConfig({ flags: {}, env: {} }),
    ports: { http: createAxiosHttpClient(), clock: systemClock, store: createMemoryTokenStore(), logger: quiet },
    embedded: server,
  });
}

afterAll(async () => {
  for (const close of closing.reverse()) await close().catch(() => undefined);
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A controller as Electron (outside kiosk mode) or a loopback browser host makes it, each on its own store. */
async function openController(signInOnThisComputer = true): Promise<DeviceController> {
  const controller = await (await newRuntime()).openController({ signInOnThisComputer });
  closing.push(() => controller.close());
  return controller;
}


/** The browser: opens the address, signs in with the demo account, answers the consent question. */
async function browserAnswers(url: string, decision: 'allow' | 'deny', acceptLanguage = 'en'): Promise<PhonePage> {
  const browser = new Phone({ acceptLanguage });
  const login = await browser.get(url);
  expect(login.page).toBe('login');
  const consent = await browser.signIn(login, server.demoUser!);
  expect(consent.page).toBe('consent');
  return browser.submit(consent, { button: `decision=${decision}` });
}

/** Whether anything still listens at the loopback redirect. */
function listening(redirectUri: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpRequest(redirectUri, { method: 'GET' }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('error', () => resolve(false));
    req.setTimeout(2000, () => {
      req.destroy();
      resolve(true);
    });
    req.end();
  });
}

describe('DeviceController: sign in on this computer, against the embedded server', () => {
  it('is offered where the host can open a browser here, and runs the authorization code flow to signed_in', async () => {
    const controller = await openController();
    expect(controller.getState()).toMatchObject({ state: 'idle', canSignInOnThisComputer: true });

    const url = await controller.signInOnThisComputer();
    expect(url).toBeDefined();
    const asked = new URL(url!);
    expect(`${asked.origin}${asked.pathname}`).toBe(controller.endpoints.authorizationEndpoint);
    expect(asked.searchParams.get('code_challenge_method')).toBe('S256');
    expect(asked.searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);

    const waiting = controller.getState();
    expect(waiting).toMatchObject({ state: 'awaiting_user', method: 'browser' });
    // Nothing of the sign-in in the ViewState: no code, no address, no token.
    expect(waiting.code).toBeUndefined();
    expect(JSON.stringify(waiting)).not.toContain(asked.searchParams.get('state')!);
    // Pressed again while waiting: the same sign-in, to open again.
    expect(await controller.signInOnThisComputer()).toBe(url);

    const landing = await browserAnswers(url!, 'allow');
    expect(landing.status).toBe(200);
    expect(landing.html).toContain('go back to the TV app');
    expect(landing.redirects.at(-1)).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback\?/);

    const signedIn = await viewWhere(controller, (view) => view.state === 'signed_in');
    expect(signedIn.profile?.email).toBe(server.demoUser!.email);
    expect(signedIn.method).toBeUndefined();
    // The tokens work: the catalogue comes from the resource server with them.
    expect((await controller.getCatalog()).rows.length).toBeGreaterThan(0);
    // Done: the listener is gone.
    expect(await listening(asked.searchParams.get('redirect_uri')!)).toBe(false);
  });

  it('Cancel while waiting: back to idle, and the loopback listener is closed', async () => {
    const controller = await openController();
    const url = await controller.signInOnThisComputer();
    const redirectUri = new URL(url!).searchParams.get('redirect_uri')!;
    expect(await listening(redirectUri)).toBe(true);
    controller.cancel();
    expect(controller.getState()).toMatchObject({ state: 'idle' });
    expect(controller.getState().method).toBeUndefined();
    await expect.poll(() => listening(redirectUri), { timeout: 5000 }).toBe(false);
  });

  it('Deny in the browser ends on the denied screen, in the browser’s language on its landing page', async () => {
    const controller = await openController();
    const url = await controller.signInOnThisComputer();
    const landing = await browserAnswers(url!, 'deny', 'zh-TW,zh;q=0.9');
    expect(landing.html).toContain('電視應用程式');
    const denied = await viewWhere(controller, (view) => view.state === 'denied');
    expect(denied.error?.code).toBe('access_denied');
    // From denied, either way of signing in starts again.
    expect(await controller.signInOnThisComputer()).toMatch(/^http:/);
    controller.cancel();
  });

  it('a sign-in nobody finishes ends on the expired screen', async () => {
    const controller = await DeviceController.create({
      endpoints: runtime.provider.endpoints,
      client: runtime.client,
      ports: runtime.ports,
      displayName: 'embedded',
      signInOnThisComputer: true,
      prepareBrowserSignIn: () =>
        prepareBrowserSignIn({ endpoints: runtime.provider.endpoints, client: runtime.client, ports: runtime.ports, timeoutMs: 300, returnTo: 'app' }),
    });
    closing.push(() => controller.close());
    await controller.signInOnThisComputer();
    const expired = await viewWhere(controller, (view) => view.state === 'expired');
    expect(expired.error?.code).toBe('expired_token');
  });

  it('another sign-in under way: nothing is started, and no listener is left behind', async () => {
    const controller = await openController();
    controller.signIn();
    await viewWhere(controller, (view) => view.state === 'awaiting_user' && view.method === 'device');
    expect(await controller.signInOnThisComputer()).toBeUndefined();
    expect(controller.getState().method).toBe('device');
    controller.cancel();
  });

  it('not offered in kiosk mode (the host says it cannot open a browser here): absent from the ViewState, and refused', async () => {
    const controller = await openController(false);
    expect(controller.getState().canSignInOnThisComputer).toBeUndefined();
    await expect(controller.signInOnThisComputer()).rejects.toMatchObject({ code: 'configuration' });
    expect(controller.getState().state).toBe('idle');
  });

  it('not offered by a provider without an authorization endpoint, whatever the host can do', async () => {
    const { authorizationEndpoint: _, ...deviceOnly } = runtime.provider.endpoints;
    const controller = await DeviceController.create({
      endpoints: deviceOnly,
      client: runtime.client,
      ports: runtime.ports,
      displayName: 'device flow only',
      signInOnThisComputer: true,
      prepareBrowserSignIn: () => runtime.prepareBrowserSignIn({ returnTo: 'app' }),
    });
    closing.push(() => controller.close());
    expect(controller.getState().canSignInOnThisComputer).toBeUndefined();
  });
});

describe('the browser host: POST /bridge/sign-in-on-this-computer', () => {
  async function hostFor(controller: DeviceController) {
    const host = await startBrowserHost({
      controller,
      rendererDir: join(dir, 'no-renderer'),
      hostPageDir: join(import.meta.dirname, '..', '..', 'host', 'page'),
      phoneCanEmbed: true,
      port: 0,
      logger: quiet,
    });
    closing.push(() => host.close());
    return host;
  }

  async function post(origin: string, path: string, headers: Record<string, string> = { origin }) {
    const res = await fetch(new URL(path, origin), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });
    return { status: res.status, body: (await res.json()) as { authorizationUrl?: string; error?: { code: string } } };
  }

  it('answers the address for the page to open, and the TV waits for the browser', async () => {
    const controller = await openController();
    const host = await hostFor(controller);
    const answer = await post(host.origin, BRIDGE_ROUTES.signInOnThisComputer);
    expect(answer.status).toBe(200);
    expect(answer.body.authorizationUrl).toMatch(new RegExp(`^${controller.endpoints.authorizationEndpoint}\\?`));
    const state = (await (await fetch(new URL(BRIDGE_ROUTES.state, host.origin))).json()) as ViewState;
    expect(state).toMatchObject({ state: 'awaiting_user', method: 'browser', canSignInOnThisComputer: true });
    // Another site's page cannot start one (same-origin POSTs only).
    expect((await post(host.origin, BRIDGE_ROUTES.signInOnThisComputer, { origin: 'http://evil.example' })).status).toBe(403);
    expect((await post(host.origin, BRIDGE_ROUTES.cancel)).status).toBe(202);
    expect(controller.getState().state).toBe('idle');
  });

  it('409 where it is not offered', async () => {
    const controller = await openController(false);
    const host = await hostFor(controller);
    const answer = await post(host.origin, BRIDGE_ROUTES.signInOnThisComputer);
    expect(answer.status).toBe(409);
    expect(answer.body.error?.code).toBe('not_available');
    expect(controller.getState().state).toBe('idle');
  });
});
