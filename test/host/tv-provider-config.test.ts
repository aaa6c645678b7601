// The TV providers' settings (issue 16) through host/config.ts and host/runtime.ts, the one composition
// of the CLI, `web` and Electron: --client-token, --region, --start-url and their errors, what a login
// remembers, and the TV (a DeviceController) signing in under a preset against a loopback fixture.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeviceLoginError } from '../../core/errors.ts';
import type { Logger } from '../../core/ports.ts';
import { parseShellArguments } from '../../electron/options.ts';
import { systemClock } from '../../host/clock.ts';
import { assertClientConfigured, loadConfig, rememberedSignIn, withRememberedSignIn, type DeviceLoginConfig } from '../../host/config.ts';
import { createAxiosHttpClient } from '../../host/http.ts';
import { createDeviceRuntime } from '../../host/runtime.ts';
import { checkSignIn, sessionCheckHeaders, sessionCheckUrl } from '../../host/session-check.ts';
import { memoryStore } from '../fixtures/memory-store.ts';
import { startAwsSsoFixture } from '../fixtures/provider-dialects/aws-sso.ts';
import { startFacebookFixture } from '../fixtures/provider-dialects/facebook.ts';
import { startTwitchFixture } from '../fixtures/provider-dialects/twitch.ts';
import { viewWhere } from '../fixtures/views.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'device-login-tv-providers-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** A clean environment whose config directory is the temp dir, so the real home is never read. */
const env = (extra: Record<string, string> = {}) => ({ XDG_CONFIG_HOME: dir, HOME: dir, ...extra });
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const ports = () => ({ http: createAxiosHttpClient(), clock: systemClock, store: memoryStore(), logger: quiet });

function errorOf(fn: () => unknown): DeviceLoginError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DeviceLoginError) return err;
    throw err;
  }
  throw new Error('expected a DeviceLoginError');
}

async function rejectionOf(promise: Promise<unknown>): Promise<DeviceLoginError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof DeviceLoginError) return err;
    throw err;
  }
  throw new Error('expected a DeviceLoginError');
}

describe('the TV providers\' settings', () => {
  it('reads --client-token, --region and --start-url, and the client token from DEVICE_LOGIN_CLIENT_TOKEN', () => {
    const config = loadConfig({
      env: env({ DEVICE_LOGIN_CLIENT_TOKEN: 'env-client-token' }),
      flags: { provider: 'aws-sso', region: 'eu-west-3', 'start-url': 'https://d-1.awsapps.com/start' },
    });
    expect(config.provider).toEqual({ provider: 'aws-sso', region: 'eu-west-3', startUrl: 'https://d-1.awsapps.com/start' });
    expect(config.client.clientToken).toBe('env-client-token');
    expect(loadConfig({ env: env({ DEVICE_LOGIN_CLIENT_TOKEN: 'e' }), flags: { 'client-token': 'flag-token' } }).client.clientToken).toBe('flag-token');
  });

  it('a malformed --region is a configuration error that shows it', () => {
    const err = errorOf(() => loadConfig({ env: env(), flags: { provider: 'aws-sso', region: 'us east' } }));
    expect(err.code).toBe('configuration');
    expect(err.message).toBe("--region must be an AWS region such as us-east-1 (got 'us east').");
  });

  it('a malformed --start-url is a configuration error', () => {
    const err = errorOf(() => loadConfig({ env: env(), flags: { 'start-url': 'd-1.awsapps.com' } }));
    expect(err.message).toBe("--start-url must be an absolute http(s) URL (got 'd-1.awsapps.com').");
  });

  it('an empty client token is refused without showing it', () => {
    const err = errorOf(() => loadConfig({ env: env(), flags: { 'client-token': '   ' } }));
    expect(err.message).toBe('--client-token must not be empty.');
  });

  it('aws-sso needs no --client-id but a --start-url, and says what that is', () => {
    const withStart = loadConfig({ env: env(), flags: { provider: 'aws-sso', region: 'us-east-1', 'start-url': 'https://d-1.awsapps.com/start' } });
    expect(() => assertClientConfigured(withStart)).not.toThrow();
    const err = errorOf(() => assertClientConfigured(loadConfig({ env: env(), flags: { provider: 'aws-sso', region: 'us-east-1' } })));
    expect(err.code).toBe('configuration');
    expect(err.message).toMatch(/^--provider aws-sso needs --start-url URL, the AWS access portal URL/);
  });

  it('facebook without an app id asks for it by that name', () => {
    const err = errorOf(() => assertClientConfigured(loadConfig({ env: env(), flags: { provider: 'facebook' } })));
    expect(err.message).toMatch(/^No app id configured: give --client-id APP_ID/);
  });

  it('a login remembers the region and start URL, never the client token, and status finds it again', () => {
    const config = loadConfig({
      env: env(),
      flags: { provider: 'aws-sso', region: 'us-east-1', 'start-url': 'https://d-1.awsapps.com/start', 'client-token': 'never-kept' },
    });
    const remembered = rememberedSignIn(config, 1000, 'https://d-1.awsapps.com/start');
    expect(JSON.stringify(remembered)).not.toContain('never-kept');
    const later = withRememberedSignIn(loadConfig({ env: env() }), { key: JSON.parse(JSON.stringify(remembered)) as unknown });
    expect(later.config.provider).toEqual({ provider: 'aws-sso', region: 'us-east-1', startUrl: 'https://d-1.awsapps.com/start' });
    expect(later.config.client.clientId).toBe('https://d-1.awsapps.com/start');
  });

  it('Electron takes the same flags from its command line', () => {
    const args = parseShellArguments(['--provider', 'aws-sso', '--region', 'us-east-2', '--start-url', 'https://d-2.awsapps.com/start', '--client-token', 't'], {});
    expect(args.flags).toMatchObject({ provider: 'aws-sso', region: 'us-east-2', 'start-url': 'https://d-2.awsapps.com/start', 'client-token': 't' });
  });
});

