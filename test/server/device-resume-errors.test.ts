// Issue 13, finding 6: `GET /device/abcdef` without a cookie and `/device/%FF%FE` answered 500 with a
// stack trace in the log (oidc-provider keeping the xsrf secret of a session it never saved). They
// are a person's mistakes (an old tab, a mangled link): a 400 page in their language, and nothing at
// error level in the log.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Logger } from '../../core/ports.ts';
import { startServer, type RunningServer } from '../../server/app.ts';
import { Phone } from '../fixtures/phone.ts';

const logged: Array<{ level: string; message: string }> = [];
const recording: Logger = {
  debug() {},
  info() {},
  warn(message) {
    logged.push({ level: 'warn', message });
  },
  error(message) {
    logged.push({ level: 'error', message });
  },
};

let server: RunningServer;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'dl-resume-errors-'));
  server = await startServer({ port: 0, dataDir, logger: recording });
});
afterAll(async () => {
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the device resume route answers a person, not a stack trace', () => {
  it('GET /device/abcdef without a cookie: 400 "This page has expired", in English and in Traditional Chinese', async () => {
    const english = await new Phone().get(`${server.url}/device/abcdef`);
    expect(english.status).toBe(400);
    expect(english.page).toBe('unknown');
    expect(english.html).toContain('This page has expired');
    expect(english.html).toContain('href="/device"');

    const chinese = await new Phone({ acceptLanguage: 'zh-TW' }).get(`${server.url}/device/abcdef`);
    expect(chinese.status).toBe(400);
    expect(chinese.html).toContain('此頁面已過期');
    expect(chinese.html).toContain('lang="zh-Hant-TW"');
  });

  it('GET /device/%FF%FE (not UTF-8 percent-encoding): 400 "This link isn\'t valid", in both languages', async () => {
    const english = await new Phone().get(`${server.url}/device/%FF%FE`);
    expect(english.status).toBe(400);
    expect(english.page).toBe('bad-link');
    expect(english.html).toContain('This link isn&#39;t valid');

    const chinese = await new Phone({ acceptLanguage: 'zh-TW' }).get(`${server.url}/device/%FF%FE`);
    expect(chinese.status).toBe(400);
    expect(chinese.html).toContain('此連結無效');
  });

  it('a phone in the middle of a sign-in (with cookies) that opens a resume address it has no interaction for gets the same page', async () => {
    const auth = (await (await fetch(`${server.url}/device/auth`, { method: 'POST', body: new URLSearchParams({ client_id: server.clientId, scope: 'openid' }) })).json()) as {
      verification_uri_complete: string;
    };
    const phone = new Phone();
    expect((await phone.get(auth.verification_uri_complete)).page).toBe('confirm');
    const stray = await phone.get(`${server.url}/device/not-an-interaction`);
    expect(stray.status).toBe(400);
    expect(stray.page).toBe('unknown');
  });

  it('none of this reaches the log at error level', () => {
    expect(logged.filter((entry) => entry.level === 'error')).toEqual([]);
  });
});
