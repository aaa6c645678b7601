// Logs are copied into bug reports, CI output and log aggregators: a token, a device code or a client
// secret in them is a credential handed to whoever reads them. So a whole flow runs at the most verbose
// level (debug) through the real processes (the server, `login --json`, `status`, `token`, `logout`),
// everything they print is kept, and the actual secret values of that flow are searched for in it:
// the device code (from the pending flow in the token store), the access, refresh and id tokens (after
// sign-in and again after a forced refresh), the client secret, and for JWTs their signature part
// alone. The only output allowed to hold a secret is the stdout of `device-login token`, whose job is
// to print the access token: it is left out of the search and used as the positive control that the
// search does find a secret where one is.
//
// The first test runs `device-login serve` with its public client `tv-demo`; the second adds a
// confidential client with `serve --clients FILE`, so that the secret travels on every request.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

import type { StoredSession } from '../../core/types.ts';
import { runCli, type CliRun } from '../cli/run-cli.ts';
import { cleanupAfterEach, within } from '../fixtures/lifecycle.ts';
import { approve } from '../fixtures/phone.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Per test: a server start, a sign-in and five more short commands. */
const TEST_BUDGET_MS = 50_000;

interface ServeReady {
  issuer: string;
  clientId: string;
  demoUser: { email: string; password: string };
}

/** A program's output: what it printed, and where. */
interface Output {
  where: string;
  text: string;
}

/** A secret value of the flow and what it is (the name goes into failure messages, never the value). */
interface Secret {
  what: string;
  value: string;
}

const { defer, tempDir } = cleanupAfterEach();

/** A started server process: its ready line, and a stop that waits and returns everything it printed. */
interface ServerProcess {
  ready: ServeReady;
  stop(): Promise<Output[]>;
}

/**
 * Starts `argv` (bin/device-login.js serve with its flags) as a child, keeps all of its
 * stdout and stderr, and resolves with its first stdout line.
 */
async function startServerProcess(
  name: string,
  argv: string[],
  env: Record<string, string>,
): Promise<ServerProcess> {
  const child = spawn(process.execPath, argv, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  defer(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const ready = await within(
    new Promise<ServeReady>((resolve, reject) => {
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
        const end = stdout.indexOf('\n');
        if (end >= 0) resolve(JSON.parse(stdout.slice(0, end)) as ServeReady);
      });
      child.once('exit', (code) =>
        reject(new Error(`${name} exited (${code}) before its ready line: ${stderr}`)),
      );
    }),
    20_000,
    () => `the ready line of ${name}; stderr: ${stderr}`,
  );
  return {
    ready,
    async stop() {
      // SIGTERM: a clean stop, so that its shutdown lines are part of what is searched.
      child.kill('SIGTERM');
      await within(exited, 10_000, () => `${name} to stop`);
      return [
        { where: `${name} stdout`, text: stdout },
        { where: `${name} stderr`, text: stderr },
      ];
    },
  };
}

/** Runs one device-login client command to its end (bounded) and returns its exit code. */
async function finish(cli: CliRun, what: string, ms = 20_000): Promise<number> {
  defer(() => {
    if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
  });
  return within(cli.exited, ms, () => `${what} to exit; stdout: ${cli.stdout()}; stderr: ${cli.stderr()}`);
}

async function storedSession(store: string): Promise<StoredSession | undefined> {
  const text = await readFile(store, 'utf8').catch(() => '');
  if (!text) return undefined;
  const file = JSON.parse(text) as { sessions: Record<string, StoredSession> };
  return Object.values(file.sessions)[0];
}

/** Waits (bounded) until the token store holds the pending flow, and returns its device code. */
async function pendingDeviceCode(store: string): Promise<string> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const code = (await storedSession(store))?.pending?.deviceCode;
    if (code) return code;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`no pending flow in ${store} after 10 s`);
}

/** The secrets of one token set, named by when they were issued; a JWT's signature part counts on its own. */
function tokenSecrets(session: StoredSession | undefined, when: string): Secret[] {
  const tokens = session?.tokens;
  const named: Array<[string, string | undefined]> = [
    [`access token (${when})`, tokens?.accessToken],
    [`refresh token (${when})`, tokens?.refreshToken],
    [`id token (${when})`, tokens?.idToken],
  ];
  const secrets: Secret[] = [];
  for (const [what, value] of named) {
    if (!value) continue;
    secrets.push({ what, value });
    const parts = value.split('.');
    if (parts.length === 3 && parts[2]!.length >= 16)
      secrets.push({ what: `${what}, signature part`, value: parts[2]! });
  }
  return secrets;
}

