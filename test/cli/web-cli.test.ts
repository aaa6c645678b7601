// `device-login web` as a person starts it (`npm start` runs it where Electron is missing): the real bin
// as a child process. Its first lines (the JSON for scripts on stdout; the page to open and the demo
// account for people on stderr), the port that was busy named by the flag that moves it, and --lan:
// a QR code a real phone can open, checked from another network namespace where one can be made,
// while the TV host itself stays on loopback.
import { spawn } from 'node:child_process';
import { connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

import type { ViewState } from '../../host/contract.ts';
import { cleanupAfterEach, within } from '../fixtures/lifecycle.ts';
import { createNamespace, netnsUnavailable } from '../fixtures/netns.ts';
import { SKIP_MARK } from '../summary-reporter.ts';
import { runCli, type CliRun } from './run-cli.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const { defer, tempDir } = cleanupAfterEach();

interface WebReady {
  url: string;
  hostUrl: string;
  issuer: string;
  verificationUri: string;
  demoUser: { email: string; password: string };
}

/** Starts `web` on free ports with its own data, store and config directory; stopped after the test. */
async function startWeb(args: string[]): Promise<{ cli: CliRun; ready: WebReady }> {
  const dir = await tempDir('device-login-web-cli-');
  const cli = runCli(['web', '--port', '0', '--server-port', '0', '--data', join(dir, 'server'), '--store', join(dir, 'tokens.json'), ...args], {
    HOME: dir,
    XDG_CONFIG_HOME: dir,
  });
  defer(async () => {
    if (cli.child.exitCode === null) cli.child.kill('SIGTERM');
    await cli.exited;
  });
  const ready = (await cli.waitForJson(() => true, 90_000)) as unknown as WebReady;
  // The lines for people follow the JSON line; wait for their last one.
  await cli.waitForStderr(/\(The JSON line on stdout is for scripts\.\)\n/);
  return { cli, ready };
}

/** Presses Sign in through the bridge, as the TV page does, and resolves with the state showing a code. */
async function codeOnTv(hostUrl: string): Promise<ViewState> {
  const origin = new URL(hostUrl).origin;
  const pressed = await fetch(`${origin}/bridge/sign-in`, {
    method: 'POST',
    headers: { origin, 'content-type': 'application/json' },
    body: '{}',
  });
  expect(pressed.status).toBe(202);
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const state = (await (await fetch(`${origin}/bridge/state`)).json()) as ViewState;
    if (state.state === 'awaiting_user' && state.code) return state;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the TV showed no code within 30 s');
}

/** Resolves with the error code of a TCP connection to host:port (undefined when it connects). */
function connectError(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname.startsWith('127.') || hostname === '[::1]';
}

/** A TCP port taken by someone else for the length of the test. */
async function busyPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  defer(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as { port: number }).port;
}

