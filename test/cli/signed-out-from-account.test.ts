// `status` and `token` after the device was signed out from the account page: the real CLI as child
// processes, signed in through the device flow against the embedded server (in this process), the
// phone and the account website played over HTTP (test/fixtures/account-page.ts: DELETE
// /api/devices/{id}). status asks the server (userinfo, one refresh on 401) and says why the sign-in
// ended; token says the same when its refresh is refused. The same stored sign-in is put back before
// each command, since each forgets it.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../server/app.ts';
import { signInToAccountPage } from '../fixtures/account-page.ts';
import { cleanupAfterEach, within } from '../fixtures/lifecycle.ts';
import { approve } from '../fixtures/phone.ts';
import { runCli, type CliRun } from './run-cli.ts';

const { defer, tempDir } = cleanupAfterEach();
let server: RunningServer;
let serverData: string;
const SENTENCE = 'Signed out: this device was signed out from the account page. Sign in again: device-login login';

beforeAll(async () => {
  serverData = await mkdtemp(join(tmpdir(), 'device-login-signed-out-cli-'));
  server = await startServer({ port: 0, host: '127.0.0.1', dataDir: serverData, interval: 1 });
});
afterAll(async () => {
  await server?.close();
  if (serverData) await rm(serverData, { recursive: true, force: true });
});

/** Runs one command to its end (bounded). */
async function run(args: string[], env: Record<string, string>): Promise<CliRun & { code: number }> {
  const cli = runCli(args, env);
  defer(() => {
    if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
  });
  const code = await within(cli.exited, 30_000, () => `device-login ${args.join(' ')}; stderr: ${cli.stderr()}`);
  return Object.assign(cli, { code });
}

describe('status and token after the device was signed out from the account page', () => {
  it('status (human and --json), token and token --refresh say so, exit 1, and forget the sign-in; token --no-check does not ask', async () => {
    const home = await tempDir('device-login-signed-out-');
    const env = { HOME: home, XDG_CONFIG_HOME: home };
    const storePath = join(home, 'device-login', 'tokens.json');

    const login = runCli(['login', '--issuer', server.issuer, '--client-id', server.clientId, '--json'], env);
    defer(() => {
      if (login.child.exitCode === null) login.child.kill('SIGKILL');
    });
    const awaiting = await login.waitForJson((l) => l.state === 'awaiting_user');
    expect((await approve(String(awaiting.verificationUriComplete), server.demoUser!)).page).toBe('success');
    expect(await within(login.exited, 30_000, () => `login; stderr: ${login.stderr()}`)).toBe(0);

    // Signed in, and the server says so.
    const before = await run(['status', '--json'], env);
    expect(before.code, before.stderr()).toBe(0);
    expect(JSON.parse(before.stdout())).toMatchObject({ state: 'signed_in', checked: true });

    const account = await signInToAccountPage(server, server.demoUser!);
    expect(await account.signOut(server.clientId)).toBe(204);
    const signedIn = await readFile(storePath, 'utf8');

    const json = await run(['status', '--json'], env);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout())).toEqual({
      state: 'idle',
      provider: expect.any(String),
      issuer: server.issuer,
      clientId: server.clientId,
      notice: 'signed_out_from_account',
    });

    await writeFile(storePath, signedIn);
    const human = await run(['status'], env);
    expect(human.code).toBe(1);
    expect(human.stdout()).toBe(`${SENTENCE}\n`);

    await writeFile(storePath, signedIn);
    const token = await run(['token', '--refresh'], env);
    expect(token.code).toBe(1);
    expect(token.stdout()).toBe('');
    expect(token.stderr()).toBe(`device-login: ${SENTENCE}\n`);

    // --no-check asks nothing: it prints the stored (dead) token, as a script that chose so expects.
    await writeFile(storePath, signedIn);
    const unchecked = await run(['token', '--no-check'], env);
    expect(unchecked.code).toBe(0);
    expect(unchecked.stdout().trim()).toMatch(/^\S{20,}$/);

    // Plain token: the access token has most of its hour left, but the check hears the refusal first.
    const plain = await run(['token'], env);
    expect(plain.code).toBe(1);
    expect(plain.stdout()).toBe('');
    expect(plain.stderr()).toBe(`device-login: ${SENTENCE}\n`);

    // Forgotten: the next status has nothing to ask about.
    const after = await run(['status'], env);
    expect(after.code).toBe(1);
    expect(after.stdout()).toMatch(/^Not signed in to .*\. Run device-login login to sign in\./);

    // Neither token of the sign-in was ever shown.
    const sessions = Object.values((JSON.parse(signedIn) as { sessions: Record<string, { tokens: { accessToken: string; refreshToken: string } }> }).sessions);
    expect(sessions).toHaveLength(1);
    const { accessToken, refreshToken } = sessions[0]!.tokens;
    for (const cli of [before, json, human, token, plain, after]) {
      expect(`${cli.stdout()}${cli.stderr()}`).not.toContain(accessToken);
      expect(`${cli.stdout()}${cli.stderr()}`).not.toContain(refreshToken);
    }
  }, 90_000);
});
