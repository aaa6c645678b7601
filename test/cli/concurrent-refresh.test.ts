// Two refreshes at once must not sign the device out (issue 13, finding 2). The embedded server
// rotates refresh tokens and, as it should, revokes the whole grant when a retired one is presented;
// so programs that share a token store must take turns to refresh. Several real `device-login token
// --refresh` processes start together on one store after a real login approved on the phone pages.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../server/app.ts';
import { cleanupAfterEach, within } from '../fixtures/lifecycle.ts';
import { approve } from '../fixtures/phone.ts';
import { runCli, type CliRun } from './run-cli.ts';

const { defer, tempDir } = cleanupAfterEach();
const PROCESSES = 4;
let server: RunningServer;
let serverData: string;

beforeAll(async () => {
  serverData = await mkdtemp(join(tmpdir(), 'device-login-concurrent-refresh-'));
  server = await startServer({ port: 0, dataDir: serverData, interval: 1 });
});
afterAll(async () => {
  await server?.close();
  if (serverData) await rm(serverData, { recursive: true, force: true });
});

function started(args: string[], env: Record<string, string>): CliRun {
  const cli = runCli(args, env);
  defer(() => {
    if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
  });
  return cli;
}

async function finished(cli: CliRun, what: string): Promise<number> {
  return within(cli.exited, 60_000, () => `${what}; stderr: ${cli.stderr()}`);
}

const apiMe = (token: string) => fetch(`${server.url}/api/me`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);

describe('programs sharing a token store', () => {
  it(`${PROCESSES} token --refresh processes at once all get a working token, and the sign-in survives`, async () => {
    const home = await tempDir('device-login-concurrent-');
    const env = { HOME: home, XDG_CONFIG_HOME: home };
    const login = started(['login', '--issuer', server.issuer, '--client-id', server.clientId, '--json'], env);
    const awaiting = await login.waitForJson((l) => l.state === 'awaiting_user');
    expect((await approve(String(awaiting.verificationUriComplete), server.demoUser!)).page).toBe('success');
    expect(await finished(login, 'login'), login.stderr()).toBe(0);

    const runs = Array.from({ length: PROCESSES }, () => started(['token', '--refresh'], env));
    const codes = await Promise.all(runs.map((run, i) => finished(run, `token #${i}`)));
    expect(codes, runs.map((r) => r.stderr()).join('\n')).toEqual(Array(PROCESSES).fill(0));
    const tokens = runs.map((run) => run.stdout().trim());
    for (const token of new Set(tokens)) expect(await apiMe(token)).toBe(200);

    // The grant is still alive: one more refresh, and status, work.
    const after = started(['token', '--refresh'], env);
    expect(await finished(after, 'token after'), after.stderr()).toBe(0);
    expect(await apiMe(after.stdout().trim())).toBe(200);
    const status = started(['status', '--json'], env);
    expect(await finished(status, 'status')).toBe(0);
    expect(JSON.parse(status.stdout())).toMatchObject({ state: 'signed_in' });
  }, 120_000);
});
