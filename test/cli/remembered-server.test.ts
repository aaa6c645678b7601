// `status`, `token` and `logout` need no flags after a `login` (DESIGN.md, command-line contract), and
// `login` with no flags signs in again to the same server: the token store remembers the server and
// client, never a secret. Exactly as the README shows it: the real CLI as child processes, the default
// store in the config directory, against the embedded server (in this process), the phone played over
// HTTP. A confidential client shows that its secret is never written and is asked for by name.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../server/app.ts';
import { parseClients } from '../../server/clients-file.ts';
import { cleanupAfterEach, within } from '../fixtures/lifecycle.ts';
import { approve } from '../fixtures/phone.ts';
import { runCli, type CliRun } from './run-cli.ts';

const { defer, tempDir } = cleanupAfterEach();
const CLIENT_SECRET = `cs-${randomBytes(24).toString('base64url')}`;
let server: RunningServer;
let serverData: string;

beforeAll(async () => {
  serverData = await mkdtemp(join(tmpdir(), 'device-login-remembered-server-'));
  const clients = parseClients([{ client_id: 'tv-confidential', client_name: 'Confidential TV', client_secret: CLIENT_SECRET }]);
  server = await startServer({ port: 0, dataDir: serverData, interval: 1, clients });
});
afterAll(async () => {
  await server?.close();
  if (serverData) await rm(serverData, { recursive: true, force: true });
});

/** Runs one command to its end (bounded) and returns it. */
async function run(args: string[], env: Record<string, string>): Promise<CliRun & { code: number }> {
  const cli = runCli(args, env);
  defer(() => {
    if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
  });
  const code = await within(cli.exited, 30_000, () => `device-login ${args.join(' ')}; stderr: ${cli.stderr()}`);
  return Object.assign(cli, { code });
}

/** A login (with `args`) approved on the phone; resolves once it has exited. */
async function signIn(args: string[], env: Record<string, string>): Promise<CliRun & { code: number }> {
  const cli = runCli(['login', ...args, '--json'], env);
  defer(() => {
    if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
  });
  const awaiting = await cli.waitForJson((l) => l.state === 'awaiting_user');
  expect(awaiting.verificationUri).toBe(`${server.issuer}/device`);
  const page = await approve(String(awaiting.verificationUriComplete), server.demoUser!);
  expect(page.page).toBe('success');
  const code = await within(cli.exited, 30_000, () => `login to exit; stderr: ${cli.stderr()}`);
  return Object.assign(cli, { code });
}

const apiMe = (token: string) => fetch(`${server.url}/api/me`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);

describe('after a login, status, token and logout need no flags', () => {
  it('a public client, exactly as the README shows it: login with flags, then status, token, logout and login with none', async () => {
    const home = await tempDir('device-login-remembered-');
    const env = { HOME: home, XDG_CONFIG_HOME: home };
    const login = await signIn(['--issuer', server.issuer, '--client-id', server.clientId], env);
    expect(login.code, login.stderr()).toBe(0);

    const status = await run(['status'], env);
    expect(status.code, status.stderr()).toBe(0);
    expect(status.stdout()).toMatch(/^Signed in to .* as .*<demo@device-login\.local>\.\nThe access token expires in \d+ min/);
    const json = await run(['status', '--json'], env);
    expect(JSON.parse(json.stdout())).toMatchObject({ state: 'signed_in', issuer: server.issuer, clientId: server.clientId });

    const token = await run(['token'], env);
    expect(token.code, token.stderr()).toBe(0);
    expect(await apiMe(token.stdout().trim())).toBe(200);

    const logout = await run(['logout'], env);
    expect(logout.code, logout.stderr()).toBe(0);
    expect(logout.stdout()).toMatch(/revoked/);
    expect(await apiMe(token.stdout().trim())).toBe(401);

    const after = await run(['status'], env);
    expect(after.code).toBe(1);
    expect(after.stdout()).toMatch(/^Not signed in to .*\. Run device-login login to sign in\./);

    const again = await signIn([], env);
    expect(again.code, again.stderr()).toBe(0);
    expect(again.jsonLines().at(-1)).toMatchObject({ state: 'signed_in', profile: { email: 'demo@device-login.local' } });

    // Flags that name a server or client win, and pick their own (empty) entry.
    const other = await run(['status', '--issuer', server.issuer, '--client-id', 'another-client'], env);
    expect(other.code).toBe(1);
    expect(other.stdout()).toMatch(/^Not signed in to /);
  }, 90_000);

  it('a confidential client: the secret is never written to the store, and is asked for by its variable where needed', async () => {
    const home = await tempDir('device-login-remembered-conf-');
    const env = { HOME: home, XDG_CONFIG_HOME: home };
    const withSecret = { ...env, DEVICE_LOGIN_CLIENT_SECRET: CLIENT_SECRET };
    const storePath = join(home, 'device-login', 'tokens.json');
    const storeText = () => readFile(storePath, 'utf8');

    const login = await signIn(['--issuer', server.issuer, '--client-id', 'tv-confidential', '--client-secret', CLIENT_SECRET], env);
    expect(login.code, login.stderr()).toBe(0);
    expect((await storeText()).includes(CLIENT_SECRET), 'the secret is in the store').toBe(false);
    expect(await storeText()).toContain('tv-confidential');

    // Reading the store needs no secret.
    const status = await run(['status'], env);
    expect(status.code, status.stderr()).toBe(0);
    expect(status.stdout()).toMatch(/^Signed in to .* as /);

    // Talking to the token endpoint does: it is asked for by name, before any request.
    const noSecret = await run(['token'], env);
    expect(noSecret.code).toBe(2);
    expect(noSecret.stderr()).toContain('set DEVICE_LOGIN_CLIENT_SECRET');
    expect(noSecret.stdout()).toBe('');

    const token = await run(['token', '--refresh'], withSecret);
    expect(token.code, token.stderr()).toBe(0);
    expect(await apiMe(token.stdout().trim())).toBe(200);

    const logout = await run(['logout'], withSecret);
    expect(logout.code, logout.stderr()).toBe(0);
    expect(logout.stdout()).toMatch(/revoked/);

    const again = await signIn([], withSecret);
    expect(again.code, again.stderr()).toBe(0);
    expect((await storeText()).includes(CLIENT_SECRET), 'the secret is in the store').toBe(false);
    for (const cli of [login, status, noSecret, token, logout, again]) expect(`${cli.stdout()}${cli.stderr()}`).not.toContain(CLIENT_SECRET);
  }, 90_000);
});
