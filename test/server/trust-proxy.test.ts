// --trust-proxy (DESIGN.md's serve contract, issue 13): behind a reverse proxy every connection comes
// from the proxy, so the client's address must come from X-Forwarded-For, and only from the entry the
// proxy itself appends. Without the flag the header is ignored, so nobody can name their own address.
// Observed where a person sees it: the phone's confirm page names the address the code was asked from.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import type { Logger } from '../../core/ports.ts';
import { startServer, type RunningServer } from '../../server/app.ts';
import { runCli } from '../cli/run-cli.ts';
import { cleanupAfterEach } from '../fixtures/lifecycle.ts';
import { Phone } from '../fixtures/phone.ts';
import type { DeviceAuthorization } from './device-helpers.ts';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const { defer, tempDir } = cleanupAfterEach();
const servers: RunningServer[] = [];
const dirs: string[] = [];

afterAll(async () => {
  for (const server of servers) await server.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function start(trustProxy: boolean): Promise<RunningServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dl-trust-proxy-'));
  dirs.push(dataDir);
  const server = await startServer({ port: 0, dataDir, logger: quiet, ...(trustProxy ? { trustProxy } : {}) });
  servers.push(server);
  return server;
}

/** The device's request for a code, as it arrives through a proxy: the client's claim, then the proxy's entry. */
async function codeThroughProxy(base: string, headers: Record<string, string>): Promise<DeviceAuthorization> {
  const res = await fetch(`${base}/device/auth`, {
    method: 'POST',
    headers: { accept: 'application/json', ...headers },
    body: new URLSearchParams({ client_id: 'tv-demo', scope: 'openid' }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as DeviceAuthorization;
}

/** The confirm page the phone sees for that code: it names where the code was asked from. */
async function confirmPage(auth: DeviceAuthorization): Promise<string> {
  const page = await new Phone().openCode(auth.verification_uri_complete);
  expect(page.page).toBe('confirm');
  return page.html;
}

// A client's own claim first, then the address the proxy appended (RFC 7239's X-Forwarded-For order).
const FORWARDED = { 'x-forwarded-for': '198.51.100.66, 203.0.113.7', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example' };

describe('--trust-proxy', () => {
  it('with it, the address is the entry the proxy appended, never one the client wrote before it', async () => {
    const server = await start(true);
    const html = await confirmPage(await codeThroughProxy(server.url, FORWARDED));
    expect(html).toContain('203.0.113.7');
    expect(html).not.toContain('198.51.100.66');
  });

  it('without it, X-Forwarded-For is ignored: the address is the connection\'s own', async () => {
    const server = await start(false);
    const html = await confirmPage(await codeThroughProxy(server.url, FORWARDED));
    // The address as words on the page, not inside one of its links (http://127.0.0.1:port/...).
    expect(html).toMatch(/(?<![/\w.])127\.0\.0\.1(?![\d:])/);
    expect(html).not.toContain('203.0.113.7');
    expect(html).not.toContain('198.51.100.66');
  });

  it('scheme and host come from the public URL with or without it: X-Forwarded-Proto and -Host change no URL and no cookie', async () => {
    for (const trustProxy of [true, false]) {
      const server = await start(trustProxy);
      const auth = await codeThroughProxy(server.url, FORWARDED);
      expect(auth.verification_uri).toBe(`${server.url}/device`);
      const res = await fetch(`${server.url}/device`, { headers: FORWARDED });
      await res.arrayBuffer();
      const cookies = res.headers.getSetCookie();
      expect(cookies.length).toBeGreaterThan(0);
      for (const cookie of cookies) expect(cookie.toLowerCase()).not.toContain('secure');
    }
  });

  it('device-login serve --trust-proxy and web --trust-proxy pass it to the server they start', async () => {
    const dir = await tempDir('dl-trust-proxy-cli-');
    const serve = runCli(['serve', '--port', '0', '--data', join(dir, 'serve'), '--trust-proxy'], { HOME: dir });
    defer(async () => {
      if (serve.child.exitCode === null) serve.child.kill('SIGTERM');
      await serve.exited;
    });
    const served = (await serve.waitForJson(() => true, 30_000)) as { issuer: string };
    expect(await confirmPage(await codeThroughProxy(served.issuer, FORWARDED))).toContain('203.0.113.7');

    const web = runCli(
      ['web', '--port', '0', '--server-port', '0', '--data', join(dir, 'web'), '--store', join(dir, 'tokens.json'), '--trust-proxy'],
      { HOME: dir, XDG_CONFIG_HOME: dir },
    );
    defer(async () => {
      if (web.child.exitCode === null) web.child.kill('SIGTERM');
      await web.exited;
    });
    const hosted = (await web.waitForJson(() => true, 120_000)) as { issuer: string };
    expect(await confirmPage(await codeThroughProxy(hosted.issuer, FORWARDED))).toContain('203.0.113.7');
  });
});
