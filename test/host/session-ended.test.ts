// "Your sign-in has ended" must reach the TV: when the provider stops accepting the sign-in (the person
// signed the TV out from their account, or the refresh token expired), the next API call's refused
// refresh takes the TV back to the welcome screen with the session_ended notice, which the renderer
// words in the TV's language. The real embedded server, a real sign-in approved on the phone pages
// over HTTP, a real DeviceController; the grant is revoked at the server's revocation endpoint.
import { describe, expect, it } from 'vitest';
import { discoverEndpoints } from '../../core/discovery.ts';
import type { StoredSession } from '../../core/types.ts';
import { systemClock } from '../../host/clock.ts';
import { DeviceController } from '../../host/device-controller.ts';
import { createAxiosHttpClient } from '../../host/http.ts';
import { startServer } from '../../server/app.ts';
import { cleanupAfterEach } from '../fixtures/lifecycle.ts';
import { memoryStore } from '../fixtures/memory-store.ts';
import { approve } from '../fixtures/phone.ts';
import { viewWhere } from '../fixtures/views.ts';

const { defer, tempDir } = cleanupAfterEach();
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

describe('a sign-in the provider no longer accepts', () => {
  it('takes the TV back to the welcome screen with the session_ended notice, and forgets the tokens', async () => {
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
    });
    defer(() => controller.close());

    controller.signIn();
    const awaiting = await viewWhere(controller, (v) => v.state === 'awaiting_user');
    const page = await approve(String(awaiting.code?.verificationUriComplete), server.demoUser!);
    expect(page.page).toBe('success');
    await viewWhere(controller, (v) => v.state === 'signed_in');
    await expect(controller.getCatalog()).resolves.toMatchObject({ rows: expect.any(Array) });

    // The account signs the TV out at the provider: its refresh token (and the grant) is revoked.
    const stored = [...store.data.values()][0] as StoredSession;
    const refreshToken = stored.tokens?.refreshToken;
    expect(refreshToken).toBeTruthy();
    const revoked = await fetch(`${server.url}/token/revocation`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: String(refreshToken), token_type_hint: 'refresh_token', client_id: server.clientId }),
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
