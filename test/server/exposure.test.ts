// What the server does once other machines can reach it (issue 13, finding 7): the demo account is
// on only while both the listening address and the public URL are loopback, a public URL a proxy
// forwards to a loopback server is warned about, https public URLs get HSTS, `serve --log-level`
// works, and an oversized body is a 413. Real servers on real ports; the phone is the cookie-jar one.
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import type { Logger } from '../../core/ports.ts';
import { startServer, type RunningServer, type ServerOptions } from '../../server/app.ts';
import { SERVER_DEFAULTS } from '../../server/defaults.ts';
import { runCli } from '../cli/run-cli.ts';
import { cleanupAfterEach } from '../fixtures/lifecycle.ts';
import { Phone } from '../fixtures/phone.ts';
import { requestDeviceCode } from './device-helpers.ts';

const { defer, tempDir } = cleanupAfterEach();
const servers: RunningServer[] = [];
const dirs: string[] = [];

afterAll(async () => {
  for (const server of servers) await server.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A server with a recording logger; `dataDir` lets two starts share one data directory. */
async function start(options: ServerOptions = {}): Promise<{ server: RunningServer; warnings: string[]; local: string }> {
  const warnings: string[] = [];
  const logger: Logger = { debug() {}, info() {}, warn: (message) => void warnings.push(message), error: (message) => void warnings.push(message) };
  let dataDir = options.dataDir;
  if (!dataDir) {
    dataDir = mkdtempSync(join(tmpdir(), 'dl-exposure-'));
    dirs.push(dataDir);
  }
  const server = await startServer({ port: 0, logger, ...options, dataDir });
  servers.push(server);
  // The public URL may name a proxy that does not exist here; the server itself is on loopback.
  return { server, warnings, local: `http://127.0.0.1:${server.port}` };
}

/** A raw POST with a declared Content-Length, whatever the body really is (fetch would compute its own). */
function postWithLength(url: string, length: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(length) } }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    // Only the first bytes: the server must answer from the header, without waiting for the rest.
    req.write('client_id=tv-demo&x=');
  });
}

describe('the demo account', () => {
  it('is on while both the listening address and the public URL are loopback', async () => {
    const { server, warnings } = await start();
    expect(server.demoUser?.email).toMatch(/@/);
    expect(warnings).toEqual([]);
  });

  it('is off behind a public URL that is not loopback, even though the server listens on 127.0.0.1 only, and says so', async () => {
    const { server, warnings } = await start({ publicUrl: 'http://192.168.1.20:8787' });
    expect(server.demoUser).toBeUndefined();
    expect(warnings).toContain(
      'The demo account is off: other machines can reach this server (http://192.168.1.20:8787). Add an account with `device-login users add`, or pass --demo-user to turn the demo account on anyway.',
    );
  });

  it('is off while listening beyond loopback, and its password from an earlier loopback start no longer signs in', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dl-exposure-'));
    dirs.push(dataDir);
    const first = await start({ dataDir });
    const creds = first.server.demoUser!;
    await first.server.close();

    const { server, warnings, local } = await start({ dataDir, host: '0.0.0.0' });
    expect(server.demoUser).toBeUndefined();
    expect(warnings.join('\n')).toMatch(/^The demo account is off: other machines can reach this server \(listening on 0\.0\.0\.0\)/m);
    const auth = await requestDeviceCode(local);
    const phone = new Phone();
    const confirm = await phone.openCode(auth.verification_uri_complete);
    const login = await phone.submit(confirm, { button: 'Continue' });
    expect(login.page).toBe('login');
    const refused = await phone.signIn(login, creds);
    expect(refused.page).toBe('login');
    expect(refused.error).toBe('Login failed: the email or password is incorrect.');
  });

  it('--demo-user (demoUser: true) forces it on beyond loopback, with the loud warning', async () => {
    const { server, warnings } = await start({ publicUrl: 'http://192.168.1.20:8787', demoUser: true });
    expect(server.demoUser?.email).toMatch(/@/);
    expect(warnings.join('\n')).toMatch(/!!! The demo account is ON while reachable at http:\/\/192\.168\.1\.20:8787/);
  });
});

