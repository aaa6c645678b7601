// End to end: the real CLI as a child process against a real oidc-provider, the user's side driven
// over HTTP. Each login waits for oidc-provider's first poll interval (5 s), so the group is slowish.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredSession } from '../../core/types.ts';
import { FIXTURE_ACCOUNT, startOidcFixture, type OidcFixture } from '../fixtures/oidc-provider.ts';
import { runCli } from './run-cli.ts';

let fixture: OidcFixture;
let home: string;
let env: Record<string, string>;

beforeAll(async () => {
  // An access token life under the CLI's 60 s minimum validity: `token` must refresh every time.
  fixture = await startOidcFixture({ accessTokenTtlSeconds: 50 });
  home = await mkdtemp(join(tmpdir(), 'device-login-cli-e2e-'));
  env = { HOME: home, XDG_CONFIG_HOME: home };
});
afterAll(async () => {
  await fixture?.close();
  await rm(home, { recursive: true, force: true });
});

const providerFlags = (store: string) => ['--issuer', fixture.issuer, '--client-id', fixture.clientId, '--store', store];

async function storedSessions(store: string): Promise<StoredSession[]> {
  const file = JSON.parse(await readFile(store, 'utf8')) as { sessions: Record<string, StoredSession> };
  return Object.values(file.sessions);
}

