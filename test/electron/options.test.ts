// The Electron app's command line (electron/options.ts): its own switches, and the provider flags it
// hands to the configuration shared with the CLI (host/config.ts).
import { describe, expect, it } from 'vitest';
import { loadConfig, namesServer } from '../../host/config.ts';
import { parseShellArguments } from '../../electron/options.ts';

const noFile = { configFile: undefined, paths: { env: { XDG_CONFIG_HOME: '/nonexistent-device-login-test' } } };

describe('the Electron command line', () => {
  it('is an emulator that refuses weak token storage by default', () => {
    const args = parseShellArguments([], {});
    expect(args).toEqual({ kiosk: false, allowPlaintextTokenStorage: false, flags: {} });
  });

  it('reads --kiosk and --allow-plaintext-token-storage, ignoring switches added by Chromium and test runners', () => {
    const args = parseShellArguments(
      ['--inspect=0', '--remote-debugging-port=0', 'out/main/index.js', '--kiosk', '--no-sandbox', '--allow-plaintext-token-storage'],
      {},
    );
    expect(args.kiosk).toBe(true);
    expect(args.allowPlaintextTokenStorage).toBe(true);
    expect(args.flags).toEqual({});
  });

  it('takes the opt-in and kiosk mode from the environment too', () => {
    const args = parseShellArguments([], { DEVICE_LOGIN_ALLOW_PLAINTEXT_TOKEN_STORAGE: '1', DEVICE_LOGIN_KIOSK: 'true' });
    expect(args).toMatchObject({ kiosk: true, allowPlaintextTokenStorage: true });
    expect(parseShellArguments([], { DEVICE_LOGIN_ALLOW_PLAINTEXT_TOKEN_STORAGE: 'no' }).allowPlaintextTokenStorage).toBe(false);
  });

  it('passes the provider flags of the CLI to the shared configuration, flags over environment', () => {
    const args = parseShellArguments(['.', '--issuer', 'https://id.example.com', '--client-id=tv', '--no-long-poll'], {});
    const config = loadConfig({ flags: args.flags, env: { DEVICE_LOGIN_CLIENT_ID: 'from-env' }, ...noFile });
    expect(config.provider.issuer).toBe('https://id.example.com');
    expect(config.client.clientId).toBe('tv');
    expect(config.longPollSeconds).toBe(0);
    expect(namesServer(config)).toBe(true);
  });

  it('starts the embedded server when no provider is configured', () => {
    const config = loadConfig({ flags: parseShellArguments([], {}).flags, env: {}, ...noFile });
    expect(namesServer(config)).toBe(false);
  });

  it('lets the configuration explain a flag given without its value', () => {
    const args = parseShellArguments(['--issuer'], {});
    expect(() => loadConfig({ flags: args.flags, env: {}, ...noFile })).toThrow(/--issuer/);
  });
});