describe('exposure warnings', () => {
  it('a loopback server behind a public URL that is not loopback is warned about: exposed, plain http, and the proxy\'s address', async () => {
    const { warnings } = await start({ publicUrl: 'http://192.168.1.20:8787' });
    expect(warnings.join('\n')).toMatch(/The public URL is plain http while reachable at http:\/\/192\.168\.1\.20:8787/);
    expect(warnings.join('\n')).toMatch(
      /The public URL http:\/\/192\.168\.1\.20:8787 is not this machine's, but the server listens on 127\.0\.0\.1 only: .* pass --trust-proxy if it sets X-Forwarded-For\./,
    );
  });

  it('no --trust-proxy advice once it is given, and a warning when it is given while listening beyond loopback', async () => {
    const behind = await start({ publicUrl: 'https://login.example.test', trustProxy: true, demoUser: false });
    expect(behind.warnings.join('\n')).toMatch(/is not this machine's/);
    expect(behind.warnings.join('\n')).not.toMatch(/pass --trust-proxy/);
    const open = await start({ host: '0.0.0.0', trustProxy: true, demoUser: false });
    expect(open.warnings.join('\n')).toMatch(/--trust-proxy while listening on 0\.0\.0\.0: a client that reaches the server directly/);
  });
});

describe('HSTS', () => {
  it('sends Strict-Transport-Security on every answer when the public URL is https', async () => {
    const { local } = await start({ publicUrl: 'https://tv-login.example.test' });
    for (const path of ['/.well-known/openid-configuration', '/device', '/nothing-here']) {
      const res = await fetch(`${local}${path}`);
      await res.arrayBuffer();
      expect(res.headers.get('strict-transport-security'), path).toBe(`max-age=${SERVER_DEFAULTS.hstsMaxAge}`);
    }
  });

  it('sends none over a plain-http public URL, where browsers would ignore it anyway', async () => {
    const { local } = await start();
    const res = await fetch(`${local}/.well-known/openid-configuration`);
    await res.arrayBuffer();
    expect(res.headers.get('strict-transport-security')).toBeNull();
  });
});

describe('request body limit', () => {
  it('answers 413 to a body over the limit on every route, before reading it', async () => {
    const { local } = await start();
    for (const path of ['/token', '/device/auth', '/device', '/interaction/abcdef/login', '/api/me']) {
      const answer = await postWithLength(`${local}${path}`, 10 * 1024 * 1024);
      expect(answer.status, path).toBe(413);
      expect(JSON.parse(answer.body), path).toEqual({
        error: 'invalid_request',
        error_description: `The request body is larger than ${SERVER_DEFAULTS.maxBodyBytes} bytes.`,
      });
    }
  });

  it('lets a body at the limit through to its route', async () => {
    const { local } = await start();
    const body = `client_id=tv-demo&scope=openid&pad=${'a'.repeat(SERVER_DEFAULTS.maxBodyBytes - 'client_id=tv-demo&scope=openid&pad='.length)}`;
    expect(body.length).toBe(SERVER_DEFAULTS.maxBodyBytes);
    const res = await fetch(`${local}/device/auth`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { device_code?: string }).device_code).toBeTruthy();
  });
});

describe('device-login serve: --log-level, --demo-user', () => {
  async function serve(args: string[], env: Record<string, string> = {}) {
    const dir = await tempDir('dl-exposure-serve-');
    const cli = runCli(['serve', '--port', '0', '--data', join(dir, 'data'), ...args], { HOME: dir, ...env });
    defer(async () => {
      if (cli.child.exitCode === null) cli.child.kill('SIGTERM');
      await cli.exited;
    });
    return cli;
  }

  it('--log-level warn keeps the info lines off stderr; DEVICE_LOGIN_LOG_LEVEL is read too, and the flag wins over it', async () => {
    const quiet = await serve(['--log-level', 'warn']);
    await quiet.waitForJson(() => true, 30_000);
    quiet.child.kill('SIGTERM');
    expect(await quiet.exited).toBe(0);
    expect(quiet.stderr()).toBe('');

    const fromEnv = await serve([], { DEVICE_LOGIN_LOG_LEVEL: 'warn' });
    await fromEnv.waitForJson(() => true, 30_000);
    fromEnv.child.kill('SIGTERM');
    await fromEnv.exited;
    expect(fromEnv.stderr()).toBe('');

    // The flag wins over the variable.
    const loud = await serve(['--log-level', 'info'], { DEVICE_LOGIN_LOG_LEVEL: 'error' });
    await loud.waitForJson(() => true, 30_000);
    await loud.waitForStderr(/device-login server ready/);
  });

  it('refuses a level that is not one, naming the levels, with exit code 2', async () => {
    const flag = await serve(['--log-level', 'loud']);
    expect(await flag.exited).toBe(2);
    expect(flag.stderr()).toContain('--log-level must be one of debug, info, warn, error, silent (got "loud").');
    const env = await serve([], { DEVICE_LOGIN_LOG_LEVEL: 'loud' });
    expect(await env.exited).toBe(2);
    expect(env.stderr()).toContain('DEVICE_LOGIN_LOG_LEVEL must be one of debug, info, warn, error, silent (got "loud").');
  });

  it('behind a public URL that is not loopback: no demo account in the ready line, and stderr says why; --demo-user brings it back', async () => {
    const off = await serve(['--public-url', 'http://192.168.1.20:8787']);
    const ready = await off.waitForJson(() => true, 30_000);
    expect(ready.demoUser).toBeNull();
    await off.waitForStderr(/The demo account is off: other machines can reach this server/);

    const forced = await serve(['--public-url', 'http://192.168.1.20:8787', '--demo-user']);
    const forcedReady = await forced.waitForJson(() => true, 30_000);
    expect((forcedReady.demoUser as { email?: string } | null)?.email).toMatch(/@/);
    await forced.waitForStderr(/!!! The demo account is ON/);

    const both = await serve(['--demo-user', '--no-demo-user']);
    expect(await both.exited).toBe(2);
    expect(both.stderr()).toContain('--demo-user and --no-demo-user contradict each other');
  });
});
