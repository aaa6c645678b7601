// Issue 16: the TV providers' device sign-ins that are not RFC 8628 on the wire, end to end. The real
// CLI runs in real processes with `--provider X --base-url <fixture>` against one fixture server per
// provider (test/fixtures/provider-dialects/), which speaks exactly that provider's dialect, refuses
// anything else, and records early or overlapping polls. Every test asserts the fixture saw no
// violation; the first group shows that the fixtures do catch a client that breaks the rules, so that
// those assertions mean something. Sign-ins use an interval of 1 s except the one that shows Amazon's
// 30 s is honoured; the sequences of several commands get 90 s, for a loaded machine.
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { cleanupAfterEach, within } from '../fixtures/lifecycle.ts';
import { startAmazonFixture, type AmazonFixture } from '../fixtures/provider-dialects/amazon.ts';
import { startAwsSsoFixture, type AwsSsoFixture } from '../fixtures/provider-dialects/aws-sso.ts';
import type { DialectFixture } from '../fixtures/provider-dialects/core.ts';
import { startFacebookFixture, type FacebookFixture } from '../fixtures/provider-dialects/facebook.ts';
import { startSalesforceFixture, type SalesforceFixture } from '../fixtures/provider-dialects/salesforce.ts';
import { startTwitchFixture, type TwitchFixture } from '../fixtures/provider-dialects/twitch.ts';
import { runCli, type CliRun } from './run-cli.ts';

const { defer, tempDir } = cleanupAfterEach();

/** A fixture closed after the test. */
async function started<F extends DialectFixture>(fixture: Promise<F>): Promise<F> {
  const f = await fixture;
  defer(() => f.close());
  return f;
}

/** A fresh config directory and store for one test. */
async function place(): Promise<{ env: Record<string, string>; store: string }> {
  const home = await tempDir('device-login-dialects-');
  return { env: { HOME: home, XDG_CONFIG_HOME: home }, store: join(home, 'tokens.json') };
}

type Run = CliRun & { code: number };

/** Runs one command to its end (bounded). */
async function run(args: string[], env: Record<string, string>, timeoutMs = 30_000): Promise<Run> {
  const cli = runCli(args, env);
  defer(() => {
    if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
  });
  const code = await within(cli.exited, timeoutMs, () => `device-login ${args.join(' ')}; stderr: ${cli.stderr()}`);
  return Object.assign(cli, { code });
}

/**
 * `login … --json`; once the awaiting_user line is out, `onCode` plays the user's side at the fixture.
 * Resolves with the run and that line once the CLI has exited.
 */
async function login(
  args: string[],
  env: Record<string, string>,
  onCode: (awaiting: Record<string, unknown>) => void,
  timeoutMs = 30_000,
): Promise<Run & { awaiting: Record<string, unknown> }> {
  const cli = runCli(['login', ...args, '--json'], env);
  defer(() => {
    if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
  });
  const awaiting = await cli.waitForJson((l) => l.state === 'awaiting_user', timeoutMs);
  onCode(awaiting);
  const code = await within(cli.exited, timeoutMs, () => `login to exit; stdout: ${cli.stdout()}; stderr: ${cli.stderr()}`);
  return Object.assign(cli, { code, awaiting });
}

/** No secret the fixture handed out appears in any of `outputs`. */
function expectNoSecretIn(fixture: DialectFixture, outputs: string[]): void {
  const all = outputs.join('\n');
  const shown = fixture.secrets().filter((s) => all.includes(s));
  expect(shown, 'secrets shown in the output').toEqual([]);
}

/** What every awaiting_user line of the device flow carries, checked against the fixture's latest code. */
function expectAwaiting(
  awaiting: Record<string, unknown>,
  fixture: DialectFixture,
  want: { verificationUri: string; interval: number; expiresIn?: number },
): void {
  expect(awaiting.method).toBe('device');
  expect(awaiting.userCode).toBe(fixture.userCodes().at(-1));
  expect(awaiting.verificationUri).toBe(want.verificationUri);
  expect(awaiting.interval).toBe(want.interval);
  const expiresAt = Date.parse(String(awaiting.expiresAt));
  expect(new Date(expiresAt).toISOString()).toBe(awaiting.expiresAt);
  expect(expiresAt).toBeGreaterThan(Date.now());
  if (want.expiresIn !== undefined) expect(Math.abs(expiresAt - (Date.now() + want.expiresIn * 1000))).toBeLessThan(15_000);
  if (awaiting.verificationUriComplete !== undefined) expect(String(awaiting.verificationUriComplete)).toContain(String(awaiting.userCode));
}

// ---------------------------------------------------------------------------------------------------

