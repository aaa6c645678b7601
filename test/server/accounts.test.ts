import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { run as users } from '../../cli/commands/users.ts';
import type { CliIO } from '../../cli/io.ts';
import { DEMO_EMAIL, openAccounts } from '../../server/accounts.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dl-accounts-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Every byte SQLite wrote for the database (main file, WAL, shared memory). */
function databaseBytes(prefix: string): string {
  return readdirSync(dir)
    .filter((name) => name.startsWith(prefix))
    .map((name) => readFileSync(join(dir, name)).toString('latin1'))
    .join('');
}

function io(stdinText: string | undefined): CliIO & { out: () => string; err: () => string } {
  const stdin = new PassThrough();
  if (stdinText !== undefined) stdin.end(stdinText);
  let out = '';
  let err = '';
  return {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    stdin,
    env: {},
    out: () => out,
    err: () => err,
  };
}

describe('accounts', () => {
  it('verifies the right password and refuses a wrong password or an unknown email alike', async () => {
    const accounts = openAccounts(join(dir, 'a.sqlite'));
    const user = await accounts.add({ email: 'Ada@Example.test', name: 'Ada', password: 'analytical engine' });
    expect(user.email).toBe('ada@example.test');
    expect(await accounts.verify('ada@example.test', 'analytical engine')).toBe(user.sub);
    expect(await accounts.verify('ADA@example.test ', 'analytical engine')).toBe(user.sub);
    expect(await accounts.verify('ada@example.test', 'analytical enginE')).toBeUndefined();
    expect(await accounts.verify('nobody@example.test', 'analytical engine')).toBeUndefined();
    accounts.close();
  });

  it('refuses a duplicate email, a bad email and weak passwords with readable messages', async () => {
    const accounts = openAccounts(join(dir, 'a.sqlite'));
    await accounts.add({ email: 'ada@example.test', name: 'Ada', password: 'analytical engine' });
    await expect(accounts.add({ email: 'ADA@example.test', name: 'Other', password: 'another good one' })).rejects.toThrow(/already exists/);
    await expect(accounts.add({ email: 'not-an-email', name: 'X', password: 'another good one' })).rejects.toThrow(/not an email address/);
    await expect(accounts.add({ email: 'b@example.test', name: 'B', password: '' })).rejects.toThrow(/empty/);
    await expect(accounts.add({ email: 'b@example.test', name: 'B', password: 'short' })).rejects.toThrow(/too short/);
    await expect(accounts.add({ email: 'b@example.test', name: 'B', password: 'aaaaaaaaaa' })).rejects.toThrow(/too simple/);
    expect(accounts.list().map((u) => u.email)).toEqual(['ada@example.test']);
    accounts.close();
  });

  it('stores no plaintext password in the SQLite file, only a salted scrypt hash with its parameters', async () => {
    const accounts = openAccounts(join(dir, 'users.sqlite'));
    await accounts.add({ email: 'ada@example.test', name: 'Ada', password: 'PlainTextSecret-42' });
    await accounts.add({ email: 'bob@example.test', name: 'Bob', password: 'PlainTextSecret-42' });
    const demo = await accounts.ensureDemoUser();
    accounts.close();
    const bytes = databaseBytes('users.sqlite');
    expect(bytes).toContain('ada@example.test');
    expect(bytes).not.toContain('PlainTextSecret-42');
    expect(bytes).not.toContain(demo!.password);
    const hashes = bytes.match(/scrypt\$32768\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+/g) ?? [];
    expect(new Set(hashes).size).toBeGreaterThanOrEqual(3); // same password, different salts
  });

  it('seeds the demo user once and returns the same credentials after a restart', async () => {
    const first = openAccounts(join(dir, 'users.sqlite'));
    const demo = await first.ensureDemoUser();
    first.close();
    expect(demo?.email).toBe(DEMO_EMAIL);
    const second = openAccounts(join(dir, 'users.sqlite'));
    expect(await second.ensureDemoUser()).toEqual(demo);
    expect(await second.verify(demo!.email, demo!.password)).toBeDefined();
    expect(second.list()).toHaveLength(1);
    second.close();
    expect(statSync(join(dir, 'demo-user.json')).mode & 0o077).toBe(0);
  });

  it('findAccount releases sub, name, email and picture for a known sub and nothing for an unknown one', async () => {
    const accounts = openAccounts(join(dir, 'a.sqlite'));
    const user = await accounts.add({ email: 'ada@example.test', name: 'Ada', password: 'analytical engine' });
    const ctx = { oidc: { provider: { issuer: 'http://127.0.0.1:9/' } } };
    const account = await accounts.findAccount(ctx, user.sub);
    expect(await account!.claims('userinfo', 'openid profile email')).toEqual({
      sub: user.sub,
      name: 'Ada',
      email: 'ada@example.test',
      email_verified: true,
      picture: expect.stringMatching(/^http:\/\/127\.0\.0\.1:9\/assets\/avatars\/\d\.svg$/),
    });
    expect(await accounts.findAccount(ctx, 'no-such-sub')).toBeUndefined();
    accounts.close();
  });

  it('treats an email full of SQL as data', async () => {
    const accounts = openAccounts(join(dir, 'a.sqlite'));
    await accounts.add({ email: 'ada@example.test', name: 'Ada', password: 'analytical engine' });
    expect(await accounts.verify("' OR 1=1 --", 'anything at all')).toBeUndefined();
    await expect(accounts.add({ email: "x');--@a.b", name: "Robert'); DROP TABLE users;--", password: 'fine password 1' })).resolves.toBeDefined();
    expect(accounts.list().map((u) => u.name)).toEqual(['Ada', "Robert'); DROP TABLE users;--"]);
    accounts.close();
  });
});

