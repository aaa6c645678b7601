// host/runtime.ts: one composition for the CLI, `web` and Electron. Each is driven with exactly the
// options its composition root passes, against a real loopback authorization server that records what
// the device authorization request asked for (client id, scope, whether a secret was sent).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createClientContext } from '../../cli/setup.ts';
import { parseCommandArgs } from '../../cli/args.ts';
import { CLIENT_DEFAULTS } from '../../core/defaults.ts';
import type { Logger } from '../../core/ports.ts';
import { parseShellArguments } from '../../electron/options.ts';
import { systemClock } from '../../host/clock.ts';
import { loadConfig, namesServer } from '../../host/config.ts';
import { createAxiosHttpClient } from '../../host/http.ts';
import { createDeviceRuntime, EMBEDDED_SERVER_NAME } from '../../host/runtime.ts';
import { cleanupAfterEach, within } from '../fixtures/lifecycle.ts';
import { memoryStore } from '../fixtures/memory-store.ts';

const { defer, tempDir } = cleanupAfterEach();
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** What one device authorization request carried. */
interface AuthorizationRequest {
  clientId: string | undefined;
  scope: string | undefined;
  sentSecret: boolean;
}

/**
 * An authorization server on 127.0.0.1 with discovery, a device authorization endpoint that records
 * each request and hands out a code, and a token endpoint that always says authorization_pending.
 */
async function recordingServer(): Promise<{ url: string; next(): Promise<AuthorizationRequest> }> {
  const seen: AuthorizationRequest[] = [];
  const waiting: Array<(request: AuthorizationRequest) => void> = [];
  let url = '';
  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      if (req.url === '/.well-known/openid-configuration') {
        return json(res, 200, { issuer: url, device_authorization_endpoint: `${url}/device`, token_endpoint: `${url}/token` });
      }
      if (req.url === '/device') {
        const form = new URLSearchParams(body);
        const request = {
          clientId: form.get('client_id') ?? undefined,
          scope: form.get('scope') ?? undefined,
          sentSecret: form.has('client_secret'),
        };
        const waiter = waiting.shift();
        if (waiter) waiter(request);
        else seen.push(request);
        return json(res, 200, {
          device_code: 'dc-1',
          user_code: 'WDJBMJHT',
          verification_uri: `${url}/activate`,
          expires_in: 600,
          interval: 5,
        });
      }
      if (req.url === '/token') return json(res, 400, { error: 'authorization_pending' });
      json(res, 404, { error: 'not_found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  defer(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return {
    url,
    next: () =>
      within(
        new Promise<AuthorizationRequest>((resolve) => {
          const request = seen.shift();
          if (request) resolve(request);
          else waiting.push(resolve);
        }),
        10_000,
        () => 'a device authorization request',
      ),
  };
}

/** The ports a host plugs in (Electron's store differs; for the request it makes no difference). */
function ports() {
  return { http: createAxiosHttpClient(), clock: systemClock, store: memoryStore(), logger: quiet };
}

describe('one runtime: what the device asks for', () => {
  it("under Electron's composition (explicit endpoints, no scope) the device asks the client's default scope", async () => {
    const idp = await recordingServer();
    const home = await tempDir('runtime-electron-');
    const env = { HOME: home, XDG_CONFIG_HOME: home };
    // What electron/main.ts does with its argv and environment.
    const args = parseShellArguments(
      ['--device-authorization-endpoint', `${idp.url}/device`, '--token-endpoint', `${idp.url}/token`, '--client-id', 'tv'],
      env,
    );
    const config = loadConfig({ flags: args.flags, env });
    expect(namesServer(config), 'a configured server: main starts no embedded one').toBe(true);
    const runtime = await createDeviceRuntime({ config, ports: ports(), command: 'device-login TV' });
    const controller = await runtime.openController();
    defer(() => controller.close());

    controller.signIn();
    const asked = await idp.next();
    expect(asked.scope).toBe(CLIENT_DEFAULTS.scope);
    expect(asked.clientId).toBe('tv');
  });

  it('the CLI asks the same scope from the same configuration', async () => {
    const idp = await recordingServer();
    const home = await tempDir('runtime-cli-');
    const argv = ['--device-authorization-endpoint', `${idp.url}/device`, '--token-endpoint', `${idp.url}/token`, '--client-id', 'tv'];
    const flags = parseCommandArgs('login', [...argv, '--store', `${home}/tokens.json`]);
    const sink = { write: () => true };
    const ctx = await createClientContext(flags, { stdout: sink, stderr: sink, stdin: process.stdin, env: { HOME: home, XDG_CONFIG_HOME: home } }, 'login');
    const session = ctx.openSession();
    defer(() => session.close());

    session.signIn();
    expect((await idp.next()).scope).toBe(CLIENT_DEFAULTS.scope);
  });

  it("with the embedded server (as `web` and Electron pass it) the device signs in as the server's own client", async () => {
    const embedded = await recordingServer();
    const home = await tempDir('runtime-embedded-');
    // A client configured for some provider means nothing to the embedded server: it is not sent there.
    const env = { HOME: home, XDG_CONFIG_HOME: home, DEVICE_LOGIN_CLIENT_ID: 'someone-elses', DEVICE_LOGIN_CLIENT_SECRET: 'not-for-here' };
    const config = loadConfig({ flags: {}, env });
    expect(namesServer(config), 'no server configured: the host starts the embedded one').toBe(false);
    const runtime = await createDeviceRuntime({
      config,
      ports: ports(),
      command: 'device-login web',
      embedded: { issuer: embedded.url, url: embedded.url, clientId: 'kiosk-7' },
    });
    expect(runtime.provider.displayName).toBe(EMBEDDED_SERVER_NAME);
    expect(runtime.resourceServer).toBe(embedded.url);
    const controller = await runtime.openController();
    defer(() => controller.close());
    // The TV names the server that came with the app in its own language, not by an English label.
    expect(controller.getState().provider.embedded).toBe(true);

    controller.signIn();
    expect(await embedded.next()).toEqual({ clientId: 'kiosk-7', scope: CLIENT_DEFAULTS.scope, sentSecret: false });
  });

  it("a preset's own scope wins over the default, and a configured scope over both", async () => {
    const home = await tempDir('runtime-scope-');
    const env = { HOME: home, XDG_CONFIG_HOME: home };
    const github = await createDeviceRuntime({ config: loadConfig({ flags: { provider: 'github', 'client-id': 'gh' }, env }), ports: ports() });
    expect(github.client.scope).toBe('read:user user:email');
    const chosen = await createDeviceRuntime({
      config: loadConfig({ flags: { provider: 'github', 'client-id': 'gh', scope: 'repo' }, env }),
      ports: ports(),
    });
    expect(chosen.client.scope).toBe('repo');
  });
});