describe('the dialect fixtures catch a client that breaks the rules', () => {
  const post = (url: string, body: string, type: string, headers: Record<string, string> = {}) =>
    fetch(url, { method: 'POST', headers: { 'content-type': type, ...headers }, body });
  const form = 'application/x-www-form-urlencoded';
  /** The fields of the fixtures' answers these tests read. */
  interface Answer {
    device_code: string;
    user_code: string;
    code: string;
    expires_in: unknown;
    error: unknown;
  }
  const bodyOf = async (answer: Response | Promise<Response>) => (await (await answer).json()) as Answer;

  it('Amazon: the URN grant type, a poll without user_code and a JSON body are refused as violations', async () => {
    const amazon = await started(startAmazonFixture());
    const pair = await bodyOf(post(`${amazon.baseUrl}/auth/o2/create/codepair`, `response_type=device_code&client_id=${amazon.clientId}&scope=profile`, form));
    const urn = await post(
      `${amazon.baseUrl}/auth/o2/token`,
      new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: pair.device_code, user_code: pair.user_code, client_id: amazon.clientId }).toString(),
      form,
    );
    expect(urn.status).toBe(400);
    expect((await bodyOf(urn)).error).toBe('unsupported_grant_type');
    const noUserCode = await post(
      `${amazon.baseUrl}/auth/o2/token`,
      new URLSearchParams({ grant_type: 'device_code', device_code: pair.device_code, client_id: amazon.clientId }).toString(),
      form,
    );
    expect((await bodyOf(noUserCode)).error).toBe('invalid_request');
    const json = await post(`${amazon.baseUrl}/auth/o2/create/codepair`, JSON.stringify({ response_type: 'device_code', client_id: amazon.clientId, scope: 'profile' }), 'application/json');
    expect(json.status).toBe(400);
    expect(amazon.violations).toHaveLength(3);
    expect(amazon.violations.join('\n')).toMatch(/grant_type must be device_code[\s\S]*user_code is missing[\s\S]*application\/x-www-form-urlencoded/);
  });

  it('an early poll and an overlapping poll of one code are both violations', async () => {
    const amazon = await started(startAmazonFixture({ interval: 5 }));
    const pair = await bodyOf(post(`${amazon.baseUrl}/auth/o2/create/codepair`, `response_type=device_code&client_id=${amazon.clientId}&scope=profile`, form));
    const poll = () =>
      post(
        `${amazon.baseUrl}/auth/o2/token`,
        new URLSearchParams({ grant_type: 'device_code', device_code: pair.device_code, user_code: pair.user_code, client_id: amazon.clientId }).toString(),
        form,
      ).then(async (r) => ({ status: r.status, body: await bodyOf(r) }));
    const [first, second] = await Promise.all([poll(), poll()]);
    expect(first).toEqual({ status: 400, body: expect.objectContaining({ error: 'authorization_pending' }) });
    expect(second.body.error).toBe('authorization_pending');
    const violations = amazon.violations.join('\n');
    expect(violations).toMatch(/was polled \d+ ms after it was issued; the interval in force was 5 s/);
    expect(violations).toMatch(/while another poll of it was in flight/);
  });

  it('slow_down adds five seconds to the interval the next poll must keep', async () => {
    const salesforce = await started(startSalesforceFixture({ interval: 0 }));
    const codes = await bodyOf(post(`${salesforce.baseUrl}/services/oauth2/token`, `response_type=device_code&client_id=${salesforce.clientId}&scope=api`, form));
    salesforce.slowDown();
    const poll = () =>
      post(`${salesforce.baseUrl}/services/oauth2/token`, `grant_type=device&client_id=${salesforce.clientId}&code=${codes.device_code}`, form).then(bodyOf);
    expect((await poll()).error).toBe('slow_down');
    expect(salesforce.violations).toEqual([]);
    expect((await poll()).error).toBe('authorization_pending');
    expect(salesforce.violations.join('\n')).toMatch(/its previous poll; the interval in force was 5 s/);
  });

  it('Facebook: an access_token not of the form APP_ID|CLIENT_TOKEN gets a Graph error; pending is subcode 1349174', async () => {
    const facebook = await started(startFacebookFixture());
    const bad = await post(`${facebook.baseUrl}/v21.0/device/login`, `access_token=${facebook.clientToken}&scope=public_profile`, form);
    expect(bad.status).toBe(400);
    expect((await bodyOf(bad)).error).toMatchObject({ type: 'OAuthException', code: 190 });
    const good = await bodyOf(post(`${facebook.baseUrl}/v21.0/device/login`, `access_token=${facebook.appId}|${facebook.clientToken}&scope=public_profile`, form));
    expect(typeof good.expires_in).toBe('string');
    await new Promise((r) => setTimeout(r, 1_000));
    const pending = await post(`${facebook.baseUrl}/v21.0/device/login_status`, `access_token=${facebook.appId}|${facebook.clientToken}&code=${good.code}`, form);
    expect((await bodyOf(pending)).error).toMatchObject({ type: 'OAuthException', code: 31, error_subcode: 1349174 });
    expect(facebook.violations).toEqual(['facebook: device/login: access_token is not of the form APP_ID|CLIENT_TOKEN']);
  });

  it('Twitch: `scope` instead of `scopes`, and Helix without Client-Id, are violations with Twitch\'s error shapes', async () => {
    const twitch = await started(startTwitchFixture());
    const singular = await post(`${twitch.baseUrl}/oauth2/device`, `client_id=${twitch.clientId}&scope=user:read:email`, form);
    expect(await bodyOf(singular)).toEqual({ status: 400, message: 'missing scopes' });
    const helix = await fetch(`${twitch.baseUrl}/helix/users`, { headers: { authorization: 'Bearer x' } });
    expect(helix.status).toBe(401);
    expect(twitch.violations).toHaveLength(2);
    expect(twitch.violations[1]).toMatch(/Client-Id header is missing/);
  });

  it('Salesforce refuses the URN grant type; AWS refuses a form body and snake_case fields', async () => {
    const salesforce = await started(startSalesforceFixture());
    const urn = await post(`${salesforce.baseUrl}/services/oauth2/token`, `grant_type=urn:ietf:params:oauth:grant-type:device_code&client_id=${salesforce.clientId}&code=x`, form);
    expect((await bodyOf(urn)).error).toBe('unsupported_grant_type');
    expect(salesforce.violations).toHaveLength(1);

    const aws = await started(startAwsSsoFixture());
    const asForm = await post(`${aws.baseUrl}/client/register`, 'clientName=tv&clientType=public', form);
    expect(asForm.status).toBe(400);
    const snake = await post(`${aws.baseUrl}/client/register`, JSON.stringify({ client_name: 'tv', client_type: 'public' }), 'application/json');
    expect(await bodyOf(snake)).toMatchObject({ error: 'invalid_request' });
    expect(aws.violations).toHaveLength(2);
    expect(aws.count('register')).toBe(2);

    // A registration used after its clientSecretExpiresAt is refused: the cache should have renewed it.
    const shortLived = await started(startAwsSsoFixture({ registrationLifetime: 0 }));
    const client = (await bodyOf(post(`${shortLived.baseUrl}/client/register`, JSON.stringify({ clientName: 'tv', clientType: 'public' }), 'application/json'))) as unknown as Record<string, string>;
    const stale = await post(
      `${shortLived.baseUrl}/device_authorization`,
      JSON.stringify({ clientId: client.clientId, clientSecret: client.clientSecret, startUrl: shortLived.startUrl }),
      'application/json',
    );
    expect(await bodyOf(stale)).toMatchObject({ error: 'invalid_client' });
    expect(shortLived.violations.join('\n')).toMatch(/registration expired .* register again/);
  });
});