describe('device-login web: its first lines', () => {
  it('a person reads the side-by-side page\'s address first and the demo account on lines of its own; stdout\'s first line stays the JSON', async () => {
    // Both streams into one pipe, as a terminal shows them.
    const dir = await tempDir('device-login-web-terminal-');
    const args = ['web', '--port', '0', '--server-port', '0', '--data', join(dir, 'server'), '--store', join(dir, 'tokens.json')];
    const child = spawn('sh', ['-c', 'exec "$@" 2>&1', 'sh', process.execPath, join(ROOT, 'bin', 'device-login.js'), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: dir, XDG_CONFIG_HOME: dir, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    defer(async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    });
    let terminal = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (terminal += d));
    await within(
      new Promise<void>((resolve) => {
        const check = () => (/^\{.*\}$/m.test(terminal) ? resolve() : setTimeout(check, 50));
        check();
      }),
      90_000,
      () => `the JSON line; so far: ${terminal}`,
    );
    const lines = terminal.split('\n');
    const ready = JSON.parse(lines.find((line) => line.startsWith('{'))!) as WebReady;
    expect(ready.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/tv\/$/);
    expect(ready.hostUrl).toBe(new URL('/', ready.url).href);
    expect(ready.verificationUri).toBe(`${ready.issuer}/device`);

    // The first address a person reads is the page with the TV beside a phone, not the TV alone.
    expect(/http:\/\/[^\s"]+/.exec(terminal)?.[0]).toBe(ready.hostUrl);
    const trimmed = lines.map((line) => line.trim());
    expect(trimmed).toContain(`email     ${ready.demoUser.email}`);
    expect(trimmed).toContain(`password  ${ready.demoUser.password}`);
    // Without --lan the QR code is this machine's own: say how a real phone gets in.
    expect(terminal).toMatch(/--lan --demo-user \(npm start -- --lan --demo-user\)/);
  });

  it('names --server-port when the embedded server\'s port is busy, and --port when the TV\'s is', async () => {
    const dir = await tempDir('device-login-web-busy-');
    const env = { HOME: dir, XDG_CONFIG_HOME: dir };
    const common = ['--data', join(dir, 'server'), '--store', join(dir, 'tokens.json')];

    const taken = await busyPort();
    const server = runCli(['web', '--port', '0', '--server-port', String(taken), ...common], env);
    expect(await server.exited).toBe(2);
    expect(server.stderr()).toContain(`Port ${taken} on 127.0.0.1 is already in use. Pick another with --server-port (0 picks a free one).`);

    const tv = runCli(['web', '--port', String(taken), '--server-port', '0', ...common], env);
    expect(await tv.exited).toBe(2);
    expect(tv.stderr()).toContain(`Port ${taken} on 127.0.0.1 is already in use. Pick another with --port (0 picks a free one).`);
  });
});

describe('device-login web --lan and --public-url', () => {
  it('puts a LAN address in the QR code and says so, and keeps the TV host on loopback', async () => {
    const { cli, ready } = await startWeb(['--lan', '--demo-user']);
    const lan = new URL(ready.issuer).hostname;
    expect(isLoopback(lan)).toBe(false);
    expect(isLoopback(new URL(ready.url).hostname)).toBe(true);

    const { code } = await codeOnTv(ready.hostUrl);
    expect(new URL(code!.qrText).hostname).toBe(lan);
    expect(new URL(code!.verificationUriComplete!).hostname).toBe(lan);
    expect(new URL(code!.verificationUri).hostname).toBe(lan);

    // The phone pages answer on the LAN address; the bridge (which presses the TV's buttons) does not.
    const page = await fetch(code!.qrText);
    expect(page.status).toBe(200);
    expect(await connectError(lan, Number(new URL(ready.url).port))).toBe('ECONNREFUSED');

    // The lines for people are wrapped to 80 columns (log lines, "device-login: [warn] ...", stay one
    // line each): phrases are compared with the line breaks taken out.
    const people = cli.stderr().replace(/\s+/g, ' ');
    expect(cli.stderr().split('\n').filter((line) => line.length > 80 && !line.startsWith('device-login: '))).toEqual([]);
    expect(people).toContain(`scan the QR code on the TV; it leads to ${ready.issuer}, which the phone must reach`);
    expect(people).toMatch(/demo account is ON/);
    expect(people).toContain(`The TV (${new URL(ready.url).host}) still answers this computer only.`);
  });

  it('with --lan alone the demo account is off (other machines can reach the server), and it says how to add one', async () => {
    const { cli, ready } = await startWeb(['--lan']);
    expect(ready.demoUser ?? null).toBeNull();
    expect(cli.stderr().replace(/\s+/g, ' ')).toMatch(/The demo account is off: other machines can reach this server/);
    expect(cli.stderr()).toMatch(/device-login users add/);
  });

  it('--public-url (a tunnel or reverse proxy) is the address in the QR code and in the first lines', async () => {
    // A free port, named in the public URL: localhost stands for the proxy's name (no lookup leaves the machine).
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const publicUrl = `http://localhost:${port}`;

    const { cli, ready } = await startWeb(['--server-port', String(port), '--public-url', publicUrl]);
    expect(ready.issuer).toBe(publicUrl);
    const { code } = await codeOnTv(ready.hostUrl);
    expect(code!.qrText.startsWith(`${publicUrl}/device`)).toBe(true);
    expect(cli.stderr().replace(/\s+/g, ' ')).toContain(`it leads to ${publicUrl}, which the phone must reach.`);
  });

  it('refuses --lan with a provider configured (the QR code then carries the provider\'s address), exit code 2', async () => {
    const dir = await tempDir('device-login-web-lan-provider-');
    const cli = runCli(['web', '--lan', '--issuer', 'http://127.0.0.1:9', '--client-id', 'x', '--store', join(dir, 't.json')], {
      HOME: dir,
      XDG_CONFIG_HOME: dir,
    });
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toMatch(/--lan places the embedded server/);
  });
});

const noNetns = netnsUnavailable();
const describeNetns = noNetns ? describe.skip : describe;
describeNetns(`device-login web --lan seen from another machine (a network namespace)${noNetns ? `${SKIP_MARK}${noNetns}]` : ''}`, () => {
  /** Fetches `url` from inside `ns` with this Node.js; resolves with the status and body, or the error code. */
  async function fetchFrom(ns: ReturnType<typeof createNamespace>, url: string): Promise<{ status?: number; body?: string; error?: string }> {
    const script = `fetch(${JSON.stringify(url)}, { signal: AbortSignal.timeout(10000) }).then(async (r) => console.log(JSON.stringify({ status: r.status, body: await r.text() })), (e) => console.log(JSON.stringify({ error: e.cause?.code ?? e.name })))`;
    const { stdout, stderr } = await ns.run([process.execPath, '-e', script]);
    if (!stdout.trim()) throw new Error(`no answer from node in ${ns.name}: ${stderr}`);
    return JSON.parse(stdout) as { status?: number; body?: string; error?: string };
  }

  it('a phone on another network namespace opens the QR code\'s page; the TV host refuses it', async () => {
    const phone = createNamespace({ linked: true });
    defer(() => phone.remove());
    const { ready } = await startWeb(['--lan']);
    const { code } = await codeOnTv(ready.hostUrl);

    const opened = await fetchFrom(phone, code!.qrText);
    expect(opened.status).toBe(200);
    // oidc-provider's first answer posts the code on to its own verification page, on the LAN address.
    expect(opened.body).toContain(`action="${ready.issuer}/device"`);
    expect(opened.body).toContain(code!.userCode);

    const lanTv = new URL(ready.url);
    lanTv.hostname = new URL(ready.issuer).hostname;
    expect((await fetchFrom(phone, `${lanTv.origin}/bridge/state`)).error).toBe('ECONNREFUSED');
  });

  it('on a machine with no LAN address, --lan says so in one clear message and exits 2', async () => {
    const isolated = createNamespace({ linked: false });
    defer(() => isolated.remove());
    const dir = await tempDir('device-login-web-nolan-');
    const bin = join(ROOT, 'bin', 'device-login.js');
    const { code, stdout, stderr } = await isolated.run([
      'env', `HOME=${dir}`, `XDG_CONFIG_HOME=${dir}`, `PATH=${process.env.PATH ?? ''}`,
      process.execPath, bin, 'web', '--lan', '--port', '0', '--server-port', '0', '--data', join(dir, 'server'), '--store', join(dir, 't.json'),
    ], 90_000);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/No LAN address found on this machine: it has no network interface besides loopback\./);
    expect(stderr).toMatch(/--public-url/);
  });
});
