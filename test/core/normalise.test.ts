// The quirk layer over plain {status, headers, body} values: no network needed, every case a row.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeviceLoginError } from '../../core/errors.ts';
import {
  normaliseDeviceAuthorizationResponse,
  normalisePollResponse,
  normaliseTokenResponse,
  normaliseUserinfoResponse,
  parseBody,
  parseHttpDate,
  parseRetryAfter,
  type NormaliseContext,
} from '../../core/normalise.ts';
import type { HttpResponse } from '../../core/ports.ts';

const NOW = 1_700_000_000_000;
const ctx: NormaliseContext = { endpoint: 'https://auth.example.test/oauth/token?secret=x', now: NOW };
const json = (status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});
const form = (status: number, body: string, headers: Record<string, string> = {}): HttpResponse => ({
  status,
  headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  body,
});
const raw = (status: number, body: string, headers: Record<string, string> = {}): HttpResponse => ({
  status,
  headers,
  body,
});

describe('parseBody', () => {
  it.each([
    ['a JSON object', '{"a":1}', { a: 1 }],
    [
      'a form',
      'error=authorization_pending&error_description=wait+please',
      { error: 'authorization_pending', error_description: 'wait please' },
    ],
    ['JSON whatever the content type', '  {"error":"slow_down"} ', { error: 'slow_down' }],
    ['an empty body', '', undefined],
    ['a JSON array', '[1,2]', undefined],
    ['broken JSON', '{"error":', undefined],
    ['an HTML page', '<html><body>Bad Gateway</body></html>', undefined],
    ['prose', 'Service Unavailable', undefined],
    ['prose with an equals sign', 'a = b means nothing', undefined],
  ])('reads %s', (_name, body, expected) => {
    expect(parseBody(body)).toEqual(expected);
  });
});

describe('Retry-After', () => {
  it.each([
    ['delta-seconds', '7', 7000],
    ['zero', '0', 0],
    ['an HTTP-date 30 s ahead', 'Tue, 14 Nov 2023 22:13:50 GMT', 30_000],
    ['an HTTP-date in the past', 'Tue, 14 Nov 2023 22:00:00 GMT', 0],
    ['garbage', 'soon', undefined],
    ['a negative number', '-5', undefined],
  ])('reads %s', (_name, value, expected) => {
    expect(parseRetryAfter({ 'retry-after': value }, NOW)).toBe(expected);
  });

  it('is undefined when the header is absent', () => {
    expect(parseRetryAfter({}, NOW)).toBeUndefined();
  });

  it('holds a date centuries ahead to the longest wait a timer can hold', () => {
    expect(parseRetryAfter({ 'retry-after': 'Fri, 31 Dec 9999 23:59:59 GMT' }, NOW)).toBe(10 * 365 * 24 * 3600 * 1000);
  });
});

describe('HTTP-date (RFC 9110 §5.6.7)', () => {
  const NOV_6_1994 = Date.UTC(1994, 10, 6, 8, 49, 37);

  it.each([
    ['IMF-fixdate', 'Sun, 06 Nov 1994 08:49:37 GMT'],
    ['the obsolete RFC 850 form', 'Sunday, 06-Nov-94 08:49:37 GMT'],
    ['the obsolete asctime form', 'Sun Nov  6 08:49:37 1994'],
    ['IMF-fixdate in lower case with spaces around', '  sun, 06 nov 1994 08:49:37 gmt '],
  ])('reads %s', (_name, text) => {
    expect(parseHttpDate(text)).toBe(NOV_6_1994);
  });

  it('reads asctime as GMT in any local time zone', () => {
    const zone = process.env.TZ;
    try {
      for (const tz of ['Asia/Taipei', 'America/Los_Angeles', 'UTC']) {
        process.env.TZ = tz;
        expect(parseHttpDate('Sun Nov  6 08:49:37 1994'), tz).toBe(NOV_6_1994);
      }
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });

  it.each([
    ['prose', 'soon'],
    ['a decimal number, which Date.parse takes for 5 July 2001', '7.5'],
    ['a bare number, which Date.parse takes for 1 January 2001', '1'],
    ['an ISO 8601 date', '1994-11-06T08:49:37Z'],
    ['an IMF-fixdate in another zone', 'Sun, 06 Nov 1994 08:49:37 PST'],
    ['an hour that does not exist', 'Sun, 06 Nov 1994 25:49:37 GMT'],
    ['a month that does not exist', 'Sun, 06 Foo 1994 08:49:37 GMT'],
    ['an empty string', ''],
  ])('refuses %s', (_name, text) => {
    expect(parseHttpDate(text)).toBeUndefined();
  });

  it('reads every IMF-fixdate as the instant it names', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_800_000 }), (ms) => {
        const date = new Date(Math.floor(ms / 1000) * 1000);
        expect(parseHttpDate(date.toUTCString())).toBe(date.getTime());
      }),
    );
  });
});

