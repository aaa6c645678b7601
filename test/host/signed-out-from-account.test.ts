// A TV signed out from the account page goes back to Welcome by itself, saying why: the real embedded
// server, a real sign-in through the device flow approved on the phone pages over HTTP, a real
// DeviceController checking its sign-in every second (sessionCheckSeconds, the test hook), and the
// account website's part played over HTTP (its client, the authorization code flow, DELETE
// /api/devices/{id}). Nobody presses a key and the TV asks for nothing: the session check notices.
import { describe, expect, it, vi } from 'vitest';
import { discoverEndpoints } from '../../core/discovery.ts';
import type { StoredSession } from '../../core/types.ts';
import { systemClock } from '../../host/clock.ts';
import { DeviceController } from '../../host/device-controller.ts';
import { createAxiosHttpClient } from '../../host/http.ts';
import { startServer } from '../../server/app.ts';
import { signInToAccountPage } from '../fixtures/account-page.ts';
import { cleanupAfterEach } from '../fixtures/lifecycle.ts';
import { memoryStore } from '../fixtures/memory-store.ts';
import { approve } from '../fixtures/phone.ts';
import { viewWhere } from '../fixtures/views.ts';

const { defer, tempDir } = cleanupAfterEach();
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

describe('a TV signed out from the account page', () => {
  it('goes back to Welcome with the signed_out_from_account notice at its next session check, and forgets the tokens', async () => {
    const server = await startServer({ port: 0, host: '127.0.0.1', dataDir: await tempDir('signed-out-from-account-'), logger: quiet });
    defer(() => server.close());
    const store = memoryStore();
    const http = createAxiosHttpClient();
    const controller = await DeviceController.create({
      endpoints: await discoverEndpoints(server.issuer, http),
      displayName: 'device-login (embedded server)',
      client: { clientId: server.clientId, scope: 'openid profile email offline_access' },
      ports: { http, clock: systemClock, store, logger: quiet },
      resourceServer: server.url,
      longPollSeconds: 0,
      sessionCheckSeconds: 1,
    });
    defer(() => controller.close());

    controller.signIn();
    const awaiting = await viewWhere(controller, (v) => v.state === 'awaiting_user');
    expect((await approve(String(awaiting.code?.verificationUriComplete), server.demoUser!)).page).toBe('success');
    await viewWhere(controller, (v) => v.state === 'signed_in');
    await expect(controller.getCatalog()).resolves.toMatchObject({ rows: expect.any(Array) });
    const refreshToken = ([...store.data.values()][0] as StoredSession).tokens?.refreshToken;
    expect(refreshToken).toBeTruthy();

    const account = await signInToAccountPage(server, server.demoUser!);
    expect((await account.devices()).map((d) => d.clientId)).toContain(server.clientId);
    // Checks while the sign-in holds leave the TV where it is.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(controller.getState().state).toBe('signed_in');

    const signedOutAt = Date.now();
    expect(await account.signOut(server.clientId)).toBe(204);
    const welcome = await viewWhere(controller, (v) => v.state === 'idle', 10_000);
    expect(welcome.notice).toBe('signed_out_from_account');
    expect(welcome.profile).toBeUndefined();
    // Within a check or two, not at the access token's expiry (an hour).
    expect(Date.now() - signedOutAt).toBeLessThan(5_000);
    // The store is emptied just after the TV is told (the write queue of the session).
    await vi.waitFor(() => expect(store.data.size).toBe(0), { timeout: 2_000 });
    expect((await account.devices()).map((d) => d.clientId)).not.toContain(server.clientId);

    // The refresh token the TV held is dead at the server, which says why.
    const refused = await fetch(`${server.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: String(refreshToken), client_id: server.clientId }),
    });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: 'invalid_grant', reason: 'signed_out_from_account' });

    // Signing in again starts clean: the notice goes with the new sign-in.
    controller.signIn();
    expect((await viewWhere(controller, (v) => v.state === 'awaiting_user')).notice).toBeUndefined();
  }, 45_000);
});