describe('device-login users', () => {
  it('adds a user with the password from a pipe and never prints it', async () => {
    const add = io('pipe-password-7\n');
    expect(await users(['add', '--email', 'ada@example.test', '--name', 'Ada Lovelace', '--data', dir], add)).toBe(0);
    expect(add.out()).toContain('Added ada@example.test');
    expect(add.out() + add.err()).not.toContain('pipe-password-7');
    const accounts = openAccounts(join(dir, 'accounts.sqlite'));
    expect(await accounts.verify('ada@example.test', 'pipe-password-7')).toBeDefined();
    accounts.close();
  });

  it('refuses an empty or weak password and a duplicate email with exit 2 and a clear message', async () => {
    const empty = io('\n');
    expect(await users(['add', '--email', 'ada@example.test', '--name', 'Ada', '--data', dir], empty)).toBe(2);
    expect(empty.err()).toMatch(/password is empty/);
    const weak = io('abc\n');
    expect(await users(['add', '--email', 'ada@example.test', '--name', 'Ada', '--data', dir], weak)).toBe(2);
    expect(weak.err()).toMatch(/too short/);
    expect(await users(['add', '--email', 'ada@example.test', '--name', 'Ada', '--data', dir], io('good password 1\n'))).toBe(0);
    const dup = io('another password 2\n');
    expect(await users(['add', '--email', 'ADA@example.test', '--name', 'Ada 2', '--data', dir], dup)).toBe(2);
    expect(dup.err()).toMatch(/already exists/);
  });

  it('on a terminal reads the password in raw mode without echo and asks for it twice', async () => {
    // A PassThrough posing as a TTY: the real terminal cannot be driven from a test.
    const stdin = Object.assign(new PassThrough(), { isTTY: true, rawModes: [] as boolean[] });
    const tty = Object.assign(stdin, { setRawMode: (mode: boolean) => stdin.rawModes.push(mode) });
    let out = '';
    let err = '';
    const ttyIO: CliIO = { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, stdin: tty, env: {} };
    const done = users(['add', '--email', 'ada@example.test', '--name', 'Ada', '--data', dir], ttyIO);
    await new Promise((resolve) => setTimeout(resolve, 50));
    tty.write('terminal secret 9x\r');
    await new Promise((resolve) => setTimeout(resolve, 50));
    tty.write('terminal secret 9y\u007fx\r');
    expect(await done).toBe(0);
    expect(err).toContain('Password for ada@example.test: ');
    expect(err).toContain('Repeat the password: ');
    expect(out + err).not.toContain('terminal secret');
    expect(stdin.rawModes).toEqual([true, false, true, false]);
  });

  it('lists email, name and creation time but no hash', async () => {
    await users(['add', '--email', 'ada@example.test', '--name', 'Ada Lovelace', '--data', dir], io('good password 1\n'));
    const list = io(undefined);
    expect(await users(['list', '--data', dir], list)).toBe(0);
    expect(list.out()).toMatch(/EMAIL\s+NAME\s+CREATED/);
    expect(list.out()).toMatch(/ada@example\.test\s+Ada Lovelace\s+\d{4}-\d\d-\d\dT/);
    expect(list.out()).not.toContain('scrypt');
  });

  it('answers a missing flag or an unknown subcommand with usage and exit 2', async () => {
    const missing = io('good password 1\n');
    expect(await users(['add', '--email', 'ada@example.test', '--data', dir], missing)).toBe(2);
    expect(missing.err()).toMatch(/--email and --name are required/);
    const unknown = io(undefined);
    expect(await users(['remove', '--data', dir], unknown)).toBe(2);
    expect(unknown.err()).toMatch(/unknown subcommand "remove"/);
  });
});