/** The session writes the pending flow just after announcing it: wait (bounded) until it is on disk. */
async function waitForPending(store: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    if ((await readFile(store, 'utf8').catch(() => '')).includes('"pending"')) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no pending flow in ${store} after 5 s`);
}

/** Every secret value the store has held: none of them may appear in the CLI's output. */
function secretsOf(sessions: StoredSession[]): string[] {
  return sessions.flatMap((s) =>
    [s.tokens?.accessToken, s.tokens?.refreshToken, s.tokens?.idToken, s.pending?.deviceCode].filter((v): v is string => Boolean(v)),
  );
}

describe('device-login login / status / token / logout against oidc-provider', () => {
  const store = () => join(home, 'main-tokens.json');
  const seenSecrets: string[] = [];
  const outputs: string[] = [];

  it('login --json writes one JSON line per state change and exits 0 once the user approves', async () => {
    const cli = runCli(['login', ...providerFlags(store()), '--json'], env);
    const awaiting = await cli.waitForJson((l) => l.state === 'awaiting_user');
    const msToCode = performance.now() - cli.startedAt;
    console.log(`login: ${Math.round(msToCode)} ms from process start to the awaiting_user line on stdout`);
    // The pending flow (with its device code) is in the store while we wait.
    await waitForPending(store());
    seenSecrets.push(...secretsOf(await storedSessions(store())));
    expect(seenSecrets.length).toBe(1);

    await fixture.approveDeviceCode(String(awaiting.userCode));
    expect(await cli.exited).toBe(0);

    const lines = cli.jsonLines();
    expect(lines.map((l) => l.state)).toEqual(['requesting', 'awaiting_user', 'signed_in']);
    expect(Object.keys(awaiting).sort()).toEqual(
      ['state', 'method', 'userCode', 'displayCode', 'verificationUri', 'verificationUriComplete', 'expiresAt', 'interval', 'network'].sort(),
    );
    expect(awaiting.method).toBe('device');
    expect(awaiting.userCode).toMatch(/^[A-Z]{4}-[A-Z]{4}$/);
    // What the TV and the phone show of this code (core/user-code.ts), for a script that shows it itself.
    expect(awaiting.displayCode).toBe(awaiting.userCode);
    expect(awaiting.verificationUri).toBe(`${fixture.issuer}/device`);
    expect(awaiting.verificationUriComplete).toBe(`${fixture.issuer}/device?user_code=${awaiting.userCode}`);
    expect(new Date(String(awaiting.expiresAt)).toISOString()).toBe(awaiting.expiresAt);
    expect(Date.parse(String(awaiting.expiresAt))).toBeGreaterThan(Date.now());
    expect(awaiting.interval).toBe(5);
    expect(awaiting.network).toBe('online');
    expect(lines[2]).toEqual({ state: 'signed_in', profile: { sub: FIXTURE_ACCOUNT.sub, name: FIXTURE_ACCOUNT.name, email: FIXTURE_ACCOUNT.email } });
    expect(cli.stderr()).toBe('');

    const sessions = await storedSessions(store());
    expect(sessions).toHaveLength(1);
    expect(sessions[0]!.pending).toBeUndefined();
    expect(sessions[0]!.tokens?.refreshToken).toBeTruthy();
    seenSecrets.push(...secretsOf(sessions));
    outputs.push(cli.stdout(), cli.stderr());
  });

  it('login again says it is already signed in and exits 0 without a new code', async () => {
    const cli = runCli(['login', ...providerFlags(store())], env);
    expect(await cli.exited).toBe(0);
    expect(cli.stderr()).toContain(`Already signed in to`);
    expect(cli.stderr()).toContain(`${FIXTURE_ACCOUNT.name} <${FIXTURE_ACCOUNT.email}>`);
    outputs.push(cli.stdout(), cli.stderr());
  });

  it('status shows who is signed in and when the token expires', async () => {
    const json = runCli(['status', ...providerFlags(store()), '--json'], env);
    expect(await json.exited).toBe(0);
    const line = JSON.parse(json.stdout());
    expect(line).toMatchObject({ state: 'signed_in', issuer: fixture.issuer, profile: { sub: 'ada', email: FIXTURE_ACCOUNT.email }, refreshable: true });
    expect(Date.parse(line.tokenExpiresAt)).toBeGreaterThan(Date.now());
    const human = runCli(['status', ...providerFlags(store())], env);
    expect(await human.exited).toBe(0);
    expect(human.stdout()).toMatch(/^Signed in to .* as Ada Lovelace <ada@example\.com>\.\nThe access token expires in \d+ min/);
    outputs.push(json.stdout(), json.stderr(), human.stdout(), human.stderr());
  });

  it('token refreshes an access token that is about to expire and prints one that works at userinfo', async () => {
    const before = (await storedSessions(store()))[0]!.tokens!;
    const cli = runCli(['token', ...providerFlags(store())], env);
    expect(await cli.exited).toBe(0);
    const printed = cli.stdout().trim();
    expect(cli.stderr()).toBe('');
    expect(printed).not.toBe(before.accessToken);
    expect(await fixture.userinfoStatus(printed)).toBe(200);
    const after = (await storedSessions(store()))[0]!.tokens!;
    expect(after.accessToken).toBe(printed);
    // Rotation: the refresh token was replaced too.
    expect(after.refreshToken).not.toBe(before.refreshToken);
    seenSecrets.push(...secretsOf(await storedSessions(store())));
  });

  it('logout revokes at the server: the old access token is rejected at userinfo afterwards', async () => {
    const tokens = (await storedSessions(store()))[0]!.tokens!;
    expect(await fixture.userinfoStatus(tokens.accessToken)).toBe(200);
    const cli = runCli(['logout', ...providerFlags(store())], env);
    expect(await cli.exited).toBe(0);
    expect(cli.stdout()).toMatch(/revoked the tokens/);
    expect(await fixture.userinfoStatus(tokens.accessToken)).toBe(401);
    expect(await storedSessions(store())).toEqual([]);
    outputs.push(cli.stdout(), cli.stderr());

    const token = runCli(['token', ...providerFlags(store())], env);
    expect(await token.exited).toBe(1);
    expect(token.stderr()).toContain('not signed in');
    const status = runCli(['status', ...providerFlags(store()), '--json'], env);
    expect(await status.exited).toBe(1);
    expect(JSON.parse(status.stdout()).state).toBe('idle');
    outputs.push(token.stdout(), token.stderr(), status.stdout(), status.stderr());
  });

  it('no token or device code ever appeared in the output of login, status or logout', () => {
    expect(seenSecrets.length).toBeGreaterThanOrEqual(4);
    const all = outputs.join('\n');
    for (const secret of seenSecrets) expect(all.includes(secret)).toBe(false);
  });
});

describe('device-login login: the other endings', () => {
  it('exits 3 with a denied line when the user denies on the other device', async () => {
    const store = join(home, 'denied.json');
    const cli = runCli(['login', ...providerFlags(store), '--json'], env);
    const awaiting = await cli.waitForJson((l) => l.state === 'awaiting_user');
    await fixture.denyDeviceCode(String(awaiting.userCode));
    expect(await cli.exited).toBe(3);
    const last = cli.jsonLines().at(-1)!;
    expect(last.state).toBe('denied');
    expect(last.code).toBe('access_denied');
    expect(typeof last.message).toBe('string');
  });

  it('Ctrl-C exits 130 and keeps the code, so that the next login resumes the same code', async () => {
    const store = join(home, 'resume.json');
    const first = runCli(['login', ...providerFlags(store), '--json'], env);
    const awaiting = await first.waitForJson((l) => l.state === 'awaiting_user');
    await waitForPending(store);
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(130);

    const second = runCli(['login', ...providerFlags(store), '--json'], env);
    const resumed = await second.waitForJson((l) => l.state === 'awaiting_user');
    expect(resumed.userCode).toBe(awaiting.userCode);
    await fixture.approveDeviceCode(String(resumed.userCode));
    expect(await second.exited).toBe(0);
    expect(second.jsonLines().at(-1)?.state).toBe('signed_in');
  });

  it('human mode prints the grouped code and the address on stderr and nothing on stdout', async () => {
    const store = join(home, 'human.json');
    const cli = runCli(['login', ...providerFlags(store)], env);
    const match = await cli.waitForStderr(/│\s+((?:[A-Z] ){4}- (?:[A-Z] ){3}[A-Z])\s+│/);
    const userCode = match[1]!.replace(/ /g, '');
    expect(cli.stderr()).toContain(`${fixture.issuer}/device`);
    await fixture.approveDeviceCode(userCode);
    expect(await cli.exited).toBe(0);
    expect(cli.stderr()).toContain(`✓ Signed in to`);
    expect(cli.stdout()).toBe('');
    const secrets = secretsOf(await storedSessions(store));
    expect(secrets.some((s) => cli.stderr().includes(s))).toBe(false);
  });
});

describe('device-login login: network trouble', () => {
  it('reports network "retrying" while the server is gone, keeps the code, and stops cleanly on Ctrl-C', async () => {
    const lonely = await startOidcFixture();
    const store = join(home, 'retrying.json');
    const cli = runCli(['login', '--issuer', lonely.issuer, '--client-id', lonely.clientId, '--store', store, '--json'], env);
    try {
      const awaiting = await cli.waitForJson((l) => l.state === 'awaiting_user');
      await lonely.close();
      const retrying = await cli.waitForJson((l) => l.state === 'awaiting_user' && l.network === 'retrying', 20_000);
      expect(retrying.userCode).toBe(awaiting.userCode);
      cli.child.kill('SIGINT');
      expect(await cli.exited).toBe(130);
      expect(cli.jsonLines().every((l) => l.state === 'requesting' || l.state === 'awaiting_user')).toBe(true);
    } finally {
      cli.child.kill('SIGKILL');
      await lonely.close().catch(() => undefined);
    }
  });
});

describe('device-login login: codes that expire', () => {
  it('renews an expired code the configured number of times, then exits 4 with an expired line', async () => {
    const shortLived = await startOidcFixture({ deviceCodeTtlSeconds: 2 });
    const store = join(home, 'expired.json');
    const cli = runCli(
      ['login', '--issuer', shortLived.issuer, '--client-id', shortLived.clientId, '--store', store, '--json'],
      { ...env, DEVICE_LOGIN_MAX_AUTO_RENEWALS: '1' },
    );
    try {
      expect(await cli.exited).toBe(4);
      const lines = cli.jsonLines();
      const codes = new Set(lines.filter((l) => l.state === 'awaiting_user').map((l) => l.userCode));
      expect(codes.size).toBe(2);
      expect(lines.at(-1)).toMatchObject({ state: 'expired', code: expect.any(String), message: expect.any(String) });
    } finally {
      cli.child.kill('SIGKILL');
      await shortLived.close();
    }
  });
});
