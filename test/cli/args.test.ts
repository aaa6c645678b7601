import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandHelp, type CommandName } from '../../cli/args.ts';
import { CLIENT_DEFAULTS } from '../../core/defaults.ts';
import { resolveEndpoints } from '../../core/providers.ts';
import { createAxiosHttpClient } from '../../host/http.ts';
import { runCli } from './run-cli.ts';

let home: string;
let env: Record<string, string>;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'device-login-cli-args-'));
  env = { HOME: home, XDG_CONFIG_HOME: home };
});
afterAll(() => rm(home, { recursive: true, force: true }));

async function run(args: string[], extraEnv: Record<string, string> = {}) {
  const cli = runCli(args, { ...env, ...extraEnv });
  const code = await cli.exited;
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
}

describe('device-login command line: usage and configuration errors', () => {
  it('an unknown flag exits 2 with one readable line', async () => {
    const r = await run(['login', '--frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('device-login: unknown option --frobnicate for device-login login (see device-login login --help)\n');
    expect(r.stdout).toBe('');
  });

  it('a flag without its value exits 2 and names the flag', async () => {
    const r = await run(['status', '--issuer']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual(['device-login: option --issuer needs a value (URL) (see device-login status --help)']);
  });

  it('the --browser flags exit 2 when malformed or given without --browser', async () => {
    const cases: Array<[string[], string]> = [
      [['--no-open'], 'device-login: --no-open goes with --browser (see device-login login --help)\n'],
      [['--timeout', '5'], 'device-login: --timeout goes with --browser (see device-login login --help)\n'],
      [['--browser', '--redirect-port', '70000'], 'device-login: --redirect-port must be a port number from 1 to 65535 (got "70000")\n'],
      [['--browser', '--timeout', '0'], 'device-login: --timeout must be a whole number of seconds, at least 1 (got "0")\n'],
    ];
    for (const [flags, stderr] of cases) {
      const r = await run(['login', '--issuer', 'http://127.0.0.1:9', '--client-id', 'x', ...flags]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(stderr);
    }
  });

  it('login --help names the --browser flags with the default timeout from CLIENT_DEFAULTS', () => {
    const help = commandHelp('login');
    expect(help).toContain(`--timeout S`);
    expect(help).toContain(`(default ${CLIENT_DEFAULTS.browserSignInTimeoutSeconds})`);
    expect(help).toMatch(/--redirect-port N/);
    expect(help).toMatch(/--no-open/);
  });

  it('a malformed issuer exits 2 and says what was wrong', async () => {
    const r = await run(['login', '--issuer', 'foo', '--client-id', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("device-login: --issuer must be an absolute http(s) URL (got 'foo').\n");
  });

  it('an unknown provider from the environment exits 2 and lists the valid ones', async () => {
    const r = await run(['token'], { DEVICE_LOGIN_PROVIDER: 'gitlab' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('DEVICE_LOGIN_PROVIDER must be one of generic, github, google');
  });

  it('login without any server configured exits 2 and says how to configure one', async () => {
    const r = await run(['login', '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('No authorization server configured');
    expect(JSON.parse(r.stdout.trim())).toMatchObject({ state: 'error', code: 'configuration' });
  });

  it('an unknown command exits 2', async () => {
    const r = await run(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("device-login: unknown command 'frobnicate' (see device-login --help)\n");
  });

  it('login --help lists every flag of the contract and steers secrets to the environment', async () => {
    const r = await run(['login', '--help']);
    expect(r.code).toBe(0);
    for (const flag of ['--issuer', '--provider', '--client-id', '--client-secret', '--scope', '--audience', '--json', '--no-qr',
      '--device-authorization-endpoint', '--token-endpoint', '--userinfo-endpoint', '--revocation-endpoint', '--store']) {
      expect(r.stdout).toContain(flag);
    }
    // Help is wrapped to 80 columns: a phrase may span lines.
    expect(r.stdout.replace(/\s+/g, ' ')).toContain('prefer DEVICE_LOGIN_CLIENT_SECRET');
    expect(r.stdout.split('\n').filter((line) => line.length > 80)).toEqual([]);
  });
});

/** The help entry of `flag` in `device-login <command> --help`: its line and the wrapped ones under it, as one line. */
function helpLine(command: CommandName, flag: string): string {
  const lines = commandHelp(command).split('\n');
  const at = lines.findIndex((l) => l.trimStart().startsWith(`${flag} `) || l.trim() === flag);
  expect(at, `${flag} in ${command} --help`).toBeGreaterThanOrEqual(0);
  const entry = [lines[at]!];
  for (const next of lines.slice(at + 1)) {
    if (!/^ {20,}\S/.test(next)) break;
    entry.push(next.trim());
  }
  return entry.join(' ');
}

describe('device-login --help: the defaults it names are the ones the client uses (CLIENT_DEFAULTS)', () => {
  it.each([
    ['login', '--scope', `"${CLIENT_DEFAULTS.scope}"`],
    ['web', '--scope', `"${CLIENT_DEFAULTS.scope}"`],
    ['login', '--long-poll-seconds', `default ${CLIENT_DEFAULTS.longPollSeconds}`],
    ['web', '--long-poll-seconds', `default ${CLIENT_DEFAULTS.longPollSeconds}`],
    ['login', '--max-auto-renewals', `default ${CLIENT_DEFAULTS.maxAutoRenewals}`],
    ['login', '--tenant', `default: ${CLIENT_DEFAULTS.microsoftTenant}`],
    ['status', '--log-level', `${CLIENT_DEFAULTS.logLevel} (default)`],
    ['web', '--port', `default ${CLIENT_DEFAULTS.browserHost.port}`],
    ['web', '--host', `default ${CLIENT_DEFAULTS.browserHost.host}`],
  ] as const)('%s %s names %s', (command, flag, stated) => {
    expect(helpLine(command, flag)).toContain(stated);
  });

  it('the tenant the help names is the one a Microsoft sign-in goes to', async () => {
    const stated = /\(default: ([^)]+)\)/.exec(helpLine('login', '--tenant'))?.[1];
    const microsoft = await resolveEndpoints({ provider: 'microsoft' }, createAxiosHttpClient());
    expect(microsoft.endpoints.deviceAuthorizationEndpoint).toBe(`https://login.microsoftonline.com/${stated}/oauth2/v2.0/devicecode`);
  });
});