describe('poll responses', () => {
  const pollCases: Array<[string, HttpResponse, Record<string, unknown>]> = [
    ['RFC authorization_pending (400)', json(400, { error: 'authorization_pending' }), { kind: 'pending' }],
    [
      'authorization_pending of a poll the server held (Preference-Applied: wait=25)',
      json(400, { error: 'authorization_pending' }, { 'preference-applied': 'wait=25' }),
      { kind: 'pending', held: true },
    ],
    [
      'authorization_pending with a Preference-Applied that is not about waiting',
      json(400, { error: 'authorization_pending' }, { 'preference-applied': 'return=minimal' }),
      { kind: 'pending' },
    ],
    [
      'Google: authorization_pending with 428',
      json(428, { error: 'authorization_pending' }),
      { kind: 'pending' },
    ],
    [
      'Auth0: authorization_pending with 403',
      json(403, { error: 'authorization_pending' }),
      { kind: 'pending' },
    ],
    [
      'GitHub: authorization_pending with 200, form-encoded',
      form(200, 'error=authorization_pending&error_description=x'),
      { kind: 'pending' },
    ],
    [
      'GitHub: JSON error with 200 and a text/plain type',
      raw(200, '{"error":"authorization_pending"}', { 'content-type': 'text/plain' }),
      { kind: 'pending' },
    ],
    ['RFC slow_down', json(400, { error: 'slow_down' }), { kind: 'slow_down' }],
    ['Auth0: slow_down with 429', json(429, { error: 'slow_down' }), { kind: 'slow_down' }],
    [
      'GitHub: slow_down with a new interval',
      form(200, 'error=slow_down&interval=10'),
      { kind: 'slow_down', interval: 10 },
    ],
    [
      'GitHub JSON: slow_down with a numeric interval',
      json(200, { error: 'slow_down', interval: 15 }),
      { kind: 'slow_down', interval: 15 },
    ],
    [
      'a bare 429 with Retry-After',
      raw(429, '', { 'retry-after': '3' }),
      { kind: 'slow_down', retryAfterMs: 3000 },
    ],
    [
      'pending with Retry-After',
      json(400, { error: 'authorization_pending' }, { 'retry-after': '4' }),
      { kind: 'pending', retryAfterMs: 4000 },
    ],
    ['RFC access_denied', json(400, { error: 'access_denied' }), { kind: 'denied' }],
    ['Entra: authorization_declined', json(400, { error: 'authorization_declined' }), { kind: 'denied' }],
    ['RFC expired_token', json(400, { error: 'expired_token' }), { kind: 'expired' }],
    ['Auth0: invalid_grant after expiry', json(403, { error: 'invalid_grant' }), { kind: 'expired' }],
    ['Entra: bad_verification_code', json(400, { error: 'bad_verification_code' }), { kind: 'expired' }],
    ['GitHub: incorrect_device_code', form(200, 'error=incorrect_device_code'), { kind: 'expired' }],
    [
      '503 with an HTML page',
      raw(503, '<html>down</html>', { 'content-type': 'text/html', 'retry-after': '5' }),
      { kind: 'retry', retryAfterMs: 5000 },
    ],
    ['502 without a body', raw(502, ''), { kind: 'retry' }],
    ['500 with an OAuth error', json(500, { error: 'server_error' }), { kind: 'retry' }],
    ['temporarily_unavailable with 400', json(400, { error: 'temporarily_unavailable' }), { kind: 'retry' }],
    ['200 with an empty body', raw(200, ''), { kind: 'retry' }],
    [
      '200 with malformed JSON',
      raw(200, '{"access_token":', { 'content-type': 'application/json' }),
      { kind: 'retry' },
    ],
    [
      '200 with HTML (wrong content type, nothing to parse)',
      raw(200, '<html>captive portal</html>', { 'content-type': 'text/html' }),
      { kind: 'retry' },
    ],
    ['GitHub: device_flow_disabled', form(200, 'error=device_flow_disabled'), { kind: 'fatal' }],
    [
      'GitHub: incorrect_client_credentials',
      form(200, 'error=incorrect_client_credentials'),
      { kind: 'fatal' },
    ],
    ['invalid_client with 401', json(401, { error: 'invalid_client' }), { kind: 'fatal' }],
    ['unauthorized_client', json(400, { error: 'unauthorized_client' }), { kind: 'fatal' }],
    ['unsupported_grant_type', json(400, { error: 'unsupported_grant_type' }), { kind: 'fatal' }],
    ['invalid_scope', json(400, { error: 'invalid_scope' }), { kind: 'fatal' }],
    ['an unknown error', json(400, { error: 'something_new' }), { kind: 'fatal' }],
    ['404 without an OAuth error', raw(404, 'not found'), { kind: 'fatal' }],
    ['tokens without a token_type', json(200, { access_token: 'at' }), { kind: 'fatal' }],
    ['tokens of type mac', json(200, { access_token: 'at', token_type: 'mac' }), { kind: 'fatal' }],
  ];

  it.each(pollCases)('%s', (_name, res, expected) => {
    const outcome = normalisePollResponse(res, ctx);
    expect(outcome).toMatchObject(expected);
    if (!('retryAfterMs' in expected)) expect('retryAfterMs' in outcome).toBe(false);
    if (!('interval' in expected)) expect('interval' in outcome).toBe(false);
    if ('error' in outcome) expect(outcome.error).toBeInstanceOf(DeviceLoginError);
  });

  it.each([
    ['device_flow_disabled', 'Device flow is not enabled for this app at the provider'],
    ['incorrect_client_credentials', 'did not accept the client'],
    ['invalid_client', 'did not accept the client'],
    ['unauthorized_client', 'not allowed to use the device flow'],
    ['unsupported_grant_type', 'does not support the device authorization grant'],
    ['invalid_scope', 'refused the requested scope'],
  ])('%s is fatal with a message for a person', (error, message) => {
    const outcome = normalisePollResponse(json(400, { error }), ctx);
    expect(outcome.kind).toBe('fatal');
    if (outcome.kind === 'fatal') expect(outcome.error.message).toContain(message);
  });

  it('names the RFC code and keeps the body as sent for an alias', () => {
    const outcome = normalisePollResponse(
      json(400, { error: 'authorization_declined', error_description: 'no' }),
      ctx,
    );
    expect(outcome.kind).toBe('denied');
    if (outcome.kind === 'denied') {
      expect(outcome.error.code).toBe('access_denied');
      expect(outcome.error.oauth).toEqual({ error: 'authorization_declined', error_description: 'no' });
    }
    const expired = normalisePollResponse(json(400, { error: 'invalid_grant' }), ctx);
    if (expired.kind === 'expired') expect(expired.error.code).toBe('expired_token');
  });

  it('turns a token answer into a TokenSet with absolute expiry, bearer in any case', () => {
    for (const tokenType of ['bearer', 'Bearer', 'BEARER']) {
      const outcome = normalisePollResponse(
        json(200, {
          access_token: 'at',
          token_type: tokenType,
          expires_in: 3600,
          refresh_token: 'rt',
          id_token: 'a.b.c',
          scope: 'openid',
        }),
        ctx,
      );
      expect(outcome).toEqual({
        kind: 'tokens',
        tokens: {
          accessToken: 'at',
          tokenType,
          expiresAt: NOW + 3_600_000,
          refreshToken: 'rt',
          idToken: 'a.b.c',
          scope: 'openid',
        },
      });
    }
  });

  it('reads a form-encoded token answer (GitHub without Accept: JSON)', () => {
    const outcome = normalisePollResponse(
      form(200, 'access_token=gho_abc&scope=read%3Auser&token_type=bearer'),
      ctx,
    );
    expect(outcome).toEqual({
      kind: 'tokens',
      tokens: { accessToken: 'gho_abc', tokenType: 'bearer', scope: 'read:user' },
    });
  });

  it('never puts the token, the response body or the endpoint path into a message', () => {
    const outcome = normalisePollResponse(
      json(200, { access_token: 'SECRET-TOKEN', token_type: 'mac' }),
      ctx,
    );
    expect(outcome.kind).toBe('fatal');
    if (outcome.kind === 'fatal') {
      expect(outcome.error.message).not.toContain('SECRET-TOKEN');
      expect(outcome.error.message).not.toContain('secret=x');
      expect(outcome.error.message).toContain('https://auth.example.test');
      expect(outcome.error.message).toContain('Bearer');
    }
  });

  it('returns an outcome (never throws) for any status and body', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 599 }),
        fc.string(),
        fc.option(fc.string()),
        (status, body, retryAfter) => {
          const headers: Record<string, string> = retryAfter === null ? {} : { 'retry-after': retryAfter };
          const outcome = normalisePollResponse({ status, headers, body }, ctx);
          expect(['tokens', 'pending', 'slow_down', 'denied', 'expired', 'retry', 'fatal']).toContain(
            outcome.kind,
          );
        },
      ),
    );
  });
});