describe('the runtime under the TV providers\' presets', () => {
  it('facebook without a client token is a configuration error where codes are asked for, not for status', async () => {
    const config = loadConfig({ env: env(), flags: { provider: 'facebook', 'client-id': '1234', 'base-url': 'http://127.0.0.1:9' } });
    const err = await rejectionOf(createDeviceRuntime({ config, ports: ports(), command: 'device-login login' }));
    expect(err.code).toBe('configuration');
    expect(err.message).toBe(
      "Facebook needs the app's client token to show a code, which device-login never stores: set DEVICE_LOGIN_CLIENT_TOKEN (or give --client-token).",
    );
    const status = await createDeviceRuntime({ config, ports: ports(), command: 'device-login status', signsIn: false });
    expect(status.client.clientId).toBe('1234');
  });

  it('the TV signs in with Facebook\'s preset on --base-url: code, approval, profile from /me', async () => {
    const fixture = await startFacebookFixture();
    try {
      const config: DeviceLoginConfig = loadConfig({
        env: env({ DEVICE_LOGIN_CLIENT_TOKEN: fixture.clientToken }),
        flags: { provider: 'facebook', 'client-id': fixture.appId, 'base-url': fixture.baseUrl },
      });
      const runtime = await createDeviceRuntime({ config, ports: ports(), command: 'device-login TV' });
      expect(runtime.client.scope).toBe('public_profile');
      const controller = await runtime.openController();
      try {
        controller.signIn();
        await viewWhere(controller, (view) => view.state === 'awaiting_user');
        fixture.approve();
        const view = await viewWhere(controller, (v) => v.state === 'signed_in');
        expect(JSON.stringify(view)).toContain('Katherine Johnson');
        expect(fixture.violations).toEqual([]);
      } finally {
        await controller.close();
      }
    } finally {
      await fixture.close();
    }
  });

  it('the TV signs in with the aws-sso preset, registering its client once into the store it shares', async () => {
    const fixture = await startAwsSsoFixture();
    try {
      const config = loadConfig({ env: env(), flags: { provider: 'aws-sso', 'start-url': fixture.startUrl, 'base-url': fixture.baseUrl } });
      const shared = ports();
      const runtime = await createDeviceRuntime({ config, ports: shared, command: 'device-login TV' });
      expect(runtime.client.clientId).toBe(fixture.startUrl);
      for (let round = 0; round < 2; round++) {
        const controller = await runtime.openController();
        try {
          if (round === 1) await controller.signOut();
          controller.signIn();
          await viewWhere(controller, (view) => view.state === 'awaiting_user');
          fixture.approve();
          await viewWhere(controller, (v) => v.state === 'signed_in');
        } finally {
          await controller.close();
        }
      }
      expect(fixture.registrations).toHaveLength(1);
      expect(fixture.violations).toEqual([]);
    } finally {
      await fixture.close();
    }
  });
});

describe('the sign-in check (status, the TV) under a preset', () => {
  it('asks Helix with the Client-Id header, so a good Twitch token is not taken for a refused one', async () => {
    const fixture = await startTwitchFixture();
    try {
      const config = loadConfig({ env: env(), flags: { provider: 'twitch', 'client-id': fixture.clientId, 'base-url': fixture.baseUrl } });
      const runtime = await createDeviceRuntime({ config, ports: ports(), command: 'device-login login' });
      const session = runtime.openSession();
      try {
        session.signIn();
        await new Promise<void>((resolve) => {
          const off = session.subscribe((snap) => {
            if (snap.state === 'awaiting_user') {
              off();
              resolve();
            }
          });
        });
        fixture.approve();
        expect((await session.settled()).state).toBe('signed_in');
        const { endpoints } = runtime.provider;
        const result = await checkSignIn(session, runtime.ports.http, sessionCheckUrl(endpoints), {
          headers: sessionCheckHeaders(endpoints, runtime.client),
        });
        expect(result.outcome).toBe('holds');
        // The check needed no refresh: Helix accepted the token with the header.
        expect(fixture.count('refresh')).toBe(0);
        expect(fixture.violations).toEqual([]);
      } finally {
        await session.close();
      }
    } finally {
      await fixture.close();
    }
  });
});
