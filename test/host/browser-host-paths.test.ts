// The browser host's answer to paths a browser would never send: a malformed percent-escape is the
// caller's mistake (400), never a 500 with a stack trace in the log (issue 13, finding 6). A real
// listener on loopback; the controller is real too, pointed at a server that is never asked.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Logger } from '../../core/ports.ts';
import { startBrowserHost, type RunningBrowserHost } from '../../host/browser-host.ts';
import { systemClock } from '../../host/clock.ts';
import { DeviceController } from '../../host/device-controller.ts';
import { createAxiosHttpClient } from '../../host/http.ts';
import { createMemoryTokenStore } from '../../host/memory-token-store.ts';

const warnings: string[] = [];
const logger: Logger = { debug() {}, info() {}, warn: (message) => void warnings.push(message), error: (message) => void warnings.push(message) };

let dir: string;
let controller: DeviceController;
let host: RunningBrowserHost;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'device-login-host-paths-'));
  for (const folder of ['renderer', 'page', 'assets']) mkdirSync(join(dir, folder));
  writeFileSync(join(dir, 'renderer', 'index.html'), '<!doctype html><title>TV</title>');
  writeFileSync(join(dir, 'assets', 'poster é.txt'), 'poster');
  controller = await DeviceController.create({
    // Port 9 (discard) on loopback: nothing here signs in, so nothing is ever sent there.
    endpoints: { deviceAuthorizationEndpoint: 'http://127.0.0.1:9/device/auth', tokenEndpoint: 'http://127.0.0.1:9/token' },
    client: { clientId: 'tv-demo', scope: 'openid' },
    ports: { http: createAxiosHttpClient(), clock: systemClock, store: createMemoryTokenStore(), logger },
    displayName: 'test',
  });
  host = await startBrowserHost({
    controller,
    rendererDir: join(dir, 'renderer'),
    hostPageDir: join(dir, 'page'),
    assetsDir: join(dir, 'assets'),
    phoneCanEmbed: false,
    port: 0,
    logger,
  });
});

afterAll(async () => {
  await host?.close();
  await controller?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A raw GET: fetch() would re-encode the path, and the point is to send the bytes as they are. */
function get(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${host.origin}/`, { path }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('browser host: malformed paths', () => {
  it('answers 400 to a malformed percent-escape under /tv/, /host/ and /assets/, and logs no failure', async () => {
    for (const path of ['/tv/%E0%A4%A', '/host/%FF%FE', '/assets/%', '/assets/poster%zz.txt']) {
      const answer = await get(path);
      expect(answer.status, path).toBe(400);
      expect(JSON.parse(answer.body), path).toEqual({ error: { code: 'invalid_request', message: 'The path has a malformed percent-escape.' } });
    }
    expect(warnings).toEqual([]);
  });

  it('still serves a well-formed escape, and still refuses to climb out of its folder', async () => {
    expect(await get('/assets/poster%20%C3%A9.txt')).toEqual({ status: 200, body: 'poster' });
    expect((await get('/assets/..%2F..%2Fetc%2Fpasswd')).status).toBe(404);
  });
});