/** Every (secret, place) pair where a secret appears, as "<what> in <where>" (no values). */
function leaks(outputs: readonly Output[], secrets: readonly Secret[]): string[] {
  const found: string[] = [];
  for (const secret of secrets) {
    for (const output of outputs)
      if (output.text.includes(secret.value)) found.push(`${secret.what} in ${output.where}`);
  }
  return found;
}

/**
 * One whole flow at debug level: login (approved on the phone), status (JSON and human), token,
 * token --refresh, logout; then the server is stopped. Returns what was printed and the secrets seen.
 */
async function wholeFlow(options: {
  server: ServerProcess;
  home: string;
  /** The client to sign in as (default: the one in the server's ready line). */
  clientId?: string;
  /** Extra flags of login only (e.g. --client-secret). */
  loginFlags?: string[];
  /** Extra environment of every client command (e.g. DEVICE_LOGIN_CLIENT_SECRET). */
  clientEnv?: Record<string, string>;
}): Promise<{ outputs: Output[]; tokenStdouts: Output[]; secrets: Secret[] }> {
  const { server, home } = options;
  const store = join(home, 'tokens.json');
  const env = { HOME: home, XDG_CONFIG_HOME: home, DEVICE_LOGIN_LOG_LEVEL: 'debug', ...options.clientEnv };
  const flags = [
    '--issuer',
    server.ready.issuer,
    '--client-id',
    options.clientId ?? server.ready.clientId,
    '--store',
    store,
    '--log-level',
    'debug',
  ];
  const outputs: Output[] = [];
  const tokenStdouts: Output[] = [];
  const secrets: Secret[] = [];
  const keep = (name: string, cli: CliRun) =>
    outputs.push(
      { where: `${name} stdout`, text: cli.stdout() },
      { where: `${name} stderr`, text: cli.stderr() },
    );

  const login = runCli(['login', ...flags, ...(options.loginFlags ?? []), '--json', '--no-qr'], env);
  const awaiting = await login.waitForJson((l) => l.state === 'awaiting_user', 20_000);
  secrets.push({ what: 'device code', value: await pendingDeviceCode(store) });
  const page = await approve(String(awaiting.verificationUriComplete), server.ready.demoUser);
  expect(page.page).toBe('success');
  expect(await finish(login, 'login'), login.stderr()).toBe(0);
  expect(login.jsonLines().at(-1)).toMatchObject({
    state: 'signed_in',
    profile: { email: server.ready.demoUser.email },
  });
  // The level took: info lines, silent at the default level (warn), are there.
  expect(login.stderr()).toContain('[info]');
  keep('login', login);
  const signedIn = await storedSession(store);
  secrets.push(...tokenSecrets(signedIn, 'login'));

  for (const extra of [['--json'], []]) {
    const status = runCli(['status', ...flags, ...extra], env);
    expect(await finish(status, 'status'), status.stderr()).toBe(0);
    keep(`status ${extra.join(' ')}`.trim(), status);
  }

  const token = runCli(['token', ...flags], env);
  expect(await finish(token, 'token'), token.stderr()).toBe(0);
  // Compared as booleans: a failure message must not print a token either.
  expect(
    token.stdout().trim() === signedIn?.tokens?.accessToken,
    'token prints the stored access token',
  ).toBe(true);
  tokenStdouts.push({ where: 'token stdout', text: token.stdout() });
  outputs.push({ where: 'token stderr', text: token.stderr() });

  const refresh = runCli(['token', '--refresh', ...flags], env);
  expect(await finish(refresh, 'token --refresh'), refresh.stderr()).toBe(0);
  const refreshed = await storedSession(store);
  expect(refreshed?.tokens?.accessToken !== signedIn?.tokens?.accessToken, 'a new access token').toBe(true);
  expect(refreshed?.tokens?.refreshToken !== signedIn?.tokens?.refreshToken, 'a rotated refresh token').toBe(
    true,
  );
  expect(
    refresh.stdout().trim() === refreshed?.tokens?.accessToken,
    'token --refresh prints the new access token',
  ).toBe(true);
  secrets.push(...tokenSecrets(refreshed, 'refresh'));
  tokenStdouts.push({ where: 'token --refresh stdout', text: refresh.stdout() });
  outputs.push({ where: 'token --refresh stderr', text: refresh.stderr() });

  const logout = runCli(['logout', ...flags], env);
  expect(await finish(logout, 'logout'), logout.stderr()).toBe(0);
  expect(logout.stdout()).toMatch(/revoked/);
  keep('logout', logout);

  outputs.push(...(await server.stop()));
  return { outputs, tokenStdouts, secrets };
}

