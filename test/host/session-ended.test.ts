// "Your sign-in has ended" must reach the TV, saying why. The real embedded server, a real sign-in
// through the device flow approved on the phone pages over HTTP, a real DeviceController:
// - the provider stops accepting the sign-in (the grant revoked at the revocation endpoint, or the
//   refresh token expired): the next API call's refused refresh takes the TV back to Welcome with the
//   session_ended notice, which the renderer words in the TV's language;
// - the account website signs the TV out (its part played over HTTP: its client, the authorization
//   code flow, DELETE /api/devices/{id}): nobody presses a key and the TV asks for nothing, and the
//   session check (every second here: sessionCheckSeconds, the test hook) brings it back to Welcome
//   with the signed_out_from_account notice.
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

/** A TV signed in on a fresh embedded server (the demo account approves on the phone pages), with the catalogue loaded. */
async function signedInTv(options: { sessionCheckSeconds?: number } = {}) {
  const server = await startServer({ port: 0, host: '127.0.0.1', dataDir: await tempDir('session-ended-'), logger: quiet });
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
    ...options,
  });
  defer(() => controller.close());

  controller.signIn();
  const awaiting = await viewWhere(controller, (v) => v.state === 'awaiting_user');
  expect((await approve(String(awaiting.code?.verificationUriComplete), server.demoUser!)).page).toBe('success');
  await viewWhere(controller, (v) => v.state === 'signed_in');
  await expect(controller.getCatalog()).resolves.toMatchObject({ rows: expect.any(Array) });
  const refreshToken = ([...store.data.values()][0] as StoredSession).tokens?.refreshToken;
  expect(refreshToken).toBeTruthy();
  return { server, store, controller, refreshToken: String(refreshToken) };
}

describe('a sign-in the provider no longer accepts', () => {
  it('takes the TV back to the welcome screen with the session_ended notice, and forgets the tokens', async () => {
    const { server, store, controller, refreshToken } = await signedInTv();

    // The account signs the TV out at the provider: its refresh token (and the grant) is revoked.
    const revoked = await fetch(`${server.url}/token/revocation`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: refreshToken, token_type_hint: 'refresh_token', client_id: server.clientId }),
    });
    expect(revoked.status).toBe(200);

    await expect(controller.getCatalog()).rejects.toMatchObject({ code: 'not_signed_in' });
    const ended = await viewWhere(controller, (v) => v.state === 'idle');
    expect(ended.notice).toBe('session_ended');
    expect(ended.profile).toBeUndefined();
    expect(store.data.size).toBe(0);

    // Signing in again starts clean: the notice goes with the new sign-in.
    controller.signIn();
    const again = await viewWhere(controller, (v) => v.state === 'awaiting_user');
    expect(again.notice).toBeUndefined();
  }, 30_000);
});

describe('a TV signed out from the account page', () => {
  it('goes back to Welcome with the signed_out_from_account notice at its next session check, and forgets the tokens', async () => {
    const { server, store, controller, refreshToken } = await signedInTv({ sessionCheckSeconds: 1 });

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
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: server.clientId }),
    });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: 'invalid_grant', reason: 'signed_out_from_account' });

    // Signing in again starts clean: the notice goes with the new sign-in.
    controller.signIn();
    expect((await viewWhere(controller, (v) => v.state === 'awaiting_user')).notice).toBeUndefined();
  }, 45_000);
});