// ---------------------------------------------------------------------------------------------------

describe('--provider amazon (Login with Amazon, code-based linking)', () => {
  const flags = (f: AmazonFixture, store: string) => ['--provider', 'amazon', '--base-url', f.baseUrl, '--client-id', f.clientId, '--store', store];

  it('signs in (profile from /user/profile), then status, token, a refresh when the token is about to expire, and logout', async () => {
    const amazon = await started(startAmazonFixture({ accessTokenLifetime: 50 }));
    const { env, store } = await place();
    const signedIn = await login(flags(amazon, store), env, () => amazon.approve());
    expect(signedIn.code).toBe(0);
    expectAwaiting(signedIn.awaiting, amazon, { verificationUri: `${amazon.baseUrl}/us/code`, interval: 1, expiresIn: 600 });
    const lines = signedIn.jsonLines();
    expect(lines.at(-1)).toMatchObject({ state: 'signed_in', profile: { name: 'Grace Hopper', email: 'grace@example.test' } });
    expect(amazon.scopes).toEqual(['profile']);
    expect(amazon.polls().map((p) => p.answer)).toEqual(['tokens']);
    expect(amazon.count('profile')).toBe(1);

    // The token of the sign-in lives 50 s, under the CLI's 60 s minimum: `token` refreshes it. (Before
    // `status`, which checks the sign-in with the server and so may refresh a token about to expire.)
    amazon.setAccessTokenLifetime(3600);
    const token = await run(['token', ...flags(amazon, store)], env);
    expect(token.code).toBe(0);
    expect(amazon.count('refresh')).toBe(1);
    const fresh = token.stdout().trim();
    expect(fresh).toMatch(/^Atza\|/);
    expect(amazon.accessTokenValid(fresh)).toBe(true);
    const again = await run(['token', ...flags(amazon, store)], env);
    expect(again.stdout().trim()).toBe(fresh);
    expect(amazon.count('refresh')).toBe(1);

    const status = await run(['status', ...flags(amazon, store), '--json'], env);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout())).toMatchObject({ state: 'signed_in', profile: { name: 'Grace Hopper' }, refreshable: true });
    expect(amazon.violations, 'after status').toEqual([]);

    // Amazon has no revocation endpoint in the contract: logout forgets locally and says so.
    const logout = await run(['logout', ...flags(amazon, store), '--json'], env);
    expect(logout.code).toBe(0);
    expect(JSON.parse(logout.stdout())).toMatchObject({ state: 'idle', revoked: false });

    expectNoSecretIn(amazon, [signedIn.stdout(), signedIn.stderr(), status.stdout(), status.stderr(), token.stderr(), logout.stdout(), logout.stderr()]);
    expect(amazon.violations).toEqual([]);
  }, 90_000);

  it('honours an interval of 30 s: the first poll comes no sooner than 30 s after the code', async () => {
    const amazon = await started(startAmazonFixture({ interval: 30 }));
    const { env, store } = await place();
    const signedIn = await login(flags(amazon, store), env, () => amazon.approve(), 50_000);
    expect(signedIn.code).toBe(0);
    expect(signedIn.awaiting.interval).toBe(30);
    const polls = amazon.polls();
    expect(polls).toHaveLength(1);
    expect(polls[0]!.answer).toBe('tokens');
    expect(polls[0]!.gapMs).toBeGreaterThanOrEqual(30_000 - 150);
    expect(signedIn.jsonLines().at(-1)?.state).toBe('signed_in');
    expect(amazon.violations).toEqual([]);
  }, 60_000);

  it('servererror (HTTP 500) is not the end: the next poll comes after a pause, and signs in', async () => {
    const amazon = await started(startAmazonFixture());
    const { env, store } = await place();
    const signedIn = await login(flags(amazon, store), env, () => {
      amazon.serverError();
      const timer = setInterval(() => {
        if (amazon.polls().length > 0) {
          amazon.approve();
          clearInterval(timer);
        }
      }, 50);
      defer(() => clearInterval(timer));
    });
    expect(signedIn.code).toBe(0);
    expect(amazon.polls().map((p) => p.answer)).toEqual(['servererror', 'tokens']);
    expect(signedIn.jsonLines().at(-1)?.state).toBe('signed_in');
    expect(amazon.violations).toEqual([]);
  });

  it('denied: exit 3 with the denied line', async () => {
    const amazon = await started(startAmazonFixture());
    const { env, store } = await place();
    const denied = await login(flags(amazon, store), env, () => amazon.deny());
    expect(denied.code).toBe(3);
    expect(denied.jsonLines().at(-1)).toMatchObject({ state: 'denied', code: 'access_denied', message: expect.any(String) });
    expect(amazon.violations).toEqual([]);
  });

  it('a dead code pair (invalid_code_pair): exit 4 with the expired line, and no poll after it', async () => {
    const amazon = await started(startAmazonFixture());
    const { env, store } = await place();
    const expired = await login(flags(amazon, store), { ...env, DEVICE_LOGIN_MAX_AUTO_RENEWALS: '0' }, () => amazon.expire());
    expect(expired.code).toBe(4);
    expect(expired.jsonLines().at(-1)).toMatchObject({ state: 'expired', code: expect.any(String), message: expect.any(String) });
    expect(amazon.polls().map((p) => p.answer)).toEqual(['expired']);
    expect(amazon.count('codes')).toBe(1);
    expect(amazon.violations).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------

describe('--provider facebook (Login for Devices)', () => {
  const flags = (f: FacebookFixture, store: string) => ['--provider', 'facebook', '--base-url', f.baseUrl, '--client-id', f.appId, '--store', store];

  it('signs in with --client-token (profile from /me), status and token work, and the short sign-in ends without a refresh', async () => {
    const facebook = await started(startFacebookFixture({ accessTokenLifetime: 12 }));
    const { env, store } = await place();
    const signedIn = await login([...flags(facebook, store), '--client-token', facebook.clientToken], env, () => facebook.approve());
    expect(signedIn.code).toBe(0);
    expectAwaiting(signedIn.awaiting, facebook, { verificationUri: `${facebook.baseUrl}/device`, interval: 1, expiresIn: 600 });
    expect(signedIn.jsonLines().at(-1)).toMatchObject({ state: 'signed_in', profile: { sub: facebook.person.id, name: 'Katherine Johnson' } });
    expect(facebook.scopes).toEqual(['public_profile']);
    expect(facebook.count('profile')).toBe(1);
    expect(facebook.meFields[0]?.split(',').sort()).toEqual(expect.arrayContaining(['id', 'name', 'picture']));
    expect(new Set(facebook.versions).size).toBe(1);

    const cliEnv = { ...env, DEVICE_LOGIN_CLIENT_TOKEN: facebook.clientToken };
    const status = await run(['status', ...flags(facebook, store), '--json'], cliEnv);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout())).toMatchObject({ state: 'signed_in', profile: { name: 'Katherine Johnson' }, refreshable: false });
    expect(facebook.violations, 'after status').toEqual([]);
    const token = await run(['token', ...flags(facebook, store)], cliEnv);
    expect(token.code).toBe(0);
    expect(facebook.accessTokenValid(token.stdout().trim())).toBe(true);

    // Past the token's twelve seconds: no refresh token, so the sign-in has ended, and the CLI asks nothing.
    const before = facebook.requests.length;
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(String(JSON.parse(status.stdout()).tokenExpiresAt)) - Date.now()) + 300));
    const ended = await run(['token', ...flags(facebook, store)], cliEnv);
    expect(ended.code).toBe(1);
    expect(ended.stdout()).toBe('');
    expect(ended.stderr()).toMatch(/sign in again/i);
    expect(facebook.requests.length).toBe(before);

    expectNoSecretIn(facebook, [signedIn.stdout(), signedIn.stderr(), status.stdout(), status.stderr(), token.stderr(), ended.stderr()]);
    expect(facebook.violations).toEqual([]);
  }, 90_000);

  it('polling too fast (subcode 1349172) slows the client down by five seconds', async () => {
    const facebook = await started(startFacebookFixture());
    const { env, store } = await place();
    const cliEnv = { ...env, DEVICE_LOGIN_CLIENT_TOKEN: facebook.clientToken };
    const signedIn = await login(flags(facebook, store), cliEnv, () => {
      facebook.slowDown();
      // Approve once the slowed-down poll has been answered.
      const timer = setInterval(() => {
        if (facebook.polls().length > 0) {
          facebook.approve();
          clearInterval(timer);
        }
      }, 50);
      defer(() => clearInterval(timer));
    });
    expect(signedIn.code).toBe(0);
    const polls = facebook.polls();
    expect(polls.map((p) => p.answer)).toEqual(['slow_down', 'tokens']);
    expect(polls[1]!.gapMs).toBeGreaterThanOrEqual(6_000 - 150);
    expect(facebook.violations).toEqual([]);
  }, 90_000);

  it('declined (subcode 1349173): exit 3 with the denied line; the client token from the environment', async () => {
    const facebook = await started(startFacebookFixture());
    const { env, store } = await place();
    const denied = await login(flags(facebook, store), { ...env, DEVICE_LOGIN_CLIENT_TOKEN: facebook.clientToken }, () => facebook.deny());
    expect(denied.code).toBe(3);
    expect(denied.jsonLines().at(-1)).toMatchObject({ state: 'denied', code: 'access_denied' });
    expectNoSecretIn(facebook, [denied.stdout(), denied.stderr()]);
    expect(facebook.violations).toEqual([]);
  });

  it('expired (subcode 1349152): exit 4 with the expired line', async () => {
    const facebook = await started(startFacebookFixture());
    const { env, store } = await place();
    const expired = await login(flags(facebook, store), { ...env, DEVICE_LOGIN_CLIENT_TOKEN: facebook.clientToken, DEVICE_LOGIN_MAX_AUTO_RENEWALS: '0' }, () => facebook.expire());
    expect(expired.code).toBe(4);
    expect(expired.jsonLines().at(-1)).toMatchObject({ state: 'expired', code: expect.any(String) });
    expect(facebook.polls().map((p) => p.answer)).toEqual(['expired']);
    expect(facebook.violations).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------

describe('--provider twitch (identity and Helix on one --base-url)', () => {
  const flags = (f: TwitchFixture, store: string) => ['--provider', 'twitch', '--base-url', f.baseUrl, '--client-id', f.clientId, '--store', store];

  it('signs in (profile from Helix /helix/users with Client-Id), refreshes without a secret twice (refresh tokens are used once), and logout revokes', async () => {
    const twitch = await started(startTwitchFixture({ accessTokenLifetime: 50 }));
    const { env, store } = await place();
    const signedIn = await login(flags(twitch, store), env, () => twitch.approve());
    expect(signedIn.code).toBe(0);
    const userCode = twitch.userCodes().at(-1);
    expectAwaiting(signedIn.awaiting, twitch, { verificationUri: `${twitch.baseUrl}/activate?public=true&device-code=${userCode}`, interval: 1, expiresIn: 600 });
    expect(signedIn.jsonLines().at(-1)).toMatchObject({ state: 'signed_in', profile: { sub: twitch.person.id, name: expect.stringMatching(/^hedylamarr$/i), email: 'hedy@example.test' } });
    expect(twitch.scopes).toEqual(['user:read:email']);
    expect(twitch.count('profile')).toBe(1);

    // The sign-in's token lives 50 s, under the CLI's 60 s minimum: `token` refreshes; the next token
    // lives an hour, and the next refresh (forced) must use the refresh token the first one answered.
    const first = await run(['token', ...flags(twitch, store)], env);
    expect(first.code).toBe(0);
    expect(twitch.count('refresh')).toBe(1);
    twitch.setAccessTokenLifetime(3600);
    const second = await run(['token', '--refresh', ...flags(twitch, store)], env);
    expect(second.code).toBe(0);
    expect(twitch.count('refresh')).toBe(2);
    expect(second.stdout().trim()).not.toBe(first.stdout().trim());
    expect(twitch.accessTokenValid(second.stdout().trim())).toBe(true);
    expect(twitch.requests.filter((r) => r.endpoint === 'refresh').every((r) => !r.params.includes('client_secret'))).toBe(true);

    const status = await run(['status', ...flags(twitch, store), '--json'], env);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout())).toMatchObject({ state: 'signed_in', refreshable: true });
    expect(twitch.violations, 'after status').toEqual([]);

    const logout = await run(['logout', ...flags(twitch, store), '--json'], env);
    expect(logout.code).toBe(0);
    expect(JSON.parse(logout.stdout())).toMatchObject({ state: 'idle', revoked: true });
    expect(twitch.count('revoke')).toBeGreaterThanOrEqual(1);
    expect(twitch.accessTokenValid(second.stdout().trim())).toBe(false);

    expectNoSecretIn(twitch, [signedIn.stdout(), signedIn.stderr(), status.stdout(), first.stderr(), second.stderr(), logout.stdout(), logout.stderr()]);
    expect(twitch.violations).toEqual([]);
  }, 90_000);

  it('status right after signing in, with a token about to expire, checks the sign-in at Helix with the Client-Id header', async () => {
    const twitch = await started(startTwitchFixture({ accessTokenLifetime: 50 }));
    const { env, store } = await place();
    expect((await login(flags(twitch, store), env, () => twitch.approve())).code).toBe(0);
    const status = await run(['status', ...flags(twitch, store), '--json'], env);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout())).toMatchObject({ state: 'signed_in', profile: { sub: twitch.person.id } });
    expect(twitch.violations).toEqual([]);
  });

  it('slow_down as {"status":400,"message":"slow_down"} slows the client down by five seconds', async () => {
    const twitch = await started(startTwitchFixture());
    const { env, store } = await place();
    const signedIn = await login(flags(twitch, store), env, () => {
      twitch.slowDown();
      const timer = setInterval(() => {
        if (twitch.polls().length > 0) {
          twitch.approve();
          clearInterval(timer);
        }
      }, 50);
      defer(() => clearInterval(timer));
    });
    expect(signedIn.code).toBe(0);
    const polls = twitch.polls();
    expect(polls.map((p) => p.answer)).toEqual(['slow_down', 'tokens']);
    expect(polls[1]!.gapMs).toBeGreaterThanOrEqual(6_000 - 150);
    expect(twitch.violations).toEqual([]);
  }, 90_000);

  it('denied: exit 3 with the denied line', async () => {
    const twitch = await started(startTwitchFixture());
    const { env, store } = await place();
    const denied = await login(flags(twitch, store), env, () => twitch.deny());
    expect(denied.code).toBe(3);
    expect(denied.jsonLines().at(-1)).toMatchObject({ state: 'denied', code: 'access_denied' });
    expect(twitch.violations).toEqual([]);
  });

  it('expired ("invalid device code"): exit 4 with the expired line', async () => {
    const twitch = await started(startTwitchFixture());
    const { env, store } = await place();
    const expired = await login(flags(twitch, store), { ...env, DEVICE_LOGIN_MAX_AUTO_RENEWALS: '0' }, () => twitch.expire());
    expect(expired.code).toBe(4);
    expect(expired.jsonLines().at(-1)).toMatchObject({ state: 'expired', code: expect.any(String) });
    expect(twitch.polls().map((p) => p.answer)).toEqual(['expired']);
    expect(twitch.violations).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------

describe('--provider salesforce (a My Domain through --base-url)', () => {
  const flags = (f: SalesforceFixture, store: string) => ['--provider', 'salesforce', '--base-url', f.baseUrl, '--client-id', f.clientId, '--store', store];

  it('signs in (codes from the token endpoint, grant_type=device, profile from userinfo), refreshes, and logout revokes', async () => {
    const salesforce = await started(startSalesforceFixture());
    const { env, store } = await place();
    const signedIn = await login(flags(salesforce, store), env, () => salesforce.approve());
    expect(signedIn.code).toBe(0);
    expectAwaiting(signedIn.awaiting, salesforce, { verificationUri: `${salesforce.baseUrl}/setup/connect`, interval: 1 });
    expect(signedIn.jsonLines().at(-1)).toMatchObject({ state: 'signed_in', profile: { name: 'Margaret Hamilton', email: 'margaret@example.test' } });
    expect(salesforce.count('profile')).toBe(1);

    const status = await run(['status', ...flags(salesforce, store), '--json'], env);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout())).toMatchObject({ state: 'signed_in', profile: { name: 'Margaret Hamilton' }, refreshable: true });
    expect(salesforce.violations, 'after status').toEqual([]);
    const token = await run(['token', ...flags(salesforce, store)], env);
    expect(token.code).toBe(0);
    const original = token.stdout().trim();
    expect(salesforce.accessTokenValid(original)).toBe(true);

    // Salesforce states no lifetime in its token answers (the org's session setting decides), so a
    // refresh is asked for; the answer carries no new refresh token and the old one keeps working.
    salesforce.setAccessTokenLifetime(1);
    const refreshed = await run(['token', '--refresh', ...flags(salesforce, store)], env);
    expect(refreshed.code).toBe(0);
    const renewed = refreshed.stdout().trim();
    expect(renewed).not.toBe(original);
    await new Promise((r) => setTimeout(r, 1_200));
    expect(salesforce.accessTokenValid(renewed)).toBe(false);
    salesforce.setAccessTokenLifetime(3600);
    const again = await run(['token', '--refresh', ...flags(salesforce, store)], env);
    expect(again.code).toBe(0);
    expect(salesforce.accessTokenValid(again.stdout().trim())).toBe(true);
    expect(salesforce.count('refresh')).toBe(2);

    const logout = await run(['logout', ...flags(salesforce, store), '--json'], env);
    expect(logout.code).toBe(0);
    expect(JSON.parse(logout.stdout())).toMatchObject({ state: 'idle', revoked: true });
    expect(salesforce.revoked.length).toBeGreaterThanOrEqual(1);

    expectNoSecretIn(salesforce, [signedIn.stdout(), signedIn.stderr(), status.stdout(), token.stderr(), refreshed.stderr(), again.stderr(), logout.stdout(), logout.stderr()]);
    expect(salesforce.violations).toEqual([]);
  }, 90_000);

  it('denied: exit 3 with the denied line', async () => {
    const salesforce = await started(startSalesforceFixture());
    const { env, store } = await place();
    const denied = await login(flags(salesforce, store), env, () => salesforce.deny());
    expect(denied.code).toBe(3);
    expect(denied.jsonLines().at(-1)).toMatchObject({ state: 'denied', code: 'access_denied' });
    expect(salesforce.violations).toEqual([]);
  });

  it('expired (expired_token): exit 4 with the expired line', async () => {
    const salesforce = await started(startSalesforceFixture());
    const { env, store } = await place();
    const expired = await login(flags(salesforce, store), { ...env, DEVICE_LOGIN_MAX_AUTO_RENEWALS: '0' }, () => salesforce.expire());
    expect(expired.code).toBe(4);
    expect(expired.jsonLines().at(-1)).toMatchObject({ state: 'expired', code: 'expired_token' });
    expect(salesforce.violations).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------

describe('--provider aws-sso (IAM Identity Center, JSON bodies, a registered public client)', () => {
  const flags = (f: AwsSsoFixture, store: string) => [
    '--provider',
    'aws-sso',
    '--base-url',
    f.baseUrl,
    '--region',
    'us-east-1',
    '--start-url',
    f.startUrl,
    '--store',
    store,
  ];

  it('registers once, signs in, refreshes, and a second login after logout reuses the cached registration', async () => {
    const aws = await started(startAwsSsoFixture({ accessTokenLifetime: 50 }));
    const { env, store } = await place();
    const signedIn = await login(flags(aws, store), env, () => aws.approve());
    expect(signedIn.code).toBe(0);
    expectAwaiting(signedIn.awaiting, aws, { verificationUri: `${aws.baseUrl}/device/`, interval: 1, expiresIn: 600 });
    expect(signedIn.awaiting.verificationUriComplete).toBe(`${aws.baseUrl}/device/?user_code=${aws.userCodes().at(-1)}`);
    // No userinfo and no idToken: no profile, and nothing asked for one.
    expect(signedIn.jsonLines().at(-1)).toEqual({ state: 'signed_in', profile: null });
    expect(aws.count('register')).toBe(1);

    aws.setAccessTokenLifetime(3600);
    const token = await run(['token', ...flags(aws, store)], env);
    expect(token.code).toBe(0);
    expect(aws.count('refresh')).toBe(1);
    expect(aws.accessTokenValid(token.stdout().trim())).toBe(true);

    const status = await run(['status', ...flags(aws, store), '--json'], env);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout())).toMatchObject({ state: 'signed_in', refreshable: true });
    expect(aws.violations, 'after status').toEqual([]);

    const logout = await run(['logout', ...flags(aws, store), '--json'], env);
    expect(logout.code).toBe(0);
    const second = await login(flags(aws, store), env, () => aws.approve());
    expect(second.code).toBe(0);
    expect(second.jsonLines().at(-1)?.state).toBe('signed_in');
    expect(aws.count('register')).toBe(1);
    expect(aws.count('codes')).toBe(2);

    expectNoSecretIn(aws, [signedIn.stdout(), signedIn.stderr(), status.stdout(), status.stderr(), token.stderr(), logout.stdout(), logout.stderr(), second.stdout(), second.stderr()]);
    expect(aws.violations).toEqual([]);
  }, 90_000);

  it('the profile comes from the idToken when the token answer has one', async () => {
    const aws = await started(startAwsSsoFixture({ idToken: true }));
    const { env, store } = await place();
    const signedIn = await login(flags(aws, store), env, () => aws.approve());
    expect(signedIn.code).toBe(0);
    expect(signedIn.jsonLines().at(-1)).toMatchObject({ state: 'signed_in', profile: { sub: aws.person.sub, name: aws.person.name, email: aws.person.email } });
    expectNoSecretIn(aws, [signedIn.stdout(), signedIn.stderr()]);
    expect(aws.violations).toEqual([]);
  });

  it('registers again once the cached registration has expired', async () => {
    const aws = await started(startAwsSsoFixture({ registrationLifetime: 8 }));
    const { env, store } = await place();
    const first = await login(flags(aws, store), env, () => aws.approve());
    expect(first.code).toBe(0);
    expect(aws.count('register')).toBe(1);
    expect((await run(['logout', ...flags(aws, store)], env)).code).toBe(0);

    const expiresAt = aws.registrations[0]!.clientSecretExpiresAt * 1000;
    await new Promise((r) => setTimeout(r, Math.max(0, expiresAt - Date.now()) + 300));
    aws.setRegistrationLifetime(90 * 24 * 3600);
    const second = await login(flags(aws, store), env, () => aws.approve());
    expect(second.code).toBe(0);
    expect(aws.count('register')).toBe(2);
    expect(aws.violations).toEqual([]);
  }, 90_000);

  it('denied: exit 3 with the denied line', async () => {
    const aws = await started(startAwsSsoFixture());
    const { env, store } = await place();
    const denied = await login(flags(aws, store), env, () => aws.deny());
    expect(denied.code).toBe(3);
    expect(denied.jsonLines().at(-1)).toMatchObject({ state: 'denied', code: 'access_denied' });
    expect(aws.violations).toEqual([]);
  });

  it('expired (expired_token): exit 4 with the expired line', async () => {
    const aws = await started(startAwsSsoFixture());
    const { env, store } = await place();
    const expired = await login(flags(aws, store), { ...env, DEVICE_LOGIN_MAX_AUTO_RENEWALS: '0' }, () => aws.expire());
    expect(expired.code).toBe(4);
    expect(expired.jsonLines().at(-1)).toMatchObject({ state: 'expired', code: 'expired_token' });
    expect(aws.violations).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------

describe('provider flags: usage errors exit 2 before any request', () => {
  let fixtures: DialectFixture[] = [];
  afterEach(() => {
    for (const f of fixtures) {
      expect(f.requests).toEqual([]);
      expect(f.violations).toEqual([]);
    }
    fixtures = [];
  });

  it('aws-sso without --start-url', async () => {
    const aws = await started(startAwsSsoFixture());
    fixtures.push(aws);
    const { env, store } = await place();
    const cli = await run(['login', '--provider', 'aws-sso', '--base-url', aws.baseUrl, '--region', 'us-east-1', '--store', store], env);
    expect(cli.code).toBe(2);
    expect(cli.stderr()).toMatch(/--start-url/);
  });

  it('facebook without a client token (no --client-token, no DEVICE_LOGIN_CLIENT_TOKEN)', async () => {
    const facebook = await started(startFacebookFixture());
    fixtures.push(facebook);
    const { env, store } = await place();
    const cli = await run(['login', '--provider', 'facebook', '--base-url', facebook.baseUrl, '--client-id', facebook.appId, '--store', store], env);
    expect(cli.code).toBe(2);
    expect(cli.stderr()).toMatch(/--client-token/);
  });

  it('a --base-url that is not an absolute http(s) URL', async () => {
    const amazon = await started(startAmazonFixture());
    fixtures.push(amazon);
    const { env, store } = await place();
    for (const bad of ['api.amazon.test', 'ftp://127.0.0.1/', 'not a url']) {
      const cli = await run(['login', '--provider', 'amazon', '--base-url', bad, '--client-id', amazon.clientId, '--store', store], env);
      expect(cli.code, bad).toBe(2);
      expect(cli.stderr(), bad).toMatch(/--base-url/);
    }
  });
});
