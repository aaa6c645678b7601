// The browser host frames the phone pages from its own origin: the server must allow exactly the
// origins it is given (and only its own otherwise).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../core/ports.ts';
import { startServer, type RunningServer } from '../../server/app.ts';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

describe('framing of the verification pages', () => {
  let dir: string;
  let server: RunningServer;
  const ancestors: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'device-login-framing-'));
    server = await startServer({ port: 0, dataDir: dir, frameAncestors: ancestors, logger: quiet });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('allows only its own origin by default', async () => {
    const res = await fetch(`${server.url}/device`);
    expect(res.headers.get('content-security-policy')).toMatch(/frame-ancestors 'self'(;|$)/);
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
  });

  it('allows an origin added after start-up, and still no other', async () => {
    ancestors.push('http://127.0.0.1:45678');
    const res = await fetch(`${server.url}/device`);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/frame-ancestors 'self' http:\/\/127\.0\.0\.1:45678(;|$)/);
    expect(csp).not.toMatch(/frame-ancestors[^;]*\*/);
    expect(res.headers.get('x-frame-options')).toBeNull();
  });
});
