// A confidential client without its secret is told so in one sentence, whichever host finds it
// missing: `login` and `web` as people run them (the real bin), and the TV's runtime (host/runtime.ts,
// as electron/main.ts calls it). Google's preset needs a secret and resolves without the network.
import { describe, expect, it } from 'vitest';
import { DeviceLoginError } from '../../core/errors.ts';
import { systemClock } from '../../host/clock.ts';
import { loadConfig } from '../../host/config.ts';
import { createAxiosHttpClient } from '../../host/http.ts';
import { createDeviceRuntime } from '../../host/runtime.ts';
import { cleanupAfterEach } from '../fixtures/lifecycle.ts';
import { memoryStore } from '../fixtures/memory-store.ts';
import { runCli } from './run-cli.ts';

const { defer, tempDir } = cleanupAfterEach();
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/** The one line a command writes to stderr before it exits 2. */
async function refusal(args: string[]): Promise<string> {
  const home = await tempDir('device-login-secret-');
  const cli = runCli([...args, '--store', `${home}/tokens.json`], { HOME: home, XDG_CONFIG_HOME: home });
  defer(async () => {
    if (cli.child.exitCode === null) cli.child.kill('SIGTERM');
    await cli.exited;
  });
  expect(await cli.exited, cli.stderr()).toBe(2);
  return cli.stderr().trim();
}

describe('a client secret that is needed and missing', () => {
  it('login, web and the TV say it in the same sentence', async () => {
    const fromLogin = await refusal(['login', '--provider', 'google', '--client-id', 'tv']);
    const fromWeb = await refusal(['web', '--provider', 'google', '--client-id', 'tv', '--port', '0']);

    const home = await tempDir('device-login-secret-tv-');
    const env = { HOME: home, XDG_CONFIG_HOME: home };
    const ports = { http: createAxiosHttpClient(), clock: systemClock, store: memoryStore(), logger: quiet };
    const fromTv = await createDeviceRuntime({
      config: loadConfig({ flags: { provider: 'google', 'client-id': 'tv' }, env }),
      ports,
      command: 'device-login TV',
    }).then(
      () => undefined,
      (err: unknown) => err,
    );

    expect(fromTv).toBeInstanceOf(DeviceLoginError);
    expect((fromTv as DeviceLoginError).code).toBe('configuration');
    const sentence = (fromTv as DeviceLoginError).message;
    expect(sentence).toMatch(/^Google needs a client secret\b.*DEVICE_LOGIN_CLIENT_SECRET/);
    expect(fromLogin).toBe(`device-login: ${sentence}`);
    expect(fromWeb).toBe(`device-login: ${sentence}`);
  }, 60_000);
});