describe('device authorization responses', () => {
  const good = {
    device_code: 'dc',
    user_code: 'WDJB-MJHT',
    verification_uri: 'https://auth.example.test/device',
    verification_uri_complete: 'https://auth.example.test/device?user_code=WDJB-MJHT',
    expires_in: 900,
    interval: 3,
  };

  it('validates the RFC shape into absolute expiry', () => {
    expect(normaliseDeviceAuthorizationResponse(json(200, good), ctx)).toEqual({
      deviceCode: 'dc',
      userCode: 'WDJB-MJHT',
      verificationUri: 'https://auth.example.test/device',
      verificationUriComplete: 'https://auth.example.test/device?user_code=WDJB-MJHT',
      expiresAt: NOW + 900_000,
      interval: 3,
      issuedAt: NOW,
    });
  });

  it('reads the long-poll announcement (device_authorization_long_poll_max_wait) and ignores a broken one', () => {
    const read = (value: unknown) =>
      normaliseDeviceAuthorizationResponse(json(200, { ...good, device_authorization_long_poll_max_wait: value }), ctx)
        .longPollMaxWait;
    expect(read(30)).toBe(30);
    expect(read('20')).toBe(20);
    for (const broken of [0, -5, 2.5, 'soon', true, null]) expect(read(broken)).toBeUndefined();
    expect(normaliseDeviceAuthorizationResponse(json(200, good), ctx).longPollMaxWait).toBeUndefined();
  });

  it('accepts Google verification_url, defaults the interval to 5 and keeps Entra message', () => {
    const { verification_uri: uri, verification_uri_complete: _c, interval: _i, ...rest } = good;
    const out = normaliseDeviceAuthorizationResponse(
      json(200, { ...rest, verification_url: uri, message: 'Open the page and enter the code.' }),
      ctx,
    );
    expect(out.verificationUri).toBe(uri);
    expect(out.interval).toBe(5);
    expect(out.verificationUriComplete).toBeUndefined();
    expect(out.message).toBe('Open the page and enter the code.');
  });

  it('reads a form-encoded answer with numbers as strings (GitHub)', () => {
    const out = normaliseDeviceAuthorizationResponse(
      form(
        200,
        'device_code=dc&user_code=ABCD-1234&verification_uri=https%3A%2F%2Fgithub.com%2Flogin%2Fdevice&expires_in=899&interval=5',
      ),
      ctx,
    );
    expect(out).toMatchObject({
      userCode: 'ABCD-1234',
      verificationUri: 'https://github.com/login/device',
      expiresAt: NOW + 899_000,
      interval: 5,
    });
  });

  it.each([-1, 0, 'fast'])(
    'polls at the default 5 s, with a warning, when the interval is %s',
    (interval) => {
      const warnings: string[] = [];
      const out = normaliseDeviceAuthorizationResponse(json(200, { ...good, interval }), {
        ...ctx,
        warn: (m) => warnings.push(m),
      });
      expect(out.interval).toBe(5);
      expect(warnings).toEqual([expect.stringContaining('interval')]);
    },
  );

  it('drops a verification_uri_complete on another origin, with a warning', () => {
    const warnings: string[] = [];
    const out = normaliseDeviceAuthorizationResponse(
      json(200, {
        ...good,
        verification_uri_complete: 'https://evil.example.test/device?user_code=WDJB-MJHT',
      }),
      { ...ctx, warn: (m) => warnings.push(m) },
    );
    expect(out.verificationUriComplete).toBeUndefined();
    expect(out.verificationUri).toBe(good.verification_uri);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('origin');
  });

  it.each([
    ['device_code missing', { ...good, device_code: undefined }, 'device_code missing'],
    [
      'user_code and verification_uri missing',
      { ...good, user_code: '', verification_uri: undefined },
      'user_code, verification_uri missing',
    ],
    [
      'verification_uri not http(s)',
      { ...good, verification_uri: 'javascript:alert(1)' },
      'not an absolute http(s) URL',
    ],
    ['verification_uri relative', { ...good, verification_uri: '/device' }, 'not an absolute http(s) URL'],
    ['expires_in missing', { ...good, expires_in: undefined }, 'expires_in'],
    ['expires_in zero', { ...good, expires_in: 0 }, 'expires_in'],
    ['expires_in a word', { ...good, expires_in: 'soon' }, 'expires_in'],
  ])('rejects a response with %s as invalid_response', (_name, body, message) => {
    let caught: unknown;
    try {
      normaliseDeviceAuthorizationResponse(json(200, body), ctx);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(DeviceLoginError);
    expect((caught as DeviceLoginError).code).toBe('invalid_response');
    expect((caught as DeviceLoginError).message).toContain(message);
    expect((caught as DeviceLoginError).message).toContain('https://auth.example.test');
    expect((caught as DeviceLoginError).message).not.toContain('"dc"');
  });

  it.each([
    [
      'an OAuth error with 200 (GitHub)',
      form(200, 'error=device_flow_disabled'),
      'device_flow_disabled',
      'Device flow is not enabled',
    ],
    ['invalid_client with 401', json(401, { error: 'invalid_client' }), 'invalid_client', 'client'],
    ['a 503 page', raw(503, '<html/>', { 'content-type': 'text/html' }), 'server_error', 'HTTP 503'],
    ['an empty 200', raw(200, ''), 'invalid_response', 'empty body'],
    ['a 404 page', raw(404, 'nope', { 'content-type': 'text/plain' }), 'invalid_response', 'HTTP 404'],
  ])('throws a readable error for %s', (_name, res, code, message) => {
    expect(() => normaliseDeviceAuthorizationResponse(res, ctx)).toThrow(
      expect.objectContaining({ code, message: expect.stringContaining(message) }),
    );
  });
});

describe('token responses (refresh)', () => {
  it('throws invalid_grant when the refresh token is dead, even with HTTP 200 (GitHub)', () => {
    expect(() => normaliseTokenResponse(form(200, 'error=invalid_grant'), ctx)).toThrow(
      expect.objectContaining({ code: 'invalid_grant' }),
    );
    expect(() => normaliseTokenResponse(json(400, { error: 'invalid_grant' }), ctx)).toThrow(
      expect.objectContaining({ code: 'invalid_grant' }),
    );
  });

  it.each([
    ['access_token missing', { token_type: 'Bearer' }, 'access_token missing'],
    ['token_type missing', { access_token: 'at' }, 'token_type missing'],
    ['token_type DPoP', { access_token: 'at', token_type: 'DPoP' }, 'only use Bearer'],
    ['expires_in negative', { access_token: 'at', token_type: 'Bearer', expires_in: -3 }, 'expires_in'],
  ])('rejects %s', (_name, body, message) => {
    expect(() => normaliseTokenResponse(json(200, body), ctx)).toThrow(
      expect.objectContaining({ code: 'invalid_response', message: expect.stringContaining(message) }),
    );
  });
});

describe('userinfo responses', () => {
  it('reads OIDC userinfo', () => {
    expect(
      normaliseUserinfoResponse(
        json(200, { sub: 's1', name: 'Ada', email: 'a@x.test', picture: 'https://x.test/a.png' }),
        ctx,
      ),
    ).toEqual({
      sub: 's1',
      name: 'Ada',
      email: 'a@x.test',
      picture: 'https://x.test/a.png',
    });
  });

  it('reads the GitHub user shape (numeric id, login, avatar_url)', () => {
    expect(
      normaliseUserinfoResponse(
        json(200, { id: 583231, login: 'octocat', name: null, avatar_url: 'https://x.test/o.png' }),
        ctx,
      ),
    ).toEqual({
      sub: '583231',
      name: 'octocat',
      picture: 'https://x.test/o.png',
    });
  });

  it('rejects userinfo without sub, and a 401 as invalid_token', () => {
    expect(() => normaliseUserinfoResponse(json(200, { name: 'x' }), ctx)).toThrow(
      expect.objectContaining({ code: 'invalid_response' }),
    );
    expect(() => normaliseUserinfoResponse(raw(401, ''), ctx)).toThrow(
      expect.objectContaining({ code: 'invalid_token' }),
    );
  });
});
