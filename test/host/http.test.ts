import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceLoginError } from '../../core/errors.ts';
import { createAxiosHttpClient } from '../../host/http.ts';

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handler);
  return new Promise((resolve) =>
    server!.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server!.address() as AddressInfo).port}`)),
  );
}

describe('axios HttpClient adapter', () => {
  it('returns 4xx and 5xx answers as data with lower-case headers and the raw body', async () => {
    const url = await listen((_req, res) => {
      res.writeHead(503, { 'Retry-After': '7', 'Content-Type': 'application/json' });
      res.end('{"error":"temporarily_unavailable"}');
    });
    const res = await createAxiosHttpClient().request({ method: 'GET', url });
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('7');
    expect(res.body).toBe('{"error":"temporarily_unavailable"}');
  });

  it('posts forms as application/x-www-form-urlencoded and asks for JSON', async () => {
    let seen: { type?: string; accept?: string; body: string } = { body: '' };
    const url = await listen((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen = { type: req.headers['content-type'], accept: req.headers.accept, body };
        res.end('ok');
      });
    });
    await createAxiosHttpClient().request({ method: 'POST', url, form: { client_id: 'tv', scope: 'openid profile' } });
    expect(seen.type).toBe('application/x-www-form-urlencoded');
    expect(seen.accept).toBe('application/json');
    expect(new URLSearchParams(seen.body).get('scope')).toBe('openid profile');
  });

  it('sends DELETE with its headers and no body, and returns a 204 as an empty body', async () => {
    let seen: { method?: string; authorization?: string; length?: string; body: string } = { body: '' };
    const url = await listen((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen = { method: req.method, authorization: req.headers.authorization, length: req.headers['content-length'], body };
        res.writeHead(204);
        res.end();
      });
    });
    const res = await createAxiosHttpClient().request({ method: 'DELETE', url: `${url}/api/devices/d1`, headers: { Authorization: 'Bearer at' } });
    expect(res).toEqual({ status: 204, headers: expect.any(Object), body: '' });
    expect(seen).toEqual({ method: 'DELETE', authorization: 'Bearer at', length: undefined, body: '' });
  });

  it('holds a DELETE answer to the size limit like any other', async () => {
    const url = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ signedOut: 1, padding: 'x'.repeat(4096) }));
    });
    const err = await createAxiosHttpClient({ maxBodyBytes: 1024 })
      .request({ method: 'DELETE', url })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeviceLoginError);
    expect((err as DeviceLoginError).code).toBe('network');
  });

  it('rejects with code timeout when the server does not answer in time', async () => {
    const url = await listen(() => {
      /* never answers */
    });
    const started = Date.now();
    const err = await createAxiosHttpClient()
      .request({ method: 'GET', url, timeoutMs: 200 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeviceLoginError);
    expect((err as DeviceLoginError).code).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('rejects with code network when nothing listens', async () => {
    const url = await listen((_req, res) => res.end());
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    const err = await createAxiosHttpClient()
      .request({ method: 'GET', url })
      .catch((e: unknown) => e);
    expect((err as DeviceLoginError).code).toBe('network');
    // Refused before a connection existed: the server cannot have seen it (the machine's pacing uses this).
    expect((err as DeviceLoginError).unsent).toBe(true);
  });

  it('a connection the server reset after reading the request is not marked unsent', async () => {
    const url = await listen((req) => req.socket.destroy());
    const err = await createAxiosHttpClient()
      .request({ method: 'POST', url, form: { a: 'b' } })
      .catch((e: unknown) => e);
    expect((err as DeviceLoginError).code).toBe('network');
    expect((err as DeviceLoginError).unsent).toBeUndefined();
  });

  it('rejects with code aborted when the caller cancels', async () => {
    const url = await listen(() => {});
    const controller = new AbortController();
    const pending = createAxiosHttpClient().request({ method: 'GET', url, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const err = await pending.catch((e: unknown) => e);
    expect((err as DeviceLoginError).code).toBe('aborted');
  });
});