/** What both flows must show: the secrets were all seen, none is in a log, and the search does work. */
function expectNoLeaks(
  flow: { outputs: Output[]; tokenStdouts: Output[]; secrets: Secret[] },
  expected: string[],
): void {
  const { outputs, tokenStdouts, secrets } = flow;
  expect(secrets.map((s) => s.what)).toEqual(expect.arrayContaining(expected));
  // Every secret is a real, distinct value (an empty or repeated one would make the search vacuous).
  expect(secrets.every((s) => s.value.length >= 16)).toBe(true);
  expect(new Set(secrets.map((s) => s.value)).size).toBe(secrets.length);
  expect(outputs.map((o) => o.text).join('').length).toBeGreaterThan(0);

  expect(leaks(outputs, secrets)).toEqual([]);

  // Positive control: the same search finds the access tokens where they are printed on purpose.
  expect(leaks(tokenStdouts, secrets)).toEqual([
    'access token (login) in token stdout',
    'access token (refresh) in token --refresh stdout',
  ]);
}

describe('no secret in the logs of a whole flow at debug level', () => {
  it(
    "device-login serve, login, status, token and logout print no token or device code outside token's stdout",
    async () => {
      const data = await tempDir('device-login-nosecrets-server-');
      const home = await tempDir('device-login-nosecrets-device-');
      const server = await startServerProcess(
        'serve',
        ['bin/device-login.js', 'serve', '--port', '0', '--data', data, '--interval', '1'],
        { HOME: home, DEVICE_LOGIN_LOG_LEVEL: 'debug' },
      );
      const flow = await wholeFlow({ server, home });
      expectNoLeaks(flow, [
        'device code',
        'access token (login)',
        'refresh token (login)',
        'id token (login)',
        'id token (login), signature part',
        'access token (refresh)',
        'refresh token (refresh)',
      ]);
      expect(flow.outputs.find((o) => o.where === 'serve stderr')?.text).toContain('server ready');
    },
    TEST_BUDGET_MS,
  );

  it(
    'with a confidential client, the client secret (given as a flag and in the environment) is in no log either',
    async () => {
      const data = await tempDir('device-login-nosecrets-conf-server-');
      const home = await tempDir('device-login-nosecrets-conf-device-');
      const clientSecret = `cs-${randomBytes(24).toString('base64url')}`;
      // The secret is in a 0600 file, as `serve --help` asks; never on serve's command line.
      const clientsFile = join(data, 'clients.json');
      await writeFile(
        clientsFile,
        JSON.stringify([{ client_id: 'tv-confidential', client_name: 'Confidential TV', client_secret: clientSecret }]),
        { mode: 0o600 },
      );
      const server = await startServerProcess(
        'confidential server',
        ['bin/device-login.js', 'serve', '--port', '0', '--data', data, '--interval', '1', '--clients', clientsFile],
        { HOME: home, DEVICE_LOGIN_LOG_LEVEL: 'debug' },
      );
      // login gets it as a flag (as someone would type it), the other commands from the environment.
      const flow = await wholeFlow({
        server,
        home,
        clientId: 'tv-confidential',
        loginFlags: ['--client-secret', clientSecret],
        clientEnv: { DEVICE_LOGIN_CLIENT_SECRET: clientSecret },
      });
      flow.secrets.push({ what: 'client secret', value: clientSecret });
      expectNoLeaks(flow, [
        'client secret',
        'device code',
        'access token (login)',
        'refresh token (login)',
        'id token (login)',
        'access token (refresh)',
      ]);
    },
    TEST_BUDGET_MS,
  );
});
