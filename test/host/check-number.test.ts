// The TV's side of the proximity check without a browser: the real DeviceController behind the real
// browser host, its HTTP client leaving from 127.0.0.2 (another network, as far as the embedded server
// on 127.0.0.1 can tell), the phone approving from 127.0.0.1. The ViewState says what the TV must
// ask, and POST /bridge/check-number takes two digits and nothing else.
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { discoverEndpoints } from '../../core/discovery.ts';
import type { Logger } from '../../core/ports.ts';
import { startBrowserHost, type RunningBrowserHost } from '../../host/browser-host.ts';
import { systemClock } from '../../host/clock.ts';
import { BRIDGE_ROUTES } from '../../host/contract.ts';
import { DeviceController } from '../../host/device-controller.ts';
import { createAxiosHttpClient } from '../../host/http.ts';
import { createMemoryTokenStore } from '../../host/memory-token-store.ts';
import { startServer, type RunningServer } from '../../server/app.ts';
import { Phone } from '../fixtures/phone.ts';
import { viewWhere } from '../fixtures/views.ts';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

let dir: string;
let server: RunningServer;
let controller: DeviceController;
let host: RunningBrowserHost;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'device-login-host-check-'));
  server = await startServer({ port: 0, dataDir: join(dir, 'data'), interval: 1, logger: quiet });
  const http = createAxiosHttpClient({ localAddress: '127.0.0.2' });
  controller = await DeviceController.create({
    endpoints: await discoverEndpoints(server.issuer, http),
    client: { clientId: server.clientId, scope: 'openid profile email offline_access' },
    ports: { http, clock: systemClock, store: createMemoryTokenStore(), logger: quiet },
    resourceServer: server.url,
    displayName: 'device-login (embedded server)',
  });
  host = await startBrowserHost({
    controller,
    rendererDir: join(dir, 'no-renderer'),
    hostPageDir: join(import.meta.dirname, '..', '..', 'host', 'page'),
    phoneCanEmbed: true,
    port: 0,
    logger: quiet,
  });
});

afterAll(async () => {
  await host?.close();
  await controller?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

function post(path: string, body: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(new URL(path, host.origin), { method: 'POST', headers: { 'content-type': 'application/json', origin: host.origin } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}


describe('the TV and the check number', () => {
  it('asks in the ViewState, refuses anything but two digits at the bridge, says a wrong number, and signs in with the right one', async () => {
    expect(await post(BRIDGE_ROUTES.signIn, {})).toBe(202);
    const awaiting = await viewWhere(controller, (view) => view.state === 'awaiting_user' && view.code !== undefined);
    expect(awaiting.code?.proximity).toBeUndefined();

    const page = await new Phone().approve(awaiting.code!.qrText, server.demoUser!);
    expect(page.page).toBe('check-number');
    const number = (/data-testid="check-number"[^>]*>([\s\S]*?)<\/div>/.exec(page.html)?.[1] ?? '').replace(/<[^>]*>/g, '');

    const asked = await viewWhere(controller, (view) => view.code?.proximity?.step === 'needed');
    expect(asked.state).toBe('awaiting_user');
    expect(asked.code?.proximity).toEqual({ step: 'needed', attemptsLeft: 3 });

    for (const bad of ['4', '477', 'ab', 47, null]) expect(await post(BRIDGE_ROUTES.checkNumber, { checkNumber: bad })).toBe(400);
    expect(controller.getState().code?.proximity?.step).toBe('needed');

    expect(await post(BRIDGE_ROUTES.checkNumber, { checkNumber: String((Number(number) + 1) % 100).padStart(2, '0') })).toBe(202);
    expect((await viewWhere(controller, (view) => view.code?.proximity?.step === 'wrong')).code?.proximity).toEqual({ step: 'wrong', attemptsLeft: 2 });

    expect(await post(BRIDGE_ROUTES.checkNumber, { checkNumber: number })).toBe(202);
    const signedIn = await viewWhere(controller, (view) => view.state === 'signed_in');
    expect(signedIn.profile?.email).toBe(server.demoUser!.email);
    expect(signedIn.code).toBeUndefined();
  });
});
